//! The delivery workers of the real server process are woken by the database when work is
//! written (migration 0017), not by polling: with every interval of theirs set to an hour, an
//! alert e-mail and a webhook event written by another process still leave within seconds.

use std::time::Duration;

use crate::helpers::World;
use crate::process::Server;
use crate::smtp::Sink;
use crate::webhooks::{Receiver, free_port, register};

#[tokio::test]
async fn work_written_by_another_process_wakes_the_server_s_delivery_workers() {
    let w = World::new().await;
    let sink = Sink::start().await;
    let receiver = Receiver::on(free_port().await).await;
    register(
        &w,
        &format!("http://127.0.0.1:{}/hook", receiver.port),
        &["warrant.served"],
    )
    .await;
    let smtp = sink.url();
    let _server = Server::start(
        &w,
        &[
            ("SMTP_URL", smtp.as_str()),
            ("WSO_OUTBOX_INTERVAL_SECS", "3600"),
            ("WSO_WATCH_INTERVAL_SECS", "3600"),
            ("WSO_WEBHOOK_LOOPBACK_HTTP", "true"),
            ("RUST_LOG", "warn"),
        ],
    )
    .await;
    // The workers' first round (at start) found nothing; their next would be in an hour.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(sink.received().is_empty() && receiver.received().is_empty());

    // A warrant served through the test's own app: a webhook event and an alert e-mail written.
    w.served("W-1").await;
    let queued: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox")
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    assert!(queued > 0, "the service queued an alert e-mail");

    let undelivered = || async {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox WHERE delivered_at IS NULL")
            .fetch_one(&w.app.db)
            .await
            .unwrap();
        n
    };
    let mut waited = Duration::ZERO;
    while (undelivered().await > 0 || receiver.received().is_empty()) && waited < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(100)).await;
        waited += Duration::from_millis(100);
    }
    assert!(!receiver.received().is_empty(), "the webhook event left within 10 s");
    assert!(!sink.received().is_empty(), "the alert e-mail left within 10 s");
    assert_eq!(undelivered().await, 0, "and was recorded as sent");
}
