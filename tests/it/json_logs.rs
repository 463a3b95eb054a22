//! Logs a collector can read (issue 30, in part): `WSO_LOG_FORMAT=json` makes the real server's
//! log one JSON object a line, each answered request with its id, method, route template,
//! status, latency and user id, and never a username, a password or a path.

use serde_json::Value;

use crate::helpers::{PASSWORD, World};
use crate::process::Server;

#[tokio::test]
async fn with_json_logs_each_request_is_one_object_with_its_route_status_latency_and_user_id_only() {
    let w = World::new().await;
    let id = w.served("LOG-1").await;
    let server = Server::start(&w, &[("WSO_LOG_FORMAT", "json")]).await;
    let wso1 = server.login(&w, "wso1").await;
    let page = server.page(&wso1, &format!("/bookings/{id}")).await;
    assert!(page.contains("LOG-1"));
    let log = server.stop();

    let lines: Vec<Value> = log
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(!lines.is_empty(), "{log}");
    let answered = |route: &str| {
        lines
            .iter()
            .find(|l| l["span"]["route"] == route && l.get("status").is_some())
            .unwrap_or_else(|| panic!("no answered {route} in {log}"))
            .clone()
    };
    let case = answered("/bookings/{id}");
    assert_eq!(case["status"], 200);
    assert_eq!(case["span"]["method"], "GET");
    assert!(case["latency"].as_str().is_some_and(|l| l.ends_with("ms")), "{case}");
    assert!(
        case["span"]["request_id"].as_str().is_some_and(|r| r.len() >= 32),
        "{case}"
    );
    let wso1_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'wso1'")
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    assert_eq!(case["span"]["user_id"], wso1_id, "{case}");
    let sign_in = answered("/login");
    assert!(sign_in["span"].get("user_id").is_none(), "nobody yet: {sign_in}");
    // Names, passwords and paths stay out.
    for secret in ["wso1", PASSWORD, &format!("/bookings/{id}")] {
        assert!(!log.contains(secret), "{secret} in the log: {log}");
    }
}
