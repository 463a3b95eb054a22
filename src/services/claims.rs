//! Duties of the agreement on a case: citizenship claims and their report to ICE; interpreters.

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::{PgConnection, PgPool};

use super::{Caller, events, lock};
use crate::db::{self, bookings::Booking, claims::Claim, interpreters::Interpreter};
use crate::domain::claims;
use crate::domain::rules::{self, Step};
use crate::error::{AppError, AppResult};

/// The interpreter `id`, who must work for the case's facility.
pub async fn interpreter_for(conn: &mut PgConnection, b: &Booking, id: Option<i64>) -> AppResult<Option<Interpreter>> {
    let Some(id) = id else { return Ok(None) };
    match db::interpreters::interpreter(&mut *conn, id).await? {
        Some(i) if i.facility_id == b.facility_id => Ok(Some(i)),
        _ => Err(AppError::Rule {
            code: "unknown_interpreter",
            message: "no such interpreter at this facility".into(),
            field: Some("interpreter_id".into()),
        }),
    }
}

pub struct NewClaim<'a> {
    pub at: DateTime<Utc>,
    pub how: &'a str,
    pub document: Option<&'a str>,
    pub interpreter_id: Option<i64>,
}

/// Records that the person claims to be a U.S. citizen: ICE must be told within one hour, and
/// no warrant may be served until it has been (`domain::claims`).
pub async fn record_claim(
    pool: &PgPool,
    caller: Caller<'_>,
    id: i64,
    c: NewClaim<'_>,
    now: DateTime<Utc>,
) -> AppResult<Claim> {
    let mut tx = pool.begin().await?;
    let locked = lock(&mut tx, &caller, id, Step::Claim).await?;
    let t = claims::record(locked.facts(), locked.actor(&caller, false), c.at, now)?;
    let report_due_at = t.value;
    let interpreter = interpreter_for(&mut tx, &locked.b, c.interpreter_id).await?;
    let new = db::claims::NewClaim {
        booking_id: id,
        claimed_at: c.at,
        how: c.how,
        document: c.document,
        interpreter_id: c.interpreter_id,
        recorded_by: caller.user.id,
        recorded_at: now,
        report_due_at,
    };
    let claim = db::claims::insert_claim(&mut *tx, &new).await?;
    let detail = json!({
        "claim_id": claim.id, "how": c.how, "document": c.document,
        "interpreter": interpreter.map(|i| i.name), "report_due_at": claim.report_due_at,
    });
    events(&mut tx, &caller, id, &t.events, now, |_| detail.clone()).await?;
    tx.commit().await?;
    Ok(claim)
}

pub struct ClaimReport<'a> {
    pub at: DateTime<Utc>,
    pub method: &'a str,
    pub ice_contact: &'a str,
    pub response: Option<&'a str>,
}

pub async fn report_claim(
    pool: &PgPool,
    caller: Caller<'_>,
    id: i64,
    claim_id: i64,
    r: ClaimReport<'_>,
    now: DateTime<Utc>,
) -> AppResult<Claim> {
    let mut tx = pool.begin().await?;
    let locked = lock(&mut tx, &caller, id, Step::ReportClaim).await?;
    let claim = db::claims::claims(&mut *tx, id)
        .await?
        .into_iter()
        .find(|c| c.id == claim_id)
        .ok_or(AppError::NotFound)?;
    let t = claims::report(locked.facts(), locked.actor(&caller, false), claim.facts(), r.at, now)?;
    let in_time = t.value;
    db::claims::report_claim(
        &mut *tx,
        claim_id,
        r.at,
        r.method,
        r.ice_contact,
        r.response,
        caller.user.id,
    )
    .await?;
    let detail = json!({
        "claim_id": claim_id, "method": r.method, "ice_contact": r.ice_contact, "response": r.response,
        "within_one_hour": in_time,
    });
    events(&mut tx, &caller, id, &t.events, now, |_| detail.clone()).await?;
    let reported = db::claims::claims(&mut *tx, id)
        .await?
        .into_iter()
        .find(|c| c.id == claim_id)
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(reported)
}

pub async fn add_interpreter(
    pool: &PgPool,
    caller: Caller<'_>,
    facility: &str,
    name: &str,
    languages: &str,
    contact: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<Interpreter> {
    rules::may_manage_interpreters(caller.user.role)?;
    let f = db::facilities::by_code(pool, facility)
        .await?
        .ok_or_else(|| AppError::field("facility", format!("there is no facility `{facility}`")))?;
    if !caller.user.facility_ids.contains(&f.id) {
        return Err(AppError::Forbidden {
            code: "forbidden",
            message: format!("you are not assigned to {}", f.code),
        });
    }
    let mut tx = pool.begin().await?;
    let id =
        db::interpreters::insert_interpreter(&mut *tx, f.id, name, languages, contact, caller.user.id, now).await?;
    let detail = json!({ "interpreter_id": id, "facility": f.code, "name": name, "languages": languages });
    super::record(&mut tx, &caller, None, "interpreter_added", now, now, detail).await?;
    tx.commit().await?;
    db::interpreters::interpreter(pool, id).await?.ok_or(AppError::NotFound)
}
