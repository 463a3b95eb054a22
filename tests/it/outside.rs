//! Issue 26, "found by the outside tester": findings 3, 4, 6, 8, 9, 11 and 15, each against the
//! real server and PostgreSQL.

use serde_json::{Value, json};

use crate::audit::cli;
use crate::helpers::{PASSWORD, World, warrant};

/// The `access_denied` entries: (actor, status, path).
async fn denials(w: &World) -> Vec<(Option<String>, Option<i64>, String)> {
    let rows: Vec<(Option<String>, Value)> =
        sqlx::query_as("SELECT actor, detail FROM audit_log WHERE action = 'access_denied' ORDER BY id")
            .fetch_all(&w.app.db)
            .await
            .unwrap();
    rows.into_iter()
        .map(|(actor, d)| {
            (
                actor,
                d["status"].as_i64(),
                d["path"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

// ---- 15: another facility's case, complaint or officer is a 404, audited ----

#[tokio::test]
async fn another_facility_s_case_complaint_and_officer_answer_like_ones_that_do_not_exist() {
    let w = World::new().await;
    let wso = w.as_("wso1").await;
    let (id, _) = w.booked_with_warrant(&wso, "HIDE-1").await;
    let complaint = wso
        .ok(201, "/complaints", json!({ "facility": "RCDC", "received_at": "2026-11-20T16:00:00-05:00", "complainant": "A visitor", "officers": ["wso1"], "summary": "S" }))
        .await["id"]
        .as_i64()
        .unwrap();
    let missing = id + 10_000;
    let other = w.as_("other").await;
    let wakesgt = w.as_("wakesgt").await;
    // The same answer for a case that exists elsewhere as for one that does not, reads and writes.
    let (s, absent) = other.get(&format!("/bookings/{missing}")).await;
    assert_eq!(s, 404);
    let (s, elsewhere) = other.get(&format!("/bookings/{id}")).await;
    assert_eq!((s, &elsewhere), (404, &absent), "a read");
    let (s, e) = other
        .post(&format!("/bookings/{id}/documents"), warrant("I-200", "W-9"))
        .await;
    assert_eq!((s, e["error"]["code"].as_str()), (404, Some("not_found")), "a write");
    let (s, _) = w.as_("ice2").await.get(&format!("/bookings/{id}")).await;
    assert_eq!(s, 404, "another facility's liaison");
    let (s, _) = w.as_("ice").await.get(&format!("/bookings/{id}")).await;
    assert_eq!(
        s, 404,
        "a liaison's own facility, not held for ICE: not theirs to know of"
    );
    let (s, _) = wakesgt
        .post(
            &format!("/complaints/{complaint}/ice-notified"),
            json!({ "at": "2026-11-23T11:00:00Z", "method": "x", "ice_contact": "y" }),
        )
        .await;
    assert_eq!(s, 404, "another facility's complaint");
    assert_eq!(wakesgt.get("/officers/wso1/eligibility").await.0, 404);
    assert_eq!(wakesgt.get("/officers/nobody/eligibility").await.0, 404);
    let (s, _) = wakesgt
        .post(
            "/officers/wso1/certification",
            json!({ "certified_on": "2026-01-05", "expires_on": "2027-12-31" }),
        )
        .await;
    assert_eq!(s, 404, "another facility's officer");
    // The page too.
    let browser = w.app.login("other").await;
    let r = browser.get(w.app.url(&format!("/bookings/{id}"))).send().await.unwrap();
    assert_eq!(r.status(), 404);
    // A step the caller's role may never take is a 403 before any case is read: the same for
    // every id, so it tells nothing.
    for case in [id, missing] {
        let (s, _) = w
            .as_("ice")
            .await
            .post(
                &format!("/bookings/{case}/release-point"),
                json!({ "at": "2026-11-22T08:00:00Z", "reason": "bond_posted" }),
            )
            .await;
        assert_eq!(s, 403);
    }
    // The caller who may know it exists but lacks the role still gets 403.
    let served = w.served("HIDE-2").await;
    let (s, e) = w
        .as_("ice")
        .await
        .post(&format!("/bookings/{served}/documents"), warrant("I-247A", "D-1"))
        .await;
    assert_eq!((s, e["error"]["code"].as_str()), (403, Some("forbidden")), "{e}");
    // Every hidden refusal is audited like a 403, with its status; a true 404 is not. Each
    // caller's first refusal of the minute is written in full, the others counted (issue 26, 3).
    let d = denials(&w).await;
    let hidden: Vec<_> = d.iter().filter(|(_, s, _)| *s == Some(404)).collect();
    let callers: std::collections::BTreeSet<_> = hidden.iter().filter_map(|(a, _, _)| a.as_deref()).collect();
    assert_eq!(callers, ["ice", "ice2", "other", "wakesgt"].into(), "{d:?}");
    w.app.clock.advance(chrono::Duration::seconds(61));
    w.app.client().post(w.app.url("/logout")).send().await.unwrap();
    let counted: Vec<(Option<String>, i64)> = sqlx::query_as(
        "SELECT actor, (detail->>'repeated')::bigint FROM audit_log WHERE action = 'access_denied_repeated'",
    )
    .fetch_all(&w.app.db)
    .await
    .unwrap();
    let repeated: i64 = counted.iter().map(|(_, n)| n).sum();
    assert!(repeated >= 8 - 4, "the other hidden refusals are counted: {counted:?}");
    assert!(
        hidden
            .iter()
            .any(|(a, _, p)| a.as_deref() == Some("other") && p == &format!("/api/v1/bookings/{id}"))
    );
    assert!(!hidden.iter().any(|(_, _, p)| p.contains(&missing.to_string())));
    assert!(!d.iter().any(|(_, _, p)| p.contains("nobody")));
}

// ---- 4: the app role cannot forge backdated entries; verify checks order and a saved head ----

#[tokio::test]
async fn the_app_role_cannot_place_or_backdate_an_entry_and_verify_checks_a_saved_head() {
    let w = World::new().await;
    let id = w.served("FORGE-1").await;
    // The case's entries are in agency DEFAULT's chain (decision 0037).
    let c = crate::audit::default_chain(&w.app.db).await;
    let (ok, head, _) = cli(&w.app.database_url, &["audit", "head", "--agency", "DEFAULT"]);
    assert!(ok);
    let saved = head.replacen(' ', ":", 1);
    // A chosen id is refused outright.
    let forged = sqlx::query(
        "INSERT INTO audit_log (id, at, recorded_at, actor, action, detail, booking_id) OVERRIDING SYSTEM VALUE
         VALUES (3, '2026-11-22T08:30:00Z', '2026-11-22T08:31:00Z', 'wso1', 'warrant_served', '{}', $1)",
    )
    .bind(id)
    .execute(&w.app.db)
    .await;
    assert!(forged.is_err(), "a supplied id is refused");
    // A backdated recorded_at is replaced by the database's clock, and the id is the next one.
    let before: i64 = sqlx::query_scalar("SELECT max(id) FROM audit_log")
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    let (new_id, recorded, late): (i64, chrono::DateTime<chrono::Utc>, bool) = sqlx::query_as(
        "INSERT INTO audit_log (at, recorded_at, actor, action, detail, booking_id)
         VALUES ('2026-11-22T08:30:00Z', '2026-11-22T08:31:00Z', 'wso1', 'warrant_served', '{}', $1)
         RETURNING id, recorded_at, recorded_at > now() - interval '1 minute'",
    )
    .bind(id)
    .fetch_one(&w.app.db)
    .await
    .unwrap();
    assert!(new_id > before, "{new_id} after {before}");
    assert!(
        late,
        "recorded_at is the database's time, not the statement's: {recorded}"
    );
    let (ok, out, err) = cli(
        &w.app.database_url,
        &["audit", "verify", "--agency", "DEFAULT", "--head", &saved],
    );
    assert!(ok, "{out}{err}");
    // The head saved elsewhere catches entries removed from the end (which verify alone cannot).
    let (ok, now_head, _) = cli(&w.app.database_url, &["audit", "head", "--agency", "DEFAULT"]);
    assert!(ok);
    let later = now_head.replacen(' ', ":", 1);
    let last: i64 = sqlx::query_scalar(&format!("SELECT max(chain_seq) FROM audit_log WHERE chain = {c}"))
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    let mut tx = w.app.admin_db.begin().await.unwrap();
    for s in [
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete".to_string(),
        "ALTER TABLE audit_head DISABLE TRIGGER audit_head_forward".to_string(),
        format!("DELETE FROM audit_log WHERE chain = {c} AND chain_seq = {last}"),
        format!(
            "UPDATE audit_head SET seq = {}, hash = (SELECT hash FROM audit_log WHERE chain = {c} AND chain_seq = {}) WHERE chain = {c}",
            last - 1,
            last - 1
        ),
        "ALTER TABLE audit_head ENABLE TRIGGER audit_head_forward".to_string(),
        "ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_delete".to_string(),
    ] {
        sqlx::query(&s).execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
    let (ok, _, _) = cli(&w.app.database_url, &["audit", "verify"]);
    assert!(ok, "a truncated tail verifies on its own");
    let (ok, _, err) = cli(
        &w.app.database_url,
        &["audit", "verify", "--agency", "DEFAULT", "--head", &later],
    );
    assert!(!ok, "but not against the head saved before");
    assert!(err.contains("removed"), "{err}");
}

#[tokio::test]
async fn verify_names_an_entry_whose_id_or_time_goes_backwards() {
    let w = World::new().await;
    w.served("FORGE-2").await;
    let c = crate::audit::default_chain(&w.app.db).await;
    // As a superuser could: an entry's recorded_at set back, and the chain rehashed from there.
    let seq: i64 = sqlx::query_scalar(&format!("SELECT max(chain_seq) - 1 FROM audit_log WHERE chain = {c}"))
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    let mut tx = w.app.admin_db.begin().await.unwrap();
    for s in [
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete".to_string(),
        "ALTER TABLE audit_head DISABLE TRIGGER audit_head_forward".to_string(),
        format!(
            "UPDATE audit_log SET recorded_at = recorded_at - interval '1 day' WHERE chain = {c} AND chain_seq = {seq}"
        ),
        // Rehash from there to the end so that only the order gives it away.
        format!(
            "DO $$ DECLARE r audit_log; prev bytea; BEGIN
               SELECT hash INTO prev FROM audit_log WHERE chain = {c} AND chain_seq = {seq} - 1;
               FOR r IN SELECT * FROM audit_log WHERE chain = {c} AND chain_seq >= {seq} ORDER BY chain_seq LOOP
                 r.prev_hash := prev; r.hash := sha256(prev || audit_canonical(r));
                 UPDATE audit_log SET prev_hash = r.prev_hash, hash = r.hash WHERE id = r.id;
                 prev := r.hash;
               END LOOP;
               UPDATE audit_head SET hash = prev WHERE chain = {c};
             END $$"
        ),
        "ALTER TABLE audit_head ENABLE TRIGGER audit_head_forward".to_string(),
        "ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_delete".to_string(),
    ] {
        sqlx::query(&s).execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
    let (ok, out, err) = cli(&w.app.database_url, &["audit", "verify"]);
    assert!(!ok, "{out}");
    assert!(err.contains("recorded before the entry before it"), "{err}");
}

async fn user_id(w: &World, username: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
        .bind(username)
        .fetch_one(&w.app.db)
        .await
        .unwrap()
}

async fn count(w: &World, action: &str) -> usize {
    w.app.audit_actions().await.iter().filter(|a| *a == action).count()
}

// ---- 9: five wrong passwords lock the sign-in, not the person's tokens, streams or sessions ----

#[tokio::test]
async fn a_lock_stops_the_sign_in_but_not_the_tokens_streams_and_sessions_disable_does() {
    let w = World::new().await;
    let token = w.app.token("sgt").await;
    let session = w.app.login("sgt").await;
    let mut stream = crate::board_events::Events::api(&w.app, &token).await;
    assert_eq!(stream.expect().await.0, "board");
    let stranger = w.app.client();
    for _ in 0..5 {
        let r = w.app.try_login(&stranger, "sgt", "not the password").await;
        assert_ne!(r.status(), 303);
    }
    assert_eq!(count(&w, "account_locked").await, 1, "locked");
    let r = w.app.try_login(&w.app.client(), "sgt", PASSWORD).await;
    assert_ne!(r.status(), 303, "the sign-in is locked, even with the right password");
    // The token, the open stream and the signed-in session go on.
    let me = crate::helpers::http()
        .get(w.app.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200, "the token still works");
    w.served("LOCK-1").await;
    let (name, _) = stream.expect().await;
    assert_ne!(name, "closed", "the stream goes on");
    let page = session.get(w.app.url("/transfers/pending")).send().await.unwrap();
    assert_eq!(page.status(), 200, "the session goes on");
    // Disabling ends all of them.
    let sgt = user_id(&w, "sgt").await;
    let boss = w.app.login("boss").await;
    let r = w
        .app
        .post_form(&boss, &format!("/admin/users/{sgt}/disable"), &[("confirm", "yes")])
        .await;
    assert_eq!(r.status(), 303);
    let me = crate::helpers::http()
        .get(w.app.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 401);
    loop {
        match stream.next(std::time::Duration::from_secs(5)).await {
            Some((name, _)) if name == "closed" => break,
            Some(_) => continue,
            None => panic!("the stream of a disabled account is closed"),
        }
    }
}

// ---- 11: two admins demoting each other at once leave one admin ----

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_admins_demoting_each_other_at_once_leave_one_admin() {
    let w = World::new().await;
    // Two admins who are not the installation's operator (no admin may change the operator's
    // account, issue 28), the operator's own account disabled: these two are the last.
    w.app.user("boss1", "admin", &[]).await;
    w.app.user("boss2", "admin", &[]).await;
    sqlx::query("UPDATE users SET disabled_at = now() WHERE username = 'boss'")
        .execute(&w.app.admin_db)
        .await
        .unwrap();
    let (a, b) = (user_id(&w, "boss1").await, user_id(&w, "boss2").await);
    let (ca, cb) = (w.app.login("boss1").await, w.app.login("boss2").await);
    let (ta, tb) = (w.app.csrf(&ca, "/").await, w.app.csrf(&cb, "/").await);
    // Hold both writes at their audit entry: each has changed the other's role by then.
    let mut gate = w.app.admin_db.begin().await.unwrap();
    sqlx::query("SELECT 1 FROM audit_head FOR UPDATE")
        .execute(&mut *gate)
        .await
        .unwrap();
    let demote = |client: reqwest::Client, csrf: String, target: i64| {
        let url = w.app.url(&format!("/admin/users/{target}"));
        tokio::spawn(async move {
            client
                .post(url)
                .form(&[
                    ("role", "officer"),
                    ("full_name", ""),
                    ("facilities", "RCDC"),
                    ("csrf_token", &csrf),
                ])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        })
    };
    let first = demote(ca, ta, b);
    let second = demote(cb, tb, a);
    // Both are inside their transactions, each waiting on a lock.
    let mut waiting = 0;
    for _ in 0..200 {
        waiting = sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .fetch_one(&w.app.admin_db)
        .await
        .unwrap();
        if waiting >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(waiting, 2, "both requests reached the database");
    gate.rollback().await.unwrap();
    let mut statuses = vec![first.await.unwrap(), second.await.unwrap()];
    statuses.sort();
    assert_eq!(statuses, vec![303, 422], "one demotion, one refused");
    let admins: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE role = 'admin' AND disabled_at IS NULL")
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    assert_eq!(admins, 1);
}

// ---- 8: a temporary password opens one sign-in, within 72 hours ----

#[tokio::test]
async fn a_temporary_password_works_once_and_expires() {
    use wso_tracker::services::{accounts::Actor, identity};
    let w = World::new().await;
    let id = user_id(&w, "wso1").await;
    let temporary = identity::reset_password(&w.app.db, id, Actor::CLI, w.app.clock.now())
        .await
        .unwrap();
    let first = w.app.client();
    let r = w.app.try_login(&first, "wso1", &temporary).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/account/password");
    let r = w.app.try_login(&w.app.client(), "wso1", &temporary).await;
    assert_ne!(r.status(), 303, "the same temporary password a second time");
    // The session it opened still sets the new password with it.
    let csrf = w.app.csrf(&first, "/account/password").await;
    let r = first
        .post(w.app.url("/account/password"))
        .form(&[
            ("current_password", temporary.as_str()),
            ("new_password", "a brand new passphrase 2026"),
            ("csrf_token", &csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    // Unused for 72 hours, it has expired; within them it works.
    let temporary = identity::reset_password(&w.app.db, id, Actor::CLI, w.app.clock.now())
        .await
        .unwrap();
    w.app.clock.advance(chrono::Duration::hours(72));
    let r = w.app.try_login(&w.app.client(), "wso1", &temporary).await;
    assert_ne!(r.status(), 303, "expired after 72 hours");
    let temporary = identity::reset_password(&w.app.db, id, Actor::CLI, w.app.clock.now())
        .await
        .unwrap();
    w.app.clock.advance(chrono::Duration::hours(71));
    let r = w.app.try_login(&w.app.client(), "wso1", &temporary).await;
    assert_eq!(r.status(), 303, "within 72 hours");
}

// ---- 6: the current password at /account/password is checked like a sign-in ----

#[tokio::test]
async fn guessing_the_current_password_counts_like_sign_in_failures_and_the_same_password_is_refused() {
    let w = World::new().await;
    let client = w.app.login("wso1").await;
    let change = |current: &'static str, new: &'static str| {
        let (app, client) = (&w.app, client.clone());
        async move {
            let r = app
                .post_form(
                    &client,
                    "/account/password",
                    &[("current_password", current), ("new_password", new)],
                )
                .await;
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let (s, html) = change(PASSWORD, PASSWORD).await;
    assert_eq!(s, 422);
    assert!(html.contains("must differ from the current one"), "{html}");
    for _ in 0..5 {
        assert_eq!(change("a wrong guess", "a brand new passphrase 2026").await.0, 422);
    }
    assert_eq!(count(&w, "password_confirm_failed").await, 5, "each guess audited");
    assert_eq!(
        count(&w, "account_locked").await,
        1,
        "five lock the account like sign-ins"
    );
    let (s, _) = change(PASSWORD, "a brand new passphrase 2026").await;
    assert_eq!(s, 422, "while locked even the right password is refused");
    let r = w.app.try_login(&w.app.client(), "wso1", PASSWORD).await;
    assert_ne!(r.status(), 303, "and the sign-in is locked");
}

// ---- 3 (in part): what a refusal stores is capped ----

#[tokio::test]
async fn a_refused_request_stores_at_most_512_characters_of_its_path() {
    let w = World::new().await;
    let long = format!("/nowhere/{}", "a".repeat(60_000));
    let r = w.app.client().post(w.app.url(&long)).send().await.unwrap();
    assert_eq!(r.status(), 403, "an anonymous POST without a CSRF token");
    let detail: Value =
        sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = 'access_denied' ORDER BY id DESC LIMIT 1")
            .fetch_one(&w.app.db)
            .await
            .unwrap();
    assert_eq!(
        detail["path"].as_str().unwrap().chars().count(),
        512,
        "{}",
        &detail.to_string()[..200]
    );
    assert_eq!(detail["path_length"], long.len());
    assert_eq!(detail["path_truncated"], true);
}
