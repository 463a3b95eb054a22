//! Signing in: the password, then the second factor (a TOTP code or a recovery code), or the
//! enrolment of an authenticator. Every failure counts against the account (five within 15
//! minutes lock it for `WSO_LOCKOUT_MINUTES`) and against the client address (beyond
//! `WSO_LOGIN_THROTTLE_PER_MINUTE` a minute, every attempt gets 429). While an account is locked
//! or disabled, every attempt gets exactly the answer of a wrong password.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use sqlx::{PgConnection, PgPool};

use crate::alerts::{self, Generic};
use crate::auth::{password, totp};
use crate::config::Config;
use crate::db::{self, audit::NewEntry, users::User};
use crate::domain::alerts::AlertKind;
use crate::error::AppResult;

/// Consecutive failures that lock an account…
pub const LOCK_AFTER_FAILURES: i32 = 5;
/// …when they fall within this long of the first.
pub const FAILURE_WINDOW_MINUTES: i64 = 15;

/// Where the attempt came from.
#[derive(Clone, Copy)]
pub struct Client<'a> {
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
}

/// How a sign-in step ended.
pub enum Outcome {
    /// Right: the user (for a password: the second step comes next).
    Accepted(Box<User>),
    /// Wrong, or refused for a reason never told (locked, disabled, unknown, service account).
    Refused,
    /// Too many failures from this address: wait this many seconds.
    Throttled { retry_after: i64 },
    /// Too many sign-ins being checked at once: try again shortly (503).
    Busy,
}

/// An audit entry of a sign-in step by `user` (none: not known yet).
pub(crate) fn entry<'a>(
    user: Option<&'a User>,
    action: &'a str,
    ip: Option<&str>,
    now: DateTime<Utc>,
    detail: Value,
) -> NewEntry<'a> {
    NewEntry {
        at: now,
        recorded_at: now,
        actor_id: user.map(|u| u.id),
        actor: user.map(|u| u.username.as_str()),
        action,
        ip: ip.map(str::to_owned),
        detail,
        booking_id: None,
    }
}

/// `Some(seconds)` when the address has used up its failures for this minute (audited).
/// Otherwise the attempt is counted against the address now, before anything is checked, in one
/// step with the check (per address), and [`succeeded`] uncounts it: concurrent attempts cannot
/// all slip under the limit (issue 26, finding 10).
async fn throttled(pool: &PgPool, config: &Config, client: Client<'_>, now: DateTime<Utc>) -> AppResult<Option<i64>> {
    let Some(ip) = client.ip else { return Ok(None) };
    let limit = config.login_throttle_per_minute;
    let Err((failures, oldest)) = db::logins::reserve(pool, ip, now, limit).await? else {
        return Ok(None);
    };
    let retry_after = oldest.map_or(60, |t| (t + Duration::minutes(1) - now).num_seconds().max(1));
    let detail = json!({ "failures_last_minute": failures, "retry_after_seconds": retry_after });
    metrics::counter!("wso_signin_throttled_total").increment(1);
    db::audit::record(pool, entry(None, "login_throttled", client.ip, now, detail)).await?;
    Ok(Some(retry_after))
}

/// The attempt [`throttled`] counted against the address succeeded (or was never checked):
/// uncounted.
async fn succeeded(conn: &mut PgConnection, client: Client<'_>, now: DateTime<Utc>) -> AppResult<()> {
    if let Some(ip) = client.ip {
        db::logins::release(conn, ip, now).await?;
    }
    Ok(())
}

