//! Deadline alerts, the outbox and its delivery to a real SMTP peer.

use chrono::Duration;
use serde_json::json;
use sqlx::PgPool;
use wso_tracker::alerts::{Mailer, check_deadlines, deliver_due};
use wso_tracker::config::{Config, parse_hours_left};

use crate::helpers::World;
use crate::helpers::t;
use crate::smtp::Sink;

const HOURS: [i64; 3] = [12, 4, 1];
const FROM: &str = "wso-tracker@county.example.org";

async fn kinds(db: &PgPool) -> Vec<String> {
    sqlx::query_scalar("SELECT kind FROM alerts WHERE kind LIKE 'deadline%' ORDER BY id")
        .fetch_all(db)
        .await
        .unwrap()
}

/// A second "server process": its own pool on the same database.
async fn second_pool(db: &PgPool) -> PgPool {
    wso_tracker::db::scope::pool_options(wso_tracker::db::scope::RowScope::System)
        .max_connections(5)
        .connect_with((*db.connect_options()).clone())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn each_deadline_alert_is_raised_exactly_once_by_two_watchers() {
    let w = World::new().await;
    // Served 2026-11-22 09:00Z; deadline 2026-11-24 09:00Z. The service raised the first alert.
    w.served("A-1").await;
    assert_eq!(kinds(&w.app.db).await, vec!["deadline_at_service"]);
    let other = second_pool(&w.app.db).await;
    let steps = [
        ("2026-11-23T20:59:59Z", vec!["deadline_at_service"]),
        ("2026-11-23T21:00:00Z", vec!["deadline_at_service", "deadline_12h"]),
        (
            "2026-11-24T05:00:00Z",
            vec!["deadline_at_service", "deadline_12h", "deadline_4h"],
        ),
        (
            "2026-11-24T08:30:00Z",
            vec!["deadline_at_service", "deadline_12h", "deadline_4h", "deadline_1h"],
        ),
        (
            "2026-11-24T09:00:00Z",
            vec![
                "deadline_at_service",
                "deadline_12h",
                "deadline_4h",
                "deadline_1h",
                "deadline_passed",
            ],
        ),
        (
            "2026-11-24T12:00:00Z",
            vec![
                "deadline_at_service",
                "deadline_12h",
                "deadline_4h",
                "deadline_1h",
                "deadline_passed",
            ],
        ),
    ];
    for (now, expected) in steps {
        let now = t(now);
        for _ in 0..3 {
            // Two "processes": separate tasks, separate pools, released together.
            let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(2));
            let run = |pool: PgPool| {
                let barrier = barrier.clone();
                tokio::spawn(async move {
                    barrier.wait().await;
                    check_deadlines(&pool, now, &HOURS, FROM).await.unwrap()
                })
            };
            let (a, b) = (run(w.app.db.clone()), run(other.clone()));
            a.await.unwrap();
            b.await.unwrap();
        }
        assert_eq!(kinds(&w.app.db).await, expected, "at {now}");
        // Never a milder alert after a more urgent one.
        let urgencies: Vec<i32> =
            sqlx::query_scalar("SELECT urgency FROM alerts WHERE kind LIKE 'deadline%' ORDER BY id")
                .fetch_all(&w.app.db)
                .await
                .unwrap();
        assert!(urgencies.windows(2).all(|p| p[0] < p[1]), "{urgencies:?}");
    }
    let messages: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox")
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    let alerts: i64 = sqlx::query_scalar("SELECT count(*) FROM alerts")
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    assert_eq!(messages, alerts, "one message per alert");
}

#[tokio::test]
async fn a_service_entered_late_raises_only_the_most_urgent_alert() {
    let w = World::new().await;
    let wso = w.as_("wso1").await;
    let (id, doc) = w.booked_with_warrant(&wso, "A-2").await;
    wso.ok(
        200,
        &format!("/bookings/{id}/release-point"),
        json!({ "at": "2026-11-21T13:00:00Z", "reason": "bond_posted" }),
    )
    .await;
    // Served 43 hours ago, entered now: 5 hours left, so the 12-hour alert, and only it.
    wso.ok(
        201,
        &format!("/bookings/{id}/service"),
        json!({ "document_id": doc, "at": "2026-11-21T17:00:00Z" }),
    )
    .await;
    assert_eq!(kinds(&w.app.db).await, vec!["deadline_12h"]);
    check_deadlines(&w.app.db, w.app.clock.now(), &HOURS, FROM)
        .await
        .unwrap();
    assert_eq!(
        kinds(&w.app.db).await,
        vec!["deadline_12h"],
        "nothing less urgent follows"
    );
    // A pickup stops the clock: no more alerts for the case.
    w.as_("ice")
        .await
        .ok(
            200,
            &format!("/bookings/{id}/transfer"),
            json!({ "at": "2026-11-23T12:00:00Z", "receiving_officer": "X" }),
        )
        .await;
    check_deadlines(&w.app.db, t("2026-11-23T17:00:00Z"), &HOURS, FROM)
        .await
        .unwrap();
    assert_eq!(kinds(&w.app.db).await, vec!["deadline_12h"]);
}

