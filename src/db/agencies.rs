//! Agencies (issue 28): the sheriff's offices an installation serves.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgExecutor;

use super::users::User;

#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct Agency {
    #[serde(skip)]
    pub id: i64,
    pub code: String,
    pub name: String,
    /// Two-letter postal code; `null` only for the agency a migrated install started with.
    pub state: Option<String>,
    /// The zone a new facility takes when none is given.
    pub timezone: Option<String>,
    /// How many facilities it has (no case data).
    pub facilities: i64,
    /// Everyone of the agency signs in with an authenticator (on top of the installation's floor).
    pub mfa_required: bool,
    /// The name its printed records carry ("Wake County Sheriff's Office"); `null`: none.
    pub record_name: Option<String>,
    /// The name its alert e-mails come from (the address stays `MAIL_FROM`'s); `null`: none.
    pub mail_sender_name: Option<String>,
    /// The hours before a deadline at which its clocks raise alerts; `null`: the installation's.
    #[schema(value_type = Option<Vec<i64>>)]
    pub alert_hours_left: Option<Vec<i32>>,
    /// The system-use notice of its sign-in page (`/login/{code}`); `null`: the installation's.
    pub system_use_notice: Option<String>,
}

const SELECT: &str =
    "SELECT a.id, a.code, a.name, a.state, a.timezone, a.mfa_required, a.record_name, a.mail_sender_name, a.alert_hours_left, a.system_use_notice,
        (SELECT count(*) FROM facilities f WHERE f.agency_id = a.id) AS facilities
    FROM agencies a";

