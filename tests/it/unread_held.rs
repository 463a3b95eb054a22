//! The navigation's unread count held in memory (issue 32, decision 0045) is never stale past
//! its bounds: two server processes on one database; alerts raised and resolved from outside
//! both (the watcher of a third process, psql) and acknowledged through either, in a random
//! order; and after every change
//! - the server written through shows its writer the new count on their next page, at once;
//! - the other server shows the count before or after, and the one after soon;
//! - a facility taken away, and given back, changes the count at once on both.
//!
//! No time is measured here (benches/run measures the cost): "soon" is waited for, up to 10 s.

use std::time::Duration;

use rand::Rng;

use crate::helpers::{TestApp, World, unread_shown as shown};

/// The supervisor's count as the database says it now: the navigation's statement.
async fn truth(app: &TestApp) -> i64 {
    truth_of(app, "sgt").await
}

/// How many alerts still need `username`, as the database says (the navigation's statement).
async fn truth_of(app: &TestApp, username: &str) -> i64 {
    let user = wso_tracker::db::users::by_username(&app.db, username)
        .await
        .unwrap()
        .unwrap();
    wso_tracker::db::alert_count::unread(&app.db, &user).await.unwrap()
}

/// An alert resolved from outside the servers (a case step of another process, psql).
async fn resolve(app: &TestApp, alert: i64) {
    sqlx::query("UPDATE alerts SET resolved = true WHERE id = $1")
        .bind(alert)
        .execute(&app.db)
        .await
        .unwrap();
}

/// Waits until `client`'s pages on `app` show `after`; meanwhile they may show only `before`.
async fn comes_to(app: &TestApp, client: &reqwest::Client, before: i64, after: i64, what: &str) {
    for _ in 0..200 {
        let now = shown(&app.page(client, "/").await);
        if now == after {
            return;
        }
        assert_eq!(now, before, "{what}: neither the count before nor after the change");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what}: the server still shows the count before the change after 10 s");
}

/// An alert the supervisor must see about `booking`, raised from outside both servers.
async fn raise(app: &TestApp, booking: i64, n: usize) {
    sqlx::query(
        "INSERT INTO alerts (dedupe_key, kind, booking_id, facility_id, raised_at, title, body)
         SELECT $2, 'deadline_passed', b.id, b.facility_id, now(), 'Past the limit', 'Release'
         FROM bookings b WHERE b.id = $1",
    )
    .bind(booking)
    .bind(format!("unread-{n}"))
    .execute(&app.db)
    .await
    .unwrap();
}

/// The supervisor's unread alerts, as the database says.
async fn unread_ids(app: &TestApp) -> Vec<i64> {
    sqlx::query_scalar(
        "SELECT a.id FROM alerts a WHERE NOT a.resolved AND a.kind = 'deadline_passed'
           AND NOT EXISTS (SELECT 1 FROM alert_acks k JOIN users u ON u.id = k.user_id
                           WHERE k.alert_id = a.id AND u.username = 'sgt')
         ORDER BY a.id",
    )
    .fetch_all(&app.db)
    .await
    .unwrap()
}

