//! ICE documents and ICE notifications of a booking.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

use crate::domain::booking::{NewDocument, NewNotification};
use crate::domain::case::IceDocument;
use crate::domain::types::{DocumentKind, NotificationKind};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Document {
    pub id: i64,
    pub booking_id: i64,
    pub kind: DocumentKind,
    pub number: String,
    pub a_number: String,
    pub issued_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    pub recorded_by: String,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub withdrawn_by: Option<String>,
}

impl Document {
    /// What the case rules need to know of it.
    pub fn facts(&self) -> IceDocument {
        IceDocument {
            kind: self.kind,
            withdrawn_at: self.withdrawn_at,
        }
    }

    pub fn a_number_display(&self) -> String {
        crate::domain::anumber::ANumber::from_stored(self.a_number.clone()).to_string()
    }
}

pub async fn insert(
    db: impl PgExecutor<'_>,
    booking_id: i64,
    d: &NewDocument,
    by: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        "INSERT INTO ice_documents (booking_id, kind, number, a_number, issued_at, received_at, recorded_by, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        booking_id,
        d.kind as _,
        &d.number,
        d.a_number.digits(),
        d.issued_at as _,
        d.received_at as _,
        by,
        now as _
    )
    .fetch_one(db)
    .await
}

pub async fn for_booking(db: impl PgExecutor<'_>, booking_id: i64) -> sqlx::Result<Vec<Document>> {
    sqlx::query_as!(
        Document,
        r#"SELECT d.id, d.booking_id, d.kind AS "kind: DocumentKind", d.number, d.a_number, d.issued_at AS "issued_at: DateTime<Utc>", d.received_at AS "received_at: DateTime<Utc>",
                  u.username AS recorded_by, d.withdrawn_at AS "withdrawn_at: DateTime<Utc>", d.withdrawn_by
           FROM ice_documents d JOIN users u ON u.id = d.recorded_by
           WHERE d.booking_id = $1 ORDER BY d.received_at, d.id"#,
        booking_id
    )
    .fetch_all(db)
    .await
}

pub async fn get(db: impl PgExecutor<'_>, booking_id: i64, id: i64) -> sqlx::Result<Option<Document>> {
    sqlx::query_as!(
        Document,
        r#"SELECT d.id, d.booking_id, d.kind AS "kind: DocumentKind", d.number, d.a_number, d.issued_at AS "issued_at: DateTime<Utc>", d.received_at AS "received_at: DateTime<Utc>",
                  u.username AS recorded_by, d.withdrawn_at AS "withdrawn_at: DateTime<Utc>", d.withdrawn_by
           FROM ice_documents d JOIN users u ON u.id = d.recorded_by
           WHERE d.booking_id = $1 AND d.id = $2"#,
        booking_id,
        id
    )
    .fetch_optional(db)
    .await
}

pub async fn withdraw(db: impl PgExecutor<'_>, id: i64, at: DateTime<Utc>, by: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE ice_documents SET withdrawn_at = $2, withdrawn_by = $3 WHERE id = $1",
        id,
        at as _,
        by
    )
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Notification {
    pub id: i64,
    pub kind: NotificationKind,
    pub at: DateTime<Utc>,
    pub method: String,
    pub contact: String,
    pub recorded_by: String,
}

pub async fn insert_notification(
    db: impl PgExecutor<'_>,
    booking_id: i64,
    n: &NewNotification,
    by: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        "INSERT INTO ice_notifications (booking_id, kind, at, method, contact, recorded_by, recorded_at, interpreter_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        booking_id,
        n.kind as _,
        n.at as _,
        &n.method,
        &n.contact,
        by,
        now as _,
        n.interpreter_id
    )
    .fetch_one(db)
    .await
}

pub async fn notifications(db: impl PgExecutor<'_>, booking_id: i64) -> sqlx::Result<Vec<Notification>> {
    sqlx::query_as!(
        Notification,
        r#"SELECT n.id, n.kind AS "kind: NotificationKind", n.at AS "at: DateTime<Utc>", n.method, n.contact, u.username AS recorded_by
           FROM ice_notifications n JOIN users u ON u.id = n.recorded_by
           WHERE n.booking_id = $1 ORDER BY n.at, n.id"#,
        booking_id
    )
    .fetch_all(db)
    .await
}

/// The first post-service ICE notification of a booking.
pub async fn post_service_notified_at(db: impl PgExecutor<'_>, booking_id: i64) -> sqlx::Result<Option<DateTime<Utc>>> {
    sqlx::query_scalar!(
        r#"SELECT min(at) AS "notified_at: DateTime<Utc>" FROM ice_notifications WHERE booking_id = $1 AND kind = $2"#,
        booking_id,
        NotificationKind::PostService as _
    )
    .fetch_one(db)
    .await
}

/// Services in (`since`, `served_by`] with no post-service notification.
pub async fn without_post_service_notice(
    db: impl PgExecutor<'_>,
    since: DateTime<Utc>,
    served_by: DateTime<Utc>,
) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar!(
        "SELECT b.id FROM bookings b
         WHERE b.served_at IS NOT NULL AND b.served_at <= $2 AND b.served_at > $1
           AND NOT EXISTS (SELECT 1 FROM ice_notifications n WHERE n.booking_id = b.id AND n.kind = $3)",
        since as _,
        served_by as _,
        NotificationKind::PostService as _
    )
    .fetch_all(db)
    .await
}
