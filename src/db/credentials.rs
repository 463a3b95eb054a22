//! An officer's credential facts (certifications are in `certifications`): exams, the
//! Form 70-006 credential, withdrawals and departures, and the whole record the eligibility
//! rule reads.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgConnection, PgExecutor};

use crate::domain::credentials::Record;

/// The credential records of `user_ids`, read in five statements however many officers there
/// are. Pass the transaction that acts on them, so that the facts cannot change in between.
pub async fn records(conn: &mut PgConnection, user_ids: &[i64]) -> sqlx::Result<HashMap<i64, Record>> {
    let mut out: HashMap<i64, Record> = user_ids.iter().map(|id| (*id, Record::default())).collect();
    for c in crate::db::certifications::for_users(&mut *conn, user_ids).await? {
        if let Some(r) = out.get_mut(&c.user_id) {
            r.certifications.push(c.rule());
        }
    }
    let exams: Vec<(i64, NaiveDate, i32)> = sqlx::query_as(
        "SELECT user_id, taken_on, score FROM wso_exams WHERE user_id = ANY($1) ORDER BY user_id, taken_on, id",
    )
    .bind(user_ids)
    .fetch_all(&mut *conn)
    .await?;
    for (user, taken_on, score) in exams {
        out.entry(user).or_default().exams.push((taken_on, score));
    }
    let credentials: Vec<(i64, NaiveDate, Option<NaiveDate>)> = sqlx::query_as(
        "SELECT user_id, issued_on, returned_on FROM wso_credentials WHERE user_id = ANY($1) ORDER BY user_id, issued_on, id",
    )
    .bind(user_ids)
    .fetch_all(&mut *conn)
    .await?;
    for (user, issued, returned) in credentials {
        out.entry(user).or_default().credentials.push((issued, returned));
    }
    let withdrawals: Vec<(i64, NaiveDate, NaiveDate)> = sqlx::query_as(
        "SELECT user_id, received_on, effective_on FROM wso_withdrawals WHERE user_id = ANY($1) ORDER BY user_id, id",
    )
    .bind(user_ids)
    .fetch_all(&mut *conn)
    .await?;
    for (user, received, effective) in withdrawals {
        out.entry(user).or_default().withdrawals.push((received, effective));
    }
    let departures: Vec<(i64, NaiveDate, NaiveDate)> = sqlx::query_as(
        "SELECT user_id, given_on, departs_on FROM wso_departures WHERE user_id = ANY($1) ORDER BY user_id, id",
    )
    .bind(user_ids)
    .fetch_all(&mut *conn)
    .await?;
    for (user, given, departs) in departures {
        out.entry(user).or_default().departures.push((given, departs));
    }
    Ok(out)
}

/// One officer's credential record (see [`records`]).
pub async fn record(conn: &mut PgConnection, user_id: i64) -> sqlx::Result<Record> {
    Ok(records(conn, &[user_id]).await?.remove(&user_id).unwrap_or_default())
}

pub async fn insert_exam(
    db: impl PgExecutor<'_>,
    user_id: i64,
    taken_on: NaiveDate,
    score: i32,
    by: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO wso_exams (user_id, taken_on, score, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(user_id)
    .bind(taken_on)
    .bind(score)
    .bind(by)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn insert_credential(
    db: impl PgExecutor<'_>,
    user_id: i64,
    number: &str,
    issued_on: NaiveDate,
    by: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO wso_credentials (user_id, form_70_006_number, issued_on, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(user_id)
        .bind(number)
        .bind(issued_on)
        .bind(by)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

/// Marks the latest unreturned credential returned; false when there is none.
pub async fn return_credential(db: impl PgExecutor<'_>, user_id: i64, on: NaiveDate) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "UPDATE wso_credentials SET returned_on = $2 WHERE id = (SELECT id FROM wso_credentials WHERE user_id = $1 AND returned_on IS NULL
                                                                 ORDER BY issued_on DESC, id DESC LIMIT 1)",
    )
    .bind(user_id)
    .bind(on)
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn insert_withdrawal(
    db: impl PgExecutor<'_>,
    user_id: i64,
    received_on: NaiveDate,
    effective_on: NaiveDate,
    by: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO wso_withdrawals (user_id, received_on, effective_on, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(user_id)
        .bind(received_on)
        .bind(effective_on)
        .bind(by)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn insert_departure(
    db: impl PgExecutor<'_>,
    user_id: i64,
    given_on: NaiveDate,
    departs_on: NaiveDate,
    by: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO wso_departures (user_id, given_on, departs_on, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(user_id)
        .bind(given_on)
        .bind(departs_on)
        .bind(by)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}
