//! `wso-tracker user ...`: staff accounts from the command line (the command line acts as the
//! installation's operator).

use chrono::{DateTime, Utc};
use clap::Subcommand;
use sqlx::PgPool;

use super::cli::one_line;
use crate::services::accounts::{self, Actor};
use crate::services::identity;

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Add an account; the password is read from standard input (one line) or prompted.
    Add {
        username: String,
        /// officer, supervisor, ice_liaison, admin, operator or oversight.
        #[arg(long)]
        role: String,
        /// The agency an officer, supervisor or admin belongs to (may be left out while the
        /// installation has one agency); the agencies an oversight account sees (repeatable).
        #[arg(long = "agency")]
        agencies: Vec<String>,
        /// A facility code the user works at; for an ICE liaison a grant (repeatable).
        #[arg(long = "facility")]
        facilities: Vec<String>,
        /// Where alerts for this user are sent.
        #[arg(long)]
        email: Option<String>,
        /// The person's name, as pages show them ("Jane Doe").
        #[arg(long)]
        name: Option<String>,
        /// A service account for a jail system or an ICE-side tool: no password, no web
        /// sign-in, acts only through API tokens (and cannot be locked by guessing).
        #[arg(long)]
        api_only: bool,
    },
    /// Unlock an account locked after failed sign-ins.
    Unlock { username: String },
    /// Disable an account: no sign-in, its tokens answer 401, its sessions end at once.
    Disable { username: String },
    /// Enable a disabled account.
    Enable { username: String },
    /// Set a one-time temporary password (printed alone on the last line); the user must choose a
    /// new one at the next sign-in. Every session of the account ends.
    ResetPassword { username: String },
    /// Forget the user's authenticator: they enrol again at the next sign-in.
    ResetMfa { username: String },
    /// Grant a facility to an account (an ICE liaison may hold facilities of several agencies).
    Grant {
        username: String,
        #[arg(long)]
        facility: String,
    },
    /// Take a facility back: its cases leave the account's board and streams at once.
    RevokeGrant {
        username: String,
        #[arg(long)]
        facility: String,
    },
}

/// `user unlock|disable|enable|reset-password|reset-mfa USERNAME`.
pub async fn run(pool: &PgPool, command: UserCommand, now: DateTime<Utc>) -> anyhow::Result<()> {
    let name = match &command {
        UserCommand::Add { username, .. }
        | UserCommand::Grant { username, .. }
        | UserCommand::RevokeGrant { username, .. }
        | UserCommand::Unlock { username }
        | UserCommand::Disable { username }
        | UserCommand::Enable { username }
        | UserCommand::ResetPassword { username }
        | UserCommand::ResetMfa { username } => username.clone(),
    };
    let user = identity::by_username(pool, &name).await.map_err(one_line)?;
    let actor = Actor::CLI;
    match command {
        UserCommand::Add { .. } | UserCommand::Grant { .. } | UserCommand::RevokeGrant { .. } => {
            unreachable!("handled by dispatch")
        }
        UserCommand::Unlock { .. } => {
            accounts::unlock_user(pool, user.id, actor, now)
                .await
                .map_err(one_line)?;
            println!("user {name} unlocked");
        }
        UserCommand::Disable { .. } => {
            identity::set_disabled(pool, user.id, true, actor, now)
                .await
                .map_err(one_line)?;
            println!("user {name} disabled: sessions ended, tokens refused");
        }
        UserCommand::Enable { .. } => {
            identity::set_disabled(pool, user.id, false, actor, now)
                .await
                .map_err(one_line)?;
            println!("user {name} enabled");
        }
        UserCommand::ResetPassword { .. } => {
            let temporary = identity::reset_password(pool, user.id, actor, now)
                .await
                .map_err(one_line)?;
            println!("temporary password for {name} (works once; a new one must be chosen at the next sign-in):");
            println!("{temporary}");
        }
        UserCommand::ResetMfa { .. } => {
            identity::reset_mfa(pool, user.id, actor, now).await.map_err(one_line)?;
            println!("authenticator of {name} reset: they enrol again at the next sign-in");
        }
    }
    Ok(())
}
