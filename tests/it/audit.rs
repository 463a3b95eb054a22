//! The audit log as evidence: a hash chain that `audit verify` walks, that breaks at the first
//! entry changed, removed or inserted (even by a superuser), and that concurrent writers extend
//! as one chain.

use std::process::Command;

use sqlx::PgPool;
use wso_tracker::services::audit::{self, Verified};

use crate::helpers::{World, booking};

fn cli(database_url: &str, args: &[&str]) -> (bool, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_wso-tracker"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("DATABASE_OWNER_URL", crate::helpers::owner_url_for(database_url))
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).trim().to_string(),
        String::from_utf8_lossy(&o.stderr).trim().to_string(),
    )
}

async fn entries(db: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM audit_log")
        .fetch_one(db)
        .await
        .unwrap()
}

/// Runs `sql` on the audit log with its protecting trigger off, as the database's superuser could.
async fn as_superuser(db: &PgPool, sql: &str) {
    let mut tx = db.begin().await.unwrap();
    for s in [
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete",
        sql,
        "ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_delete",
    ] {
        sqlx::query(s).execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn an_intact_chain_verifies_and_its_head_can_be_kept_elsewhere() {
    let w = World::new().await;
    w.served("V-1").await;
    let n = entries(&w.app.db).await;
    let v = audit::verify(&w.app.db, &Verified::START).await.unwrap().unwrap();
    assert_eq!(v.seq, n, "every entry is in the chain");
    let (ok, out, err) = cli(&w.app.database_url, &["audit", "verify"]);
    assert!(ok, "{err}");
    assert!(out.contains(&format!("{n} entries")), "{out}");
    let (ok, head, _) = cli(&w.app.database_url, &["audit", "head"]);
    assert!(ok);
    assert_eq!(head, format!("{n} {}", audit::hex(&v.head)));
}

#[tokio::test]
async fn a_changed_entry_is_named_by_verify_and_the_watcher_alerts_admins() {
    let w = World::new().await;
    w.served("V-2").await;
    let served: i64 = sqlx::query_scalar("SELECT id FROM audit_log WHERE action = 'warrant_served'")
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    as_superuser(
        &w.app.admin_db,
        &format!("UPDATE audit_log SET at = at - interval '3 hours' WHERE id = {served}"),
    )
    .await;
    let broken = audit::verify(&w.app.db, &Verified::START).await.unwrap().unwrap_err();
    assert_eq!(broken.id, served);
    let (ok, _, err) = cli(&w.app.database_url, &["audit", "verify"]);
    assert!(!ok, "exit 1");
    assert!(err.contains(&format!("audit entry {served}")), "{err}");

    audit::check(&w.app.db, &Verified::START, w.app.clock.now(), "x@y.z")
        .await
        .unwrap();
    let kinds: Vec<String> = sqlx::query_scalar("SELECT kind FROM alerts WHERE kind = 'audit_chain_broken'")
        .fetch_all(&w.app.db)
        .await
        .unwrap();
    assert_eq!(kinds.len(), 1);
    let admin = w.app.login("boss").await;
    let html = admin
        .get(w.app.url("/alerts"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("AUDIT LOG TAMPERED"));
}

#[tokio::test]
async fn a_removed_entry_is_found_at_the_next_one() {
    let w = World::new().await;
    w.served("V-3").await;
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM audit_log ORDER BY chain_seq")
        .fetch_all(&w.app.db)
        .await
        .unwrap();
    as_superuser(&w.app.admin_db, &format!("DELETE FROM audit_log WHERE id = {}", ids[3])).await;
    let broken = audit::verify(&w.app.db, &Verified::START).await.unwrap().unwrap_err();
    assert_eq!(broken.id, ids[4], "the entry after the gap");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_extend_one_chain() {
    let w = World::new().await;
    let before = entries(&w.app.db).await;
    let mut tasks = Vec::new();
    for i in 0..16 {
        let url = w.app.url("/api/v1/bookings");
        let token = w.app.token("wso1").await;
        tasks.push(tokio::spawn(async move {
            reqwest::Client::new()
                .post(url)
                .bearer_auth(token)
                .json(&booking(&format!("C-{i}")))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 201);
    }
    assert!(entries(&w.app.db).await >= before + 16);
    let v = audit::verify(&w.app.db, &Verified::START).await.unwrap().unwrap();
    assert_eq!(v.seq, entries(&w.app.db).await, "no fork, no gap");
}
