//! Who asks is read on a pool of its own (decision 0044), whose connections are never checked
//! as they are handed out. When the database cuts every connection (a restart, a failover),
//! the next requests must still be answered: a broken accounts connection is closed and its
//! read (or the session store's call) made again on the main pool. And the accounts pool reads nothing behind the wall.

use wso_tracker::db::scope;

use crate::helpers::World;

/// Ends every connection the server holds to its database (the app role's), as a restart does.
async fn cut_every_connection(w: &World) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = current_database() AND usename = 'wso_app') t",
    )
    .fetch_one(&w.app.admin_db)
    .await
    .unwrap()
}

#[tokio::test]
async fn after_every_connection_is_cut_the_next_requests_are_answered() {
    let w = World::new().await;
    let id = w.served("AP-1").await;
    let api = w.as_("sgt").await;
    let browser = w.app.login("sgt").await;
    // Several accounts connections open: requests at once.
    let p = "/transfers/pending";
    let at_once = tokio::join!(api.get(p), api.get(p), api.get(p), api.get(p), api.get(p), api.get(p));
    for (status, _) in [at_once.0, at_once.1, at_once.2, at_once.3, at_once.4, at_once.5] {
        assert_eq!(status, 200);
    }
    assert!(cut_every_connection(&w).await > 0, "the server had connections to cut");
    // Each of these may meet a connection that was cut, on the accounts pool or the main one.
    for round in 0..10 {
        let (status, rows) = api.get("/transfers/pending").await;
        assert_eq!(status, 200, "API request {round} after the cut: {rows}");
        assert_eq!(rows[0]["booking_id"], id, "API request {round}");
        let page = browser.get(w.app.url("/transfers/pending")).send().await.unwrap();
        assert_eq!(page.status(), 200, "page {round} after the cut");
        assert!(page.text().await.unwrap().contains("AP-1"), "page {round}");
    }
    // Cut again, and the page asks first: its session (the store's read, also on the accounts
    // pool: `auth::session_store`) and its user meet cut connections.
    assert!(cut_every_connection(&w).await > 0);
    for round in 0..10 {
        let page = browser.get(w.app.url("/transfers/pending")).send().await.unwrap();
        assert_eq!(page.status(), 200, "page {round} after the second cut");
    }
    // And a sign-in right after a cut: the new session is written.
    assert!(cut_every_connection(&w).await > 0);
    let again = w.app.login("sgt").await;
    let page = again.get(w.app.url("/transfers/pending")).send().await.unwrap();
    assert_eq!(page.status(), 200, "a session begun right after a cut");
    assert!(page.text().await.unwrap().contains("AP-1"));
}

#[tokio::test]
async fn the_accounts_pool_reads_no_agencys_rows() {
    let w = World::new().await;
    w.served("AP-2").await;
    let accounts = scope::accounts_pool(&w.app.db);
    // In a request's scope or the server's own: its connections were set to none when they
    // connected, and nothing hands them a scope.
    for run in [
        Box::pin(scope::system(count_bookings(&accounts))) as std::pin::Pin<Box<dyn Future<Output = i64>>>,
        Box::pin(scope::within_request(async {
            scope::narrow_to(&[1, 2]);
            count_bookings(&accounts).await
        })),
        Box::pin(count_bookings(&accounts)),
    ] {
        assert_eq!(run.await, 0, "no booking through the accounts pool");
    }
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&accounts)
        .await
        .unwrap();
    assert!(users > 0, "accounts are read there");
}

async fn count_bookings(pool: &sqlx::PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM bookings")
        .fetch_one(pool)
        .await
        .unwrap()
}
