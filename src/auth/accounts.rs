//! Who asks, read on the accounts pool (`db::scope::accounts_pool`): one statement a request
//! instead of two, since its connections need no scope set as they are handed out. A
//! connection found broken there (the database restarted or failed over since it was opened)
//! is closed, and the read is made again on the main pool, whose connections are checked as
//! they are handed out; so is a read that found no accounts connection free in time.

use chrono::{DateTime, Utc};
use sqlx::pool::PoolConnection;
use sqlx::postgres::Postgres;

use crate::db;
use crate::state::AppState;

/// An API token with its user (`db::tokens::caller`).
pub async fn caller(state: &AppState, digest: &[u8], now: DateTime<Utc>) -> sqlx::Result<Option<db::tokens::Caller>> {
    if let Some(mut conn) = connection(state).await {
        match db::tokens::caller(&mut *conn, digest, now).await {
            Err(e) if broken(&e) => drop_broken(conn, &e),
            read => return read,
        }
    }
    db::tokens::caller(&state.db, digest, now).await
}

/// A session's user (`db::sessions::user_of`).
pub async fn session_user(state: &AppState, session_id: &str) -> sqlx::Result<Option<db::users::User>> {
    if let Some(mut conn) = connection(state).await {
        match db::sessions::user_of(&mut *conn, session_id).await {
            Err(e) if broken(&e) => drop_broken(conn, &e),
            read => return read,
        }
    }
    db::sessions::user_of(&state.db, session_id).await
}

async fn connection(state: &AppState) -> Option<PoolConnection<Postgres>> {
    state.accounts.acquire().await.ok()
}

/// The connection failed, not the statement (it was cut, its server shut down: what answers
/// 503 elsewhere): the same read on another connection may answer.
fn broken(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Protocol(_)) || crate::error::Unavailable::of(e) == Some(crate::error::Unavailable::Down)
}

fn drop_broken(mut conn: PoolConnection<Postgres>, e: &sqlx::Error) {
    tracing::info!(error = %e, "an accounts connection was broken; closed, the read goes to the main pool");
    conn.close_on_drop();
}
