//! The interpreters of each facility (used at a claim, a notification or a service).

use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct Interpreter {
    pub id: i64,
    pub facility: String,
    #[serde(skip)]
    pub facility_id: i64,
    pub name: String,
    pub languages: String,
    pub contact: Option<String>,
}

pub async fn insert_interpreter(
    db: impl PgExecutor<'_>,
    facility_id: i64,
    name: &str,
    languages: &str,
    contact: Option<&str>,
    by: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        "INSERT INTO interpreters (facility_id, name, languages, contact, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        facility_id,
        name,
        languages,
        contact,
        by,
        now as _
    )
    .fetch_one(db)
    .await
}

pub async fn interpreters(db: impl PgExecutor<'_>, facility_ids: Option<&[i64]>) -> sqlx::Result<Vec<Interpreter>> {
    sqlx::query_as!(
        Interpreter,
        "SELECT i.id, f.code AS facility, i.facility_id, i.name, i.languages, i.contact
         FROM interpreters i JOIN facilities f ON f.id = i.facility_id
         WHERE ($1::bigint[] IS NULL OR i.facility_id = ANY($1)) ORDER BY f.code, i.name",
        facility_ids
    )
    .fetch_all(db)
    .await
}

pub async fn interpreter(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<Interpreter>> {
    sqlx::query_as!(
        Interpreter,
        "SELECT i.id, f.code AS facility, i.facility_id, i.name, i.languages, i.contact
         FROM interpreters i JOIN facilities f ON f.id = i.facility_id WHERE i.id = $1",
        id
    )
    .fetch_optional(db)
    .await
}
