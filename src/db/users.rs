use chrono::{DateTime, Duration, Utc};
use sqlx::PgExecutor;

use crate::domain::Role;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct User {
    pub id: i64,
    pub username: String,
    /// The person's name, when known ("Jane Doe").
    pub full_name: Option<String>,
    pub role: Role,
    pub email: Option<String>,
    /// argon2id PHC string; `None` for an `--api-only` service account.
    pub password_hash: Option<String>,
    pub failed_logins: i32,
    pub locked_at: Option<DateTime<Utc>>,
    /// A lock lifts at this time (or when an admin releases it).
    pub locked_until: Option<DateTime<Utc>>,
    pub api_only: bool,
    pub disabled_at: Option<DateTime<Utc>>,
    pub must_change_password: bool,
    pub mfa_enrolled: bool,
    pub last_login_at: Option<DateTime<Utc>>,
    pub last_token_use_at: Option<DateTime<Utc>>,
    /// Codes of the facilities the user works at.
    pub facilities: Vec<String>,
    /// Ids of the same facilities, for scoping queries.
    pub facility_ids: Vec<i64>,
    /// The agency an officer, supervisor or admin belongs to (`None` for the roles that cross
    /// agencies: a liaison, the operator, oversight).
    pub agency_id: Option<i64>,
    /// That agency's code.
    pub agency: Option<String>,
    /// The agencies of `facilities` (a liaison's grants may come from several).
    pub facility_agencies: Vec<i64>,
    /// The account's agency, or an agency whose facility it was granted, requires an
    /// authenticator (`domain::tenancy::mfa_required`).
    pub agency_mfa_required: bool,
    /// The installation's operator (an `operator` account, or a single-agency install's first
    /// admin): `domain::tenancy::may_operate`.
    pub operator: bool,
}

impl User {
    /// How pages name the person: "Jane Doe (jdoe)", or the username alone.
    pub fn display(&self) -> String {
        display_name(&self.username, self.full_name.as_deref())
    }

    /// Locked after failed sign-ins, and the lock has not lifted yet at `now`.
    pub fn is_locked(&self, now: DateTime<Utc>) -> bool {
        self.locked_until.is_some_and(|until| until > now)
    }

    pub fn is_disabled(&self) -> bool {
        self.disabled_at.is_some()
    }
}

pub(crate) const SELECT: &str =
    "SELECT u.id, u.username, u.full_name, u.role, u.email, u.password_hash, u.failed_logins, u.locked_at,
        u.locked_until, u.api_only, u.disabled_at, u.must_change_password, u.mfa_enrolled_at IS NOT NULL AS mfa_enrolled,
        u.last_login_at, u.last_token_use_at,
        COALESCE(array_agg(f.code ORDER BY f.code) FILTER (WHERE f.id IS NOT NULL), '{}') AS facilities,
        COALESCE(array_agg(f.id ORDER BY f.code) FILTER (WHERE f.id IS NOT NULL), '{}') AS facility_ids,
        u.agency_id, (SELECT a.code FROM agencies a WHERE a.id = u.agency_id) AS agency, u.operator,
        COALESCE(array_agg(DISTINCT f.agency_id) FILTER (WHERE f.id IS NOT NULL), '{}') AS facility_agencies,
        EXISTS (SELECT 1 FROM agencies ma WHERE ma.mfa_required AND (ma.id = u.agency_id OR ma.id IN (
            SELECT mf.agency_id FROM user_facilities muf JOIN facilities mf ON mf.id = muf.facility_id
             WHERE muf.user_id = u.id))) AS agency_mfa_required
    FROM users u
    LEFT JOIN LATERAL (
        SELECT f.id, f.code, f.agency_id FROM user_facilities uf JOIN facilities f ON f.id = uf.facility_id WHERE uf.user_id = u.id
        UNION
        SELECT f.id, f.code, f.agency_id FROM facilities f WHERE u.role = 'admin' AND f.agency_id = u.agency_id
    ) f ON true";

