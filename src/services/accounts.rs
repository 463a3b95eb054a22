//! Account and facility operations shared by the CLI and the admin pages: validate, write,
//! audit, all in one transaction.

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::PgPool;

use crate::auth::password;
use crate::db::{self, audit::NewEntry};
use crate::domain::{Role, account};
use crate::error::{AppError, AppResult, FieldError};

/// Who is acting: an admin in the browser, or the operator at the command line (`None`).
#[derive(Clone, Copy)]
pub struct Actor<'a> {
    pub id: Option<i64>,
    pub name: Option<&'a str>,
    pub ip: Option<&'a str>,
}

impl<'a> Actor<'a> {
    pub const CLI: Actor<'static> = Actor {
        id: None,
        name: None,
        ip: None,
    };

    /// A signed-in user acting on their own account.
    pub fn user(user: &'a crate::db::users::User, ip: Option<&'a str>) -> Actor<'a> {
        Actor {
            id: Some(user.id),
            name: Some(&user.username),
            ip,
        }
    }

    /// The server itself (the watcher).
    pub const SYSTEM: Actor<'static> = Actor {
        id: None,
        name: Some("system"),
        ip: None,
    };

    fn via(&self) -> &'static str {
        match (self.id, self.name) {
            (Some(_), _) => "web",
            (None, Some(_)) => "system",
            (None, None) => "cli",
        }
    }

    pub(crate) fn entry<'b>(&'b self, action: &'b str, now: DateTime<Utc>, detail: serde_json::Value) -> NewEntry<'b> {
        NewEntry {
            at: now,
            recorded_at: now,
            actor_id: self.id,
            actor: self.name,
            action,
            ip: self.ip.map(str::to_owned),
            detail: json!({ "via": self.via(), "detail": detail }),
            booking_id: None,
        }
    }
}

pub struct NewUser {
    pub username: String,
    /// The person's name ("Jane Doe"); empty or `None` for none.
    pub full_name: Option<String>,
    pub role: String,
    pub email: Option<String>,
    pub facilities: Vec<String>,
    /// Ignored for an `api_only` account, which has no password.
    pub password: String,
    /// A service account: no password, no web sign-in, acts only through tokens.
    pub api_only: bool,
}

