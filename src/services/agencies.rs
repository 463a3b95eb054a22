//! Agencies (issue 28; docs/agencies.md): creating them, finding the one a command means, and a
//! liaison's facility grants. Who may is decided in `domain::tenancy`.

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::PgPool;

use crate::db::{self, agencies::Agency};
use crate::domain::{Role, account, tenancy};
use crate::error::{AppError, AppResult, FieldError};
use crate::services::accounts::Actor;

/// Creates an agency (the operator only), audited `agency_created`.
pub async fn create(
    pool: &PgPool,
    (code, name): (&str, &str),
    (state, timezone): (&str, Option<&str>),
    actor: Actor<'_>,
    now: DateTime<Utc>,
) -> AppResult<Agency> {
    operates(&actor)?;
    let mut errors = Vec::new();
    let code = account::parse_agency_code(code)
        .map_err(|m| errors.push(FieldError::new("code", m)))
        .ok();
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        errors.push(FieldError::new("name", "name must be 1 to 200 characters"));
    }
    let state = account::parse_state(state)
        .map_err(|m| errors.push(FieldError::new("state", m)))
        .unwrap_or_default();
    let tz = match timezone.map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => account::parse_timezone(t)
            .map(Some)
            .map_err(|m| errors.push(FieldError::new("timezone", m)))
            .unwrap_or(None),
        None => None,
    };
    let (Some(code), true) = (code, errors.is_empty()) else {
        return Err(AppError::Validation(errors));
    };
    let mut tx = pool.begin().await?;
    let tz_name = tz.map(|z| z.name());
    if let Err(e) = db::agencies::insert(&mut *tx, &code, name, (&state, tz_name), now).await {
        return Err(match db::unique::violated(&e) {
            Some(_) => AppError::field("code", format!("an agency `{code}` already exists")),
            None => e.into(),
        });
    }
    let detail = json!({ "code": code, "name": name, "state": state, "timezone": tz_name });
    db::audit::record(&mut *tx, actor.entry("agency_created", now, detail)).await?;
    tx.commit().await?;
    db::agencies::by_code(pool, &code).await?.ok_or(AppError::NotFound)
}

/// Every agency with its facility count (the operator only; no case data).
pub async fn list(pool: &PgPool, actor: &Actor<'_>) -> AppResult<Vec<Agency>> {
    operates(actor)?;
    Ok(db::agencies::all(pool).await?)
}

fn operates(actor: &Actor<'_>) -> AppResult<()> {
    match actor.granter {
        tenancy::Granter::Cli => Ok(()),
        tenancy::Granter::Account { role, operator, .. } => Ok(tenancy::may_operate(role, operator)?),
    }
}

/// The agency a command or form means: the one named (which an agency's admin may only name if
/// it is theirs), else the admin's own, else the installation's only one. A problem is a field
/// error on `agency`; `None` then.
pub async fn resolve(
    pool: &PgPool,
    code: Option<&str>,
    actor: &Actor<'_>,
    errors: &mut Vec<FieldError>,
) -> AppResult<Option<Agency>> {
    let own = actor.managed_agency();
    let found = match code.map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) => match db::agencies::by_code(pool, code).await? {
            Some(a) if own.is_none_or(|own| own == a.id) => Some(a),
            // Another agency's code is answered as one that does not exist.
            _ => {
                errors.push(FieldError::new("agency", format!("there is no agency `{code}`")));
                return Ok(None);
            }
        },
        None => match own {
            Some(own) => db::agencies::all(pool).await?.into_iter().find(|a| a.id == own),
            None => db::agencies::only_one(pool).await?,
        },
    };
    if found.is_none() {
        errors.push(FieldError::new(
            "agency",
            "the installation has several agencies: name one (--agency CODE)",
        ));
    }
    Ok(found)
}