pub async fn count(db: impl PgExecutor<'_>) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM users").fetch_one(db).await
}

pub async fn by_id(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<User>> {
    sqlx::query_as(&format!("{SELECT} WHERE u.id = $1 GROUP BY u.id"))
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn by_username(db: impl PgExecutor<'_>, username: &str) -> sqlx::Result<Option<User>> {
    sqlx::query_as(&format!("{SELECT} WHERE u.username = $1 GROUP BY u.id"))
        .bind(username)
        .fetch_optional(db)
        .await
}

/// Same as `by_username`, locking the row so concurrent logins count failures one by one.
pub async fn by_username_for_update(db: impl PgExecutor<'_>, username: &str) -> sqlx::Result<Option<User>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE u.id = (SELECT id FROM users WHERE username = $1 FOR UPDATE) GROUP BY u.id"
    ))
    .bind(username)
    .fetch_optional(db)
    .await
}

/// Same as `by_id`, locking the row (a second sign-in step counts failures one by one).
pub async fn by_id_for_update(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<User>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE u.id = (SELECT id FROM users WHERE id = $1 FOR UPDATE) GROUP BY u.id"
    ))
    .bind(id)
    .fetch_optional(db)
    .await
}

pub async fn all(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<User>> {
    sqlx::query_as(&format!("{SELECT} GROUP BY u.id ORDER BY u.username"))
        .fetch_all(db)
        .await
}

/// A new account; `password_hash: None` makes an `--api-only` service account. An `operator`
/// account is the operator (`users_operator_role`).
pub async fn insert(
    db: impl PgExecutor<'_>,
    (username, full_name): (&str, Option<&str>),
    (role, agency_id): (Role, Option<i64>),
    email: Option<&str>,
    password_hash: Option<&str>,
    now: DateTime<Utc>,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO users (username, role, email, password_hash, api_only, created_at, full_name, agency_id, operator)
         VALUES ($1, $2, $3, $4, $4 IS NULL, $5, $6, $7,
                 -- The installation's operator: an `operator` account, or the very first admin
                 -- of an installation without any admin or operator yet (a single-agency
                 -- install's, created at first start). Nobody is ever flagged later.
                 $2 = 'operator' OR ($2 = 'admin' AND NOT EXISTS (
                     SELECT 1 FROM users WHERE role IN ('operator', 'admin'))))
         RETURNING id",
    )
    .bind(username)
    .bind(role)
    .bind(email)
    .bind(password_hash)
    .bind(now)
    .bind(full_name)
    .bind(agency_id)
    .fetch_one(db)
    .await
}

/// Replaces the user's facilities with those `codes` (all of which must exist: checked by
/// caller). `within`: only the facilities of that agency are replaced (an agency's admin edits a
/// liaison's grants of its own facilities and leaves other agencies' grants alone).
pub async fn set_facilities(
    conn: &mut sqlx::PgConnection,
    user_id: i64,
    codes: &[String],
    within: Option<i64>,
) -> sqlx::Result<()> {
    sqlx::query(
        "DELETE FROM user_facilities WHERE user_id = $1
           AND ($2::bigint IS NULL OR facility_id IN (SELECT id FROM facilities WHERE agency_id = $2))",
    )
    .bind(user_id)
    .bind(within)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO user_facilities (user_id, facility_id) SELECT $1, id FROM facilities WHERE code = ANY($2)",
    )
    .bind(user_id)
    .bind(codes)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn set_full_name(db: impl PgExecutor<'_>, user_id: i64, full_name: Option<&str>) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET full_name = $2 WHERE id = $1")
        .bind(user_id)
        .bind(full_name)
        .execute(db)
        .await?;
    Ok(())
}

/// The full names of those of `usernames` who have one (one statement), for pages that name
/// people recorded by username (the timeline, a service).
pub async fn full_names(
    db: impl PgExecutor<'_>,
    usernames: &[String],
) -> sqlx::Result<std::collections::HashMap<String, String>> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT username, full_name FROM users WHERE username = ANY($1) AND full_name IS NOT NULL")
            .bind(usernames)
            .fetch_all(db)
            .await?;
    Ok(rows.into_iter().collect())
}

