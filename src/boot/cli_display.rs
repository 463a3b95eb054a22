//! `wso-tracker display create|list|revoke`: wall displays from the command line.

use chrono::{DateTime, Utc};
use clap::Subcommand;
use sqlx::PgPool;

use crate::services::{accounts::Actor, displays};

#[derive(Subcommand, Debug)]
pub enum DisplayCommand {
    /// Create a wall display for a facility; its path `/display/<token>` is printed alone on the
    /// last line (shown once; only its hash is stored). For a physically secure room.
    Create {
        facility_code: String,
        /// Where the screen is, e.g. "Control room, north wall".
        #[arg(long)]
        name: Option<String>,
    },
    /// List displays: id, facility, name, created, last seen, state (never the path).
    List,
    /// Revoke a display by its id (from `display list`): its screen stops at once.
    Revoke { id: i64 },
}

pub async fn run(pool: &PgPool, command: DisplayCommand, now: DateTime<Utc>) -> anyhow::Result<()> {
    match command {
        DisplayCommand::Create { facility_code, name } => {
            let (d, path) = displays::create(pool, &facility_code, name.as_deref(), Actor::CLI, now)
                .await
                .map_err(super::cli::one_line)?;
            println!(
                "display {} \"{}\" for {} (the path is shown once; open it on the wall screen):",
                d.id, d.name, d.facility_code
            );
            println!("{path}");
        }
        DisplayCommand::List => {
            println!("id\tfacility\tname\tcreated\tlast_seen\tstate");
            for d in crate::db::displays::all(pool, None).await? {
                let seen = d.last_seen_at.map_or("never".to_string(), |t| t.to_rfc3339());
                let state = d
                    .revoked_at
                    .map_or("live".to_string(), |t| format!("revoked {}", t.to_rfc3339()));
                println!(
                    "{}\t{}\t{}\t{}\t{seen}\t{state}",
                    d.id,
                    d.facility_code,
                    d.name,
                    d.created_at.to_rfc3339()
                );
            }
        }
        DisplayCommand::Revoke { id } => {
            let d = displays::revoke(pool, id, Actor::CLI, now)
                .await
                .map_err(super::cli::one_line)?;
            println!("display {} \"{}\" for {} revoked", d.id, d.name, d.facility_code);
        }
    }
    Ok(())
}
