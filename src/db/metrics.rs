//! What `/metrics` reads from the database at each scrape (`boot::metrics`): the running
//! clocks' deadlines and the e-mail outbox's backlog.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

use crate::domain::types::Status;

/// The deadline of every running clock.
pub async fn running_deadlines(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<DateTime<Utc>>> {
    sqlx::query_scalar("SELECT custody_deadline FROM bookings WHERE status = $1 AND custody_deadline IS NOT NULL")
        .bind(Status::WsoHold)
        .fetch_all(db)
        .await
}

/// Webhook deliveries still to be tried (not delivered, not given up), and when the oldest
/// event among them happened.
pub async fn webhook_backlog(db: impl PgExecutor<'_>) -> sqlx::Result<(i64, Option<DateTime<Utc>>)> {
    sqlx::query_as(
        "SELECT count(*), min(event_at) FROM webhook_deliveries WHERE delivered_at IS NULL AND failed_at IS NULL",
    )
    .fetch_one(db)
    .await
}

/// E-mails not yet delivered, and when the oldest of them was written.
pub async fn outbox_backlog(db: impl PgExecutor<'_>) -> sqlx::Result<(i64, Option<DateTime<Utc>>)> {
    sqlx::query_as("SELECT count(*), min(created_at) FROM outbox WHERE delivered_at IS NULL")
        .fetch_one(db)
        .await
}
