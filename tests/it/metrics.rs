//! Metrics on their own listener (issue 30, in part): the real server with `WSO_METRICS_BIND`
//! answers `/metrics` in the Prometheus text format there and not on its public port, with the
//! contract's names, and values that follow the cases: a clock served counts, a deadline
//! passing turns it into an over-detention, a request is counted by its route template.

use crate::helpers::World;
use crate::process::Server;

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The value of the sample `series` (name and labels exactly as written), if present.
fn sample(body: &str, series: &str) -> Option<f64> {
    body.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.trim().parse().ok())
}

async fn scrape(port: u16) -> String {
    let r = crate::helpers::http()
        .get(format!("http://127.0.0.1:{port}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    r.text().await.unwrap()
}

#[tokio::test]
async fn metrics_answer_on_their_own_listener_and_follow_the_clocks_and_requests() {
    let w = World::new().await;
    let port = free_port();
    let bind = format!("127.0.0.1:{port}");
    let server = Server::start(&w, &[("WSO_METRICS_BIND", bind.as_str())]).await;
    let body = scrape(port).await;
    assert_eq!(
        sample(&body, r#"wso_running_clocks{stage="more_than_12h"}"#),
        Some(0.0),
        "{body}"
    );
    assert_eq!(sample(&body, "wso_over_detentions"), Some(0.0), "{body}");

    // A clock served: running, 48 hours left by the server's own clock (the machine's: the
    // world's case is moved to it).
    let id = w.served("M-1").await;
    let set_deadline = |hours: i64| {
        sqlx::query(
            "UPDATE bookings SET served_at = now() + make_interval(hours => $2::int - 48),
                                 custody_deadline = now() + make_interval(hours => $2::int)
              WHERE id = $1",
        )
        .bind(id)
        .bind(hours as i32)
        .execute(&w.app.admin_db)
    };
    set_deadline(48).await.unwrap();
    let body = scrape(port).await;
    assert_eq!(
        sample(&body, r#"wso_running_clocks{stage="more_than_12h"}"#),
        Some(1.0),
        "{body}"
    );
    assert_eq!(sample(&body, "wso_over_detentions"), Some(0.0), "{body}");
    assert_eq!(sample(&body, "wso_post_service_notices_overdue"), Some(0.0), "{body}");
    assert_eq!(sample(&body, "wso_citizenship_claims_overdue"), Some(0.0), "{body}");
    assert!(sample(&body, "wso_outbox_undelivered").is_some(), "{body}");
    assert!(
        sample(&body, "wso_outbox_oldest_undelivered_age_seconds").is_some(),
        "{body}"
    );
    let commit = body
        .lines()
        .find(|l| l.starts_with("wso_build_info{"))
        .unwrap_or_else(|| panic!("build info: {body}"));
    assert!(
        commit.contains(env!("CARGO_PKG_VERSION")) && commit.contains("commit=\""),
        "{commit}"
    );
    // The watcher ticks (every 5 s by default) and says when.
    let mut ticked = None;
    for _ in 0..40 {
        ticked = sample(&scrape(port).await, "wso_watcher_last_tick_timestamp_seconds");
        if ticked.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert!(ticked.is_some_and(|t| t > 0.0), "the watcher's last tick");

    // A request, counted by its route template.
    let wso1 = server.login(&w, "wso1").await;
    server.page(&wso1, "/transfers/pending").await;
    let body = scrape(port).await;
    let counted = r#"wso_http_requests_total{route="/transfers/pending",method="GET",status="200"}"#;
    assert_eq!(sample(&body, counted), Some(1.0), "{body}");
    assert!(body.contains("wso_http_request_duration_seconds_bucket{"), "{body}");
    assert!(!body.contains("wso1"), "no user names in labels");

    // Its deadline passed: an over-detention; served 49 hours ago and ICE never told of it, an
    // overdue post-service notice; a citizenship claim made two hours ago and not reported.
    set_deadline(-1).await.unwrap();
    sqlx::query(
        "INSERT INTO citizenship_claims (booking_id, claimed_at, how, recorded_by, recorded_at, report_due_at)
         SELECT $1, now() - interval '2 hours', 'said so at intake', id, now(), now() - interval '1 hour'
           FROM users WHERE username = 'wso1'",
    )
    .bind(id)
    .execute(&w.app.admin_db)
    .await
    .unwrap();
    let body = scrape(port).await;
    assert_eq!(sample(&body, "wso_over_detentions"), Some(1.0), "{body}");
    assert_eq!(sample(&body, "wso_post_service_notices_overdue"), Some(1.0), "{body}");
    assert_eq!(sample(&body, "wso_citizenship_claims_overdue"), Some(1.0), "{body}");
    assert_eq!(
        sample(&body, r#"wso_running_clocks{stage="overdue"}"#),
        Some(1.0),
        "{body}"
    );

    // The backlogs and the pool are there; a wrong password is a sign-in failure.
    for series in [
        "wso_webhook_undelivered",
        "wso_webhook_oldest_undelivered_age_seconds",
        r#"wso_db_pool_connections{state="idle"}"#,
        r#"wso_db_pool_connections{state="in_use"}"#,
        "wso_db_pool_max_connections",
        "wso_watcher_interval_seconds",
    ] {
        assert!(sample(&body, series).is_some(), "{series}: {body}");
    }
    assert_eq!(sample(&body, "wso_signin_failures_total"), None, "{body}");
    let stranger = w.app.client();
    let csrf = crate::helpers::csrf_in(&server.page(&stranger, "/login").await).unwrap();
    let r = stranger
        .post(server.url("/login"))
        .form(&[
            ("username", "wso1"),
            ("password", "wrong-password-1"),
            ("csrf_token", &csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "refused");
    assert_eq!(sample(&scrape(port).await, "wso_signin_failures_total"), Some(1.0));

    // Never on the public port.
    let r = crate::helpers::http().get(server.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    server.stop();
}
