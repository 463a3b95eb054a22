//! The boards held in memory (issue 32, decision 0043) are never stale past their bounds: two
//! server processes on one database, writes through either (and from outside both) in a random
//! order, and after every write
//! - the server that wrote answers its writer's next read with the change, at once;
//! - the other server answers either the board before or the board after, and soon after;
//! - a revoked token, a disabled account, a facility taken away, take effect at once on both;
//! - all of this while the servers read every board again (a facility renamed) now and then.
//!
//! No time is measured here (benches/run measures how soon): "soon" is waited for, up to 10 s.

use std::time::Duration;

use rand::Rng;
use serde_json::{Value, json};

use crate::helpers::{Api, TestApp, World, booking, warrant};

/// One running clock as the API lists it, and as the database says it should.
type Clock = (i64, String, bool, String);

/// The running clocks of RCDC, read by the test from the database itself.
async fn truth(app: &TestApp) -> Vec<Clock> {
    sqlx::query_as::<_, (i64, String, bool, chrono::DateTime<chrono::Utc>)>(
        "SELECT b.id, b.last_name, EXISTS (SELECT 1 FROM citizenship_claims c WHERE c.booking_id = b.id),
                b.custody_deadline
         FROM bookings b JOIN facilities f ON f.id = b.facility_id
         WHERE f.code = 'RCDC' AND b.status = 'wso_hold' ORDER BY b.custody_deadline, b.id",
    )
    .fetch_all(&app.db)
    .await
    .unwrap()
    .into_iter()
    .map(|(id, name, claim, deadline)| {
        (
            id,
            name,
            claim,
            deadline.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        )
    })
    .collect()
}

