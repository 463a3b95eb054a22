//! The steps of a case, booking to transfer or release.

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::PgPool;

use super::{Caller, duplicate, events, lock};
use crate::alerts;
use crate::config::Config;
use crate::db;
use crate::domain::alerts::AlertKind;
use crate::domain::booking::{NewDocument, NewNotification};
use crate::domain::case;
use crate::domain::events::Action;
use crate::domain::rules::Step;
use crate::domain::types::{ReleasePointReason, ReleaseReason, Status};
use crate::error::{AppError, AppResult};

/// Whether the person has confirmed a step that ends custody. The pages ask first; the API acts
/// at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Confirmation {
    Given,
    Needed,
}

/// What a step that may need a confirmation did: written, or nothing written because the step
/// would be accepted as the case stands and the person must confirm it first. The check and the
/// write are one transaction, so an unconfirmed post can only ever be refused or asked.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome<T> {
    Done(T),
    Confirm,
}

/// Also queues the `ice_document_recorded` alert to the facility's ICE liaisons (once per document).
pub async fn add_document(
    pool: &PgPool,
    caller: Caller<'_>,
    id: i64,
    d: &NewDocument,
    now: DateTime<Utc>,
    config: &Config,
) -> AppResult<i64> {
    let mut tx = pool.begin().await?;
    let locked = lock(&mut tx, &caller, id, Step::Document).await?;
    let t = case::add_document(locked.facts(), locked.actor(&caller, false), d.received_at)?;
    let b = &locked.b;
    let doc_id = db::documents::insert(&mut *tx, id, d, caller.user.id, now)
        .await
        .map_err(|e| {
            duplicate(
                e,
                format!("{} {} is already recorded on this booking", d.kind, d.number),
            )
        })?;
    let detail = json!({
        "document_id": doc_id, "kind": d.kind, "number": d.number, "a_number": d.a_number.digits(),
        "issued_at": d.issued_at,
    });
    events(&mut tx, &caller, id, &t.events, now, |_| detail.clone()).await?;
    let raise = alerts::Raise {
        kind: AlertKind::IceDocumentRecorded,
        urgency: 0,
        dedupe_key: format!("document:{doc_id}:ice_document_recorded"),
        detail: format!(
            "Document: {} {}, received {}\nThe subject is in custody at {}.",
            d.kind.label(),
            d.number,
            crate::clock::local_time(d.received_at, b.tz()),
            b.facility_name
        ),
    };
    alerts::raise(&mut tx, b, raise, now, &config.mail_from).await?;
    tx.commit().await?;
    Ok(doc_id)
}

