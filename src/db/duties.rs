//! What a facility's next duties are computed from (`services::duties`): its open cases with the
//! facts that bind them, their ICE documents and their claims not yet reported.

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

use crate::domain::case::{Case, IceDocument};
use crate::domain::claims::ClaimFacts;
use crate::domain::types::{DocumentKind, NotificationKind, Status, Zone};

#[derive(Debug, sqlx::FromRow)]
pub struct OpenCase {
    pub id: i64,
    pub booking_number: String,
    pub facility_id: i64,
    pub facility_timezone: Zone,
    pub status: Status,
    pub booked_at: DateTime<Utc>,
    pub release_point_at: Option<DateTime<Utc>>,
    pub served_at: Option<DateTime<Utc>>,
    pub igsa_at: Option<DateTime<Utc>>,
    /// A post-service notice to ICE is logged.
    pub notice_logged: bool,
}

impl OpenCase {
    pub fn case(&self) -> Case {
        Case {
            status: self.status,
            booked_at: self.booked_at,
            release_point_at: self.release_point_at,
            served_at: self.served_at,
            igsa_at: self.igsa_at,
        }
    }
}

/// The cases not closed (neither transferred nor released) of `facilities` (`None`: every one
/// the request's scope shows).
pub async fn open_cases(db: impl PgExecutor<'_>, facilities: Option<&[i64]>) -> sqlx::Result<Vec<OpenCase>> {
    sqlx::query_as(
        "SELECT b.id, b.booking_number, b.facility_id, f.timezone AS facility_timezone, b.status, b.booked_at, b.release_point_at, b.served_at, b.igsa_at,
                EXISTS (SELECT 1 FROM ice_notifications n WHERE n.booking_id = b.id AND n.kind = $2) AS notice_logged
           FROM bookings b JOIN facilities f ON f.id = b.facility_id
          WHERE b.status NOT IN ($3, $4) AND ($1::bigint[] IS NULL OR b.facility_id = ANY($1))
            -- Only a case with an ICE document or a claim owes a duty of the program.
            AND (b.has_ice_document OR EXISTS (SELECT 1 FROM citizenship_claims c
                                                WHERE c.booking_id = b.id AND c.reported_at IS NULL))",
    )
    .bind(facilities)
    .bind(NotificationKind::PostService)
    .bind(Status::Transferred)
    .bind(Status::Released)
    .fetch_all(db)
    .await
}

/// The ICE documents of `bookings`, as the case rules see them.
pub async fn documents(db: impl PgExecutor<'_>, bookings: &[i64]) -> sqlx::Result<Vec<(i64, IceDocument)>> {
    let rows: Vec<(i64, DocumentKind, Option<DateTime<Utc>>)> =
        sqlx::query_as("SELECT booking_id, kind, withdrawn_at FROM ice_documents WHERE booking_id = ANY($1)")
            .bind(bookings)
            .fetch_all(db)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(id, kind, withdrawn_at)| (id, IceDocument { kind, withdrawn_at }))
        .collect())
}

/// The claims of `bookings` not yet reported to ICE.
pub async fn unreported_claims(db: impl PgExecutor<'_>, bookings: &[i64]) -> sqlx::Result<Vec<(i64, ClaimFacts)>> {
    let rows: Vec<(i64, DateTime<Utc>, DateTime<Utc>)> = sqlx::query_as(
        "SELECT booking_id, claimed_at, report_due_at FROM citizenship_claims
          WHERE booking_id = ANY($1) AND reported_at IS NULL",
    )
    .bind(bookings)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, claimed_at, report_due_at)| {
            let facts = ClaimFacts {
                claimed_at,
                report_due_at,
                reported_at: None,
            };
            (id, facts)
        })
        .collect())
}