/// Creates an account. Every problem is reported against its field, nothing is written then.
pub async fn create_user(pool: &PgPool, input: NewUser, actor: Actor<'_>, now: DateTime<Utc>) -> AppResult<i64> {
    let mut errors = Vec::new();
    let username = account::parse_username(&input.username)
        .map_err(|m| errors.push(FieldError::new("username", m)))
        .ok();
    let role = input
        .role
        .parse::<Role>()
        .map_err(|m| errors.push(FieldError::new("role", m)))
        .ok();
    let email = match input.email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
        Some(e) => account::parse_email(e)
            .map(Some)
            .map_err(|m| errors.push(FieldError::new("email", m)))
            .unwrap_or(None),
        None => None,
    };
    let full_name = account::parse_full_name(input.full_name.as_deref().unwrap_or(""))
        .map_err(|m| errors.push(FieldError::new("full_name", m)))
        .unwrap_or(None);
    let context: Vec<&str> = username.iter().map(String::as_str).collect();
    if !input.api_only
        && let Err(m) = account::check_password_strength(&input.password, &context)
    {
        errors.push(FieldError::new("password", m));
    }
    let facilities = existing_facilities(pool, &input.facilities, &mut errors).await?;
    if let (Some(u), true) = (&username, errors.is_empty())
        && db::users::by_username(pool, u).await?.is_some()
    {
        errors.push(FieldError::new(
            "username",
            format!("the username `{u}` is already taken"),
        ));
    }
    let (Some(username), Some(role), true) = (username, role, errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let hash = match input.api_only {
        true => None,
        false => Some(password::hash(input.password).await?),
    };

    let mut tx = pool.begin().await?;
    let names = (username.as_str(), full_name.as_deref());
    let id = match db::users::insert(&mut *tx, names, role, email.as_deref(), hash.as_deref(), now).await {
        Ok(id) => id,
        Err(e) if db::unique::violated(&e).is_some_and(|u| u.field == "username") => {
            return Err(AppError::field(
                "username",
                format!("the username `{username}` is already taken"),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    db::users::set_facilities(&mut tx, id, &facilities).await?;
    let detail = json!({
        "username": username, "role": role, "email": email, "facilities": facilities, "api_only": input.api_only,
    });
    db::audit::record(&mut *tx, actor.entry("user_created", now, detail)).await?;
    tx.commit().await?;
    Ok(id)
}

async fn existing_facilities(pool: &PgPool, codes: &[String], errors: &mut Vec<FieldError>) -> AppResult<Vec<String>> {
    let mut found = Vec::new();
    for code in codes.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
        match db::facilities::by_code(pool, code).await? {
            Some(f) => found.push(f.code),
            None => errors.push(FieldError::new("facilities", format!("there is no facility `{code}`"))),
        }
    }
    found.sort();
    found.dedup();
    Ok(found)
}

/// Changes an account's role and facilities.
pub async fn update_user(
    pool: &PgPool,
    user_id: i64,
    (role, full_name): (&str, Option<&str>),
    facilities: &[String],
    actor: Actor<'_>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let mut errors = Vec::new();
    let full_name = full_name.map(|raw| {
        account::parse_full_name(raw)
            .map_err(|m| errors.push(FieldError::new("full_name", m)))
            .unwrap_or(None)
    });
    let role = role
        .parse::<Role>()
        .map_err(|m| errors.push(FieldError::new("role", m)))
        .ok();
    let facilities = existing_facilities(pool, facilities, &mut errors).await?;
    let (Some(role), true) = (role, errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let mut tx = pool.begin().await?;
    let before = db::users::by_id(&mut *tx, user_id).await?.ok_or(AppError::NotFound)?;
    if actor.id == Some(user_id) && role != Role::Admin {
        return Err(AppError::field("role", "you cannot remove your own administrator role"));
    }
    // The last enabled administrator keeps the role. The check locks every administrator's row
    // until this transaction ends, so two admins demoting each other at once queue there and
    // the second sees the first's result (issue 26, 11).
    if before.role == Role::Admin && role != Role::Admin && db::users::is_last_enabled_admin(&mut tx, user_id).await? {
        return Err(AppError::field(
            "role",
            "this is the last enabled administrator: make another account an administrator first",
        ));
    }
    db::users::set_role(&mut *tx, user_id, role).await?;
    db::users::set_facilities(&mut tx, user_id, &facilities).await?;
    if let Some(name) = &full_name {
        db::users::set_full_name(&mut *tx, user_id, name.as_deref()).await?;
    }
    let detail = json!({
        "username": before.username,
        "full_name": full_name.as_ref().map(|n| json!({ "from": before.full_name, "to": n })),
        "role": { "from": before.role, "to": role },
        "facilities": { "from": before.facilities, "to": facilities },
    });
    db::audit::record(&mut *tx, actor.entry("user_updated", now, detail)).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn unlock_user(pool: &PgPool, user_id: i64, actor: Actor<'_>, now: DateTime<Utc>) -> AppResult<()> {
    let mut tx = pool.begin().await?;
    let user = db::users::by_id(&mut *tx, user_id).await?.ok_or(AppError::NotFound)?;
    if !db::users::unlock(&mut *tx, user_id).await? {
        return Err(AppError::Conflict {
            code: "not_locked",
            message: format!("{} is not locked", user.username),
        });
    }
    db::audit::record(
        &mut *tx,
        actor.entry("account_unlocked", now, json!({ "username": user.username })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn create_facility(
    pool: &PgPool,
    code: &str,
    name: &str,
    timezone: &str,
    igsa: bool,
    actor: Actor<'_>,
    now: DateTime<Utc>,
) -> AppResult<db::facilities::Facility> {
    let mut errors = Vec::new();
    let code = account::parse_facility_code(code)
        .map_err(|m| errors.push(FieldError::new("code", m)))
        .ok();
    let tz = account::parse_timezone(timezone)
        .map_err(|m| errors.push(FieldError::new("timezone", m)))
        .ok();
    let name = name.trim();
    if name.is_empty() || name.len() > 200 {
        errors.push(FieldError::new("name", "name must be 1 to 200 characters"));
    }
    let (Some(code), Some(tz), true) = (code, tz, errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let mut tx = pool.begin().await?;
    let facility = match db::facilities::insert(&mut *tx, &code, name, tz.name(), igsa, now).await {
        Ok(f) => f,
        Err(e) if db::unique::violated(&e).is_some_and(|u| u.field == "code") => {
            return Err(AppError::field("code", format!("a facility `{code}` already exists")));
        }
        Err(e) => return Err(e.into()),
    };
    let detail = json!({ "code": code, "name": name, "timezone": tz.name(), "igsa": igsa });
    db::audit::record(&mut *tx, actor.entry("facility_created", now, detail)).await?;
    tx.commit().await?;
    Ok(facility)
}
