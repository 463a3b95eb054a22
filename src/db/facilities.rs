use chrono::{DateTime, Utc};
use sqlx::PgExecutor;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Facility {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub timezone: String,
    pub igsa: bool,
    /// Contact printed on the complaint-process notice.
    pub contact: Option<String>,
}

impl Facility {
    /// The zone was validated on the way in; UTC is only a fallback for hand-edited rows.
    pub fn tz(&self) -> chrono_tz::Tz {
        self.timezone.parse().unwrap_or(chrono_tz::UTC)
    }
}

const COLUMNS: &str = "id, code, name, timezone, igsa, contact";

pub async fn insert(
    db: impl PgExecutor<'_>,
    code: &str,
    name: &str,
    timezone: &str,
    igsa: bool,
    now: DateTime<Utc>,
) -> sqlx::Result<Facility> {
    sqlx::query_as(&format!(
        "INSERT INTO facilities (code, name, timezone, igsa, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING {COLUMNS}"
    ))
    .bind(code)
    .bind(name)
    .bind(timezone)
    .bind(igsa)
    .bind(now)
    .fetch_one(db)
    .await
}

pub async fn all(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<Facility>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM facilities ORDER BY code"))
        .fetch_all(db)
        .await
}

pub async fn by_code(db: impl PgExecutor<'_>, code: &str) -> sqlx::Result<Option<Facility>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM facilities WHERE code = $1"))
        .bind(code)
        .fetch_optional(db)
        .await
}
