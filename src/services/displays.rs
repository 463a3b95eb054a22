//! Wall displays (issue 13): an admin creates one for a facility; it shows that facility's
//! board at `/display/<token>` without signing in, until revoked. Creation, revocation and the
//! first use from each new address are audited. Meant for a physically secure room.

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::PgPool;

use crate::auth::token;
use crate::db::{self, displays::Display};
use crate::error::{AppError, AppResult};
use crate::services::accounts::Actor;

/// The path a display is opened at.
pub fn path(token: &str) -> String {
    format!("/display/{token}")
}

/// Creates a display for the facility `code`; returns it and its secret path (shown once).
pub async fn create(
    pool: &PgPool,
    code: &str,
    name: Option<&str>,
    actor: Actor<'_>,
    now: DateTime<Utc>,
) -> AppResult<(Display, String)> {
    // Another agency's facility is answered as one that does not exist.
    let facility = db::facilities::by_code(pool, code.trim())
        .await?
        .filter(|f| actor.manages_facility(f))
        .ok_or_else(|| AppError::field("facility", format!("there is no facility `{}`", code.trim())))?;
    let name = match name.map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) if n.chars().count() > 100 => {
            return Err(AppError::field("name", "the name is at most 100 characters"));
        }
        Some(n) => {
            if let Some(m) = crate::domain::input::refuse_control(n) {
                return Err(AppError::field("name", format!("the name {m}")));
            }
            n.to_string()
        }
        None => format!("{} wall display", facility.code),
    };
    let secret = token::generate();
    let mut tx = pool.begin().await?;
    let id = db::displays::insert(&mut *tx, facility.id, &name, &token::digest(&secret), actor.id, now).await?;
    let detail = json!({ "display_id": id, "facility": facility.code, "name": name });
    db::audit::record(&mut *tx, actor.entry("display_created", now, detail)).await?;
    tx.commit().await?;
    let display = Display {
        id,
        facility_id: facility.id,
        facility_code: facility.code,
        name,
        created_at: now,
        revoked_at: None,
        last_seen_at: None,
    };
    Ok((display, path(&secret)))
}

pub async fn revoke(pool: &PgPool, id: i64, actor: Actor<'_>, now: DateTime<Utc>) -> AppResult<Display> {
    let mut tx = pool.begin().await?;
    let no_such = || AppError::Conflict {
        code: "no_such_display",
        message: format!("there is no live display {id}"),
    };
    let Some(d) = db::displays::revoke(&mut *tx, id, now).await? else {
        return Err(no_such());
    };
    // Another agency's display is answered as one that does not exist (rolled back).
    let facility = db::facilities::by_id(&mut *tx, d.facility_id).await?;
    if !facility.is_some_and(|f| actor.manages_facility(&f)) {
        return Err(no_such());
    }
    let detail = json!({ "display_id": d.id, "facility": d.facility_code, "name": d.name });
    db::audit::record(&mut *tx, actor.entry("display_revoked", now, detail)).await?;
    tx.commit().await?;
    Ok(d)
}

/// The live display opened by `secret` from `address`; the first use from a new address is
/// audited. A revoked or unknown token is `NotFound` (nothing tells the two apart).
pub async fn open(pool: &PgPool, secret: &str, address: Option<&str>, now: DateTime<Utc>) -> AppResult<Display> {
    let digest = token::digest(secret);
    // The display is found through the wall (its facility only), and from here the request
    // reads the rows of that facility only.
    let facility = db::displays::facility_of_token(pool, &digest)
        .await?
        .ok_or(AppError::NotFound)?;
    db::scope::narrow_to(&[facility]);
    let d = db::displays::by_token(pool, &digest).await?.ok_or(AppError::NotFound)?;
    let address = address.unwrap_or("unknown");
    let mut tx = pool.begin().await?;
    if db::displays::seen(&mut *tx, d.id, address, now).await? {
        let who = format!("display {}", d.id);
        let actor = Actor::named(&who, Some(address));
        let detail = json!({ "display_id": d.id, "facility": d.facility_code, "name": d.name });
        db::audit::record(&mut *tx, actor.entry("display_first_use", now, detail)).await?;
    }
    tx.commit().await?;
    Ok(d)
}
