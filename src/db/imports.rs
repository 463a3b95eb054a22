//! Booking imports: what a facility already holds of a batch of numbers, the batch written as
//! a few multi-row statements (UNNEST arrays), and the drafts kept between a web preview and
//! its confirmation.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;
use sqlx::{PgConnection, PgExecutor};

use crate::domain::booking::NewBooking;
use crate::domain::import::StoredFacts;
use crate::domain::types::ChargeCategory;

type FactsRow = (
    String,
    String,
    String,
    NaiveDate,
    DateTime<Utc>,
    Vec<String>,
    Vec<ChargeCategory>,
);

/// The stored facts of the facility's bookings among `numbers` (one statement).
pub async fn existing(
    db: impl PgExecutor<'_>,
    facility_id: i64,
    numbers: &[String],
) -> sqlx::Result<HashMap<String, StoredFacts>> {
    let rows: Vec<FactsRow> = sqlx::query_as(
        "SELECT b.booking_number, b.last_name, b.first_name, b.date_of_birth, b.booked_at,
                coalesce(array_agg(c.description ORDER BY c.position) FILTER (WHERE c.id IS NOT NULL), '{}'),
                coalesce(array_agg(c.category ORDER BY c.position) FILTER (WHERE c.id IS NOT NULL), '{}')
         FROM bookings b LEFT JOIN charges c ON c.booking_id = b.id
         WHERE b.facility_id = $1 AND b.booking_number = ANY($2)
         GROUP BY b.id",
    )
    .bind(facility_id)
    .bind(numbers)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(number, last_name, first_name, date_of_birth, booked_at, descriptions, categories)| {
                let charges = descriptions.into_iter().zip(categories).collect();
                let facts = StoredFacts {
                    last_name,
                    first_name,
                    date_of_birth,
                    booked_at,
                    charges,
                };
                (number, facts)
            },
        )
        .collect())
}

/// Inserts the bookings and their charges (two statements); returns their ids in the order
/// given (matched by booking number, unique in the batch).
pub async fn insert(
    conn: &mut PgConnection,
    facility_id: i64,
    bookings: &[&NewBooking],
    by: Option<i64>,
    now: DateTime<Utc>,
) -> sqlx::Result<Vec<i64>> {
    let col = |f: fn(&NewBooking) -> String| bookings.iter().map(|b| f(b)).collect::<Vec<String>>();
    let births: Vec<NaiveDate> = bookings.iter().map(|b| b.date_of_birth).collect();
    let booked: Vec<DateTime<Utc>> = bookings.iter().map(|b| b.booked_at).collect();
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "INSERT INTO bookings (facility_id, booking_number, last_name, first_name, date_of_birth, booked_at, created_at, created_by)
         SELECT $1, n, l, f, d, t, $7, $8
         FROM UNNEST($2::text[], $3::text[], $4::text[], $5::date[], $6::timestamptz[]) WITH ORDINALITY AS u(n, l, f, d, t, i)
         ORDER BY i
         RETURNING id, booking_number",
    )
    .bind(facility_id)
    .bind(col(|b| b.booking_number.clone()))
    .bind(col(|b| b.last_name.clone()))
    .bind(col(|b| b.first_name.clone()))
    .bind(births)
    .bind(booked)
    .bind(now)
    .bind(by)
    .fetch_all(&mut *conn)
    .await?;
    let by_number: HashMap<String, i64> = rows.into_iter().map(|(id, n)| (n, id)).collect();
    let ids: Vec<i64> = bookings.iter().map(|b| by_number[&b.booking_number]).collect();
    let (mut owner, mut position, mut description, mut category) = (vec![], vec![], vec![], vec![]);
    for (id, b) in ids.iter().zip(bookings) {
        for (i, (d, c)) in b.charges.iter().enumerate() {
            owner.push(*id);
            position.push(i as i32);
            description.push(d.clone());
            category.push(*c);
        }
    }
    sqlx::query(
        "INSERT INTO charges (booking_id, position, description, category)
         SELECT * FROM UNNEST($1::bigint[], $2::int[], $3::text[], $4::text[])",
    )
    .bind(owner)
    .bind(position)
    .bind(description)
    .bind(category)
    .execute(&mut *conn)
    .await?;
    Ok(ids)
}

/// A web import's checked bookings, kept until it is confirmed (or for an hour).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Draft {
    pub id: i64,
    pub user_id: i64,
    pub facility_id: i64,
    pub format: String,
    pub only_immigration_hold: bool,
    pub bookings: Value,
    pub expires_at: DateTime<Utc>,
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_draft(
    db: impl PgExecutor<'_>,
    user_id: i64,
    facility_id: i64,
    format: &str,
    only_immigration_hold: bool,
    bookings: Value,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO import_drafts (user_id, facility_id, format, only_immigration_hold, bookings, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(user_id)
    .bind(facility_id)
    .bind(format)
    .bind(only_immigration_hold)
    .bind(bookings)
    .bind(now)
    .bind(expires_at)
    .fetch_one(db)
    .await
}

/// The user's live draft, removed (it is used once).
pub async fn take_draft(
    db: impl PgExecutor<'_>,
    id: i64,
    user_id: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<Draft>> {
    sqlx::query_as(
        "DELETE FROM import_drafts WHERE id = $1 AND user_id = $2 AND expires_at > $3
         RETURNING id, user_id, facility_id, format, only_immigration_hold, bookings, expires_at",
    )
    .bind(id)
    .bind(user_id)
    .bind(now)
    .fetch_optional(db)
    .await
}

/// The user's live draft, left in place (for its page).
pub async fn draft(db: impl PgExecutor<'_>, id: i64, user_id: i64, now: DateTime<Utc>) -> sqlx::Result<Option<Draft>> {
    sqlx::query_as(
        "SELECT id, user_id, facility_id, format, only_immigration_hold, bookings, expires_at
         FROM import_drafts WHERE id = $1 AND user_id = $2 AND expires_at > $3",
    )
    .bind(id)
    .bind(user_id)
    .bind(now)
    .fetch_optional(db)
    .await
}

/// Drafts past their hour are removed (with what they held).
pub async fn purge_expired(db: impl PgExecutor<'_>, now: DateTime<Utc>) -> sqlx::Result<u64> {
    Ok(sqlx::query("DELETE FROM import_drafts WHERE expires_at <= $1")
        .bind(now)
        .execute(db)
        .await?
        .rows_affected())
}