/// A failed step against `user` (if any): counted against the account, which may lock now
/// (audited, and its owner e-mailed once). [`throttled`] has counted it against the address.
async fn failed(
    conn: &mut PgConnection,
    config: &Config,
    user: Option<&User>,
    action: &str,
    detail: Value,
    client: Client<'_>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    metrics::counter!("wso_signin_failures_total").increment(1);
    let mut detail = detail;
    if let Some(u) = user.filter(|u| !u.api_only && !u.is_locked(now) && !u.is_disabled()) {
        let window = Duration::minutes(FAILURE_WINDOW_MINUTES);
        let lock_for = Duration::minutes(config.lockout_minutes);
        let (failures, locked_now) =
            db::users::record_failed_login(&mut *conn, u.id, LOCK_AFTER_FAILURES, window, lock_for, now).await?;
        detail["consecutive_failures"] = json!(failures);
        db::audit::record(&mut *conn, entry(user, action, client.ip, now, detail)).await?;
        if locked_now {
            let until = now + lock_for;
            let d = json!({ "consecutive_failures": failures, "locked_until": until });
            db::audit::record(&mut *conn, entry(user, "account_locked", client.ip, now, d)).await?;
            tell_owner_of_lock(conn, u, until, now, &config.mail_from).await?;
        }
        return Ok(());
    }
    db::audit::record(&mut *conn, entry(user, action, client.ip, now, detail)).await?;
    Ok(())
}

async fn tell_owner_of_lock(
    conn: &mut PgConnection,
    u: &User,
    until: DateTime<Utc>,
    now: DateTime<Utc>,
    mail_from: &str,
) -> AppResult<()> {
    let g = Generic {
        facility_id: None,
        agency_id: u.agency_id,
        to: Some(u.email.iter().cloned().collect()),
        booking_id: None,
        complaint_id: None,
        kind: AlertKind::AccountLocked,
        urgency: 0,
        dedupe_key: format!("user:{}:locked:{}", u.id, now.timestamp()),
        title: format!("{}: {}", u.username, AlertKind::AccountLocked.words()),
        body: format!(
            "Your wso-tracker account {} was locked after {LOCK_AFTER_FAILURES} failed sign-ins. It unlocks by \
             itself at {} UTC, or an administrator can release it sooner.\n\nIf these attempts were not yours, \
             tell your administrator.\n",
            u.username,
            until.format("%Y-%m-%d %H:%M")
        ),
        subject_header: None,
    };
    // Nobody is signed in: the alert is written under the account's own scope, on this
    // connection only (the request's scope stays empty).
    db::scope::apply(&mut *conn, &db::scope::RowScope::account_of(u.agency_id)).await?;
    alerts::raise_generic(conn, g, now, mail_from).await?;
    Ok(())
}

/// The first step: username and password.
pub async fn check_password(
    pool: &PgPool,
    config: &Config,
    username: &str,
    given: String,
    client: Client<'_>,
    now: DateTime<Utc>,
) -> AppResult<Outcome> {
    if let Some(retry_after) = throttled(pool, config, client, now).await? {
        return Ok(Outcome::Throttled { retry_after });
    }
    let username = username.trim().to_lowercase();
    // The hash is checked before any transaction: a sign-in waiting for a hashing permit holds
    // no database connection. A service account has no password: it is checked against the
    // dummy hash like a stranger.
    let seen = db::users::by_username(pool, &username).await?;
    let hash = seen.as_ref().and_then(|u| u.password_hash.clone());
    let Ok(ok) = password::verify(given, hash.clone()).await else {
        succeeded(&mut *pool.acquire().await?, client, now).await?; // not checked: not counted
        return Ok(Outcome::Busy);
    };
    let mut tx = pool.begin().await?;
    // The row lock serialises concurrent attempts on one account, so failures are counted exactly.
    let user = db::users::by_username_for_update(&mut *tx, &username).await?;
    // A password changed meanwhile was not the one checked.
    let ok = ok && user.as_ref().and_then(|u| u.password_hash.clone()) == hash;
    // A temporary password (an admin's reset) opens one sign-in, within its hours: this one
    // takes it, or finds it taken or expired (issue 26, 8).
    let spent = match &user {
        Some(u) if ok && u.must_change_password && !u.api_only && !u.is_disabled() && !u.is_locked(now) => {
            !db::users::take_temporary_password(&mut *tx, u.id, now).await?
        }
        _ => false,
    };
    let (action, detail) = match &user {
        None => (
            "login_failed",
            json!({ "username": username, "reason": "unknown_user" }),
        ),
        Some(u) if u.api_only => ("login_failed", json!({ "reason": "service_account" })),
        Some(u) if u.is_disabled() => ("login_refused_disabled", json!({ "password_correct": ok })),
        Some(u) if u.is_locked(now) => ("login_refused_locked", json!({ "locked_until": u.locked_until })),
        Some(_) if spent => (
            "login_failed",
            json!({ "reason": "temporary_password_used_or_expired" }),
        ),
        Some(u) if ok => {
            succeeded(&mut tx, client, now).await?;
            tx.commit().await?;
            return Ok(Outcome::Accepted(Box::new(u.clone())));
        }
        Some(_) => ("login_failed", json!({ "reason": "wrong_password" })),
    };
    failed(&mut tx, config, user.as_ref(), action, detail, client, now).await?;
    tx.commit().await?;
    Ok(Outcome::Refused)
}