#[tokio::test]
async fn each_message_reaches_the_smtp_server_once_with_its_headers() {
    let w = World::new().await;
    let sink = Sink::start().await;
    let mailer = Mailer::new(&sink.url(), FROM).unwrap();
    w.served("M-1").await;
    let now = w.app.clock.now();
    assert_eq!(
        deliver_due(&w.app.db, &mailer, now, 60).await.unwrap(),
        3,
        "the document's, the clock's and the notice to ICE"
    );
    assert_eq!(deliver_due(&w.app.db, &mailer, now, 60).await.unwrap(), 0);
    let inbox = sink.received();
    assert_eq!(inbox.len(), 3);
    let notice = inbox
        .iter()
        .find(|m| m.header("X-WSO-Alert").as_deref() == Some("post_service_notice"))
        .unwrap();
    assert_eq!(notice.rcpt_to, vec!["ice@county.example.org"]);
    let document = inbox
        .iter()
        .find(|m| m.header("X-WSO-Alert").as_deref() == Some("ice_document_recorded"))
        .unwrap();
    assert_eq!(document.rcpt_to, vec!["ice@county.example.org"], "liaisons only");
    let service = inbox
        .iter()
        .find(|m| m.header("X-WSO-Alert").as_deref() == Some("deadline_at_service"))
        .unwrap();
    let mut to = service.rcpt_to.clone();
    to.sort();
    assert_eq!(
        to,
        vec!["ice@county.example.org", "sgt@county.example.org"],
        "the facility's supervisors and liaisons"
    );
    assert_eq!(service.header("X-WSO-Booking").as_deref(), Some("M-1"));
    let subject = service.header("Subject").unwrap();
    assert!(
        subject.contains("M-1") && subject.contains("48-hour clock started"),
        "{subject}"
    );
    let stored: String = sqlx::query_scalar(
        "SELECT message_id FROM outbox o JOIN alerts a ON a.id = o.alert_id WHERE a.kind = 'deadline_at_service'",
    )
    .fetch_one(&w.app.db)
    .await
    .unwrap();
    assert_eq!(service.header("Message-ID").unwrap(), stored);
}

#[tokio::test]
async fn while_the_mail_server_is_down_messages_wait_and_go_out_when_it_returns() {
    let w = World::new().await;
    let mut sink = Sink::start().await;
    let mailer = Mailer::new(&sink.url(), FROM).unwrap();
    sink.stop();
    w.served("M-2").await;
    let mut now = w.app.clock.now();
    for _ in 0..3 {
        assert_eq!(deliver_due(&w.app.db, &mailer, now, 60).await.unwrap(), 0);
        now += Duration::seconds(61);
    }
    let failed: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox_attempts WHERE NOT ok")
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    assert_eq!(failed, 9, "every attempt is recorded");
    let pending: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox WHERE delivered_at IS NULL")
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    assert_eq!(pending, 3, "nothing is lost");
    // Backing off, with the server back: the third failure (at `last`) waits 4 s (1, 2, 4 s…),
    // so 2 s later nothing is sent even though the server would take it, and at 4 s all is.
    let last = now - Duration::seconds(61);
    sink.restart().await;
    assert_eq!(
        deliver_due(&w.app.db, &mailer, last + Duration::seconds(2), 60)
            .await
            .unwrap(),
        0,
        "the backoff holds while it runs"
    );
    assert_eq!(sink.received().len(), 0);
    assert_eq!(
        deliver_due(&w.app.db, &mailer, last + Duration::seconds(4), 60)
            .await
            .unwrap(),
        3
    );
    assert_eq!(sink.received().len(), 3);
    assert_eq!(
        deliver_due(&w.app.db, &mailer, now + Duration::seconds(120), 60)
            .await
            .unwrap(),
        0,
        "and only once"
    );
}

