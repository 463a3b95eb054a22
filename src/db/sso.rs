//! Single sign-on (issue 29; migration 0030): each agency's provider, the links between a
//! provider's people and our accounts, and the sign-ins on their way through a provider.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

use super::mfa::undecodable;
use crate::secrets::Keyring;

/// An agency's provider as stored (the client secret still sealed).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Provider {
    pub agency_id: i64,
    pub agency_code: String,
    pub issuer: String,
    pub client_id: String,
    pub secret_sealed: Vec<u8>,
    pub secret_key: String,
    pub name: String,
    pub mfa_claim: Option<String>,
    pub domains: Vec<String>,
    pub enabled: bool,
    pub updated_at: DateTime<Utc>,
}

/// What binds an agency's sealed client secret to its row.
pub fn aad(agency_id: i64) -> String {
    format!("agency_sso.client_secret:{agency_id}")
}

impl Provider {
    /// The client secret, opened.
    pub fn secret(&self, keys: &Keyring) -> sqlx::Result<String> {
        keys.open_text(&aad(self.agency_id), &self.secret_key, &self.secret_sealed)
            .map_err(undecodable)
    }
}

const SELECT: &str = "SELECT s.agency_id, a.code AS agency_code, s.issuer, s.client_id, s.secret_sealed, s.secret_key,
                             s.name, s.mfa_claim, s.domains, s.enabled, s.updated_at
                      FROM agency_sso s JOIN agencies a ON a.id = s.agency_id";

/// What an admin or the command line sets.
pub struct NewProvider<'a> {
    pub agency_id: i64,
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub secret: &'a str,
    pub name: &'a str,
    pub mfa_claim: Option<&'a str>,
    pub domains: &'a [String],
}

/// Sets (or replaces) the agency's provider, enabled, its secret sealed with `keys`.
pub async fn set(conn: &mut PgConnection, keys: &Keyring, p: &NewProvider<'_>, now: DateTime<Utc>) -> sqlx::Result<()> {
    let sealed = keys.seal(&aad(p.agency_id), p.secret.as_bytes()).map_err(undecodable)?;
    sqlx::query(
        "INSERT INTO agency_sso (agency_id, issuer, client_id, secret_sealed, secret_key, name, mfa_claim, domains, enabled, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, true, $9)
         ON CONFLICT (agency_id) DO UPDATE SET issuer = $2, client_id = $3, secret_sealed = $4, secret_key = $5,
             name = $6, mfa_claim = $7, domains = $8, enabled = true, updated_at = $9",
    )
    .bind(p.agency_id)
    .bind(p.issuer)
    .bind(p.client_id)
    .bind(&sealed.bytes)
    .bind(&sealed.key_id)
    .bind(p.name)
    .bind(p.mfa_claim)
    .bind(p.domains)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// The agency's provider, enabled or not.
pub async fn of_agency(db: impl PgExecutor<'_>, agency_id: i64) -> sqlx::Result<Option<Provider>> {
    sqlx::query_as(&format!("{SELECT} WHERE s.agency_id = $1"))
        .bind(agency_id)
        .fetch_optional(db)
        .await
}

/// The enabled provider that serves e-mail addresses of `domain`.
pub async fn by_domain(db: impl PgExecutor<'_>, domain: &str) -> sqlx::Result<Option<Provider>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE s.enabled AND $1 = ANY (s.domains) ORDER BY s.agency_id LIMIT 1"
    ))
    .bind(domain)
    .fetch_optional(db)
    .await
}

/// Whether any agency signs in through a provider (the sign-in page then asks for an e-mail).
pub async fn any_enabled(db: impl PgExecutor<'_>) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM agency_sso WHERE enabled AND domains <> '{}')")
        .fetch_one(db)
        .await
}

/// Turns the agency's provider off; false when it had none enabled.
pub async fn disable(db: impl PgExecutor<'_>, agency_id: i64, now: DateTime<Utc>) -> sqlx::Result<bool> {
    Ok(
        sqlx::query("UPDATE agency_sso SET enabled = false, updated_at = $2 WHERE agency_id = $1 AND enabled")
            .bind(agency_id)
            .bind(now)
            .execute(db)
            .await?
            .rows_affected()
            == 1,
    )
}