/// Grants `facility` to the account `username` (a liaison's grant: by the facility's agency's
/// admin or the operator), audited `facility_granted`. False when it was granted already.
pub async fn grant(
    pool: &PgPool,
    username: &str,
    facility: &str,
    actor: Actor<'_>,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    change_grant(pool, username, facility, true, actor, now).await
}

/// Takes a facility back, audited `facility_revoked`: the account's board, alerts and streams
/// lose that facility's cases at once. False when it was not granted.
pub async fn revoke(
    pool: &PgPool,
    username: &str,
    facility: &str,
    actor: Actor<'_>,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    change_grant(pool, username, facility, false, actor, now).await
}

async fn change_grant(
    pool: &PgPool,
    username: &str,
    facility: &str,
    give: bool,
    actor: Actor<'_>,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let mut tx = pool.begin().await?;
    let user = db::users::by_username(&mut *tx, username.trim())
        .await?
        .ok_or_else(|| AppError::field("username", format!("there is no user `{}`", username.trim())))?;
    // A liaison may be granted any agency's facility; an agency's own staff only by whoever
    // manages them (another agency's account is answered as one that does not exist).
    if user.role != crate::domain::Role::IceLiaison
        && !tenancy::manages(
            actor.granter,
            (user.role, user.operator),
            user.agency_id,
            &user.facility_agencies,
        )
    {
        return Err(AppError::Hidden);
    }
    let hidden_facility = || AppError::field("facility", format!("there is no facility `{}`", facility.trim()));
    let f = db::facilities::by_code(&mut *tx, facility.trim())
        .await?
        .ok_or_else(hidden_facility)?;
    // An agency's admin asking about another agency's facility learns nothing of it.
    if actor.managed_agency().is_some_and(|own| own != f.agency_id) {
        return Err(hidden_facility());
    }
    tenancy::may_grant_facility(actor.granter, user.role, user.agency_id, f.agency_id)?;
    // Serialised with other changes of the account's grants.
    db::users::lock_credentials(&mut *tx, user.id).await?;
    let changed = match give {
        true => db::agencies::grant_facility(&mut *tx, user.id, f.id).await?,
        false => db::agencies::revoke_facility(&mut *tx, user.id, f.id).await?,
    };
    if changed {
        let action = if give { "facility_granted" } else { "facility_revoked" };
        let detail = json!({ "username": user.username, "facility": f.code, "role": user.role });
        db::audit::record(&mut *tx, actor.entry(action, now, detail)).await?;
    }
    tx.commit().await?;
    Ok(changed)
}

// ---- The accounts' side: used by `services::accounts` ----

/// The facilities named, each of which must exist; an agency's admin names only its own agency's
/// (another agency's is answered as one that does not exist).
pub(crate) async fn existing_facilities(
    pool: &PgPool,
    codes: &[String],
    actor: &Actor<'_>,
    errors: &mut Vec<FieldError>,
) -> AppResult<Vec<db::facilities::Facility>> {
    let mut found: Vec<db::facilities::Facility> = Vec::new();
    let own = actor.managed_agency();
    for code in codes.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
        match db::facilities::by_code(pool, code).await? {
            Some(f) if own.is_none_or(|own| own == f.agency_id) => found.push(f),
            _ => errors.push(FieldError::new("facilities", format!("there is no facility `{code}`"))),
        }
    }
    found.sort_by(|a, b| a.code.cmp(&b.code));
    found.dedup_by(|a, b| a.code == b.code);
    Ok(found)
}

