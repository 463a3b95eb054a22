//! The row-level security scope (decision 0036; migration 0023): which facilities' rows the
//! database answers on a connection. It is set on every connection as it leaves the pool, from
//! the scope of the task that takes it:
//!
//! - a web request starts with [`RowScope::Nothing`] ([`within_request`]); once it knows who
//!   is asking, [`narrow_to`] sets that user's facilities;
//! - the server's own work (the watcher, the delivery workers, the board feed, the CLI) runs
//!   under [`system`], which nothing under `web/` or `auth/` calls (tests/it/layering.rs);
//! - a task with no scope of its own takes its pool's default: `Nothing` for the server's
//!   pool, so a task that forgot its scope reads no agency's rows.
//!
//! The setting replaces the ping sqlx would otherwise send before handing out an idle
//! connection: it costs no extra round trip.

use std::sync::{Arc, Mutex};

use sqlx::postgres::{PgConnection, PgPoolOptions};

/// Whose rows a connection sees.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RowScope {
    /// No agency's rows (a request before it knows who asks, a forgotten scope).
    Nothing,
    /// The rows a signed-in user (or a display, the public page) reaches.
    Within(Reach),
    /// Every row: the server's own work. Never a web request's.
    System,
}

/// What a scope reaches (migrations 0023 and 0029): its facilities' rows (a case's, a
/// facility's), its agencies' (an account alert, an agency's audit chain, a WSO's records: those
/// of its facilities' agencies and of `agency`), and the installation's own rows (the operator's
/// alerts, the installation's audit chain) when `installation`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Reach {
    pub facilities: Vec<i64>,
    pub agency: Option<i64>,
    pub installation: bool,
}

impl RowScope {
    /// These facilities' rows (and their agencies').
    pub fn facilities(ids: &[i64]) -> Self {
        RowScope::Within(Reach {
            facilities: ids.to_vec(),
            ..Reach::default()
        })
    }

    /// The rows about an account of `agency` (`None`: an account of no agency, whose alerts are
    /// the installation's) and nothing of any case or facility: the scope that writes an alert
    /// about an account before anyone is signed in (a sign-in that locks it).
    pub fn account_of(agency: Option<i64>) -> Self {
        RowScope::Within(Reach {
            facilities: Vec::new(),
            agency,
            installation: agency.is_none(),
        })
    }
}

/// A request's scope, filled once the request knows who asks.
#[derive(Clone)]
pub struct Slot(Arc<Mutex<RowScope>>);

tokio::task_local! {
    static SCOPE: Slot;
}

/// Runs a web request: its connections see nothing until [`narrow_to`] names its facilities.
pub async fn within_request<F: Future>(request: F) -> F::Output {
    SCOPE
        .scope(Slot(Arc::new(Mutex::new(RowScope::Nothing))), request)
        .await
}

/// Runs `work` as the server's own work (every agency's rows).
pub async fn system<F: Future>(work: F) -> F::Output {
    SCOPE.scope(Slot(Arc::new(Mutex::new(RowScope::System))), work).await
}

/// Runs `work` (a task spawned for a request, e.g. a board stream) with the request's scope.
pub async fn carried<F: Future>(scope: RowScope, work: F) -> F::Output {
    SCOPE.scope(Slot(Arc::new(Mutex::new(scope))), work).await
}

/// Sets the current request's scope to these facilities (a wall display's, the public page's).
/// Outside a request, or in the server's own work, it changes nothing.
pub fn narrow_to(facilities: &[i64]) {
    narrow(RowScope::facilities(facilities));
}

/// The facilities whose rows the database answers `user` (`domain::tenancy::row_reach`).
pub async fn of_user(db: impl sqlx::PgExecutor<'_>, user: &crate::db::users::User) -> sqlx::Result<RowScope> {
    use crate::domain::tenancy::{RowReach, reaches_installation, row_reach};
    let (facilities, agency) = match row_reach(user.role) {
        RowReach::OwnFacilities => (user.facility_ids.clone(), user.agency_id),
        RowReach::GrantedAgencies => (crate::db::oversight::granted_facility_ids(db, user.id).await?, None),
        RowReach::Nothing => (Vec::new(), None),
    };
    Ok(RowScope::Within(Reach {
        facilities,
        agency,
        installation: reaches_installation(user.role, user.operator),
    }))
}