pub async fn insert(
    db: impl PgExecutor<'_>,
    code: &str,
    name: &str,
    (state, timezone): (&str, Option<&str>),
    now: DateTime<Utc>,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO agencies (code, name, state, timezone, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(code)
    .bind(name)
    .bind(state)
    .bind(timezone)
    .bind(now)
    .fetch_one(db)
    .await
}

pub async fn all(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<Agency>> {
    sqlx::query_as(&format!("{SELECT} ORDER BY a.code")).fetch_all(db).await
}

pub async fn by_code(db: impl PgExecutor<'_>, code: &str) -> sqlx::Result<Option<Agency>> {
    sqlx::query_as(&format!("{SELECT} WHERE a.code = $1"))
        .bind(code)
        .fetch_optional(db)
        .await
}

/// Requires (or stops requiring) an authenticator of the agency's people; false when it
/// already was so.
pub async fn set_mfa_required(db: impl PgExecutor<'_>, id: i64, required: bool) -> sqlx::Result<bool> {
    let r = sqlx::query("UPDATE agencies SET mfa_required = $2 WHERE id = $1 AND mfa_required <> $2")
        .bind(id)
        .bind(required)
        .execute(db)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Sets (or with `None` clears) one of the agency's names (`record_name` or
/// `mail_sender_name`, `services::agency_settings::Name::column`); false when it already was so.
pub async fn set_name(
    db: impl PgExecutor<'_>,
    id: i64,
    column: &'static str,
    name: Option<&str>,
) -> sqlx::Result<bool> {
    let sql = match column {
        "record_name" => "UPDATE agencies SET record_name = $2 WHERE id = $1 AND record_name IS DISTINCT FROM $2",
        "mail_sender_name" => {
            "UPDATE agencies SET mail_sender_name = $2 WHERE id = $1 AND mail_sender_name IS DISTINCT FROM $2"
        }
        "system_use_notice" => {
            "UPDATE agencies SET system_use_notice = $2 WHERE id = $1 AND system_use_notice IS DISTINCT FROM $2"
        }
        other => unreachable!("no agency name `{other}`"),
    };
    let r = sqlx::query(sql).bind(id).bind(name).execute(db).await?;
    Ok(r.rows_affected() == 1)
}

/// Sets (or with `None` clears) the agency's alert hours; false when they already were so.
pub async fn set_alert_hours(db: impl PgExecutor<'_>, id: i64, hours: Option<&[i32]>) -> sqlx::Result<bool> {
    let r =
        sqlx::query("UPDATE agencies SET alert_hours_left = $2 WHERE id = $1 AND alert_hours_left IS DISTINCT FROM $2")
            .bind(id)
            .bind(hours)
            .execute(db)
            .await?;
    Ok(r.rows_affected() == 1)
}

/// Each facility whose agency set its own alert hours, with those hours.
pub async fn alert_hours_by_facility(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<(i64, Vec<i32>)>> {
    sqlx::query_as(
        "SELECT f.id, a.alert_hours_left FROM facilities f JOIN agencies a ON a.id = f.agency_id
         WHERE a.alert_hours_left IS NOT NULL",
    )
    .fetch_all(db)
    .await
}

/// The agency `agency`, or else the agency of `facility` (what an alert, a record or a clock of
/// that facility follows: its names, its hours).
pub async fn of(db: impl PgExecutor<'_>, facility: Option<i64>, agency: Option<i64>) -> sqlx::Result<Option<Agency>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE a.id = coalesce($2, (SELECT f.agency_id FROM facilities f WHERE f.id = $1))"
    ))
    .bind(facility)
    .bind(agency)
    .fetch_optional(db)
    .await
}

/// An agency's usage and health for the operator: counts only, never a case.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Usage {
    pub code: String,
    pub users: i64,
    pub signed_in_last_30_days: i64,
    pub running_clocks: i64,
    pub past_deadline: i64,
    pub bookings_last_30_days: i64,
}

/// Each agency's usage at `now`.
pub async fn usage(db: impl PgExecutor<'_>, now: DateTime<Utc>) -> sqlx::Result<Vec<Usage>> {
    sqlx::query_as(
        "SELECT a.code,
            (SELECT count(*) FROM users u WHERE u.agency_id = a.id AND u.disabled_at IS NULL) AS users,
            (SELECT count(*) FROM users u WHERE u.agency_id = a.id AND u.last_login_at >= $1 - interval '30 days')
                AS signed_in_last_30_days,
            c.running_clocks, c.past_deadline, c.bookings_last_30_days
         FROM agencies a JOIN agency_case_counts($1, $2) c ON c.agency_id = a.id ORDER BY a.code",
    )
    .bind(now)
    .bind(crate::domain::types::Status::WsoHold)
    .fetch_all(db)
    .await
}

/// The only agency, when the installation has exactly one (`--agency` may then be left out).
pub async fn only_one(db: impl PgExecutor<'_>) -> sqlx::Result<Option<Agency>> {
    sqlx::query_as(&format!("{SELECT} WHERE (SELECT count(*) FROM agencies) = 1"))
        .fetch_optional(db)
        .await
}

/// Grants a facility to an account (a liaison's grant, or where staff work); false when it was
/// granted already.
pub async fn grant_facility(db: impl PgExecutor<'_>, user_id: i64, facility_id: i64) -> sqlx::Result<bool> {
    let r = sqlx::query("INSERT INTO user_facilities (user_id, facility_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(user_id)
        .bind(facility_id)
        .execute(db)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Takes a facility back; false when it was not granted.
pub async fn revoke_facility(db: impl PgExecutor<'_>, user_id: i64, facility_id: i64) -> sqlx::Result<bool> {
    let r = sqlx::query("DELETE FROM user_facilities WHERE user_id = $1 AND facility_id = $2")
        .bind(user_id)
        .bind(facility_id)
        .execute(db)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// The agencies an oversight account may see aggregates of.
pub async fn grant_oversight(
    db: impl PgExecutor<'_>,
    user_id: i64,
    agency_id: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO oversight_grants (user_id, agency_id, granted_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind(user_id)
    .bind(agency_id)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// The accounts an agency's admin manages: its own staff, and the liaisons granted one of its
/// facilities (`None`: every account, for the operator).
pub async fn users(db: impl PgExecutor<'_>, agency_id: Option<i64>) -> sqlx::Result<Vec<User>> {
    sqlx::query_as(&format!(
        "{} WHERE $1::bigint IS NULL OR u.agency_id = $1
            OR EXISTS (SELECT 1 FROM user_facilities g JOIN facilities gf ON gf.id = g.facility_id
                        WHERE g.user_id = u.id AND gf.agency_id = $1)
         GROUP BY u.id ORDER BY u.username",
        super::users::SELECT
    ))
    .bind(agency_id)
    .fetch_all(db)
    .await
}

impl Agency {
    /// Its own alert hours, as the alert rules take them (`None`: the installation's).
    pub fn hours_left(&self) -> Option<Vec<i64>> {
        self.alert_hours_left
            .as_ref()
            .map(|h| h.iter().copied().map(i64::from).collect())
    }
}
