//! An agency's identity provider set, shown and turned off (issue 29): by its admin on
//! `/admin/facilities` or from the command line (`wso-tracker agency sso set|show|disable`).
//! Every value is checked before anything is written; the client secret is sealed and never
//! shown back or logged.

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::PgPool;

use crate::db::{self, agencies::Agency, sso::Provider};
use crate::domain::input::FieldError;
use crate::domain::sso::{self as rules, MfaClaim};
use crate::domain::tenancy;
use crate::error::{AppError, AppResult};
use crate::secrets::Keyring;
use crate::services::accounts::Actor;
use crate::services::agencies::resolve;

/// What is set. `secret: None` keeps the one already stored (an admin page's empty field).
pub struct Settings<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub secret: Option<&'a str>,
    pub name: Option<&'a str>,
    pub mfa_claim: Option<&'a str>,
    pub domains: &'a [String],
    /// `WSO_MFA_REQUIRED`: then only the operator may change `mfa_claim`
    /// (`tenancy::may_set_mfa_claim`).
    pub installation_mfa_floor: bool,
}

/// The name on the button when none is given.
pub const DEFAULT_NAME: &str = "your agency's account";

/// Sets the agency's provider (`code`: see `agencies::resolve`), audited `sso_configured`
/// (never with the secret).
pub async fn set(
    pool: &PgPool,
    keys: &Keyring,
    code: Option<&str>,
    s: Settings<'_>,
    actor: Actor<'_>,
    now: DateTime<Utc>,
) -> AppResult<Provider> {
    let mut errors = Vec::new();
    let issuer = s.issuer.trim().trim_end_matches('/');
    match url::Url::parse(issuer) {
        Ok(u) => {
            if let Err(e) = rules::check_issuer(&u) {
                errors.push(FieldError::new("issuer", e));
            }
        }
        Err(_) => errors.push(FieldError::new("issuer", format!("\"{issuer}\" is not an address"))),
    }
    let client_id = s.client_id.trim();
    if client_id.is_empty() || client_id.len() > 500 {
        errors.push(FieldError::new(
            "client_id",
            "the client id is required (up to 500 characters)",
        ));
    }
    let name = s.name.map(str::trim).filter(|n| !n.is_empty()).unwrap_or(DEFAULT_NAME);
    if name.chars().count() > 100 {
        errors.push(FieldError::new("name", "at most 100 characters"));
    }
    let mfa_claim = match s.mfa_claim.map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) => match MfaClaim::parse(c) {
            Ok(c) => Some(c.text()),
            Err(e) => {
                errors.push(FieldError::new("mfa_claim", e));
                None
            }
        },
        None => None,
    };
    let mut domains = Vec::new();
    for d in s.domains.iter().filter(|d| !d.trim().is_empty()) {
        match rules::check_domain(d) {
            Ok(d) if !domains.contains(&d) => domains.push(d),
            Ok(_) => {}
            Err(e) => errors.push(FieldError::new("domain", e)),
        }
    }
    let agency = resolve(pool, code, &actor, &mut errors).await?;
    let existing = match &agency {
        Some(a) => db::sso::of_agency(pool, a.id).await?,
        None => None,
    };
    let secret = match (s.secret.map(str::trim).filter(|s| !s.is_empty()), &existing) {
        (Some(s), _) => Some(s.to_owned()),
        (None, Some(p)) => Some(p.secret(keys)?),
        (None, None) => {
            errors.push(FieldError::new("client_secret", "the client secret is required"));
            None
        }
    };
    let (Some(agency), Some(secret)) = (agency, secret) else {
        return Err(AppError::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    tenancy::may_set_agency(actor.granter, agency.id)?;
    if existing.as_ref().and_then(|p| p.mfa_claim.clone()) != mfa_claim {
        tenancy::may_set_mfa_claim(actor.granter, agency.id, s.installation_mfa_floor)?;
    }
    // Another agency already sends this domain's people to its provider.
    for d in &domains {
        if db::sso::by_domain(pool, d)
            .await?
            .is_some_and(|p| p.agency_id != agency.id)
        {
            return Err(AppError::Validation(vec![FieldError::new(
                "domain",
                format!("{d} is already another agency's"),
            )]));
        }
    }
    let mut tx = pool.begin().await?;
    let new = db::sso::NewProvider {
        agency_id: agency.id,
        issuer,
        client_id,
        secret: &secret,
        name,
        mfa_claim: mfa_claim.as_deref(),
        domains: &domains,
    };
    db::sso::set(&mut tx, keys, &new, now).await?;
    let detail = json!({ "agency": agency.code, "issuer": issuer, "client_id": client_id, "name": name,
                         "mfa_claim": mfa_claim, "domains": domains,
                         "secret_changed": s.secret.is_some_and(|s| !s.trim().is_empty()) });
    db::audit::record(&mut *tx, actor.entry("sso_configured", now, detail)).await?;
    tx.commit().await?;
    Ok(db::sso::of_agency(pool, agency.id).await?.expect("just set"))
}

/// The agency's provider, if it has one.
pub async fn show(pool: &PgPool, code: Option<&str>, actor: Actor<'_>) -> AppResult<(Agency, Option<Provider>)> {
    let mut errors = Vec::new();
    let Some(agency) = resolve(pool, code, &actor, &mut errors).await? else {
        return Err(AppError::Validation(errors));
    };
    tenancy::may_set_agency(actor.granter, agency.id)?;
    let p = db::sso::of_agency(pool, agency.id).await?;
    Ok((agency, p))
}

/// Turns the agency's provider off (its people sign in with their passwords), audited
/// `sso_disabled`; false when it had none on.
pub async fn disable(pool: &PgPool, code: Option<&str>, actor: Actor<'_>, now: DateTime<Utc>) -> AppResult<bool> {
    let mut errors = Vec::new();
    let Some(agency) = resolve(pool, code, &actor, &mut errors).await? else {
        return Err(AppError::Validation(errors));
    };
    tenancy::may_set_agency(actor.granter, agency.id)?;
    let mut tx = pool.begin().await?;
    let done = db::sso::disable(&mut *tx, agency.id, now).await?;
    if done {
        db::audit::record(
            &mut *tx,
            actor.entry("sso_disabled", now, json!({ "agency": agency.code })),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(done)
}

/// Links an account of the agency to a person at its provider by the provider's subject
/// identifier (`sub`), for providers whose tokens carry no verified e-mail (audited
/// `sso_linked`, by the admin); `None` unlinks (audited `sso_unlinked`).
pub async fn link(
    pool: &PgPool,
    code: Option<&str>,
    username: &str,
    subject: Option<&str>,
    actor: Actor<'_>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let mut errors = Vec::new();
    let agency = resolve(pool, code, &actor, &mut errors).await?;
    let user = db::users::by_username(pool, username.trim()).await?;
    let subject = subject.map(str::trim);
    if subject.is_some_and(|s| s.is_empty() || s.len() > 255) {
        errors.push(FieldError::new(
            "subject",
            "the provider's subject identifier (sub), 1 to 255 characters",
        ));
    }
    let (Some(agency), true) = (agency, errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    tenancy::may_set_agency(actor.granter, agency.id)?;
    // Only an account of this agency, as a sign-in through its provider would judge it.
    let Some(user) = user.filter(|u| u.agency_id == Some(agency.id)) else {
        return Err(AppError::Validation(vec![FieldError::new(
            "username",
            format!("{agency} has no account {username}", agency = agency.code),
        )]));
    };
    if subject.is_some() && tenancy::may_operate(user.role, user.operator).is_ok() {
        return Err(AppError::Validation(vec![FieldError::new(
            "username",
            "the installation's operator signs in with its own password and authenticator, never through a provider",
        )]));
    }
    let Some(provider) = db::sso::of_agency(pool, agency.id).await? else {
        return Err(AppError::Validation(vec![FieldError::new(
            "agency",
            format!(
                "{} has no identity provider: set one first (agency sso set)",
                agency.code
            ),
        )]));
    };
    let mut tx = pool.begin().await?;
    let detail = json!({ "agency": agency.code, "username": user.username, "issuer": provider.issuer, "by": "admin" });
    match subject {
        Some(subject) => {
            if !db::sso::link(&mut *tx, user.id, &provider.issuer, subject, now).await? {
                return Err(AppError::Validation(vec![FieldError::new(
                    "subject",
                    "that person is already linked to another account",
                )]));
            }
            db::audit::record(&mut *tx, actor.entry("sso_linked", now, detail)).await?;
        }
        None => {
            if db::sso::unlink(&mut *tx, user.id).await? {
                db::audit::record(&mut *tx, actor.entry("sso_unlinked", now, detail)).await?;
            }
        }
    }
    tx.commit().await?;
    Ok(())
}
