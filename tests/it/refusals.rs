//! Anyone can send a refused request, and the audit log keeps every entry for good (issue 26,
//! 3): a client's refusals within a minute are one entry in full and one summary with the count,
//! the first and last, and a sample, not a row each.

use chrono::Duration;
use serde_json::Value;

use crate::helpers::World;

async fn entries(w: &World, action: &str) -> Vec<Value> {
    sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = $1 ORDER BY id")
        .bind(action)
        .fetch_all(&w.app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_flood_of_refused_requests_is_counted_not_written_row_by_row() {
    let w = World::new().await;
    let stranger = w.app.client();
    for i in 0..200 {
        // No CSRF token: refused (403), to a path that exists and some that do not.
        let path = if i % 2 == 0 {
            "/logout".to_string()
        } else {
            format!("/no-such-path/{i}")
        };
        let r = stranger.post(w.app.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), 403, "{path}");
    }
    assert_eq!(
        entries(&w, "access_denied").await.len(),
        1,
        "the first in full, the rest counted"
    );
    assert!(
        entries(&w, "access_denied_repeated").await.is_empty(),
        "the minute is not over"
    );

    // A minute later the next refusal closes the window: its summary, then itself in full.
    w.app.clock.advance(Duration::seconds(61));
    let r = stranger.post(w.app.url("/logout")).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let summary = entries(&w, "access_denied_repeated").await;
    assert_eq!(summary.len(), 1);
    assert_eq!(summary[0]["repeated"], 199, "{}", summary[0]);
    assert_eq!(summary[0]["window_seconds"], 60);
    assert_eq!(summary[0]["sample"].as_array().unwrap().len(), 3, "{}", summary[0]);
    assert_eq!(entries(&w, "access_denied").await.len(), 2);

    // A signed-in person refused from the same address is counted apart, by name.
    let ice = w.app.login("ice").await;
    let r = ice.get(w.app.url("/admin/users")).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let actor: Option<String> =
        sqlx::query_scalar("SELECT actor FROM audit_log WHERE action = 'access_denied' ORDER BY id DESC LIMIT 1")
            .fetch_one(&w.app.db)
            .await
            .unwrap();
    assert_eq!(actor.as_deref(), Some("ice"));
}
