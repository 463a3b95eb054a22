//! WSO certifications.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgExecutor;

use crate::domain::roster::{Certification, NewCertification};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CertificationRow {
    pub id: i64,
    pub user_id: i64,
    pub nominated_on: Option<NaiveDate>,
    pub background_cleared_on: Option<NaiveDate>,
    pub trained_on: Option<NaiveDate>,
    pub certified_on: NaiveDate,
    pub expires_on: NaiveDate,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_reason: Option<String>,
}

impl CertificationRow {
    pub fn rule(&self) -> Certification {
        Certification {
            certified_on: self.certified_on,
            expires_on: self.expires_on,
            revoked_at: self.revoked_at,
        }
    }
}

const COLUMNS: &str = "id, user_id, nominated_on, background_cleared_on, trained_on, certified_on, expires_on, revoked_at, revoked_reason";

pub async fn insert(
    db: impl PgExecutor<'_>,
    user_id: i64,
    c: &NewCertification,
    by: Option<i64>,
    now: DateTime<Utc>,
) -> sqlx::Result<CertificationRow> {
    sqlx::query_as(&format!(
        "INSERT INTO wso_certifications (user_id, nominated_on, background_cleared_on, trained_on, certified_on, expires_on, recorded_by, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {COLUMNS}"
    ))
    .bind(user_id)
    .bind(c.nominated_on)
    .bind(c.background_cleared_on)
    .bind(c.trained_on)
    .bind(c.certified_on)
    .bind(c.expires_on)
    .bind(by)
    .bind(now)
    .fetch_one(db)
    .await
}

/// Every certification of a user, newest first.
pub async fn for_user(db: impl PgExecutor<'_>, user_id: i64) -> sqlx::Result<Vec<CertificationRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM wso_certifications WHERE user_id = $1 ORDER BY certified_on DESC, id DESC"
    ))
    .bind(user_id)
    .fetch_all(db)
    .await
}

/// Every certification of each of `user_ids`, newest first per user.
pub async fn for_users(db: impl PgExecutor<'_>, user_ids: &[i64]) -> sqlx::Result<Vec<CertificationRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM wso_certifications WHERE user_id = ANY($1) ORDER BY user_id, certified_on DESC, id DESC"
    ))
    .bind(user_ids)
    .fetch_all(db)
    .await
}

/// Revokes every certification of the user not yet revoked; returns how many.
pub async fn revoke_all(db: impl PgExecutor<'_>, user_id: i64, at: DateTime<Utc>, reason: &str) -> sqlx::Result<u64> {
    let r = sqlx::query(
        "UPDATE wso_certifications SET revoked_at = $2, revoked_reason = $3 WHERE user_id = $1 AND revoked_at IS NULL",
    )
    .bind(user_id)
    .bind(at)
    .bind(reason)
    .execute(db)
    .await?;
    Ok(r.rows_affected())
}

/// The latest certification of every officer and supervisor (None: never certified).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RosterRow {
    pub user_id: i64,
    pub username: String,
    pub full_name: Option<String>,
    pub role: crate::domain::Role,
    pub facilities: Vec<String>,
    pub certification_id: Option<i64>,
    pub nominated_on: Option<NaiveDate>,
    pub background_cleared_on: Option<NaiveDate>,
    pub trained_on: Option<NaiveDate>,
    pub certified_on: Option<NaiveDate>,
    pub expires_on: Option<NaiveDate>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_reason: Option<String>,
}

/// The certifiable people working at one of `facility_ids` (`None`: everyone), or belonging to
/// `agency` (an admin's roster is its agency's officers, assigned to a facility or not).
pub async fn roster(
    db: impl PgExecutor<'_>,
    facility_ids: Option<&[i64]>,
    agency: Option<i64>,
) -> sqlx::Result<Vec<RosterRow>> {
    sqlx::query_as(
        "SELECT u.id AS user_id, u.username, u.full_name, u.role,
                COALESCE((SELECT array_agg(f.code ORDER BY f.code) FROM user_facilities uf JOIN facilities f ON f.id = uf.facility_id
                          WHERE uf.user_id = u.id), '{}') AS facilities,
                c.id AS certification_id, c.nominated_on, c.background_cleared_on, c.trained_on, c.certified_on,
                c.expires_on, c.revoked_at, c.revoked_reason
         FROM users u
         LEFT JOIN LATERAL (SELECT * FROM wso_certifications wc WHERE wc.user_id = u.id
                            ORDER BY wc.certified_on DESC, wc.id DESC LIMIT 1) c ON true
         WHERE u.role = ANY($2)
           AND ($1::bigint[] IS NULL OR EXISTS (SELECT 1 FROM user_facilities uf WHERE uf.user_id = u.id AND uf.facility_id = ANY($1))
                OR u.agency_id = $3)
         ORDER BY u.username",
    )
    .bind(facility_ids)
    .bind(crate::domain::rules::CERTIFIABLE)
    .bind(agency)
    .fetch_all(db)
    .await
}
