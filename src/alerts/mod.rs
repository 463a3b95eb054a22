//! Alerts: raised once per case and threshold, written with their e-mail into the outbox in the
//! same transaction as their cause, delivered by a worker, acknowledged in the app.

mod agreement;
mod mail;
mod pickup;
mod watcher;

pub use mail::{Mailer, deliver_due};
pub use pickup::check_pickups;
pub use watcher::{check_deadlines, raise_at_service};

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::PgConnection;

use crate::clock::local_time;
use crate::db::{self, alerts::NewAlert, alerts::NewMessage, bookings::Booking};
use crate::domain::alerts::AlertKind;
use crate::error::AppResult;

/// What to raise about a booking. Who is e-mailed follows from the kind
/// ([`AlertKind::mailed_to`]).
pub struct Raise {
    pub kind: AlertKind,
    pub urgency: i32,
    /// Unique per subject and kind: the database keeps each alert to one row.
    pub dedupe_key: String,
    /// Extra lines for the body (e.g. which document).
    pub detail: String,
}

/// An alert about anything: its facility, what it names, and the e-mail header that says so.
pub struct Generic {
    /// `None`: an alert about an account or the installation (see `agency_id`).
    pub facility_id: Option<i64>,
    /// For an alert about no facility: the agency whose admins see it (an account's); `None`:
    /// the installation's, for the operator (`domain::tenancy::sees_alert_about_no_facility`).
    pub agency_id: Option<i64>,
    /// Who is e-mailed, when not the facility's staff by role (e.g. the owner of an account).
    pub to: Option<Vec<String>>,
    pub booking_id: Option<i64>,
    pub complaint_id: Option<i64>,
    pub kind: AlertKind,
    pub urgency: i32,
    pub dedupe_key: String,
    pub title: String,
    pub body: String,
    /// `X-WSO-Booking` or `X-WSO-Complaint`, with its value.
    pub subject_header: Option<(&'static str, String)>,
}

/// The queued message's key for the name its e-mail comes from (not a header sent as such).
pub const SENDER_NAME: &str = "sender_name";

/// Raises the alert (if not raised before) and queues its e-mail, on `conn`'s transaction.
pub async fn raise_generic(
    conn: &mut PgConnection,
    g: Generic,
    now: DateTime<Utc>,
    mail_from: &str,
) -> AppResult<Option<i64>> {
    let alert = NewAlert {
        dedupe_key: &g.dedupe_key,
        kind: g.kind,
        urgency: g.urgency,
        booking_id: g.booking_id,
        complaint_id: g.complaint_id,
        facility_id: g.facility_id,
        agency_id: g.agency_id,
        raised_at: now,
        title: &g.title,
        body: &g.body,
    };
    let Some(id) = db::alerts::insert(&mut *conn, &alert).await? else {
        return Ok(None);
    };
    let recipients = match (g.to, g.facility_id) {
        (Some(to), _) => to,
        (None, Some(facility)) => db::alerts::recipients(&mut *conn, facility, &g.kind.mailed_to()).await?,
        (None, None) => vec![],
    };
    let domain = mail_from
        .rsplit_once('@')
        .map(|(_, d)| d.trim_end_matches('>'))
        .unwrap_or("wso-tracker.local");
    let message_id = format!("<wso-alert-{id}.{}@{domain}>", uuid::Uuid::new_v4().simple());
    let mut headers = json!({ "X-WSO-Alert": g.kind.to_string() });
    // The agency's sender name, when it set one (the address stays MAIL_FROM's).
    let agency = db::agencies::of(&mut *conn, g.facility_id, g.agency_id).await?;
    if let Some(name) = agency.and_then(|a| a.mail_sender_name) {
        headers[SENDER_NAME] = json!(name);
    }
    if let Some((name, value)) = g.subject_header {
        headers[name] = json!(value);
    }
    let message = NewMessage {
        alert_id: id,
        message_id: &message_id,
        recipients: &recipients,
        subject: &format!("[wso-tracker] {}", g.title),
        body: &g.body,
        headers,
        now,
    };
    db::alerts::enqueue(&mut *conn, &message).await?;
    Ok(Some(id))
}

/// Raises an alert about a case (the title and body say who, where, and the clock).
pub async fn raise(
    conn: &mut PgConnection,
    b: &Booking,
    r: Raise,
    now: DateTime<Utc>,
    mail_from: &str,
) -> AppResult<Option<i64>> {
    let tz = b.tz();
    let title = format!("{} ({}): {}", b.booking_number, b.facility_code, r.kind.words());
    // E-mail leaves the system: no name, date of birth or A-number, only the booking number,
    // the facility, what is due and when, and the link.
    let mut body = format!(
        "{}\n\nBooking {} at {}\n",
        r.kind.words(),
        b.booking_number,
        b.facility_name
    );
    if let (Some(served), Some(deadline)) = (b.served_at, b.custody_deadline) {
        body.push_str(&format!(
            "Warrant served: {}\n48-hour deadline: {}\n",
            local_time(served, tz),
            local_time(deadline, tz)
        ));
    }
    if !r.detail.is_empty() {
        body.push_str(&r.detail);
        body.push('\n');
    }
    body.push_str(&format!("\nCase: /bookings/{}\n", b.id));
    let g = Generic {
        facility_id: Some(b.facility_id),
        agency_id: None,
        to: None,
        booking_id: Some(b.id),
        complaint_id: None,
        kind: r.kind,
        urgency: r.urgency,
        dedupe_key: r.dedupe_key,
        title,
        body,
        subject_header: Some(("X-WSO-Booking", b.booking_number.clone())),
    };
    raise_generic(conn, g, now, mail_from).await
}
