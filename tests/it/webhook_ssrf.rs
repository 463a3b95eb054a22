//! Webhooks cannot reach the server's own network (issue 26, finding 5): special hosts are
//! refused at registration in every spelling, and at delivery the name is resolved and only
//! public addresses (plus loopback or allowed networks when configured) are connected to; the
//! error recorded names the kind of address, never whether something listened there.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::json;
use wso_tracker::config::Config;
use wso_tracker::net::Destinations;
use wso_tracker::secrets::Keyring;
use wso_tracker::services::webhooks::{Sender, deliver_due};

use crate::helpers::{World, booking};

/// Every spelling the outside tester got accepted.
const SPECIAL: [&str; 10] = [
    "https://10.0.0.1/hook",
    "https://169.254.169.254/latest/meta-data/",
    "https://[::1]/hook",
    "https://localhost/hook",
    "https://0.0.0.0/hook",
    "https://[::ffff:127.0.0.1]/hook",
    "https://2130706433/hook",
    "https://0x7f.1/hook",
    "https://127.1/hook",
    "https://metadata.google.internal/computeMetadata/v1/",
];

#[tokio::test]
async fn special_hosts_are_refused_at_registration_with_a_field_error() {
    let mut config = Config::for_tests();
    config.webhook_loopback_http = false;
    config.webhook_allow_cidrs = vec!["10.20.0.0/16".parse().unwrap()];
    let w = World::with_config(config).await;
    let boss = w.as_("boss").await;
    for url in SPECIAL {
        let body = json!({ "facility": "RCDC", "url": url, "events": ["booking.created"] });
        let (s, e) = boss.post("/webhooks", body).await;
        assert_eq!((s, e["error"]["field"].as_str()), (422, Some("url")), "{url}: {e}");
        let message = e["error"]["message"].as_str().unwrap_or_default().to_string() + &e.to_string();
        assert!(message.contains("address"), "{url}: says why: {e}");
    }
    // A county's internal receiver, in the allowed network, is accepted.
    let body = json!({ "facility": "RCDC", "url": "https://10.20.3.4/hook", "events": ["booking.created"] });
    let (s, e) = boss.post("/webhooks", body).await;
    assert_eq!(s, 201, "{e}");
}

/// A listener on every local address of a port, counting the connections it gets.
async fn listener() -> (u16, Arc<AtomicUsize>) {
    let l = tokio::net::TcpListener::bind("0.0.0.0:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    let count = Arc::new(AtomicUsize::new(0));
    let c = count.clone();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            c.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                use tokio::io::AsyncWriteExt;
                let _ = s
                    .write_all(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n")
                    .await;
            });
        }
    });
    (port, count)
}

/// This machine's name, when it resolves to special addresses only (it does in containers and
/// most hosts, through /etc/hosts): a name that only DNS says is local.
async fn local_name() -> Option<String> {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()?
        .trim()
        .to_string();
    let found: Vec<_> = tokio::net::lookup_host((name.as_str(), 0)).await.ok()?.collect();
    let local = !found.is_empty() && found.iter().all(|a| wso_tracker::net::special_use(a.ip()).is_some());
    local.then_some(name)
}

#[tokio::test]
async fn deliveries_to_special_addresses_are_refused_without_connecting_and_say_only_so() {
    // Registered while loopback was allowed (as by the tests' configuration), delivered by a
    // server that allows public addresses only.
    let w = World::new().await;
    let (open, connections) = listener().await;
    let closed = crate::webhooks::free_port().await;
    let mut urls = vec![
        format!("http://127.0.0.1:{open}/hook"),
        format!("http://127.0.0.1:{closed}/hook"),
        format!("http://localhost:{open}/hook"),
        format!("https://127.1:{open}/hook"),
        format!("http://[::ffff:127.0.0.1]:{open}/hook"),
    ];
    let name = local_name().await;
    if let Some(name) = &name {
        urls.push(format!("https://{name}:{open}/hook"));
    }
    for url in &urls {
        crate::webhooks::register(&w, url, &["booking.created"]).await;
    }
    w.as_("wso1").await.ok(201, "/bookings", booking("SSRF-1")).await;
    let strict = Sender::new(Destinations::default()).unwrap();
    let keys = Keyring::for_tests();
    let attempted = deliver_due(&w.app.db, &keys, &strict, w.app.clock.now()).await.unwrap();
    assert_eq!(attempted, urls.len());
    assert_eq!(
        connections.load(Ordering::SeqCst),
        0,
        "nothing connected to the listener"
    );
    let errors: Vec<(String, Option<String>, Option<i32>)> = sqlx::query_as(
        "SELECT e.url, d.last_error, d.last_status FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
         ORDER BY e.id",
    )
    .fetch_all(&w.app.db)
    .await
    .unwrap();
    assert_eq!(errors.len(), urls.len());
    for (url, error, status) in &errors {
        assert_eq!(
            (error.as_deref(), *status),
            (Some("refused: loopback address"), None),
            "{url}: the open port and the closed one look the same"
        );
    }
    assert!(name.is_some() || urls.len() == 5);

    // The same deliveries with loopback allowed do connect (the rule, not the network, refused).
    sqlx::query("UPDATE webhook_deliveries SET next_attempt_at = $1")
        .bind(w.app.clock.now())
        .execute(&w.app.admin_db)
        .await
        .unwrap();
    let allowing = Sender::new(Destinations {
        loopback: true,
        allow: vec![],
    })
    .unwrap();
    deliver_due(&w.app.db, &keys, &allowing, w.app.clock.now())
        .await
        .unwrap();
    assert!(
        connections.load(Ordering::SeqCst) >= 1,
        "a loopback receiver is reached when allowed"
    );
}
