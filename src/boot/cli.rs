//! The `wso-tracker` command line: one contract for people, scripts and later issues.

use std::io::{BufRead, IsTerminal};
use std::net::SocketAddr;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};

use crate::boot::DatabaseTarget;
use crate::clock::Clock;
use crate::config::Config;

use crate::db::scope::RowScope;
use crate::error::AppError;
use crate::services::accounts::{self, Actor, NewUser};
use crate::services::identity;
use crate::state::AppState;

#[derive(Parser, Debug)]
#[command(
    name = "wso-tracker",
    version = concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("WSO_COMMIT"), ")"),
    about = "Booking-to-transfer case tracker for ICE's Warrant Service Officer program",
    // `--help` reads like a manual page: description, environment, files, exit status.
    after_long_help = include_str!("help.txt")
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the web server (the default command).
    Serve {
        /// Address to listen on [default: WSO_BIND or 127.0.0.1:3000].
        #[arg(long)]
        bind: Option<SocketAddr>,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Manage agencies (sheriff's offices) of a shared installation (docs/agencies.md).
    Agency {
        #[command(subcommand)]
        command: super::cli_agency::AgencyCommand,
    },
    /// Manage detention facilities.
    Facility {
        #[command(subcommand)]
        command: FacilityCommand,
    },
    /// Manage staff accounts.
    User {
        #[command(subcommand)]
        command: super::cli_user::UserCommand,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Manage wall displays (a facility's board on a control-room screen).
    Display {
        #[command(subcommand)]
        command: super::cli_display::DisplayCommand,
    },
    /// Import bookings from a jail system's file (docs/imports.md).
    Import {
        #[command(subcommand)]
        command: super::cli_import::ImportCommand,
    },
    /// The key file of the secrets stored encrypted (WSO_SECRET_KEY_FILE; decision 0033).
    Secrets {
        #[command(subcommand)]
        command: super::cli_secrets::SecretsCommand,
    },
    /// Check the audit log's hash chain.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Walk the whole chain: print the number of entries and the head hash and exit 0, or name
    /// the first entry that does not match and exit 1.
    /// Without `--agency`: every chain, the installation's first, then each agency's.
    Verify {
        /// A head saved elsewhere earlier (`SEQ:HEX`, from `audit head`): the chain must still
        /// hold it, else exit 1 (entries removed from the end are found only so). It is the
        /// installation's chain's head, or with `--agency` that agency's.
        #[arg(long, value_name = "SEQ:HEX")]
        head: Option<String>,
        /// Only this agency's chain (decision 0037).
        #[arg(long, value_name = "CODE")]
        agency: Option<String>,
    },
    /// Print the current head hash of the installation's chain, or with `--agency` of that
    /// agency's (keep it outside the system to prove later that nothing before it changed).
    Head {
        #[arg(long, value_name = "CODE")]
        agency: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum FacilityCommand {
    /// Add a facility, e.g. `facility add RCDC --name "Rockingham County Detention Center" --timezone America/New_York`.
    Add {
        code: String,
        #[arg(long)]
        name: String,
        /// IANA time zone, e.g. America/New_York.
        #[arg(long)]
        timezone: String,
        /// The facility has an Intergovernmental Service Agreement with ICE.
        #[arg(long)]
        igsa: bool,
        /// The agency that owns it (may be left out while the installation has one agency).
        #[arg(long)]
        agency: Option<String>,
    },
    /// Set a facility's shift start times, local (default 07:00,19:00), e.g.
    /// `facility shifts RCDC 06:00,14:00,22:00`: the shift handover's periods.
    Shifts { code: String, starts: String },
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Create an API token acting as USERNAME; printed alone on the last line.
    Create {
        username: String,
        /// Days until it expires (default 90, at most 366).
        #[arg(long)]
        expires_in_days: Option<i64>,
    },
    /// List USERNAME's tokens: id, created, expires, last used (never the token).
    List { username: String },
    /// Revoke a token by its id (from `token list`).
    Revoke { token_id: i64 },
}

/// Runs a command to completion. The private cluster (if any) is started on this thread before
/// the async runtime, and stopped after it, when this process started it.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let mut config = Config::from_env()?;
    // Refuses a remote database without TLS (unless allowed) before anything connects.
    let mut target = DatabaseTarget::from_config(&config)?;
    config.plaintext_database = target.plaintext.clone();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let result = runtime.block_on(dispatch(
        cli.command.unwrap_or(Command::Serve { bind: None }),
        config,
        &target,
    ));
    drop(runtime);
    if let Some(cluster) = target.cluster.as_mut() {
        cluster.stop();
    }
    result
}

async fn dispatch(command: Command, config: Config, target: &DatabaseTarget) -> anyhow::Result<()> {
    // The server's requests see the rows their users may (none until they sign in); a
    // command is the operator at the machine: every row (`db::scope`, decision 0036).
    let rows = match command {
        Command::Serve { .. } => RowScope::Nothing,
        _ => RowScope::System,
    };
    let pool = target.prepare(rows).await?;
    let clock = Clock::System;
    let now = clock.now();
    let result = match command {
        Command::Serve { bind } => {
            let bind = bind.unwrap_or(config.bind);
            crate::db::scope::system(super::cli_secrets::ready(&pool, &config.secrets)).await?;
            crate::boot::server::serve(AppState::new(pool.clone(), clock, config), bind).await
        }
        Command::Migrate => {
            println!("migrations applied");
            Ok(())
        }
        Command::Facility {
            command:
                FacilityCommand::Add {
                    code,
                    name,
                    timezone,
                    igsa,
                    agency,
                },
        } => {
            let f = accounts::create_facility(
                &pool,
                (&code, &name),
                (&timezone, igsa),
                agency.as_deref(),
                Actor::CLI,
                now,
            )
            .await
            .map_err(one_line)?;
            println!(
                "facility {} ({}) added, time zone {}{}",
                f.code,
                f.name,
                f.timezone,
                if f.igsa { ", IGSA" } else { "" }
            );
            Ok(())
        }
        Command::Facility {
            command: FacilityCommand::Shifts { code, starts },
        } => {
            let starts = crate::domain::handover::parse_starts(&starts).map_err(|m| anyhow::anyhow!("starts: {m}"))?;
            accounts::set_shift_starts(&pool, &code, &starts, Actor::CLI, now)
                .await
                .map_err(one_line)?;
            let words: Vec<String> = starts.iter().map(|t| t.format("%H:%M").to_string()).collect();
            println!("facility {code}: shifts start at {}", words.join(", "));
            Ok(())
        }
        Command::User {
            command:
                super::cli_user::UserCommand::Add {
                    username,
                    role,
                    agencies,
                    facilities,
                    email,
                    name,
                    api_only,
                },
        } => {
            let password = if api_only { String::new() } else { read_password()? };
            let input = NewUser {
                full_name: name,
                username: username.clone(),
                role,
                email,
                facilities,
                agencies,
                password,
                api_only,
            };
            accounts::create_user(&pool, input, Actor::CLI, now)
                .await
                .map_err(one_line)?;
            println!("user {} added", username.trim());
            Ok(())
        }

        Command::User {
            command: super::cli_user::UserCommand::Grant { username, facility },
        } => super::cli_agency::grant(&pool, &username, &facility, true, now).await,
        Command::User {
            command: super::cli_user::UserCommand::RevokeGrant { username, facility },
        } => super::cli_agency::grant(&pool, &username, &facility, false, now).await,
        Command::User { command } => super::cli_user::run(&pool, command, now).await,
        Command::Agency { command } => super::cli_agency::run(&pool, &config.secrets, command, now).await,
        Command::Display { command } => super::cli_display::run(&pool, command, now).await,
        Command::Import { command } => super::cli_import::run(&pool, command, now).await,
        Command::Secrets { command } => super::cli_secrets::run(&pool, &config.secrets, command).await,
        Command::Token {
            command: TokenCommand::Create {
                username,
                expires_in_days,
            },
        } => {
            let (id, token) = identity::create_token(&pool, &username, expires_in_days, Actor::CLI, now)
                .await
                .map_err(one_line)?;
            println!("API token {id} for {username} (shown once; only its hash is stored):");
            println!("{token}");
            Ok(())
        }
        Command::Token {
            command: TokenCommand::List { username },
        } => {
            let (_, tokens) = identity::tokens_of(&pool, &username).await.map_err(one_line)?;
            println!("id\tcreated\texpires\tlast_used\tstate");
            for t in tokens {
                let state = match (t.revoked_at, t.expires_at > now) {
                    (Some(_), _) => "revoked",
                    (None, false) => "expired",
                    (None, true) => "live",
                };
                let used = t.last_used_at.map_or("never".to_string(), |u| u.to_rfc3339());
                println!(
                    "{}\t{}\t{}\t{used}\t{state}",
                    t.id,
                    t.created_at.to_rfc3339(),
                    t.expires_at.to_rfc3339()
                );
            }
            Ok(())
        }
        Command::Audit {
            command: AuditCommand::Verify { head, agency },
        } => {
            let result = super::cli_audit::verify(&pool, agency.as_deref(), head.as_deref()).await;
            if result.is_err() {
                pool.close().await;
            }
            result
        }
        Command::Audit {
            command: AuditCommand::Head { agency },
        } => super::cli_audit::head(&pool, agency.as_deref()).await,
        Command::Token {
            command: TokenCommand::Revoke { token_id },
        } => {
            identity::revoke_token(&pool, token_id, Actor::CLI, now)
                .await
                .map_err(one_line)?;
            println!("token {token_id} revoked");
            Ok(())
        }
    };
    pool.close().await;
    result
}

/// Validation errors name their field, on one line.
pub(super) fn one_line(e: AppError) -> anyhow::Error {
    match e {
        AppError::Validation(errors) => {
            let parts: Vec<String> = errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect();
            anyhow::anyhow!("{}", parts.join("; "))
        }
        other => anyhow::anyhow!("{other}"),
    }
}

/// One line from standard input when it is not a terminal; otherwise a hidden prompt, twice.
fn read_password() -> anyhow::Result<String> {
    if !std::io::stdin().is_terminal() {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("reading the password from standard input")?;
        let password = line.trim_end_matches(['\n', '\r']).to_string();
        if password.is_empty() {
            bail!("password: no password on standard input");
        }
        return Ok(password);
    }
    let first = rpassword::prompt_password("Password: ")?;
    let second = rpassword::prompt_password("Repeat password: ")?;
    if first != second {
        bail!("password: the two entries differ");
    }
    Ok(first)
}