/// Sets the current request's scope (see [`narrow_to`]).
pub fn narrow(scope: RowScope) {
    let _ = SCOPE.try_with(|slot| {
        if let Ok(mut s) = slot.0.lock()
            && *s != RowScope::System
            && scope != RowScope::System
        {
            *s = scope;
        }
    });
}

/// The current task's scope, or `default` when it has none.
pub fn current(default: &RowScope) -> RowScope {
    SCOPE
        .try_with(|slot| slot.0.lock().map(|s| s.clone()).unwrap_or(RowScope::Nothing))
        .unwrap_or_else(|_| default.clone())
}

/// Pool options whose connections take the scope of the task that acquires them (`default`
/// when it has none).
pub fn pool_options(default: RowScope) -> PgPoolOptions {
    let on_connect = default.clone();
    PgPoolOptions::new()
        .test_before_acquire(false)
        .after_connect(move |conn, _| {
            let scope = current(&on_connect);
            Box::pin(async move { apply(conn, &scope).await })
        })
        .before_acquire(move |conn, _| {
            let scope = current(&default);
            Box::pin(async move { apply(conn, &scope).await.map(|()| true) })
        })
}

/// A pool for reading who asks (a token with its user, a session's user: accounts, which are
/// not walled) on the same database as `main`. Its connections are set to see no agency's rows
/// when they connect and are never narrowed (it has no acquire hook), so handing one out costs
/// no statement, and a walled read sent on it by mistake reads nothing. A connection is taken
/// from it for at most [`ACCOUNTS_WAIT`]; the caller then reads on `main` (`auth::accounts`).
pub fn accounts_pool(main: &sqlx::PgPool) -> sqlx::PgPool {
    PgPoolOptions::new()
        .max_connections(ACCOUNTS_CONNECTIONS)
        // Kept open in the background: a request waits at most `ACCOUNTS_WAIT`, which may be
        // shorter than opening a connection to a distant database over TLS.
        .min_connections(2)
        .test_before_acquire(false)
        .acquire_timeout(ACCOUNTS_WAIT)
        .after_connect(|conn, _| Box::pin(async move { apply(conn, &RowScope::Nothing).await }))
        .connect_lazy_with((*main.connect_options()).clone())
}

/// The accounts pool's size: a request holds its connection for one statement.
pub const ACCOUNTS_CONNECTIONS: u32 = 8;
/// How long a request waits for an accounts connection before reading on the main pool (whose
/// own wait decides the 503 while the database is away).
pub const ACCOUNTS_WAIT: std::time::Duration = std::time::Duration::from_millis(250);

/// Sets the scope on a connection (session settings, until the next acquire sets them again).
pub async fn apply(conn: &mut PgConnection, scope: &RowScope) -> sqlx::Result<()> {
    let off = Reach::default();
    let (reach, system) = match scope {
        RowScope::Nothing => (&off, "off"),
        RowScope::Within(reach) => (reach, "off"),
        RowScope::System => (&off, "on"),
    };
    let facilities = match reach.facilities.as_slice() {
        [] => String::new(),
        ids => format!("{{{}}}", ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")),
    };
    sqlx::query(
        "SELECT set_config('wso.facilities', $1, false), set_config('wso.agency', $2, false),
                set_config('wso.installation', $3, false), set_config('wso.system', $4, false)",
    )
    .bind(facilities)
    .bind(reach.agency.map(|a| a.to_string()).unwrap_or_default())
    .bind(if reach.installation { "on" } else { "off" })
    .bind(system)
    .execute(conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_request_sees_nothing_until_it_knows_who_asks() {
        within_request(async {
            assert_eq!(current(&RowScope::System), RowScope::Nothing);
            narrow_to(&[3, 4]);
            assert_eq!(current(&RowScope::System), RowScope::facilities(&[3, 4]));
        })
        .await;
        assert_eq!(
            current(&RowScope::Nothing),
            RowScope::Nothing,
            "the default outside any task scope"
        );
    }

    #[tokio::test]
    async fn the_servers_own_work_is_not_narrowed() {
        system(async {
            narrow_to(&[1]);
            assert_eq!(current(&RowScope::Nothing), RowScope::System);
        })
        .await;
    }
}
