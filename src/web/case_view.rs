//! What the case page shows: every fact in the facility's local time, the clock, the timeline,
//! and which actions the signed-in user may take now.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::Value;

use crate::db::audit::Entry;
use crate::db::bookings::Charge;
use crate::db::claims::Claim;
use crate::db::documents::{Document, Notification};
use crate::domain::stage::{self, Stage};
use crate::services::case_page::Offer;
use crate::web::forms::duration_words;
use crate::web::local_time;

pub struct ClockView {
    pub deadline: String,
    /// For the browser's countdown.
    pub deadline_rfc3339: String,
    pub remaining: String,
    pub stage: Stage,
}

impl ClockView {
    pub fn new(deadline: DateTime<Utc>, now: DateTime<Utc>, tz: Tz) -> Self {
        let left = (deadline - now).num_seconds();
        let remaining = if left > 0 {
            format!("{} left", duration_words(left))
        } else {
            format!("overdue by {}", duration_words(left))
        };
        Self {
            deadline: local_time(deadline, tz),
            deadline_rfc3339: deadline.to_rfc3339(),
            remaining,
            stage: stage::stage(deadline, now),
        }
    }
}

pub struct DocumentRow {
    pub doc: Document,
    pub a_number: String,
    pub issued: String,
    pub received: String,
    pub withdrawn: Option<String>,
}

pub struct EventRow {
    pub id: i64,
    pub when: String,
    pub recorded: String,
    pub late_entry: bool,
    pub actor: String,
    pub action: String,
    pub detail: String,
}

pub struct NotificationRow {
    pub n: Notification,
    pub when: String,
}

pub fn document_rows(documents: Vec<Document>, tz: Tz) -> Vec<DocumentRow> {
    documents
        .into_iter()
        .map(|doc| DocumentRow {
            a_number: doc.a_number_display(),
            issued: local_time(doc.issued_at, tz),
            received: local_time(doc.received_at, tz),
            withdrawn: doc.withdrawn_at.map(|w| local_time(w, tz)),
            doc,
        })
        .collect()
}

pub struct ClaimRow {
    pub c: Claim,
    pub claimed: String,
    pub due: String,
    pub reported: Option<String>,
    /// Not reported and past its due time (`domain::claims::report_overdue`).
    pub overdue: bool,
}

/// Citizenship claims with local times, as the case page lists them.
pub fn claim_rows(claims: Vec<Claim>, tz: Tz, now: DateTime<Utc>) -> Vec<ClaimRow> {
    claims
        .into_iter()
        .map(|c| ClaimRow {
            claimed: local_time(c.claimed_at, tz),
            due: local_time(c.report_due_at, tz),
            reported: c.reported_at.map(|t| local_time(t, tz)),
            overdue: crate::domain::claims::report_overdue(c.report_due_at, c.reported_at, now),
            c,
        })
        .collect()
}

pub fn notification_rows(list: Vec<Notification>, tz: Tz) -> Vec<NotificationRow> {
    list.into_iter()
        .map(|n| NotificationRow {
            when: local_time(n.at, tz),
            n,
        })
        .collect()
}

pub fn event_rows(entries: Vec<Entry>, tz: Tz) -> Vec<EventRow> {
    entries
        .into_iter()
        .map(|e| EventRow {
            id: e.id,
            when: local_time(e.at, tz),
            // "Entered later" compares times of one clock, the application's (decision 0034).
            recorded: local_time(e.entered_at.unwrap_or(e.recorded_at), tz),
            late_entry: (e.entered_at.unwrap_or(e.recorded_at) - e.at).num_minutes() >= 5,
            actor: e.actor.unwrap_or_else(|| "system".into()),
            action: action_label(&e.action).map_or_else(|| e.action.clone(), str::to_string),
            detail: detail_text(&e.detail, tz),
        })
        .collect()
}

/// A case event's action word in words (`None`: not a case event).
pub fn action_label(action: &str) -> Option<&'static str> {
    Some(match action {
        "booking_created" => "Booked",
        "document_added" => "ICE document received",
        "document_withdrawn" => "ICE document withdrawn",
        "ice_notified" => "ICE notified",
        "release_point_recorded" => "Point of release",
        "warrant_served" => "Warrant served: custody clock started",
        "transferred" => "Transferred to ICE",
        "released" => "Released",
        "igsa_hold_started" => "Held under the IGSA",
        "correction_recorded" => "Correction",
        "citizenship_claim_recorded" => "Citizenship claim recorded",
        "citizenship_claim_reported" => "Citizenship claim reported to ICE",
        "pickup_planned" => "ICE pickup planned",
        "pickup_plan_withdrawn" => "ICE pickup plan withdrawn",
        "notice_given" => "Written notice given to the person",
        _ => return None,
    })
}

/// An event's detail in words (`{"reason": "bond_posted"}` → `Reason: Bond posted`); its times
/// (RFC 3339 in the record) in the facility's zone. Row ids and the charges (listed on the
/// page) are left out.
pub fn detail_text(detail: &Value, tz: Tz) -> String {
    crate::web::detail::lines(detail, tz, &["document_id", "notification_id", "charges"]).join(" · ")
}

pub fn charge_summary(charges: &[Charge]) -> String {
    charges
        .iter()
        .map(|c| format!("{} ({})", c.description, c.category.label()))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Why an expected step is not offered, in words (an officer who may not serve now; a claim
/// not yet reported; a liaison after the deadline).
pub fn blocked(offer: &Offer, tz: Tz) -> Vec<String> {
    let mut blocked = Vec::new();
    if let Some(reasons) = &offer.not_certified {
        let why: Vec<_> = reasons
            .iter()
            .map(|r| crate::domain::credentials::reason_words(r))
            .collect();
        blocked.push(format!(
            "You may not serve a warrant now: {}. A WSO whose certification is current must serve it.",
            why.join(", ")
        ));
    }
    if offer.claim_unreported {
        blocked.push(
            "The person's citizenship claim is not yet reported to ICE: a warrant cannot be served until it is.".into(),
        );
    }
    if let Some(deadline) = offer.pickup_late_after {
        let deadline = local_time(deadline, tz);
        blocked.push(format!(
            "Too late for pickup: the 48-hour limit passed at {deadline}. A supervisor must release the person. \
             Only a pickup that took place before the deadline can still be recorded, with its time."
        ));
    }
    blocked
}

/// Staff by name: the timeline's actors and the serving WSO, as "Jane Doe (jdoe)" (one
/// statement for all of them).
pub async fn by_name(
    state: &crate::state::AppState,
    events: Vec<EventRow>,
    served_by: Option<&str>,
) -> crate::error::AppResult<(Vec<EventRow>, Option<String>)> {
    let mut usernames: Vec<String> = events.iter().map(|e| e.actor.clone()).collect();
    usernames.extend(served_by.map(str::to_owned));
    let names = crate::db::users::full_names(&state.db, &usernames).await?;
    let named = |u: &str| crate::db::users::display_name(u, names.get(u).map(String::as_str));
    let events = events
        .into_iter()
        .map(|e| EventRow {
            actor: named(&e.actor),
            ..e
        })
        .collect();
    Ok((events, served_by.map(named)))
}
