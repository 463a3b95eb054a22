//! The `wso-tracker` command line: one contract for people, scripts and later issues.

use std::io::{BufRead, IsTerminal};
use std::net::SocketAddr;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};

use crate::boot::DatabaseTarget;
use crate::clock::Clock;
use crate::config::Config;
use crate::db;
use crate::error::AppError;
use crate::services::accounts::{self, Actor, NewUser};
use crate::state::AppState;

#[derive(Parser, Debug)]
#[command(
    name = "wso-tracker",
    version,
    about = "Booking-to-transfer case tracker for ICE's Warrant Service Officer program"
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
    /// Manage detention facilities.
    Facility {
        #[command(subcommand)]
        command: FacilityCommand,
    },
    /// Manage staff accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
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
    },
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Add an account; the password is read from standard input (one line) or prompted.
    Add {
        username: String,
        /// officer, supervisor, ice_liaison or admin.
        #[arg(long)]
        role: String,
        /// A facility code the user works at (repeatable).
        #[arg(long = "facility")]
        facilities: Vec<String>,
        /// Where alerts for this user are sent.
        #[arg(long)]
        email: Option<String>,
    },
    /// Unlock an account locked after failed sign-ins.
    Unlock { username: String },
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Create an API token acting as USERNAME; printed alone on the last line.
    Create { username: String },
}

/// Runs a command to completion. The private cluster (if any) is started on this thread before
/// the async runtime, and stopped after it, when this process started it.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let config = Config::from_env()?;
    let mut target = DatabaseTarget::from_config(&config)?;
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
    let pool = target.pool().await?;
    db::migrate(&pool).await?;
    let clock = Clock::System;
    let now = clock.now();
    let result = match command {
        Command::Serve { bind } => {
            let bind = bind.unwrap_or(config.bind);
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
                },
        } => {
            let f = accounts::create_facility(&pool, &code, &name, &timezone, igsa, Actor::CLI, now)
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
        Command::User {
            command:
                UserCommand::Add {
                    username,
                    role,
                    facilities,
                    email,
                },
        } => {
            let password = read_password()?;
            let input = NewUser {
                username: username.clone(),
                role,
                email,
                facilities,
                password,
            };
            accounts::create_user(&pool, input, Actor::CLI, now)
                .await
                .map_err(one_line)?;
            println!("user {} added", username.trim());
            Ok(())
        }
        Command::User {
            command: UserCommand::Unlock { username },
        } => {
            let user = db::users::by_username(&pool, &username)
                .await?
                .with_context(|| format!("there is no user `{username}`"))?;
            accounts::unlock_user(&pool, user.id, Actor::CLI, now)
                .await
                .map_err(one_line)?;
            println!("user {username} unlocked");
            Ok(())
        }
        Command::Token {
            command: TokenCommand::Create { username },
        } => {
            let token = accounts::create_token(&pool, &username, Actor::CLI, now)
                .await
                .map_err(one_line)?;
            println!("API token for {username} (shown once; only its hash is stored):");
            println!("{token}");
            Ok(())
        }
    };
    pool.close().await;
    result
}

/// Validation errors name their field, on one line.
fn one_line(e: AppError) -> anyhow::Error {
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