/// ICE withdrew a document: on any case, closed ones included (decision 0030).
pub async fn withdraw_document(
    pool: &PgPool,
    caller: Caller<'_>,
    id: i64,
    doc_id: i64,
    at: DateTime<Utc>,
    said_by: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let mut tx = pool.begin().await?;
    let locked = lock(&mut tx, &caller, id, Step::Withdraw).await?;
    let doc = db::documents::get(&mut *tx, id, doc_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let t = case::withdraw(
        locked.facts(),
        locked.actor(&caller, false),
        &doc.facts(),
        doc.received_at,
        at,
        now,
    )?;
    let said_by = said_by.map(str::trim).filter(|s| !s.is_empty()).unwrap_or("ICE");
    db::documents::withdraw(&mut *tx, doc_id, at, said_by).await?;
    let detail = json!({ "document_id": doc_id, "kind": doc.kind, "number": doc.number, "withdrawn_by": said_by });
    events(&mut tx, &caller, id, &t.events, now, |_| detail.clone()).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn add_notification(
    pool: &PgPool,
    caller: Caller<'_>,
    id: i64,
    n: &NewNotification,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    let mut tx = pool.begin().await?;
    let locked = lock(&mut tx, &caller, id, Step::Notification).await?;
    let t = case::notify(locked.facts(), locked.actor(&caller, false), n.at, now)?;
    let interpreter = super::claims::interpreter_for(&mut tx, &locked.b, n.interpreter_id).await?;
    let nid = db::documents::insert_notification(&mut *tx, id, n, caller.user.id, now).await?;
    let detail = json!({
        "notification_id": nid, "kind": n.kind, "method": n.method, "contact": n.contact,
        "interpreter": interpreter.map(|i| i.name),
    });
    events(&mut tx, &caller, id, &t.events, now, |_| detail.clone()).await?;
    tx.commit().await?;
    Ok(nid)
}

/// Returns the new status: `released` when no active warrant holds the person.
#[allow(clippy::too_many_arguments)]
pub async fn record_release_point(
    pool: &PgPool,
    caller: Caller<'_>,
    id: i64,
    at: DateTime<Utc>,
    reason: ReleasePointReason,
    note: Option<&str>,
    now: DateTime<Utc>,
    confirmation: Confirmation,
) -> AppResult<Outcome<Status>> {
    let mut tx = pool.begin().await?;
    let locked = lock(&mut tx, &caller, id, Step::ReleasePoint).await?;
    let active_warrant = active_warrant_at(&mut tx, id, at).await?;
    let t = case::record_release_point(locked.facts(), locked.actor(&caller, false), at, now, active_warrant)?;
    let status = t.value;
    // Without a warrant in force the person leaves: confirmed first.
    if status == Status::Released && confirmation == Confirmation::Needed {
        return Ok(Outcome::Confirm);
    }
    db::case_steps::set_release_point(&mut *tx, id, at, reason, note, status).await?;
    let detail = json!({ "reason": reason, "note": note, "active_warrant": active_warrant, "status": status });
    // Without a warrant in force the person leaves at the point of release: the transition
    // appends `released` too.
    events(&mut tx, &caller, id, &t.events, now, |action| match action {
        Action::Released => json!({ "reason": "no_active_warrant" }),
        _ => detail.clone(),
    })
    .await?;
    tx.commit().await?;
    Ok(Outcome::Done(status))
}

/// Whether a warrant of the case is in force at `at`.
pub async fn active_warrant_at(conn: &mut sqlx::PgConnection, id: i64, at: DateTime<Utc>) -> AppResult<bool> {
    let documents: Vec<_> = db::documents::for_booking(&mut *conn, id)
        .await?
        .iter()
        .map(|d| d.facts())
        .collect();
    Ok(case::active_warrant(&documents, at))
}

/// Serves a warrant; returns the custody deadline. The first clock alert and the notice to ICE
/// are queued with it.
#[allow(clippy::too_many_arguments)]
pub async fn serve(
    pool: &PgPool,
    caller: Caller<'_>,
    id: i64,
    document_id: i64,
    at: DateTime<Utc>,
    interpreter_id: Option<i64>,
    now: DateTime<Utc>,
    config: &Config,
) -> AppResult<DateTime<Utc>> {
    let mut tx = pool.begin().await?;
    let locked = lock(&mut tx, &caller, id, Step::Serve).await?;
    let b = &locked.b;
    let doc = db::documents::get(&mut *tx, id, document_id)
        .await?
        .ok_or_else(|| AppError::Rule {
            code: "unknown_document",
            message: "no such document on this booking".into(),
            field: Some("document_id".into()),
        })?;
    let interpreter = super::claims::interpreter_for(&mut tx, b, interpreter_id).await?;
    // The officer's credentials are read under a share lock in this transaction: a revocation
    // either committed before (and is seen) or waits until this service commits.
    db::users::share_credentials(&mut *tx, caller.user.id).await?;
    let record = db::credentials::record(&mut tx, caller.user.id).await?;
    let eligibility = crate::domain::credentials::eligibility(&record, at, b.tz());
    let actor = locked.actor(&caller, eligibility.may_serve);
    let t = case::serve(locked.facts(), actor, at, now, &doc.facts()).map_err(|e| match e.code {
        "not_certified" => AppError::Forbidden {
            code: "not_certified",
            message: format!(
                "you may not serve at that time: {}",
                eligibility
                    .reasons
                    .iter()
                    .map(|r| crate::domain::credentials::reason_words(r))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        },
        _ => e.into(),
    })?;
    let deadline = t.value.deadline;
    db::case_steps::set_served(&mut *tx, id, at, document_id, caller.user.id, t.value).await?;
    if let Some(i) = &interpreter {
        db::case_steps::set_served_interpreter(&mut *tx, id, i.id).await?;
    }
    let detail = json!({
        "document_id": document_id, "kind": doc.kind, "number": doc.number, "custody_deadline": deadline,
        "interpreter": interpreter.as_ref().map(|i| format!("{} ({})", i.name, i.languages)),
    });
    events(&mut tx, &caller, id, &t.events, now, |_| detail.clone()).await?;
    let served = db::bookings::get(&mut *tx, id).await?.ok_or(AppError::NotFound)?;
    alerts::raise_at_service(&mut tx, &served, now, &config.alert_hours_left, &config.mail_from).await?;
    // The agreement: ICE is notified immediately after each service.
    let notice = alerts::Raise {
        kind: AlertKind::PostServiceNotice,
        urgency: 0,
        dedupe_key: format!("booking:{id}:post_service_notice"),
        detail: format!(
            "Warrant {} {} was served. Take custody before the deadline.",
            doc.kind.label(),
            doc.number
        ),
    };
    alerts::raise(&mut tx, &served, notice, now, &config.mail_from).await?;
    tx.commit().await?;
    Ok(deadline)
}

/// Pickup by ICE; returns the seconds held past the deadline (0 when in time).
#[allow(clippy::too_many_arguments)]
pub async fn transfer(
    pool: &PgPool,
    caller: Caller<'_>,
    id: i64,
    at: DateTime<Utc>,
    receiving_officer: &str,
    late_reason: Option<&str>,
    now: DateTime<Utc>,
    confirmation: Confirmation,
) -> AppResult<Outcome<i64>> {
    let mut tx = pool.begin().await?;
    let locked = lock(&mut tx, &caller, id, Step::Transfer).await?;
    let t = case::transfer(locked.facts(), locked.actor(&caller, false), at, now, late_reason)?;
    let over = t.value;
    if confirmation == Confirmation::Needed {
        return Ok(Outcome::Confirm);
    }
    let late_reason = if over > 0 { late_reason.map(str::trim) } else { None };
    db::case_steps::set_transferred(&mut *tx, id, at, receiving_officer, late_reason, over).await?;
    let detail =
        json!({ "receiving_officer": receiving_officer, "late_reason": late_reason, "over_detained_seconds": over });
    events(&mut tx, &caller, id, &t.events, now, |_| detail.clone()).await?;
    tx.commit().await?;
    Ok(Outcome::Done(over))
}

/// Release by a supervisor; returns the seconds held past the deadline (0 when in time).
#[allow(clippy::too_many_arguments)]
pub async fn release(
    pool: &PgPool,
    caller: Caller<'_>,
    id: i64,
    at: DateTime<Utc>,
    reason: ReleaseReason,
    note: Option<&str>,
    now: DateTime<Utc>,
    confirmation: Confirmation,
) -> AppResult<Outcome<i64>> {
    let mut tx = pool.begin().await?;
    let locked = lock(&mut tx, &caller, id, Step::Release).await?;
    let t = case::release(locked.facts(), locked.actor(&caller, false), at, now, reason)?;
    let over = t.value;
    if confirmation == Confirmation::Needed {
        return Ok(Outcome::Confirm);
    }
    db::case_steps::set_released(&mut *tx, id, at, reason, note, over).await?;
    let detail = json!({ "reason": reason, "note": note, "over_detained_seconds": over });
    events(&mut tx, &caller, id, &t.events, now, |_| detail.clone()).await?;
    tx.commit().await?;
    Ok(Outcome::Done(over))
}

pub async fn start_igsa_hold(
    pool: &PgPool,
    caller: Caller<'_>,
    id: i64,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let mut tx = pool.begin().await?;
    let locked = lock(&mut tx, &caller, id, Step::Igsa).await?;
    let t = case::start_igsa_hold(locked.facts(), locked.actor(&caller, false), at, now)?;
    db::case_steps::set_igsa_hold(&mut *tx, id, at).await?;
    let detail = json!({ "custody_deadline": locked.b.custody_deadline });
    events(&mut tx, &caller, id, &t.events, now, |_| detail.clone()).await?;
    tx.commit().await?;
    Ok(())
}

/// A correction: nothing is edited; a new event says which event was wrong and what is right.
/// Returns the new event's id.
pub async fn correct(
    pool: &PgPool,
    caller: Caller<'_>,
    id: i64,
    event_id: i64,
    note: &str,
    now: DateTime<Utc>,
) -> AppResult<i64> {
    let mut tx = pool.begin().await?;
    let locked = lock(&mut tx, &caller, id, Step::Correct).await?;
    let t = case::correct(locked.facts(), locked.actor(&caller, false), now)?;
    let corrected = db::audit::for_booking(&mut *tx, id)
        .await?
        .into_iter()
        .find(|e| e.id == event_id)
        .ok_or_else(|| AppError::Rule {
            code: "unknown_event",
            message: "no such event on this case".into(),
            field: Some("event_id".into()),
        })?;
    let detail = json!({ "corrects_event_id": event_id, "corrects": corrected.action, "note": note });
    events(&mut tx, &caller, id, &t.events, now, |_| detail.clone()).await?;
    let new_id = db::audit::last_id_for_booking(&mut *tx, id).await?;
    tx.commit().await?;
    Ok(new_id)
}

/// The served person was given the written notice in `lang` (issue 31): recorded on the case's
/// timeline by the jail's staff of its facility (`crate::domain::notice::may_give_notice`).
pub async fn notice_given(pool: &PgPool, caller: Caller<'_>, id: i64, lang: &str, now: DateTime<Utc>) -> AppResult<()> {
    let mut tx = pool.begin().await?;
    caller.require(crate::domain::rules::Area::Cases)?;
    let Some(b) = db::bookings::lock(&mut *tx, id).await? else {
        return Err(super::missing_case(&mut *tx, id).await);
    };
    let at_facility = caller.user.facility_ids.contains(&b.facility_id);
    if !crate::domain::rules::covers(caller.user.role, &caller.user.facility_ids, b.facility_id) {
        return Err(AppError::Hidden);
    }
    crate::domain::notice::may_give_notice(caller.user.role, at_facility, b.served_at.is_some())?;
    let detail = json!({ "lang": lang });
    super::record(&mut tx, &caller, Some(id), Action::NoticeGiven.word(), now, now, detail).await?;
    tx.commit().await?;
    Ok(())
}