/// The current password asked again of a signed-in user (to change it): checked like a sign-in.
/// Throttled per address; a wrong one counts against the account, which locks at
/// [`LOCK_AFTER_FAILURES`] like a sign-in, and is audited `password_confirm_failed`; while the
/// account is locked even the right one is refused (issue 26, 6).
pub async fn confirm_password(
    pool: &PgPool,
    config: &Config,
    user: &User,
    given: String,
    client: Client<'_>,
    now: DateTime<Utc>,
) -> AppResult<Outcome> {
    if let Some(retry_after) = throttled(pool, config, client, now).await? {
        return Ok(Outcome::Throttled { retry_after });
    }
    let Ok(ok) = password::verify(given, user.password_hash.clone()).await else {
        succeeded(&mut *pool.acquire().await?, client, now).await?; // not checked: not counted
        return Ok(Outcome::Busy);
    };
    let mut tx = pool.begin().await?;
    let Some(fresh) = db::users::by_id_for_update(&mut *tx, user.id).await? else {
        return Ok(Outcome::Refused);
    };
    let ok = ok && fresh.password_hash == user.password_hash;
    if ok && !fresh.is_locked(now) && !fresh.is_disabled() {
        succeeded(&mut tx, client, now).await?;
        tx.commit().await?;
        return Ok(Outcome::Accepted(Box::new(fresh)));
    }
    let detail = if fresh.is_locked(now) {
        json!({ "reason": "locked", "locked_until": fresh.locked_until })
    } else {
        json!({ "reason": "wrong_password" })
    };
    failed(
        &mut tx,
        config,
        Some(&fresh),
        "password_confirm_failed",
        detail,
        client,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Outcome::Refused)
}

/// The second step: a current TOTP code (never one already used) or an unused recovery code.
pub async fn check_code(
    pool: &PgPool,
    config: &Config,
    user_id: i64,
    code: &str,
    client: Client<'_>,
    now: DateTime<Utc>,
) -> AppResult<Outcome> {
    if let Some(retry_after) = throttled(pool, config, client, now).await? {
        return Ok(Outcome::Throttled { retry_after });
    }
    let mut tx = pool.begin().await?;
    let Some(user) = db::users::by_id_for_update(&mut *tx, user_id).await? else {
        return Ok(Outcome::Refused);
    };
    let usable = !user.is_locked(now) && !user.is_disabled();
    let code = code.trim();
    let mut how = "";
    if usable && let Some((secret, _)) = db::mfa::secret(&mut *tx, &config.secrets, user.id).await? {
        if let Some(step) = totp::matching_step(&secret, code, now.timestamp()) {
            if db::mfa::use_step(&mut *tx, user.id, step).await? {
                how = "totp";
            }
        } else if code.len() > 6
            && db::mfa::use_recovery_code(&mut *tx, user.id, &totp::recovery_code_hash(code), now).await?
        {
            how = "recovery_code";
            db::audit::record(
                &mut *tx,
                entry(Some(&user), "recovery_code_used", client.ip, now, json!({})),
            )
            .await?;
        }
    }
    if how.is_empty() {
        let reason = if usable {
            "wrong_or_used_code"
        } else {
            "locked_or_disabled"
        };
        failed(
            &mut tx,
            config,
            Some(&user),
            "mfa_failed",
            json!({ "reason": reason }),
            client,
            now,
        )
        .await?;
        tx.commit().await?;
        return Ok(Outcome::Refused);
    }
    succeeded(&mut tx, client, now).await?;
    tx.commit().await?;
    Ok(Outcome::Accepted(Box::new(user)))
}

