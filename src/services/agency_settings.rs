//! An agency's settings (issue 28; docs/agencies.md): an authenticator for everyone, its names
//! (on printed records, on alert e-mails), the system-use notice of its sign-in page, its alert
//! hours. The agency's admin changes its own, the operator and the command line any agency's
//! (`domain::tenancy::may_set_agency`); each change audited `agency_settings_changed`.

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::PgPool;

use super::agencies::resolve;
use crate::db::{self, agencies::Agency};
use crate::domain::tenancy;
use crate::error::{AppError, AppResult, FieldError};
use crate::services::accounts::Actor;

/// Requires (or stops requiring) an authenticator of everyone of the agency `code` (the agency's
/// admin for its own, or the operator), audited `agency_settings_changed`. The installation's
/// floor (`WSO_MFA_REQUIRED`) stays whatever this says (`domain::tenancy::mfa_required`).
pub async fn set_mfa_required(
    pool: &PgPool,
    code: Option<&str>,
    required: bool,
    actor: Actor<'_>,
    now: DateTime<Utc>,
) -> AppResult<Agency> {
    let mut errors = Vec::new();
    let Some(agency) = resolve(pool, code, &actor, &mut errors).await? else {
        return Err(AppError::Validation(errors));
    };
    tenancy::may_set_agency(actor.granter, agency.id)?;
    let mut tx = pool.begin().await?;
    if db::agencies::set_mfa_required(&mut *tx, agency.id, required).await? {
        let detail = json!({ "agency": agency.code, "mfa_required": { "from": !required, "to": required } });
        db::audit::record(&mut *tx, actor.entry("agency_settings_changed", now, detail)).await?;
    }
    tx.commit().await?;
    Ok(Agency {
        mfa_required: required,
        ..agency
    })
}

/// One of an agency's texts: the name on its printed records, the name its alert e-mails come
/// from, the system-use notice of its sign-in page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Name {
    Record,
    MailSender,
    SystemUseNotice,
}

impl Name {
    /// The column, the form field and the audit detail's key.
    pub fn column(self) -> &'static str {
        match self {
            Name::Record => "record_name",
            Name::MailSender => "mail_sender_name",
            Name::SystemUseNotice => "system_use_notice",
        }
    }

    fn words(self) -> &'static str {
        match self {
            Name::Record => "the name on printed records",
            Name::MailSender => "the name alert e-mails come from",
            Name::SystemUseNotice => "the system-use notice",
        }
    }

    fn max(self) -> usize {
        match self {
            Name::Record => 200,
            Name::MailSender => 100,
            Name::SystemUseNotice => 4000,
        }
    }

    fn of(self, a: &Agency) -> Option<&String> {
        match self {
            Name::Record => a.record_name.as_ref(),
            Name::MailSender => a.mail_sender_name.as_ref(),
            Name::SystemUseNotice => a.system_use_notice.as_ref(),
        }
    }
}

/// Whether `value` may be the agency's `which` name (one line, not too long): a field error.
pub fn check_name(which: Name, value: &str) -> AppResult<()> {
    let mut errors = Vec::new();
    name_problems(which, value.trim(), &mut errors);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(errors))
    }
}

fn name_problems(which: Name, name: &str, errors: &mut Vec<FieldError>) {
    if name.chars().count() > which.max() {
        errors.push(FieldError::new(
            which.column(),
            format!("{} is at most {} characters", which.words(), which.max()),
        ));
    }
    // A notice may run over several lines; a name is one line.
    let lines = which == Name::SystemUseNotice;
    if name
        .chars()
        .any(|c| c.is_control() && !(lines && (c == '\n' || c == '\r')))
    {
        let what = if lines {
            "text without control characters"
        } else {
            "one line of text"
        };
        errors.push(FieldError::new(which.column(), format!("{} is {what}", which.words())));
    }
}

/// Sets one of the agency's names (trimmed; empty clears it). Audited `agency_settings_changed`
/// when it changes.
pub async fn set_name(
    pool: &PgPool,
    code: Option<&str>,
    (which, name): (Name, &str),
    actor: Actor<'_>,
    now: DateTime<Utc>,
) -> AppResult<Agency> {
    let mut errors = Vec::new();
    let name = name.trim();
    name_problems(which, name, &mut errors);
    let agency = resolve(pool, code, &actor, &mut errors).await?;
    let Some(agency) = agency.filter(|_| errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    tenancy::may_set_agency(actor.granter, agency.id)?;
    let to = (!name.is_empty()).then_some(name);
    let mut tx = pool.begin().await?;
    if db::agencies::set_name(&mut *tx, agency.id, which.column(), to).await? {
        let mut detail = json!({ "agency": agency.code });
        detail[which.column()] = json!({ "from": which.of(&agency), "to": to });
        db::audit::record(&mut *tx, actor.entry("agency_settings_changed", now, detail)).await?;
    }
    tx.commit().await?;
    let mut changed = agency;
    match which {
        Name::Record => changed.record_name = to.map(str::to_string),
        Name::MailSender => changed.mail_sender_name = to.map(str::to_string),
        Name::SystemUseNotice => changed.system_use_notice = to.map(str::to_string),
    }
    Ok(changed)
}

/// Sets the hours before a deadline at which the agency's clocks raise alerts (`24,8,2`; empty:
/// the installation's again). Audited `agency_settings_changed` when they change.
pub async fn set_alert_hours(
    pool: &PgPool,
    code: Option<&str>,
    text: &str,
    actor: Actor<'_>,
    now: DateTime<Utc>,
) -> AppResult<Agency> {
    let mut errors = Vec::new();
    let hours = alert_hours(text, &mut errors);
    let agency = resolve(pool, code, &actor, &mut errors).await?;
    let Some(agency) = agency.filter(|_| errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    tenancy::may_set_agency(actor.granter, agency.id)?;
    let mut tx = pool.begin().await?;
    if db::agencies::set_alert_hours(&mut *tx, agency.id, hours.as_deref()).await? {
        let detail =
            json!({ "agency": agency.code, "alert_hours_left": { "from": agency.alert_hours_left, "to": hours } });
        db::audit::record(&mut *tx, actor.entry("agency_settings_changed", now, detail)).await?;
    }
    tx.commit().await?;
    Ok(Agency {
        alert_hours_left: hours,
        ..agency
    })
}

/// Whether `text` may be an agency's alert hours: a field error on `alert_hours_left`.
pub fn check_alert_hours(text: &str) -> AppResult<()> {
    let mut errors = Vec::new();
    alert_hours(text, &mut errors);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(errors))
    }
}

/// The hours `text` names (`None`: empty, the installation's), or a field error.
fn alert_hours(text: &str, errors: &mut Vec<FieldError>) -> Option<Vec<i32>> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    // Read as WSO_ALERT_HOURS_LEFT is (`config::parse_hours_left`), and at most ten.
    match crate::config::parse_hours_left(text).ok().filter(|h| h.len() <= 10) {
        Some(h) => Some(h.into_iter().filter_map(|h| i32::try_from(h).ok()).collect()),
        None => {
            errors.push(FieldError::new(
                "alert_hours_left",
                format!(
                    "alert hours are up to ten hours between 1 and 47 separated by commas, like 12,4,1, not `{text}`"
                ),
            ));
            None
        }
    }
}
