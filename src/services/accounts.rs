//! Account and facility operations shared by the CLI and the admin pages: validate, write,
//! audit, all in one transaction.

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::PgPool;

use crate::auth::password;
use crate::db::{self, audit::NewEntry};
use crate::domain::tenancy::{self, Granter};
use crate::domain::{Role, account};
use crate::error::{AppError, AppResult, FieldError};

/// Who is acting: an admin in the browser, or the operator at the command line (`None`).
#[derive(Clone, Copy)]
pub struct Actor<'a> {
    pub id: Option<i64>,
    pub name: Option<&'a str>,
    pub ip: Option<&'a str>,
    /// What the actor may grant (`domain::tenancy`): the command line is the operator.
    pub granter: Granter,
}

impl<'a> Actor<'a> {
    pub const CLI: Actor<'static> = Actor {
        id: None,
        name: None,
        ip: None,
        granter: Granter::Cli,
    };

    /// A signed-in user: acting on their own account, or as an agency's admin or the operator.
    pub fn user(user: &'a crate::db::users::User, ip: Option<&'a str>) -> Actor<'a> {
        Actor {
            id: Some(user.id),
            name: Some(&user.username),
            ip,
            granter: Granter::Account {
                role: user.role,
                operator: user.operator,
                agency: user.agency_id,
            },
        }
    }

    /// Something other than a person (a wall display's first use), named.
    pub fn named(name: &'a str, ip: Option<&'a str>) -> Actor<'a> {
        Actor {
            id: None,
            name: Some(name),
            ip,
            granter: Granter::Account {
                role: Role::Oversight,
                operator: false,
                agency: None,
            },
        }
    }

    /// The server itself (the watcher).
    pub const SYSTEM: Actor<'static> = Actor {
        id: None,
        name: Some("system"),
        ip: None,
        granter: Granter::Cli,
    };

    /// Whether the actor manages `facility` (an agency's admin: its agency's; the operator and
    /// the command line: every facility).
    pub fn manages_facility(&self, facility: &db::facilities::Facility) -> bool {
        self.managed_agency().is_none_or(|own| own == facility.agency_id)
    }

    /// The agency whose accounts and facilities this actor manages: its own for an agency's
    /// admin, `None` (every agency) for the operator and the command line.
    pub fn managed_agency(&self) -> Option<i64> {
        match self.granter {
            // The first admin flagged operator too: its agency's accounts and facilities only.
            Granter::Account {
                role: Role::Admin,
                agency,
                ..
            } => agency,
            _ => None,
        }
    }

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
    /// Agency codes: the one an officer, supervisor or admin belongs to (may be left out when
    /// the installation has one agency, or when the actor is an agency's admin: theirs); the
    /// agencies an oversight account is granted; none for a liaison or the operator.
    pub agencies: Vec<String>,
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
    let agencies = crate::services::agencies::agencies_of(pool, role, &input.agencies, &actor, &mut errors).await?;
    let agency = role
        .filter(|r| tenancy::belongs_to_agency(*r))
        .and(agencies.first().copied());
    let facilities =
        crate::services::agencies::existing_facilities(pool, &input.facilities, &actor, &mut errors).await?;
    if let Some(role) = role
        && errors.is_empty()
    {
        crate::services::agencies::allowed_account(&actor, role, agency, &facilities, &mut errors)?;
    }
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
    let id = match db::users::insert(&mut *tx, names, (role, agency), email.as_deref(), hash.as_deref(), now).await {
        Ok(id) => id,
        Err(e) if db::unique::violated(&e).is_some_and(|u| u.field == "username") => {
            return Err(AppError::field(
                "username",
                format!("the username `{username}` is already taken"),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let codes: Vec<String> = facilities.iter().map(|f| f.code.clone()).collect();
    db::users::set_facilities(&mut tx, id, &codes, None).await?;
    if role == Role::Oversight {
        for a in &agencies {
            db::agencies::grant_oversight(&mut *tx, id, *a, now).await?;
        }
    }
    let agency_codes = crate::services::agencies::agency_codes(pool, &agencies).await?;
    let detail = json!({
        "username": username, "role": role, "email": email, "facilities": codes, "api_only": input.api_only,
        "agencies": agency_codes,
    });
    db::audit::record(&mut *tx, actor.entry("user_created", now, detail)).await?;
    tx.commit().await?;
    Ok(id)
}

/// The account `user_id`, when `actor` manages it (`domain::tenancy::manages`); another
/// agency's account is a 404, as one that does not exist.
pub async fn managed(db: impl sqlx::PgExecutor<'_>, actor: &Actor<'_>, user_id: i64) -> AppResult<db::users::User> {
    let user = db::users::by_id(db, user_id).await?.ok_or(AppError::NotFound)?;
    if tenancy::manages(
        actor.granter,
        (user.role, user.operator),
        user.agency_id,
        &user.facility_agencies,
    ) {
        Ok(user)
    } else {
        Err(AppError::Hidden)
    }
}

/// Changes an account's role and facilities. An agency's admin changes only its own facilities
/// of the account (a liaison keeps the grants of other agencies).
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
    let facilities = crate::services::agencies::existing_facilities(pool, facilities, &actor, &mut errors).await?;
    let before = managed(pool, &actor, user_id).await?;
    let agency = match role {
        Some(r) if tenancy::belongs_to_agency(r) => match before.agency_id.or(actor.managed_agency()) {
            Some(a) => Some(a),
            None => db::agencies::only_one(pool).await?.map(|a| a.id),
        },
        _ => None,
    };
    if let Some(role) = role
        && errors.is_empty()
    {
        crate::services::agencies::allowed_account(&actor, role, agency, &facilities, &mut errors)?;
    }
    let (Some(role), true) = (role, errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let mut tx = pool.begin().await?;
    if actor.id == Some(user_id) && role != Role::Admin {
        return Err(AppError::field("role", "you cannot remove your own administrator role"));
    }
    // The last enabled administrator of the agency keeps the role. The check locks every
    // administrator's row until this transaction ends, so two admins demoting each other at once
    // queue there and the second sees the first's result (issue 26, 11).
    if before.role == Role::Admin && role != Role::Admin && db::users::is_last_enabled_admin(&mut tx, user_id).await? {
        return Err(AppError::field(
            "role",
            "this is the last enabled administrator: make another account an administrator first",
        ));
    }
    let codes: Vec<String> = facilities.iter().map(|f| f.code.clone()).collect();
    db::users::set_role(&mut tx, user_id, role, agency).await?;
    db::users::set_facilities(&mut tx, user_id, &codes, actor.managed_agency()).await?;
    if let Some(name) = &full_name {
        db::users::set_full_name(&mut *tx, user_id, name.as_deref()).await?;
    }
    let detail = json!({
        "username": before.username,
        "full_name": full_name.as_ref().map(|n| json!({ "from": before.full_name, "to": n })),
        "role": { "from": before.role, "to": role },
        "facilities": { "from": before.facilities, "to": codes },
    });
    db::audit::record(&mut *tx, actor.entry("user_updated", now, detail)).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn unlock_user(pool: &PgPool, user_id: i64, actor: Actor<'_>, now: DateTime<Utc>) -> AppResult<()> {
    let mut tx = pool.begin().await?;
    let user = managed(&mut *tx, &actor, user_id).await?;
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

/// A new facility of `agency` (a code; may be left out by an agency's admin, whose agency it
/// is, or when the installation has one agency).
pub async fn create_facility(
    pool: &PgPool,
    (code, name): (&str, &str),
    (timezone, igsa): (&str, bool),
    agency: Option<&str>,
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
    let agency = crate::services::agencies::resolve(pool, agency, &actor, &mut errors).await?;
    let (Some(code), Some(tz), Some(agency), true) = (code, tz, agency, errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let mut tx = pool.begin().await?;
    let facility = match db::facilities::insert(&mut *tx, &code, name, tz.name(), igsa, agency.id, now).await {
        Ok(f) => f,
        Err(e) if db::unique::violated(&e).is_some_and(|u| u.field == "code") => {
            return Err(AppError::field("code", format!("a facility `{code}` already exists")));
        }
        Err(e) => return Err(e.into()),
    };
    let detail = json!({ "code": code, "name": name, "timezone": tz.name(), "igsa": igsa, "agency": agency.code });
    db::audit::record(&mut *tx, actor.entry("facility_created", now, detail)).await?;
    tx.commit().await?;
    Ok(facility)
}

/// Sets a facility's shift start times (issue 31's handover), audited `facility_shifts_set`.
pub async fn set_shift_starts(
    pool: &PgPool,
    code: &str,
    starts: &[chrono::NaiveTime],
    actor: Actor<'_>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let mut tx = pool.begin().await?;
    let f = db::facilities::by_code(&mut *tx, code)
        .await?
        .ok_or_else(|| AppError::field("code", format!("no facility {code}")))?;
    db::handover::set_shift_starts(&mut *tx, f.id, starts).await?;
    let words: Vec<String> = starts.iter().map(|t| t.format("%H:%M").to_string()).collect();
    let detail = serde_json::json!({ "facility": f.code, "shift_starts": words });
    db::audit::record(&mut *tx, actor.entry("facility_shifts_set", now, detail)).await?;
    tx.commit().await?;
    Ok(())
}
