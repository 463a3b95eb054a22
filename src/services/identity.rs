//! The life of an account after it is created: disable and enable, password change and admin
//! reset, MFA reset, sessions, API tokens, and disabling accounts left unused. Each change is one
//! transaction with its audit entry; ending an account's access ends its sessions at once.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use sqlx::PgPool;

use super::accounts::Actor;
use crate::alerts::{self, Generic};
use crate::auth::{password, token};
use crate::db::{self, tokens::TokenRow, users::User};
use crate::domain::account;
use crate::domain::alerts::AlertKind;
use crate::error::{AppError, AppResult};

/// Days a token lives unless asked otherwise, and at most.
pub const TOKEN_DEFAULT_DAYS: i64 = 90;
pub const TOKEN_MAX_DAYS: i64 = 366;

/// A new password's hash; too many at once is a 503, not a 500.
async fn hashed(password: String) -> AppResult<String> {
    password::hash(password)
        .await
        .map_err(|e| match e.downcast::<password::Busy>() {
            Ok(busy) => AppError::Busy(busy.to_string()),
            Err(other) => AppError::from(other),
        })
}

async fn user_named(pool: &PgPool, username: &str) -> AppResult<User> {
    db::users::by_username(pool, username.trim())
        .await?
        .ok_or_else(|| AppError::field("username", format!("there is no user `{}`", username.trim())))
}

pub async fn by_username(pool: &PgPool, username: &str) -> AppResult<User> {
    user_named(pool, username).await
}