/// The agencies named for a new account of `role` (ids, in the order given): each must exist;
/// an officer, supervisor or admin takes exactly one, which may be left out when the
/// installation has only one agency or an agency's admin is creating it (theirs).
pub(crate) async fn agencies_of(
    pool: &PgPool,
    role: Option<Role>,
    codes: &[String],
    actor: &Actor<'_>,
    errors: &mut Vec<FieldError>,
) -> AppResult<Vec<i64>> {
    let mut ids = Vec::new();
    for code in codes.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
        match db::agencies::by_code(pool, code).await? {
            Some(a) if !ids.contains(&a.id) => ids.push(a.id),
            Some(_) => {}
            None => errors.push(FieldError::new("agency", format!("there is no agency `{code}`"))),
        }
    }
    let Some(role) = role else { return Ok(ids) };
    if tenancy::belongs_to_agency(role) && ids.is_empty() {
        if let Some(own) = actor.managed_agency() {
            ids.push(own);
        } else if let Some(only) = db::agencies::only_one(pool).await? {
            ids.push(only.id);
        }
    }
    if tenancy::belongs_to_agency(role) && ids.len() > 1 {
        errors.push(FieldError::new(
            "agency",
            "an account belongs to one agency: name only one",
        ));
    }
    if role == Role::Oversight && ids.is_empty() {
        errors.push(FieldError::new(
            "agency",
            "an oversight account needs at least one agency (--agency)",
        ));
    }
    if !tenancy::belongs_to_agency(role) && role != Role::Oversight && !ids.is_empty() {
        errors.push(FieldError::new(
            "agency",
            format!("an account with the role {role} belongs to no agency"),
        ));
    }
    Ok(ids)
}

pub(crate) async fn agency_codes(pool: &PgPool, ids: &[i64]) -> AppResult<Vec<String>> {
    let all = db::agencies::all(pool).await?;
    Ok(ids
        .iter()
        .filter_map(|id| all.iter().find(|a| a.id == *id).map(|a| a.code.clone()))
        .collect())
}

/// The rulebook on an account and its facilities (`domain::tenancy`): a field error where a
/// value is wrong (another agency's facility for staff), else a 403 for an actor who may not.
pub(crate) fn allowed_account(
    actor: &Actor<'_>,
    role: Role,
    agency: Option<i64>,
    facilities: &[db::facilities::Facility],
    errors: &mut Vec<FieldError>,
) -> AppResult<()> {
    let field_or_refusal = |e: crate::domain::case::RuleError, errors: &mut Vec<FieldError>| match e.field {
        Some(field) => {
            errors.push(FieldError::new(field, e.message));
            Ok(())
        }
        None => Err(AppError::from(e)),
    };
    if let Err(e) = tenancy::may_manage_account(actor.granter, role, agency) {
        field_or_refusal(e, errors)?;
    }
    for f in facilities {
        if let Err(e) = tenancy::may_grant_facility(actor.granter, role, agency, f.agency_id) {
            let e = crate::domain::case::RuleError {
                message: format!("{}: {}", f.code, e.message),
                ..e
            };
            field_or_refusal(e, errors)?;
            break;
        }
    }
    Ok(())
}

/// The caller's facilities narrowed to those of the agency `code` (a liaison covering several
/// agencies filtering its board). An agency none of whose facilities the caller covers is
/// answered as one that does not exist (422 on `agency`).
pub async fn facilities_within(pool: &PgPool, mine: &[i64], code: &str) -> AppResult<Vec<i64>> {
    let theirs: Vec<i64> = match db::agencies::by_code(pool, code).await? {
        Some(a) => db::facilities::of_agency(pool, Some(a.id))
            .await?
            .into_iter()
            .map(|f| f.id)
            .collect(),
        None => vec![],
    };
    let within: Vec<i64> = mine.iter().copied().filter(|f| theirs.contains(f)).collect();
    if within.is_empty() {
        return Err(AppError::field(
            "agency",
            format!("there is no agency `{code}` among your facilities"),
        ));
    }
    Ok(within)
}

/// The agencies whose facilities the caller covers, when there are several (a liaison granted
/// facilities by more than one agency): (code, name), by code. Empty for one agency or none.
pub async fn of_facilities(pool: &PgPool, agencies: &[i64]) -> AppResult<Vec<(String, String)>> {
    if agencies.len() < 2 {
        return Ok(vec![]);
    }
    Ok(db::agencies::all(pool)
        .await?
        .into_iter()
        .filter(|a| agencies.contains(&a.id))
        .map(|a| (a.code, a.name))
        .collect())
}