/// The running clocks as a server's API answers them.
async fn listed(api: &Api<'_>) -> Vec<Clock> {
    let (status, rows) = api.get("/transfers/pending").await;
    assert_eq!(status, 200, "{rows}");
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["booking_id"].as_i64().unwrap(),
                r["last_name"].as_str().unwrap().to_string(),
                r["citizenship_claim"].as_bool().unwrap(),
                r["custody_deadline"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Waits until `api` lists `want`; every answer on the way is `before` or `want`.
async fn comes_to(api: &Api<'_>, before: &[Clock], want: &[Clock], what: &str) {
    for _ in 0..200 {
        let now = listed(api).await;
        if now == want {
            return;
        }
        assert_eq!(now, before, "{what}: neither the board before nor after the change");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what}: the other server still shows the board before the change after 10 s");
}

/// A new running clock at RCDC through `wso`'s server, served `minutes` after 09:00Z.
async fn new_clock(wso: &Api<'_>, number: &str, minutes: u32) -> i64 {
    let b = wso.ok(201, "/bookings", booking(number)).await;
    let id = b["id"].as_i64().unwrap();
    let d = wso
        .ok(201, &format!("/bookings/{id}/documents"), warrant("I-200", "W-1"))
        .await;
    wso.ok(
        200,
        &format!("/bookings/{id}/release-point"),
        json!({ "at": "2026-11-22T08:00:00Z", "reason": "bond_posted" }),
    )
    .await;
    let at = format!("2026-11-22T{:02}:{:02}:00Z", 9 + minutes / 60, minutes % 60);
    wso.ok(
        201,
        &format!("/bookings/{id}/service"),
        json!({ "document_id": d["id"], "at": at }),
    )
    .await;
    id
}

#[tokio::test]
async fn two_servers_answer_no_stale_board_past_its_bounds_in_any_order_of_writes_and_reads() {
    let w = World::new().await;
    let a = &w.app;
    let b = a.another_server().await;
    let servers: [&TestApp; 2] = [a, &b];
    for s in servers {
        s.boards_held().await;
    }
    // Each server's own callers: the officer who writes, the liaison who transfers, the
    // supervisor who reads.
    let mut wso = vec![];
    let mut ice = vec![];
    let mut sgt = vec![];
    for s in servers {
        wso.push(s.api("wso1").await);
        ice.push(s.api("ice").await);
        sgt.push(s.api("sgt").await);
    }

    let mut rng = crate::helpers::seeded_rng("board_held");
    let mut open: Vec<i64> = vec![];
    for step in 0..40 {
        let x = rng.gen_range(0..2usize); // the server written through
        if rng.gen_bool(0.25) {
            // Every process reads its boards again (a facility renamed): the write below may
            // wait for its token while they are read.
            sqlx::query("UPDATE facilities SET name = $1 WHERE code = 'WAKE'")
                .bind(format!("Wake County Jail {step}"))
                .execute(&a.db)
                .await
                .unwrap();
        }
        let before = truth(a).await;
        let what = match (rng.gen_range(0..5), open.is_empty()) {
            (0, false) => {
                let id = open.swap_remove(rng.gen_range(0..open.len()));
                ice[x]
                    .ok(
                        200,
                        &format!("/bookings/{id}/transfer"),
                        json!({ "at": "2026-11-23T11:00:00Z", "receiving_officer": "SDDO Rivera" }),
                    )
                    .await;
                format!("step {step}: booking {id} transferred through server {x}")
            }
            (1, false) => {
                let id = open[rng.gen_range(0..open.len())];
                let (status, _) = wso[x]
                    .post(
                        &format!("/bookings/{id}/citizenship-claims"),
                        json!({ "at": "2026-11-23T11:00:00Z", "how": "said so at intake" }),
                    )
                    .await;
                assert!(status == 201 || status == 409, "a claim: {status}");
                format!("step {step}: a claim on booking {id} through server {x}")
            }
            (2, false) => {
                // From outside both servers (psql, the CLI, a third process).
                let id = open[rng.gen_range(0..open.len())];
                sqlx::query("UPDATE bookings SET last_name = $2 WHERE id = $1")
                    .bind(id)
                    .bind(format!("Renamed{step}"))
                    .execute(&a.db)
                    .await
                    .unwrap();
                let after = truth(a).await;
                for (i, s) in sgt.iter().enumerate() {
                    comes_to(
                        s,
                        &before,
                        &after,
                        &format!("step {step}: a change from outside, server {i}"),
                    )
                    .await;
                }
                continue;
            }
            _ => {
                let id = new_clock(&wso[x], &format!("H-{step}"), rng.gen_range(0..600)).await;
                open.push(id);
                format!("step {step}: booking {id} served through server {x}")
            }
        };
        let after = truth(a).await;
        // The writer's server: at once, on the writer's next read (and its colleague's).
        assert_eq!(listed(&sgt[x]).await, after, "{what}: the writing server");
        // The other: the board before or after, until it is after.
        comes_to(&sgt[1 - x], &before, &after, &format!("{what}: the other server")).await;
    }
    assert!(!open.is_empty() || truth(a).await.is_empty());

    // A facility renamed (rare: every process reads its boards again) shows on both.
    sqlx::query("UPDATE facilities SET code = 'RCDC2' WHERE code = 'RCDC'")
        .execute(&a.db)
        .await
        .unwrap();
    for s in &sgt {
        wait_for(s, |rows| rows.iter().all(|r| r["facility"] == "RCDC2"), "the new code").await;
    }
    sqlx::query("UPDATE facilities SET code = 'RCDC' WHERE code = 'RCDC2'")
        .execute(&a.db)
        .await
        .unwrap();
    for s in &sgt {
        wait_for(s, |rows| rows.iter().all(|r| r["facility"] == "RCDC"), "the code again").await;
    }
}

async fn wait_for(api: &Api<'_>, ok: impl Fn(&[Value]) -> bool, what: &str) {
    for _ in 0..200 {
        let (_, rows) = api.get("/transfers/pending").await;
        if ok(rows.as_array().unwrap()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what}: not shown after 10 s");
}

#[tokio::test]
async fn revocation_disabling_and_a_facility_taken_away_take_effect_at_once_on_every_server() {
    let w = World::new().await;
    w.served("R-1").await;
    let a = &w.app;
    let b = a.another_server().await;
    for s in [a, &b] {
        s.boards_held().await;
    }
    let on_a = a.api("sgt").await;
    let on_b = b.api("sgt").await;
    assert_eq!(listed(&on_b).await.len(), 1);

    // A facility taken away (as `wso-tracker user` or the admin page would): its clocks are
    // gone from the very next read of either server, held board or not.
    sqlx::query("DELETE FROM user_facilities WHERE user_id = (SELECT id FROM users WHERE username = 'sgt')")
        .execute(&a.db)
        .await
        .unwrap();
    for api in [&on_a, &on_b] {
        let (status, rows) = api.get("/transfers/pending").await;
        assert_eq!((status, rows), (200, json!([])), "no facility, no clocks");
    }

    // Revoked from anywhere: refused at once by both.
    let liaison_a = a.api("ice").await;
    let liaison_b = liaison_a.on(&b);
    assert_eq!(liaison_b.get("/transfers/pending").await.0, 200);
    sqlx::query("UPDATE api_tokens SET revoked_at = now()")
        .execute(&a.db)
        .await
        .unwrap();
    assert_eq!(liaison_a.get("/transfers/pending").await.0, 401);
    assert_eq!(liaison_b.get("/transfers/pending").await.0, 401);

    // Disabled: a new token of the account is refused at once by both.
    let officer_a = a.api("wso1").await;
    let officer_b = officer_a.on(&b);
    assert_eq!(officer_b.get("/transfers/pending").await.0, 200);
    sqlx::query("UPDATE users SET disabled_at = now() WHERE username = 'wso1'")
        .execute(&a.db)
        .await
        .unwrap();
    assert_eq!(officer_a.get("/transfers/pending").await.0, 401);
    assert_eq!(officer_b.get("/transfers/pending").await.0, 401);
}

#[tokio::test]
async fn while_the_listener_is_away_reads_ask_the_database_and_then_the_board_is_held_again() {
    let w = World::new().await;
    let a = &w.app;
    a.boards_held().await;
    let sgt = a.api("sgt").await;
    assert_eq!(listed(&sgt).await, vec![]);
    assert_eq!(a.cut_listener().await, 1, "the server's listener was cut");
    // Written from outside while the listener may be away: no notification reaches it.
    let id = w.served("AWAY-1").await;
    sqlx::query("UPDATE bookings SET last_name = 'Away' WHERE id = $1")
        .bind(id)
        .execute(&a.db)
        .await
        .unwrap();
    let after = truth(a).await;
    assert_eq!(after.len(), 1);
    // Served through the server (its write waits for its listener, or finds it away) and
    // renamed from outside: every answer on the way is one the database gave at some moment.
    for _ in 0..200 {
        if listed(&sgt).await == after {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    a.boards_held().await;
    assert_eq!(listed(&sgt).await, after, "held again, and current");
}
