//! The audit log as evidence: a hash chain that `audit verify` walks, that breaks at the first
//! entry changed, removed or inserted (even by a superuser), and that concurrent writers extend
//! as one chain.

use std::process::Command;

use sqlx::PgPool;
use wso_tracker::services::audit::{self, Verified};

use crate::helpers::{World, booking};

/// Runs the `wso-tracker` binary against a test database: (success, stdout, stderr), trimmed.
pub fn cli(database_url: &str, args: &[&str]) -> (bool, String, String) {
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

/// Entries of the chain `chain` (0: the installation's; else an agency's id).
async fn entries(db: &PgPool, chain: i64) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE chain = $1")
        .bind(chain)
        .fetch_one(db)
        .await
        .unwrap()
}

/// The chain of agency DEFAULT, the world's (decision 0037): what its people do joins it.
pub async fn default_chain(db: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT id FROM agencies WHERE code = 'DEFAULT'")
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
    let agency = default_chain(&w.app.db).await;
    // The world was set up from the command line (the installation's chain); the case was
    // worked by DEFAULT's people (its chain).
    let (n0, n1) = (entries(&w.app.db, 0).await, entries(&w.app.db, agency).await);
    assert!(n0 > 0 && n1 > 0, "both chains hold entries ({n0}, {n1})");
    let v0 = audit::verify(&w.app.db, 0, &Verified::START).await.unwrap().unwrap();
    let v1 = audit::verify(&w.app.db, agency, &Verified::START)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((v0.seq, v1.seq), (n0, n1), "every entry is in its chain");
    let (ok, out, err) = cli(&w.app.database_url, &["audit", "verify"]);
    assert!(ok, "{err}");
    assert!(out.contains(&format!("audit chain intact: {n0} entries")), "{out}");
    assert!(
        out.contains(&format!("agency DEFAULT: audit chain intact: {n1} entries")),
        "{out}"
    );
    let (ok, out, err) = cli(&w.app.database_url, &["audit", "verify", "--agency", "DEFAULT"]);
    assert!(ok, "{err}");
    assert_eq!(
        out,
        format!(
            "agency DEFAULT: audit chain intact: {n1} entries\nagency DEFAULT: head {}",
            audit::hex(&v1.head)
        )
    );
    let (ok, head, _) = cli(&w.app.database_url, &["audit", "head"]);
    assert!(ok);
    assert_eq!(head, format!("{n0} {}", audit::hex(&v0.head)));
    let (ok, head, _) = cli(&w.app.database_url, &["audit", "head", "--agency", "DEFAULT"]);
    assert!(ok);
    assert_eq!(head, format!("{n1} {}", audit::hex(&v1.head)));
    let (ok, _, err) = cli(&w.app.database_url, &["audit", "verify", "--agency", "NOPE"]);
    assert!(!ok && err.contains("NOPE"), "{err}");
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
    let agency = default_chain(&w.app.db).await;
    let broken = audit::verify(&w.app.db, agency, &Verified::START)
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(broken.id, served);
    assert!(
        audit::verify(&w.app.db, 0, &Verified::START).await.unwrap().is_ok(),
        "the other chain holds"
    );
    let (ok, _, err) = cli(&w.app.database_url, &["audit", "verify"]);
    assert!(!ok, "exit 1");
    assert!(err.contains(&format!("audit entry {served}")), "{err}");
    assert!(err.contains("agency DEFAULT"), "the chain is named: {err}");

    let broken_chains = audit::check(&w.app.db, w.app.clock.now(), "x@y.z").await.unwrap();
    assert_eq!(broken_chains, 1);
    let kinds: Vec<String> = sqlx::query_scalar("SELECT kind FROM alerts WHERE kind = 'audit_chain_broken'")
        .fetch_all(&w.app.db)
        .await
        .unwrap();
    assert_eq!(kinds.len(), 1);
    let admin = w.app.login("boss").await;
    let html = w.app.page(&admin, "/alerts").await;
    // The alert's row (its words alone are also in the page's kind filter).
    assert!(html.contains("data-kind=\"audit_chain_broken\""));
}