#[tokio::test]
async fn a_crash_between_sending_and_marking_resends_with_the_same_message_id() {
    let w = World::new().await;
    let sink = Sink::start().await;
    let mailer = Mailer::new(&sink.url(), FROM).unwrap();
    w.served("M-3").await;
    let now = w.app.clock.now();
    // A worker claims the messages and sends them, then dies before marking them delivered.
    let claimed = wso_tracker::db::alerts::claim_due(&w.app.db, now, now + Duration::seconds(120), 20)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 3);
    for m in &claimed {
        mailer.send(m).await.unwrap();
    }
    // Another worker does not touch them while the lease holds…
    assert_eq!(
        deliver_due(&w.app.db, &mailer, now + Duration::seconds(60), 60)
            .await
            .unwrap(),
        0
    );
    // …and sends them again once it has run out.
    assert_eq!(
        deliver_due(&w.app.db, &mailer, now + Duration::seconds(121), 60)
            .await
            .unwrap(),
        3
    );
    let inbox = sink.received();
    assert_eq!(inbox.len(), 6);
    let mut ids: Vec<String> = inbox.iter().map(|m| m.header("Message-ID").unwrap()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3, "the resends carry the same Message-IDs");
}

#[tokio::test]
async fn alerts_at_configured_hours_reach_supervisors_and_liaisons() {
    // WSO_ALERT_HOURS_LEFT=6,2: the thresholds are not the default 12, 4, 1.
    let mut config = Config::for_tests();
    config.alert_hours_left = parse_hours_left("6,2").unwrap();
    let hours = config.alert_hours_left.clone();
    let w = World::with_config(config).await;
    // Served 2026-11-22 09:00Z; deadline 2026-11-24 09:00Z.
    w.served("H-1").await;
    check_deadlines(&w.app.db, t("2026-11-24T03:00:00Z"), &hours, FROM)
        .await
        .unwrap();
    check_deadlines(&w.app.db, t("2026-11-24T07:00:00Z"), &hours, FROM)
        .await
        .unwrap();
    assert_eq!(
        kinds(&w.app.db).await,
        vec!["deadline_at_service", "deadline_6h", "deadline_2h"]
    );
    // Besides the three clock alerts: the supervisor's "ICE not notified one hour after
    // service"; the liaison's "ICE document recorded" and "warrant served: notify ICE".
    for (user, unread) in [("sgt", 4), ("ice", 5), ("wso1", 3)] {
        let client = w.app.login(user).await;
        let page = w.app.page(&client, "/alerts").await;
        for kind in ["deadline_at_service", "deadline_6h", "deadline_2h"] {
            assert!(
                page.contains(&format!(r#"data-kind="{kind}""#)),
                "{user} sees {kind} on /alerts"
            );
        }
        assert!(
            page.contains("6 hours left on the 48-hour clock"),
            "{user}: the 6 h alert in words"
        );
        assert!(
            page.contains(&format!("Alerts ({unread} unread)")),
            "{user}: the clock alerts count as unread"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_outbox_workers_at_once_send_each_message_once() {
    let w = World::new().await;
    let sink = Sink::start().await;
    for i in 0..4 {
        w.served(&format!("W2-{i}")).await;
    }
    let queued: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox")
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    assert!(queued >= 8, "{queued} messages queued");
    let other = second_pool(&w.app.db).await;
    let now = w.app.clock.now();
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(2));
    let run = |pool: PgPool| {
        let (barrier, mailer) = (barrier.clone(), Mailer::new(&sink.url(), FROM).unwrap());
        tokio::spawn(async move {
            barrier.wait().await;
            deliver_due(&pool, &mailer, now, 60).await.unwrap()
        })
    };
    let (a, b) = (run(w.app.db.clone()), run(other));
    let (a, b) = (a.await.unwrap(), b.await.unwrap());
    assert_eq!(
        a + b,
        queued as usize,
        "every message by one worker or the other: {a} + {b}"
    );
    let mut ids: Vec<String> = sink
        .received()
        .iter()
        .map(|m| m.header("Message-ID").unwrap())
        .collect();
    assert_eq!(ids.len(), queued as usize, "each sent once");
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), queued as usize);
}