#[tokio::test]
async fn two_servers_show_no_stale_unread_count_past_its_bounds_in_any_order_of_changes() {
    let w = World::new().await;
    let booking = w.served("U-1").await;
    let a = &w.app;
    let b = a.another_server().await;
    let servers: [&TestApp; 2] = [a, &b];
    let sgt = [a.login("sgt").await, b.login("sgt").await];
    for (s, c) in servers.iter().zip(&sgt) {
        s.boards_held().await; // the listener hears every change from now on
        assert_eq!(shown(&s.page(c, "/").await), truth(a).await);
        assert!(s.board.unread_kept() > 0, "the count is held after a page");
    }

    let mut rng = crate::helpers::seeded_rng("unread_held");
    for step in 0..40 {
        let before = truth(a).await;
        let x = rng.gen_range(0..2usize); // the server written through
        let open = unread_ids(a).await;
        match (rng.gen_range(0..4), open.is_empty()) {
            (0, false) => {
                // Acknowledged through server x: its next page shows it at once.
                let id = open[rng.gen_range(0..open.len())];
                let r = servers[x].post_form(&sgt[x], &format!("/alerts/{id}/ack"), &[]).await;
                assert_eq!(r.status(), 303, "step {step}: the acknowledgement");
                let after = truth(a).await;
                assert_eq!(after, before - 1, "step {step}");
                assert_eq!(
                    shown(&servers[x].page(&sgt[x], "/").await),
                    after,
                    "step {step}: the writer's server shows its own change at once"
                );
                let y = 1 - x;
                comes_to(
                    servers[y],
                    &sgt[y],
                    before,
                    after,
                    &format!("step {step}: the other server"),
                )
                .await;
            }
            (1, false) => {
                // Resolved from outside (a case step of another process, psql).
                resolve(a, open[rng.gen_range(0..open.len())]).await;
                let after = truth(a).await;
                for (i, s) in servers.iter().enumerate() {
                    comes_to(s, &sgt[i], before, after, &format!("step {step}: resolved, server {i}")).await;
                }
            }
            (2, _) => {
                // A facility renamed: every process reads its boards again, the counts too.
                sqlx::query("UPDATE facilities SET name = $1 WHERE code = 'WAKE'")
                    .bind(format!("Wake County Jail {step}"))
                    .execute(&a.db)
                    .await
                    .unwrap();
                for (i, s) in servers.iter().enumerate() {
                    assert_eq!(shown(&s.page(&sgt[i], "/").await), before, "step {step}: server {i}");
                }
            }
            _ => {
                raise(a, booking, step).await;
                let after = truth(a).await;
                assert_eq!(after, before + 1, "step {step}");
                for (i, s) in servers.iter().enumerate() {
                    comes_to(s, &sgt[i], before, after, &format!("step {step}: raised, server {i}")).await;
                }
            }
        }
    }

    // A facility taken away (as `wso-tracker user` or the admin page would): its alerts leave
    // the count at once on both servers; given back, they return at once.
    let before = truth(a).await;
    assert!(before > 0, "the seed left something unread: raise one");
    let facilities: Vec<(i64, i64)> = sqlx::query_as(
        "DELETE FROM user_facilities WHERE user_id = (SELECT id FROM users WHERE username = 'sgt')
         RETURNING user_id, facility_id",
    )
    .fetch_all(&a.db)
    .await
    .unwrap();
    for (i, s) in servers.iter().enumerate() {
        assert_eq!(
            shown(&s.page(&sgt[i], "/").await),
            0,
            "no facility, no alerts: server {i}"
        );
    }
    for (user_id, facility_id) in facilities {
        sqlx::query("INSERT INTO user_facilities (user_id, facility_id) VALUES ($1, $2)")
            .bind(user_id)
            .bind(facility_id)
            .execute(&a.db)
            .await
            .unwrap();
    }
    for (i, s) in servers.iter().enumerate() {
        assert_eq!(
            shown(&s.page(&sgt[i], "/").await),
            before,
            "the facility back: server {i}"
        );
    }
}

#[tokio::test]
async fn a_change_made_while_the_listener_is_away_shows_once_it_is_back() {
    let w = World::new().await;
    let booking = w.served("UA-1").await;
    let a = &w.app;
    let sgt = a.login("sgt").await;
    a.boards_held().await;
    let before = truth(a).await;
    assert_eq!(shown(&a.page(&sgt, "/").await), before);
    assert!(a.board.unread_kept() > 0, "the count is held");
    assert_eq!(a.cut_listener().await, 1, "the server's listener was cut");
    // Raised from outside while no notification can reach the listener: the count kept before
    // must not outlive its return.
    raise(a, booking, 1).await;
    comes_to(a, &sgt, before, before + 1, "raised while the listener was away").await;
    a.boards_held().await;
    assert_eq!(shown(&a.page(&sgt, "/").await), before + 1, "held again, and current");
}