/// The chain covers what an insider would rather change than the time: what was done (detail)
/// and who did it (actor).
#[tokio::test]
async fn a_changed_detail_or_actor_is_named_by_verify() {
    for (what, set) in [
        ("detail", "detail = detail || '{\"number\": \"X-9\"}'::jsonb"),
        ("actor", "actor = 'someone_else'"),
    ] {
        let w = World::new().await;
        w.served("V-4").await;
        let served: i64 = sqlx::query_scalar("SELECT id FROM audit_log WHERE action = 'warrant_served'")
            .fetch_one(&w.app.db)
            .await
            .unwrap();
        as_superuser(
            &w.app.admin_db,
            &format!("UPDATE audit_log SET {set} WHERE id = {served}"),
        )
        .await;
        let agency = default_chain(&w.app.db).await;
        let broken = audit::verify(&w.app.db, agency, &Verified::START).await.unwrap();
        let broken = broken.expect_err(&format!("a changed {what} is found"));
        assert_eq!(broken.id, served, "{what}");
        let (ok, _, err) = cli(&w.app.database_url, &["audit", "verify"]);
        assert!(!ok, "{what}: exit 1");
        assert!(err.contains(&format!("audit entry {served}")), "{what}: {err}");
    }
}

#[tokio::test]
async fn a_removed_entry_is_found_at_the_next_one() {
    let w = World::new().await;
    w.served("V-3").await;
    let agency = default_chain(&w.app.db).await;
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM audit_log WHERE chain = $1 ORDER BY chain_seq")
        .bind(agency)
        .fetch_all(&w.app.db)
        .await
        .unwrap();
    as_superuser(&w.app.admin_db, &format!("DELETE FROM audit_log WHERE id = {}", ids[3])).await;
    let broken = audit::verify(&w.app.db, agency, &Verified::START)
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(broken.id, ids[4], "the entry after the gap");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_extend_one_chain() {
    let w = World::new().await;
    let agency = default_chain(&w.app.db).await;
    let before = entries(&w.app.db, agency).await;
    let mut tasks = Vec::new();
    for i in 0..16 {
        let url = w.app.url("/api/v1/bookings");
        let token = w.app.token("wso1").await;
        tasks.push(tokio::spawn(async move {
            crate::helpers::http()
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
    assert!(entries(&w.app.db, agency).await >= before + 16);
    let v = audit::verify(&w.app.db, agency, &Verified::START)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(v.seq, entries(&w.app.db, agency).await, "no fork, no gap");
}

async fn actions_of(db: &PgPool, action: &str) -> Vec<(Option<String>, Option<i64>, serde_json::Value)> {
    sqlx::query_as("SELECT actor, booking_id, detail FROM audit_log WHERE action = $1 ORDER BY id")
        .bind(action)
        .fetch_all(db)
        .await
        .unwrap()
}

#[tokio::test]
async fn every_look_at_a_record_every_export_and_every_refusal_is_written_once() {
    let w = World::new().await;
    let id = w.served("A-1").await;
    let sgt = w.app.login("sgt").await;
    let r = sgt.get(w.app.url(&format!("/bookings/{id}"))).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let (s, _) = w.as_("wso1").await.get(&format!("/bookings/{id}")).await;
    assert_eq!(s, 200);
    let viewed = actions_of(&w.app.db, "record_viewed").await;
    assert_eq!(viewed.len(), 2, "one entry per look: {viewed:?}");
    assert_eq!((viewed[0].0.as_deref(), viewed[0].1), (Some("sgt"), Some(id)));
    assert_eq!(
        (viewed[1].0.as_deref(), viewed[1].2["view"].as_str()),
        (Some("wso1"), Some("api"))
    );

    let r = sgt
        .get(
            w.app
                .url("/reports/program.csv?facility=RCDC&from=2026-01-01&to=2026-11-23"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let exports = actions_of(&w.app.db, "export_downloaded").await;
    assert_eq!(exports.len(), 1);
    assert!(exports[0].2["query"].as_str().unwrap().contains("facility=RCDC"));

    // Another facility's case: refused as if it did not exist (404, issue 26), and the refusal
    // written with who, method and path.
    let other = w.app.login("other").await;
    let r = other.get(w.app.url(&format!("/bookings/{id}"))).send().await.unwrap();
    assert_eq!(r.status(), 404);
    // A minute later, so the API's refusal opens a window of its own and is written in full
    // (within a minute a client's refusals after the first are only counted: issue 26, 3).
    w.app.clock.advance(chrono::Duration::seconds(61));
    let (s, _) = w.as_("other").await.get(&format!("/bookings/{id}")).await;
    assert_eq!(s, 404);
    let denied = actions_of(&w.app.db, "access_denied").await;
    assert_eq!(denied.len(), 2, "{denied:?}");
    assert_eq!(denied[0].0.as_deref(), Some("other"));
    assert_eq!(denied[0].2["method"], "GET");
    assert_eq!(denied[0].2["path"], format!("/bookings/{id}"));
    assert_eq!(denied[1].2["path"], format!("/api/v1/bookings/{id}"));
    // Views of a case stay out of its timeline.
    let (_, b) = w.as_("wso1").await.get(&format!("/bookings/{id}")).await;
    assert!(
        b["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["action"] != "record_viewed")
    );
}

#[tokio::test]
async fn the_audit_log_is_searched_and_paged_back_to_its_first_entry() {
    let w = World::new().await;
    let wso = w.as_("wso1").await;
    for i in 0..120 {
        wso.ok(201, "/bookings", booking(&format!("P-{i}"))).await;
    }
    let first: i64 = sqlx::query_scalar("SELECT min(id) FROM audit_log")
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    let admin = w.app.login("boss").await;
    // Pages of 100, newest first, "Older" down to the very first entry.
    let mut path = "/admin/audit".to_string();
    let mut pages = 0;
    let html = loop {
        let html = w.app.page(&admin, &path).await;
        pages += 1;
        let Some(i) = html.find("\">Older →") else { break html };
        let start = html[..i].rfind("href=\"").unwrap() + 6;
        path = html[start..i].replace("&amp;", "&");
        assert!(pages < 10);
    };
    assert!(pages >= 2);
    assert!(
        html.contains(&format!(">{first}</td>")),
        "the oldest entry is reachable"
    );
    // A filter: one actor, one action.
    let html = w
        .app
        .page(&admin, "/admin/audit?actor=wso1&action=booking_created")
        .await;
    assert_eq!(html.matches("<code>booking_created</code>").count(), 100);
    assert!(!html.contains("<code>user_created</code>"));
    // CSV of the same.
    let csv = w.app.page(&admin, "/admin/audit.csv?action=booking_created").await;
    assert_eq!(csv.lines().count(), 121, "a header and 120 rows");
    // The API, oldest first, following Link: rel="next".
    let token = w.app.token("boss").await;
    let pages = w
        .app
        .all_pages(&token, "/api/v1/audit?action=booking_created&limit=50")
        .await;
    let entries: Vec<&serde_json::Value> = pages.iter().flatten().collect();
    assert!(
        entries
            .iter()
            .all(|e| e["hash"].as_str().is_some_and(|h| h.len() == 64))
    );
    let seen = entries.len();
    assert_eq!(seen, 120);
    let (s, _) = w.as_("sgt").await.get("/audit").await;
    assert_eq!(s, 403, "admins only");
}

#[tokio::test]
async fn a_liaison_s_printable_record_carries_no_charges_and_is_logged() {
    let w = World::new().await;
    let id = w.served("L-1").await;
    w.as_("ice")
        .await
        .ok(
            200,
            &format!("/bookings/{id}/transfer"),
            serde_json::json!({ "at": "2026-11-23T10:00:00Z", "receiving_officer": "SDDO Rivera" }),
        )
        .await;
    let page = |user: &'static str| {
        let w = &w;
        async move {
            let c = w.app.login(user).await;
            w.app.page(&c, &format!("/bookings/{id}/transfer-record")).await
        }
    };
    let liaison = page("ice").await;
    assert!(liaison.contains("SDDO Rivera"), "the record itself is there");
    assert!(!liaison.contains("Driving while impaired") && !liaison.contains("<dt>Charges</dt>"));
    let supervisor = page("sgt").await;
    assert!(supervisor.contains("Driving while impaired"));
    assert_eq!(actions_of(&w.app.db, "record_viewed").await.len(), 2);
}

#[tokio::test]
async fn removing_the_newest_entries_is_found_too_and_the_head_cannot_go_back() {
    let w = World::new().await;
    w.served("N-1").await;
    let agency = default_chain(&w.app.db).await;
    let last: i64 = sqlx::query_scalar("SELECT id FROM audit_log WHERE chain = $1 ORDER BY chain_seq DESC LIMIT 1")
        .bind(agency)
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    as_superuser(&w.app.admin_db, &format!("DELETE FROM audit_log WHERE id = {last}")).await;
    let broken = audit::verify(&w.app.db, agency, &Verified::START)
        .await
        .unwrap()
        .unwrap_err();
    assert!(broken.reason.contains("newest"), "{broken}");
    let back = sqlx::query("UPDATE audit_head SET seq = seq - 1")
        .execute(&w.app.admin_db)
        .await;
    assert!(
        back.unwrap_err().to_string().contains("forward"),
        "even the owner cannot move the head back"
    );
}
