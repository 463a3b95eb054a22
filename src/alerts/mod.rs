//! Alerts: raised once per case and threshold, written with their e-mail into the outbox in the
//! same transaction as their cause, delivered by a worker, acknowledged in the app.

mod mail;
mod watcher;

pub use mail::{Mailer, deliver_due};
pub use watcher::{check_deadlines, raise_at_service};

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::PgConnection;

use crate::db::{self, alerts::NewAlert, alerts::NewMessage, bookings::Booking};
use crate::domain::alerts::stage_words;
use crate::error::AppResult;
use crate::web::local_time;

/// Who hears of a deadline alert, and of a new ICE document.
pub const DEADLINE_ROLES: &[&str] = &["supervisor", "ice_liaison"];
pub const LIAISON_ROLES: &[&str] = &["ice_liaison"];

/// What to raise about a booking.
pub struct Raise<'a> {
    pub kind: &'a str,
    pub urgency: i32,
    /// Unique per subject and kind: the database keeps each alert to one row.
    pub dedupe_key: String,
    pub roles: &'a [&'a str],
    /// Extra lines for the body (e.g. which document).
    pub detail: String,
}

/// Raises the alert (if not raised before) and queues its e-mail, on `conn`'s transaction.
pub async fn raise(
    conn: &mut PgConnection,
    b: &Booking,
    r: Raise<'_>,
    now: DateTime<Utc>,
    mail_from: &str,
) -> AppResult<Option<i64>> {
    let tz = b.tz();
    let title = format!("{} ({}): {}", b.booking_number, b.facility_code, stage_words(r.kind));
    let mut body = format!(
        "{}\n\nPerson: {}, {} (booking {} at {})\n",
        stage_words(r.kind),
        b.last_name,
        b.first_name,
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
    let alert = NewAlert {
        dedupe_key: &r.dedupe_key,
        kind: r.kind,
        urgency: r.urgency,
        booking_id: Some(b.id),
        facility_id: b.facility_id,
        raised_at: now,
        title: &title,
        body: &body,
    };
    let Some(id) = db::alerts::insert(&mut *conn, &alert).await? else {
        return Ok(None);
    };
    let recipients = db::alerts::recipients(&mut *conn, b.facility_id, r.roles).await?;
    let domain = mail_from
        .rsplit_once('@')
        .map(|(_, d)| d.trim_end_matches('>'))
        .unwrap_or("wso-tracker.local");
    let message_id = format!("<wso-alert-{id}.{}@{domain}>", uuid::Uuid::new_v4().simple());
    let message = NewMessage {
        alert_id: id,
        message_id: &message_id,
        recipients: &recipients,
        subject: &format!("[wso-tracker] {title}"),
        body: &body,
        headers: json!({ "X-WSO-Alert": r.kind, "X-WSO-Booking": b.booking_number }),
        now,
    };
    db::alerts::enqueue(&mut *conn, &message).await?;
    Ok(Some(id))
}
