//! `wso-tracker agency add|list` and a liaison's facility grants from the command line
//! (issue 28; docs/agencies.md). The command line acts as the installation's operator.

use chrono::{DateTime, Utc};
use clap::Subcommand;
use sqlx::PgPool;

use crate::services::accounts::Actor;
use crate::services::agencies;
use crate::services::agency_settings::{self, Name};

#[derive(Subcommand, Debug)]
pub enum AgencyCommand {
    /// Add an agency (a sheriff's office), e.g. `agency add WAKE-SO --name "Wake County Sheriff's Office" --state NC`.
    Add {
        code: String,
        #[arg(long)]
        name: String,
        /// Two-letter state code, e.g. NC.
        #[arg(long)]
        state: String,
        /// The IANA time zone its facilities usually have (informational).
        #[arg(long)]
        timezone: Option<String>,
    },
    /// List agencies: code, name, state, facilities (no case data).
    List,
    /// Change an agency's settings (one or more of the options).
    #[command(group(clap::ArgGroup::new("setting").required(true).multiple(true).args(["mfa_required", "record_name", "mail_sender_name", "alert_hours_left", "system_use_notice"])))]
    Set {
        code: String,
        /// Everyone of the agency (and the liaisons it granted a facility) signs in with an
        /// authenticator, whatever WSO_MFA_REQUIRED says (which an agency cannot lower).
        #[arg(long, value_name = "true|false", action = clap::ArgAction::Set)]
        mfa_required: Option<bool>,
        /// The agency's name on its printed transfer and release records ("" removes it).
        #[arg(long, value_name = "TEXT")]
        record_name: Option<String>,
        /// The name the agency's alert e-mails come from, beside MAIL_FROM's address ("" removes it).
        #[arg(long, value_name = "TEXT")]
        mail_sender_name: Option<String>,
        /// Hours before a deadline at which the agency's clocks raise alerts, e.g. `24,8,2`
        /// ("" for the installation's WSO_ALERT_HOURS_LEFT).
        #[arg(long, value_name = "H,H,…")]
        alert_hours_left: Option<String>,
        /// The system-use notice shown on the agency's sign-in page, /login/CODE ("" for the
        /// installation's WSO_SYSTEM_USE_NOTICE).
        #[arg(long, value_name = "TEXT")]
        system_use_notice: Option<String>,
    },
    /// The agency's identity provider (single sign-on): `sso set|show|disable`.
    Sso {
        #[command(subcommand)]
        command: super::cli_sso::SsoCommand,
    },
    /// Write everything of an agency into DIR (which must not exist): one JSON Lines file per
    /// table and a manifest; then read it back and check it. The agency's way out.
    Export {
        code: String,
        #[arg(long)]
        out: std::path::PathBuf,
    },
}

pub async fn run(
    pool: &PgPool,
    keys: &crate::secrets::Keyring,
    command: AgencyCommand,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    match command {
        AgencyCommand::Add {
            code,
            name,
            state,
            timezone,
        } => {
            let a = agencies::create(pool, (&code, &name), (&state, timezone.as_deref()), Actor::CLI, now)
                .await
                .map_err(super::cli::one_line)?;
            println!(
                "agency {} ({}, {}) added",
                a.code,
                a.name,
                a.state.as_deref().unwrap_or("-")
            );
        }
        AgencyCommand::Set {
            code,
            mfa_required,
            record_name,
            mail_sender_name,
            alert_hours_left,
            system_use_notice,
        } => {
            // Every value checked before any is written: a refused one changes nothing.
            if let Some(text) = &alert_hours_left {
                agency_settings::check_alert_hours(text).map_err(super::cli::one_line)?;
            }
            for (which, value) in [
                (Name::Record, &record_name),
                (Name::MailSender, &mail_sender_name),
                (Name::SystemUseNotice, &system_use_notice),
            ] {
                if let Some(value) = value {
                    agency_settings::check_name(which, value).map_err(super::cli::one_line)?;
                }
            }
            if let Some(required) = mfa_required {
                let a = agency_settings::set_mfa_required(pool, Some(&code), required, Actor::CLI, now)
                    .await
                    .map_err(super::cli::one_line)?;
                let what = if a.mfa_required { "requires" } else { "does not require" };
                println!("agency {} {what} an authenticator of its people", a.code);
            }
            if let Some(text) = alert_hours_left {
                let a = agency_settings::set_alert_hours(pool, Some(&code), &text, Actor::CLI, now)
                    .await
                    .map_err(super::cli::one_line)?;
                match a.alert_hours_left {
                    Some(h) => {
                        let h: Vec<String> = h.iter().map(i32::to_string).collect();
                        println!(
                            "agency {}'s clocks raise alerts {} hours before the deadline",
                            a.code,
                            h.join(", ")
                        )
                    }
                    None => println!("agency {}'s clocks raise alerts at the installation's hours", a.code),
                }
            }
            let texts = [
                (Name::Record, record_name),
                (Name::MailSender, mail_sender_name),
                (Name::SystemUseNotice, system_use_notice),
            ];
            for (which, value) in texts {
                let Some(value) = value else { continue };
                let a = agency_settings::set_name(pool, Some(&code), (which, &value), Actor::CLI, now)
                    .await
                    .map_err(super::cli::one_line)?;
                let said = match (which, &a.record_name, &a.mail_sender_name, &a.system_use_notice) {
                    (Name::Record, Some(n), ..) => format!("printed records carry the name \"{n}\""),
                    (Name::Record, None, ..) => "printed records carry no agency name".to_string(),
                    (Name::MailSender, _, Some(n), _) => format!("alert e-mails come from the name \"{n}\""),
                    (Name::MailSender, _, None, _) => "alert e-mails come from no agency name".to_string(),
                    (Name::SystemUseNotice, .., Some(_)) => {
                        format!("sign-in page, /login/{}, shows its own notice", a.code)
                    }
                    (Name::SystemUseNotice, .., None) => "sign-in page shows the installation's notice".to_string(),
                };
                println!("agency {}'s {said}", a.code);
            }
        }
        AgencyCommand::Export { code, out } => {
            let m = crate::services::export::agency(pool, &code, &out, Actor::CLI, now)
                .await
                .map_err(super::cli::one_line)?;
            for t in &m.tables {
                println!("{}\t{}", t.file, t.rows);
            }
            println!("agency {} exported to {} and checked", m.agency, out.display());
        }
        AgencyCommand::Sso { command } => super::cli_sso::run(pool, keys, command, now).await?,
        AgencyCommand::List => {
            println!("code\tname\tstate\tfacilities");
            for a in agencies::list(pool, &Actor::CLI).await.map_err(super::cli::one_line)? {
                println!(
                    "{}\t{}\t{}\t{}",
                    a.code,
                    a.name,
                    a.state.as_deref().unwrap_or("-"),
                    a.facilities
                );
            }
        }
    }
    Ok(())
}

/// `user grant|revoke-grant USERNAME --facility CODE`.
pub async fn grant(
    pool: &PgPool,
    username: &str,
    facility: &str,
    give: bool,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let changed = match give {
        true => agencies::grant(pool, username, facility, Actor::CLI, now).await,
        false => agencies::revoke(pool, username, facility, Actor::CLI, now).await,
    }
    .map_err(super::cli::one_line)?;
    let username = username.trim();
    let facility = facility.trim();
    match (give, changed) {
        (true, true) => println!("{username} granted {facility}"),
        (true, false) => println!("{username} already had {facility}"),
        (false, true) => println!("{username} no longer has {facility}"),
        (false, false) => anyhow::bail!("{username} did not have {facility}"),
    }
    Ok(())
}