/// Enrolment: the code proves the authenticator holds `secret`; returns the recovery codes to
/// show once (only their hashes are kept), or `None` when the code is wrong (a failure).
pub async fn enrol(
    pool: &PgPool,
    config: &Config,
    user_id: i64,
    secret: &str,
    code: &str,
    client: Client<'_>,
    now: DateTime<Utc>,
) -> AppResult<Result<(User, Vec<String>), Outcome>> {
    if let Some(retry_after) = throttled(pool, config, client, now).await? {
        return Ok(Err(Outcome::Throttled { retry_after }));
    }
    let mut tx = pool.begin().await?;
    let Some(user) = db::users::by_id_for_update(&mut *tx, user_id).await? else {
        return Ok(Err(Outcome::Refused));
    };
    let step = totp::matching_step(secret, code, now.timestamp());
    let (Some(step), false, false) = (step, user.is_locked(now), user.is_disabled()) else {
        let detail = json!({ "reason": "enrolment_code_wrong" });
        failed(&mut tx, config, Some(&user), "mfa_failed", detail, client, now).await?;
        tx.commit().await?;
        return Ok(Err(Outcome::Refused));
    };
    // Only an account not yet enrolled: a second setup page (someone else who has the
    // password, finding 7) cannot replace an enrolment made meanwhile.
    if !db::mfa::enrol(&mut *tx, &config.secrets, user.id, secret, step, now).await? {
        let detail = json!({ "reason": "already_enrolled" });
        failed(&mut tx, config, Some(&user), "mfa_failed", detail, client, now).await?;
        tx.commit().await?;
        return Ok(Err(Outcome::Refused));
    }
    let codes = totp::new_recovery_codes();
    let hashes: Vec<Vec<u8>> = codes.iter().map(|c| totp::recovery_code_hash(c)).collect();
    db::mfa::set_recovery_codes(&mut tx, user.id, &hashes, now).await?;
    db::audit::record(&mut *tx, entry(Some(&user), "mfa_enrolled", client.ip, now, json!({}))).await?;
    succeeded(&mut tx, client, now).await?;
    tx.commit().await?;
    Ok(Ok((user, codes)))
}

/// Both steps passed: the failure streak ends, the sign-in is recorded and audited, and a
/// `user_sessions` row is opened; returns its id for the session.
pub async fn complete(pool: &PgPool, user: &User, client: Client<'_>, now: DateTime<Utc>) -> AppResult<String> {
    complete_with(pool, user, client, now, json!({ "mfa": user.mfa_enrolled })).await
}

/// [`complete`], the `login` entry saying how (`detail`: e.g. through the agency's provider).
pub async fn complete_with(
    pool: &PgPool,
    user: &User,
    client: Client<'_>,
    now: DateTime<Utc>,
    detail: Value,
) -> AppResult<String> {
    let sid = crate::auth::token::random_hex();
    let mut tx = pool.begin().await?;
    db::users::record_login(&mut *tx, user.id, now).await?;
    let s = db::sessions::NewSession {
        id: &sid,
        user_id: user.id,
        now,
        ip: client.ip,
        user_agent: client.user_agent,
    };
    db::sessions::start(&mut *tx, &s).await?;
    db::audit::record(&mut *tx, entry(Some(user), "login", client.ip, now, detail)).await?;
    tx.commit().await?;
    Ok(sid)
}