/// A new role and, with it, the agency the account belongs to (`None` for a crossing role). An
/// account that now belongs to an agency keeps none of another agency's facilities (a liaison
/// made an officer: its other grants end); the `users_facilities_in_agency` trigger holds it.
pub async fn set_role(
    conn: &mut sqlx::PgConnection,
    user_id: i64,
    role: Role,
    agency_id: Option<i64>,
) -> sqlx::Result<()> {
    sqlx::query(
        "DELETE FROM user_facilities WHERE user_id = $1 AND $2::bigint IS NOT NULL
            AND facility_id NOT IN (SELECT id FROM facilities WHERE agency_id = $2)",
    )
    .bind(user_id)
    .bind(agency_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE users SET role = $2, agency_id = $3, operator = (operator OR $2 = 'operator') WHERE id = $1")
        .bind(user_id)
        .bind(role)
        .bind(agency_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Counts a failed sign-in: failures count within `window` of the first of the streak; at
/// `lock_after` the account locks until `now + lock_for`. Returns the new count and whether this
/// failure locked it.
pub async fn record_failed_login(
    db: impl PgExecutor<'_>,
    user_id: i64,
    lock_after: i32,
    window: Duration,
    lock_for: Duration,
    now: DateTime<Utc>,
) -> sqlx::Result<(i32, bool)> {
    sqlx::query_as(
        "UPDATE users SET
                failed_logins = CASE WHEN first_failure_at IS NULL OR first_failure_at < $4 THEN 1 ELSE failed_logins + 1 END,
                first_failure_at = CASE WHEN first_failure_at IS NULL OR first_failure_at < $4 THEN $3 ELSE first_failure_at END,
                locked_at = CASE WHEN (locked_until IS NULL OR locked_until <= $3)
                                  AND (CASE WHEN first_failure_at IS NULL OR first_failure_at < $4 THEN 1 ELSE failed_logins + 1 END) >= $2
                                 THEN $3 ELSE locked_at END,
                locked_until = CASE WHEN (locked_until IS NULL OR locked_until <= $3)
                                  AND (CASE WHEN first_failure_at IS NULL OR first_failure_at < $4 THEN 1 ELSE failed_logins + 1 END) >= $2
                                 THEN $5 ELSE locked_until END
         WHERE id = $1
         RETURNING failed_logins, COALESCE(locked_at = $3 AND locked_until = $5, false)",
    )
    .bind(user_id)
    .bind(lock_after)
    .bind(now)
    .bind(now - window)
    .bind(now + lock_for)
    .fetch_one(db)
    .await
}

/// A successful sign-in: the failure streak ends, the lock (already lifted) is cleared.
pub async fn record_login(db: impl PgExecutor<'_>, user_id: i64, now: DateTime<Utc>) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE users SET failed_logins = 0, first_failure_at = NULL, locked_at = NULL, locked_until = NULL,
                last_login_at = $2
         WHERE id = $1",
    )
    .bind(user_id)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// Returns false when the account was not locked.
pub async fn unlock(db: impl PgExecutor<'_>, user_id: i64) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "UPDATE users SET locked_at = NULL, locked_until = NULL, failed_logins = 0, first_failure_at = NULL
         WHERE id = $1 AND locked_at IS NOT NULL",
    )
    .bind(user_id)
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Disables (`Some(now)`) or enables (`None`) an account; false when it already was.
pub async fn set_disabled(db: impl PgExecutor<'_>, user_id: i64, at: Option<DateTime<Utc>>) -> sqlx::Result<bool> {
    let r = sqlx::query("UPDATE users SET disabled_at = $2 WHERE id = $1 AND (disabled_at IS NULL) = ($2 IS NOT NULL)")
        .bind(user_id)
        .bind(at)
        .execute(db)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// A new password. `temporary_until`: an admin's reset, which opens one sign-in before that
/// time, and that sign-in must set another password before anything else.
pub async fn set_password(
    db: impl PgExecutor<'_>,
    user_id: i64,
    hash: &str,
    temporary_until: Option<DateTime<Utc>>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE users SET password_hash = $2, must_change_password = $3 IS NOT NULL, temporary_password_until = $3
         WHERE id = $1 AND NOT api_only",
    )
    .bind(user_id)
    .bind(hash)
    .bind(temporary_until)
    .execute(db)
    .await?;
    Ok(())
}

/// Takes the one sign-in a temporary password opens: false when it was taken already or has
/// expired at `now`.
pub async fn take_temporary_password(db: impl PgExecutor<'_>, user_id: i64, now: DateTime<Utc>) -> sqlx::Result<bool> {
    let r =
        sqlx::query("UPDATE users SET temporary_password_until = NULL WHERE id = $1 AND temporary_password_until > $2")
            .bind(user_id)
            .bind(now)
            .execute(db)
            .await?;
    Ok(r.rows_affected() == 1)
}

/// The addresses of the installation's enabled operators who have one (`domain::tenancy::may_operate`:
/// an `operator` account, or an admin with the flag).
pub async fn operator_emails(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar!(
        "SELECT email AS \"email!\" FROM users
         WHERE operator AND role IN ($1, $2) AND disabled_at IS NULL AND email IS NOT NULL ORDER BY email",
        Role::Admin as _,
        Role::Operator as _
    )
    .fetch_all(db)
    .await
}

/// Whether `user_id` is an administrator and no other enabled administrator of its agency
/// exists (locks those administrators' rows, so two sweeps cannot both decide "not the last").
pub async fn is_last_enabled_admin(conn: &mut sqlx::PgConnection, user_id: i64) -> sqlx::Result<bool> {
    let admins = sqlx::query_scalar!(
        "SELECT id FROM users
         WHERE role = $1 AND disabled_at IS NULL
           AND agency_id IS NOT DISTINCT FROM (SELECT agency_id FROM users WHERE id = $2)
         ORDER BY id FOR UPDATE",
        Role::Admin as _,
        user_id
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(admins == [user_id])
}

/// Accounts (people and service accounts) with no sign-in and no token use since `before`
/// (nor created since), not yet disabled.
pub async fn inactive_since(db: impl PgExecutor<'_>, before: DateTime<Utc>) -> sqlx::Result<Vec<(i64, String)>> {
    sqlx::query_as(
        "SELECT id, username FROM users
         WHERE disabled_at IS NULL AND created_at < $1
           AND coalesce(last_login_at, '-infinity') < $1 AND coalesce(last_token_use_at, '-infinity') < $1
         ORDER BY id",
    )
    .bind(before)
    .fetch_all(db)
    .await
}

/// Holds an officer's credentials still while a warrant is served on them (`FOR SHARE`): a
/// revocation or any other credential change ([`lock_credentials`]) waits until the service
/// commits, and a service waits for a change in progress and then reads its result.
pub async fn share_credentials(db: impl PgExecutor<'_>, user_id: i64) -> sqlx::Result<()> {
    sqlx::query("SELECT 1 FROM users WHERE id = $1 FOR SHARE")
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Locks an officer's credentials for a change (`FOR NO KEY UPDATE`; see [`share_credentials`]).
pub async fn lock_credentials(db: impl PgExecutor<'_>, user_id: i64) -> sqlx::Result<()> {
    sqlx::query("SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE")
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}

/// "Jane Doe (jdoe)", or "jdoe" when there is no name.
pub fn display_name(username: &str, full_name: Option<&str>) -> String {
    match full_name {
        Some(n) => format!("{n} ({username})"),
        None => username.to_string(),
    }
}