/// Disables (`true`) or enables an account. Disabling ends its sessions at once; its tokens
/// answer 401 from then on.
pub async fn set_disabled(
    pool: &PgPool,
    user_id: i64,
    disabled: bool,
    actor: Actor<'_>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let mut tx = pool.begin().await?;
    let user = db::users::by_id_for_update(&mut *tx, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    crate::services::accounts::managed(&mut *tx, &actor, user.id).await?;
    if actor.id == Some(user.id) && disabled {
        return Err(AppError::Conflict {
            code: "own_account",
            message: "you cannot disable your own account".into(),
        });
    }
    if !db::users::set_disabled(&mut *tx, user.id, disabled.then_some(now)).await? {
        let state = if disabled { "already disabled" } else { "not disabled" };
        return Err(AppError::Conflict {
            code: if disabled { "already_disabled" } else { "not_disabled" },
            message: format!("{} is {state}", user.username),
        });
    }
    let ended = if disabled {
        db::sessions::end_all(&mut *tx, user.id, None, "account_disabled", now).await?
    } else {
        0
    };
    let action = if disabled {
        "account_disabled"
    } else {
        "account_enabled"
    };
    let detail = json!({ "username": user.username, "sessions_ended": ended });
    db::audit::record(&mut *tx, actor.entry(action, now, detail)).await?;
    tx.commit().await?;
    Ok(())
}

/// How long a temporary password (an admin's reset) opens its one sign-in.
pub const TEMPORARY_PASSWORD_HOURS: i64 = 72;

/// An admin's reset: a one-time temporary password (returned, shown once), which opens one
/// sign-in within [`TEMPORARY_PASSWORD_HOURS`], to be replaced there; every session of the
/// account ends.
pub async fn reset_password(pool: &PgPool, user_id: i64, actor: Actor<'_>, now: DateTime<Utc>) -> AppResult<String> {
    let user = crate::services::accounts::managed(pool, &actor, user_id).await?;
    if user.api_only {
        return Err(AppError::Conflict {
            code: "service_account",
            message: format!("{} is a service account: it has no password", user.username),
        });
    }
    let temporary = token::generate().trim_start_matches("wso_")[..20].to_string();
    let hash = hashed(temporary.clone()).await?;
    let mut tx = pool.begin().await?;
    let until = now + chrono::Duration::hours(TEMPORARY_PASSWORD_HOURS);
    db::users::set_password(&mut *tx, user.id, &hash, Some(until)).await?;
    let ended = db::sessions::end_all(&mut *tx, user.id, None, "password_reset", now).await?;
    let detail = json!({ "username": user.username, "sessions_ended": ended });
    db::audit::record(&mut *tx, actor.entry("password_reset", now, detail)).await?;
    tx.commit().await?;
    Ok(temporary)
}

/// Forgets the user's authenticator and recovery codes: they enrol again at the next sign-in.
pub async fn reset_mfa(pool: &PgPool, user_id: i64, actor: Actor<'_>, now: DateTime<Utc>) -> AppResult<()> {
    let mut tx = pool.begin().await?;
    let user = db::users::by_id_for_update(&mut *tx, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    crate::services::accounts::managed(&mut *tx, &actor, user.id).await?;
    if !db::mfa::reset(&mut tx, user.id).await? {
        return Err(AppError::Conflict {
            code: "mfa_not_enrolled",
            message: format!("{} has no authenticator enrolled", user.username),
        });
    }
    db::audit::record(
        &mut *tx,
        actor.entry("mfa_reset", now, json!({ "username": user.username })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The user changes their own password (the current one proves it is them); their other
/// sessions end.
pub async fn change_password(
    pool: &PgPool,
    user: &User,
    keep_session: &str,
    current: String,
    new: String,
    ip: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let mut errors = Vec::new();
    let same = new == current;
    let ok = password::verify(current, user.password_hash.clone())
        .await
        .map_err(|e| AppError::Busy(e.to_string()))?;
    if !ok {
        errors.push(crate::error::FieldError::new(
            "current_password",
            "the current password is not right",
        ));
    }
    if ok && same {
        errors.push(crate::error::FieldError::new(
            "new_password",
            "the new password must differ from the current one",
        ));
    } else if let Err(m) = account::check_password_strength(&new, &[user.username.as_str()]) {
        errors.push(crate::error::FieldError::new(
            "new_password",
            m.replacen("password", "new password", 1),
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let hash = hashed(new).await?;
    let mut tx = pool.begin().await?;
    db::users::set_password(&mut *tx, user.id, &hash, None).await?;
    let ended = db::sessions::end_all(&mut *tx, user.id, Some(keep_session), "password_changed", now).await?;
    let actor = Actor::user(user, ip);
    db::audit::record(
        &mut *tx,
        actor.entry("password_changed", now, json!({ "other_sessions_ended": ended })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// "Sign out all other sessions"; returns how many ended.
pub async fn end_other_sessions(
    pool: &PgPool,
    user: &User,
    keep_session: &str,
    ip: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<u64> {
    let mut tx = pool.begin().await?;
    let ended = db::sessions::end_all(&mut *tx, user.id, Some(keep_session), "signed_out_elsewhere", now).await?;
    let actor = Actor::user(user, ip);
    db::audit::record(
        &mut *tx,
        actor.entry("session_revoked", now, json!({ "sessions_ended": ended })),
    )
    .await?;
    tx.commit().await?;
    Ok(ended)
}

/// Creates an API token for `username` living `days` (default 90, at most 366); returns its id
/// and the token (shown once; only its hash is kept).
pub async fn create_token(
    pool: &PgPool,
    username: &str,
    days: Option<i64>,
    actor: Actor<'_>,
    now: DateTime<Utc>,
) -> AppResult<(i64, String)> {
    let days = days.unwrap_or(TOKEN_DEFAULT_DAYS);
    if !(1..=TOKEN_MAX_DAYS).contains(&days) {
        return Err(AppError::field(
            "expires_in_days",
            format!("a token lives 1 to {TOKEN_MAX_DAYS} days"),
        ));
    }
    let user = user_named(pool, username).await?;
    if actor.id != Some(user.id) {
        crate::services::accounts::managed(pool, &actor, user.id).await?;
    }
    let token = token::generate();
    let expires_at = now + Duration::days(days);
    let mut tx = pool.begin().await?;
    let id = db::tokens::insert(&mut *tx, user.id, &token::digest(&token), expires_at, now).await?;
    let detail = json!({ "username": user.username, "token_id": id, "expires_at": expires_at });
    db::audit::record(&mut *tx, actor.entry("token_created", now, detail)).await?;
    tx.commit().await?;
    Ok((id, token))
}

pub async fn tokens_of(pool: &PgPool, username: &str) -> AppResult<(User, Vec<TokenRow>)> {
    let user = user_named(pool, username).await?;
    let tokens = db::tokens::for_user(pool, user.id).await?;
    Ok((user, tokens))
}

/// Revokes a token; returns its user's id.
pub async fn revoke_token(pool: &PgPool, token_id: i64, actor: Actor<'_>, now: DateTime<Utc>) -> AppResult<i64> {
    let mut tx = pool.begin().await?;
    let Some(user_id) = db::tokens::revoke(&mut *tx, token_id, now).await? else {
        return Err(AppError::Conflict {
            code: "no_such_token",
            message: format!("there is no live token {token_id}"),
        });
    };
    let username = match actor.id == Some(user_id) {
        true => db::users::by_id(&mut *tx, user_id).await?.map(|u| u.username),
        // Another agency's token is answered as one that does not exist (rolled back).
        false => Some(
            crate::services::accounts::managed(&mut *tx, &actor, user_id)
                .await?
                .username,
        ),
    };
    let detail = json!({ "token_id": token_id, "username": username });
    db::audit::record(&mut *tx, actor.entry("token_revoked", now, detail)).await?;
    tx.commit().await?;
    Ok(user_id)
}

/// Disables every account with no sign-in and no token use for `days` (the watcher runs this);
/// each is audited and raises an alert for admins. Returns how many.
pub async fn disable_inactive(pool: &PgPool, days: i64, now: DateTime<Utc>, mail_from: &str) -> AppResult<usize> {
    let before = now - Duration::days(days);
    let mut count = 0;
    for (id, username) in db::users::inactive_since(pool, before).await? {
        let mut tx = pool.begin().await?;
        // The last enabled administrator is kept: someone must be able to enable the others.
        if db::users::is_last_enabled_admin(&mut tx, id).await? {
            continue;
        }
        if !db::users::set_disabled(&mut *tx, id, Some(now)).await? {
            continue;
        }
        db::sessions::end_all(&mut *tx, id, None, "account_disabled", now).await?;
        let detail = json!({ "username": username, "inactive_days": days });
        db::audit::record(&mut *tx, Actor::SYSTEM.entry("account_disabled_inactive", now, detail)).await?;
        let agency_id = db::users::by_id(&mut *tx, id).await?.and_then(|u| u.agency_id);
        let g = Generic {
            facility_id: None,
            agency_id,
            to: None,
            booking_id: None,
            complaint_id: None,
            kind: AlertKind::AccountDisabledInactive,
            urgency: 0,
            dedupe_key: format!("user:{id}:disabled_inactive:{}", now.timestamp()),
            title: format!("{username}: {}", AlertKind::AccountDisabledInactive.words()),
            body: format!(
                "The account {username} had no sign-in and no API use for {days} days and was disabled. \
                 An administrator can enable it again.\n"
            ),
            subject_header: None,
        };
        alerts::raise_generic(&mut tx, g, now, mail_from).await?;
        tx.commit().await?;
        count += 1;
    }
    Ok(count)
}
