//! One audit chain per agency (issue 28, decision 0037): an agency's entries join its own
//! chain, appends of different agencies do not wait on each other, each chain verifies by
//! itself (`audit verify --agency CODE`), and a database from before keeps its entries,
//! verifiable, in the installation's chain.

use std::time::Duration;

use serde_json::json;
use wso_tracker::db::MIGRATOR;
use wso_tracker::services::audit::{self, Verified};

use crate::audit::cli;
use crate::helpers::{World, booking, database_before};

async fn agency_id(w: &World, code: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM agencies WHERE code = $1")
        .bind(code)
        .fetch_one(&w.app.db)
        .await
        .unwrap()
}

/// A booking at DUR-SO's facility, by its officer.
fn durham_booking(number: &str) -> serde_json::Value {
    let mut b = booking(number);
    b["facility"] = json!("DURH");
    b
}

#[tokio::test]
async fn each_agencys_entries_join_its_own_chain_and_it_verifies_alone() {
    let w = World::new().await;
    w.app.second_agency(false).await;
    let (default, durham) = (agency_id(&w, "DEFAULT").await, agency_id(&w, "DUR-SO").await);
    let rcdc = w.as_("wso1").await.ok(201, "/bookings", booking("CH-1")).await["id"]
        .as_i64()
        .unwrap();
    let durh = w.as_("dwso").await.ok(201, "/bookings", durham_booking("CH-2")).await["id"]
        .as_i64()
        .unwrap();
    let chain_of = |booking: i64| {
        let db = w.app.db.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT DISTINCT chain FROM audit_log WHERE booking_id = $1 AND action = 'booking_created'",
            )
            .bind(booking)
            .fetch_one(&db)
            .await
            .unwrap()
        }
    };
    assert_eq!(
        chain_of(rcdc).await,
        default,
        "a DEFAULT case's entry is in DEFAULT's chain"
    );
    assert_eq!(
        chain_of(durh).await,
        durham,
        "a DUR-SO case's entry is in DUR-SO's chain"
    );
    // A statement cannot choose its chain: the trigger decides.
    sqlx::query(
        "INSERT INTO audit_log (at, actor, action, detail, booking_id, chain) VALUES (now(), 'x', 'record_viewed', '{}', $1, $2)",
    )
    .bind(durh)
    .bind(default)
    .execute(&w.app.db)
    .await
    .unwrap();
    let chains: Vec<i64> = sqlx::query_scalar("SELECT chain FROM audit_log WHERE actor = 'x'")
        .fetch_all(&w.app.db)
        .await
        .unwrap();
    assert_eq!(chains, [durham]);

    // DEFAULT's chain tampered with: DUR-SO's still verifies by itself.
    let entry: i64 = sqlx::query_scalar("SELECT max(id) FROM audit_log WHERE chain = $1")
        .bind(default)
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    let mut tx = w.app.admin_db.begin().await.unwrap();
    for s in [
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete".to_string(),
        format!("UPDATE audit_log SET actor = 'someone else' WHERE id = {entry}"),
        "ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_delete".to_string(),
    ] {
        sqlx::query(&s).execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
    assert_eq!(
        audit::verify(&w.app.db, default, &Verified::START)
            .await
            .unwrap()
            .unwrap_err()
            .id,
        entry
    );
    assert!(
        audit::verify(&w.app.db, durham, &Verified::START)
            .await
            .unwrap()
            .is_ok()
    );
    let (ok, out, err) = cli(&w.app.database_url, &["audit", "verify", "--agency", "DUR-SO"]);
    assert!(ok, "{out}{err}");
    assert!(out.starts_with("agency DUR-SO: audit chain intact: "), "{out}");
    let (ok, _, err) = cli(&w.app.database_url, &["audit", "verify", "--agency", "DEFAULT"]);
    assert!(!ok);
    assert!(
        err.contains(&format!("audit entry {entry}")) && err.contains("DEFAULT"),
        "{err}"
    );
    // The watcher alerts the broken agency's admin, not the other agency's.
    assert_eq!(audit::check(&w.app.db, w.app.clock.now(), "x@y.z").await.unwrap(), 1);
    let alert_agencies: Vec<Option<i64>> =
        sqlx::query_scalar("SELECT agency_id FROM alerts WHERE kind = 'audit_chain_broken'")
            .fetch_all(&w.app.db)
            .await
            .unwrap();
    assert_eq!(alert_agencies, [Some(default)]);
    // (The kind's words are also in the page's filter: the alert itself is the row's kind.)
    let dadmin = w.app.login("dadmin").await;
    assert!(
        !w.app
            .page(&dadmin, "/alerts")
            .await
            .contains("data-kind=\"audit_chain_broken\"")
    );
    let boss = w.app.login("boss").await;
    assert!(
        w.app
            .page(&boss, "/alerts")
            .await
            .contains("data-kind=\"audit_chain_broken\"")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn appends_of_different_agencies_do_not_wait_on_each_other() {
    let w = World::new().await;
    w.app.second_agency(false).await;
    let default = agency_id(&w, "DEFAULT").await;
    // DEFAULT's chain held, as by a long transaction appending to it.
    let mut held = w.app.admin_db.begin().await.unwrap();
    sqlx::query("SELECT 1 FROM audit_head WHERE chain = $1 FOR UPDATE")
        .bind(default)
        .execute(&mut *held)
        .await
        .unwrap();
    let dwso = w.app.token("dwso").await;
    let wso1 = w.app.token("wso1").await;
    let post = |token: String, body: serde_json::Value| {
        let url = w.app.url("/api/v1/bookings");
        tokio::spawn(async move {
            crate::helpers::http()
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        })
    };
    let durham = post(dwso, durham_booking("CH-3"));
    let status = tokio::time::timeout(Duration::from_secs(10), durham)
        .await
        .expect("DUR-SO's write does not wait for DEFAULT's chain")
        .unwrap();
    assert_eq!(status, 201);
    let mut waiting = post(wso1, booking("CH-4"));
    assert!(
        tokio::time::timeout(Duration::from_millis(1500), &mut waiting)
            .await
            .is_err(),
        "DEFAULT's own write waits for its chain"
    );
    held.rollback().await.unwrap();
    assert_eq!(waiting.await.unwrap(), 201, "and goes on once it is free");
}

#[tokio::test]
async fn entries_from_before_the_upgrade_stay_verifiable_in_the_installations_chain() {
    let pool = database_before(24).await;
    sqlx::query(
        "INSERT INTO users (username, role, agency_id, password_hash, created_at)
         VALUES ('wso1', 'officer', (SELECT id FROM agencies WHERE code = 'DEFAULT'),
                 '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA', now())",
    )
    .execute(&pool)
    .await
    .unwrap();
    for action in ["user_created", "record_viewed", "export_downloaded"] {
        sqlx::query(
            "INSERT INTO audit_log (at, actor_id, actor, action, detail)
             SELECT now(), id, username, $1, '{}' FROM users WHERE username = 'wso1'",
        )
        .bind(action)
        .execute(&pool)
        .await
        .unwrap();
    }
    let (seq, hash): (i64, Vec<u8>) = sqlx::query_as("SELECT seq, hash FROM audit_head")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(seq, 3);
    MIGRATOR.run(&pool).await.expect("the upgrade");
    let v = audit::verify(&pool, 0, &Verified::START).await.unwrap().unwrap();
    assert_eq!(
        (v.seq, v.head.clone()),
        (3, hash),
        "the old entries, unchanged, in the installation's chain"
    );
    // The same officer's next entry starts DEFAULT's own chain.
    sqlx::query(
        "INSERT INTO audit_log (at, actor_id, actor, action, detail)
         SELECT now(), id, username, 'record_viewed', '{}' FROM users WHERE username = 'wso1'",
    )
    .execute(&pool)
    .await
    .unwrap();
    let default: i64 = sqlx::query_scalar("SELECT id FROM agencies WHERE code = 'DEFAULT'")
        .fetch_one(&pool)
        .await
        .unwrap();
    let v = audit::verify(&pool, default, &Verified::START).await.unwrap().unwrap();
    assert_eq!(v.seq, 1);
    assert!(audit::verify(&pool, 0, &Verified::START).await.unwrap().is_ok());
}
