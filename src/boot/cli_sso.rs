//! `wso-tracker agency sso set|show|disable`: an agency's identity provider from the command
//! line (issue 29; docs/single-sign-on.md). The command line acts as the installation's operator.

use chrono::{DateTime, Utc};
use clap::Subcommand;
use sqlx::PgPool;

use crate::secrets::Keyring;
use crate::services::accounts::Actor;
use crate::services::sso_config::{self, Settings};

#[derive(Subcommand, Debug)]
pub enum SsoCommand {
    /// Sign the agency's people in with its OpenID Connect provider, e.g.
    /// `agency sso set WAKE-SO --issuer https://login.microsoftonline.com/TENANT/v2.0
    /// --client-id ID --client-secret-file secret.txt --name "Wake County" --mfa-claim amr=mfa
    /// --domain wake.gov`.
    Set {
        code: String,
        /// The provider's issuer URL (its discovery document is ISSUER/.well-known/openid-configuration).
        #[arg(long)]
        issuer: String,
        #[arg(long)]
        client_id: String,
        /// A file holding the client secret (kept sealed; never shown back).
        #[arg(long, value_name = "FILE")]
        client_secret_file: std::path::PathBuf,
        /// The name on the sign-in button ("Sign in with NAME").
        #[arg(long, value_name = "TEXT")]
        name: Option<String>,
        /// The ID token claim that says the provider asked for a second factor: amr=VALUE or
        /// acr=VALUE. Without it, our own authenticator step always follows.
        #[arg(long, value_name = "amr=mfa|acr=VALUE")]
        mfa_claim: Option<String>,
        /// An e-mail domain whose people the sign-in page sends to this provider (repeatable).
        #[arg(long = "domain", value_name = "DOMAIN")]
        domains: Vec<String>,
    },
    /// The agency's provider (never its secret).
    Show { code: String },
    /// Turn the agency's provider off: its people sign in with their passwords again.
    Disable { code: String },
    /// Link an account of the agency to a person at its provider by the provider's subject
    /// identifier (`sub`), e.g. where the provider's tokens carry no verified e-mail.
    Link {
        code: String,
        username: String,
        #[arg(long)]
        subject: String,
    },
    /// Remove an account's link (its next sign-in through the provider links again by e-mail,
    /// or is refused).
    Unlink { code: String, username: String },
}

pub async fn run(pool: &PgPool, keys: &Keyring, command: SsoCommand, now: DateTime<Utc>) -> anyhow::Result<()> {
    match command {
        SsoCommand::Set {
            code,
            issuer,
            client_id,
            client_secret_file,
            name,
            mfa_claim,
            domains,
        } => {
            let secret = std::fs::read_to_string(&client_secret_file).map_err(|e| {
                anyhow::anyhow!("client_secret_file: cannot read {}: {e}", client_secret_file.display())
            })?;
            let settings = Settings {
                issuer: &issuer,
                client_id: &client_id,
                secret: Some(secret.trim()),
                name: name.as_deref(),
                mfa_claim: mfa_claim.as_deref(),
                domains: &domains,
                // The command line acts as the operator, who may in any case.
                installation_mfa_floor: false,
            };
            let p = sso_config::set(pool, keys, Some(&code), settings, Actor::CLI, now)
                .await
                .map_err(super::cli::one_line)?;
            println!(
                "agency {} signs in with {} ({}); redirect URI: WSO_PUBLIC_URL{}",
                p.agency_code,
                p.name,
                p.issuer,
                crate::services::sso::callback_path(&p.agency_code)
            );
        }
        SsoCommand::Show { code } => {
            let (agency, p) = sso_config::show(pool, Some(&code), Actor::CLI)
                .await
                .map_err(super::cli::one_line)?;
            match p {
                None => println!("agency {}: no identity provider (passwords only)", agency.code),
                Some(p) => {
                    println!("agency\t{}", p.agency_code);
                    println!("state\t{}", if p.enabled { "enabled" } else { "disabled" });
                    println!("issuer\t{}", p.issuer);
                    println!("client_id\t{}", p.client_id);
                    println!("client_secret\t(sealed under key {}; never shown)", p.secret_key);
                    println!("name\t{}", p.name);
                    println!(
                        "mfa_claim\t{}",
                        p.mfa_claim
                            .as_deref()
                            .unwrap_or("(none: our authenticator step always follows)")
                    );
                    println!("domains\t{}", p.domains.join(", "));
                    println!(
                        "redirect_uri\tWSO_PUBLIC_URL{}",
                        crate::services::sso::callback_path(&p.agency_code)
                    );
                }
            }
        }
        SsoCommand::Link {
            code,
            username,
            subject,
        } => {
            sso_config::link(pool, Some(&code), &username, Some(&subject), Actor::CLI, now)
                .await
                .map_err(super::cli::one_line)?;
            println!("{username} of agency {code} is linked to subject {subject} at its provider");
        }
        SsoCommand::Unlink { code, username } => {
            sso_config::link(pool, Some(&code), &username, None, Actor::CLI, now)
                .await
                .map_err(super::cli::one_line)?;
            println!("{username} of agency {code} is not linked to its provider");
        }
        SsoCommand::Disable { code } => {
            let done = sso_config::disable(pool, Some(&code), Actor::CLI, now)
                .await
                .map_err(super::cli::one_line)?;
            if done {
                println!("agency {code}: identity provider turned off; its people sign in with passwords");
            } else {
                println!("agency {code}: no identity provider was on");
            }
        }
    }
    Ok(())
}