/// An alert about no case, at `facility`, raised from outside the servers.
async fn raise_at(app: &TestApp, facility: &str, n: usize) {
    sqlx::query(
        "INSERT INTO alerts (dedupe_key, kind, facility_id, raised_at, title, body)
         SELECT $2, 'deadline_passed', f.id, now(), 'Past the limit', 'Release' FROM facilities f WHERE f.code = $1",
    )
    .bind(facility)
    .bind(format!("touched-{n}"))
    .execute(&app.db)
    .await
    .unwrap();
}

#[tokio::test]
async fn a_change_forgets_only_the_counts_that_read_it_and_every_count_stays_true() {
    // Two supervisors of two facilities, each signed in to both servers.
    let w = World::new().await;
    let a = &w.app;
    let b = a.another_server().await;
    let servers: [&TestApp; 2] = [a, &b];
    let (users, facilities) = (["sgt", "wakesgt"], ["RCDC", "WAKE"]);
    let mut clients = vec![];
    for s in servers {
        s.boards_held().await;
        clients.push([s.login(users[0]).await, s.login(users[1]).await]);
    }
    let mut rng = crate::helpers::seeded_rng("unread_touched");
    for step in 0..24 {
        // Every count shown is the database's, and held: two on each server.
        let mut before = [0; 2];
        for (u, user) in users.iter().enumerate() {
            before[u] = truth_of(a, user).await;
            for (i, s) in servers.iter().enumerate() {
                assert_eq!(
                    shown(&s.page(&clients[i][u], "/").await),
                    before[u],
                    "step {step}: {user}, server {i}"
                );
            }
        }
        for s in servers {
            assert_eq!(s.board.unread_kept(), 2, "step {step}: both counts held");
        }
        // A change at one facility, or one supervisor's acknowledgement.
        let (u, x) = (rng.gen_range(0..2usize), rng.gen_range(0..2usize));
        let theirs: Vec<i64> = sqlx::query_scalar(
            "SELECT a.id FROM alerts a JOIN facilities f ON f.id = a.facility_id
              WHERE f.code = $1 AND NOT a.resolved
                AND NOT EXISTS (SELECT 1 FROM alert_acks k JOIN users u ON u.id = k.user_id WHERE k.alert_id = a.id AND u.username = $2)",
        )
        .bind(facilities[u])
        .bind(users[u])
        .fetch_all(&a.db)
        .await
        .unwrap();
        match (rng.gen_range(0..3), theirs.is_empty()) {
            (0, false) => {
                let id = theirs[rng.gen_range(0..theirs.len())];
                let r = servers[x]
                    .post_form(&clients[x][u], &format!("/alerts/{id}/ack"), &[])
                    .await;
                assert_eq!(r.status(), 303, "step {step}: the acknowledgement");
            }
            (1, false) => resolve(a, theirs[rng.gen_range(0..theirs.len())]).await,
            _ => raise_at(a, facilities[u], step).await,
        }
        // Once each listener has heard it: the other supervisor's count is still held on
        // both servers, theirs forgotten, and both pages true.
        for (i, s) in servers.iter().enumerate() {
            s.caught_up().await;
            assert_eq!(
                s.board.unread_kept(),
                1,
                "step {step}: only {}'s count forgotten on server {i}",
                users[u]
            );
            let other = 1 - u;
            assert_eq!(
                shown(&s.page(&clients[i][other], "/").await),
                before[other],
                "step {step}: {} untouched, server {i}",
                users[other]
            );
            assert_eq!(
                shown(&s.page(&clients[i][u], "/").await),
                truth_of(a, users[u]).await,
                "step {step}: {} changed, server {i}",
                users[u]
            );
        }
    }
}