/// The account linked to `subject` at `issuer`.
pub async fn linked(db: impl PgExecutor<'_>, issuer: &str, subject: &str) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT user_id FROM sso_links WHERE issuer = $1 AND subject = $2")
        .bind(issuer)
        .bind(subject)
        .fetch_optional(db)
        .await
}

/// The enabled accounts of `agency` with this e-mail address (any case).
pub async fn accounts_with_email(db: impl PgExecutor<'_>, agency_id: i64, email: &str) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar(
        "SELECT u.id FROM users u WHERE u.agency_id = $1 AND lower(u.email) = lower($2) AND u.disabled_at IS NULL
           AND NOT u.operator AND NOT EXISTS (SELECT 1 FROM sso_links l WHERE l.user_id = u.id)",
    )
    .bind(agency_id)
    .bind(email)
    .fetch_all(db)
    .await
}

/// Links an account that has no link yet (the first sign-in, by e-mail); false when it has one
/// by now or the person is linked to another account (two sign-ins at once: one links).
pub async fn link_new(
    db: impl PgExecutor<'_>,
    user_id: i64,
    issuer: &str,
    subject: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    Ok(sqlx::query(
        "INSERT INTO sso_links (user_id, issuer, subject, linked_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    )
    .bind(user_id)
    .bind(issuer)
    .bind(subject)
    .bind(now)
    .execute(db)
    .await?
    .rows_affected()
        == 1)
}

/// Links the account to `subject` at `issuer` (replacing its link, if any: an administrator's
/// link); false when that person is already linked to another account.
pub async fn link(
    db: impl PgExecutor<'_>,
    user_id: i64,
    issuer: &str,
    subject: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "INSERT INTO sso_links (user_id, issuer, subject, linked_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (user_id) DO UPDATE SET issuer = $2, subject = $3, linked_at = $4
         WHERE NOT EXISTS (SELECT 1 FROM sso_links o WHERE o.issuer = $2 AND o.subject = $3 AND o.user_id <> $1)",
    )
    .bind(user_id)
    .bind(issuer)
    .bind(subject)
    .bind(now)
    .execute(db)
    .await;
    match r {
        Ok(r) => Ok(r.rows_affected() == 1),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(false),
        Err(e) => Err(e),
    }
}

/// Removes the account's link; false when it had none.
pub async fn unlink(db: impl PgExecutor<'_>, user_id: i64) -> sqlx::Result<bool> {
    Ok(sqlx::query("DELETE FROM sso_links WHERE user_id = $1")
        .bind(user_id)
        .execute(db)
        .await?
        .rows_affected()
        == 1)
}

/// A sign-in on its way through the provider.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Pending {
    pub browser: Vec<u8>,
    pub agency_id: i64,
    pub nonce: String,
    pub pkce_verifier: String,
    pub started_at: DateTime<Utc>,
}

pub async fn start(db: impl PgExecutor<'_>, state: &str, p: &Pending) -> sqlx::Result<()> {
    sqlx::query(
        "WITH old AS (DELETE FROM sso_pending WHERE started_at < $7)
         INSERT INTO sso_pending (state, browser, agency_id, nonce, pkce_verifier, started_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(state)
    .bind(&p.browser)
    .bind(p.agency_id)
    .bind(&p.nonce)
    .bind(&p.pkce_verifier)
    .bind(p.started_at)
    .bind(p.started_at - crate::domain::sso::PENDING_FOR)
    .execute(db)
    .await?;
    Ok(())
}

/// Takes the sign-in whose `state` it is: once (a second take finds nothing).
pub async fn take(db: impl PgExecutor<'_>, state: &str) -> sqlx::Result<Option<Pending>> {
    sqlx::query_as(
        "DELETE FROM sso_pending WHERE state = $1
         RETURNING browser, agency_id, nonce, pkce_verifier, started_at",
    )
    .bind(state)
    .fetch_optional(db)
    .await
}
