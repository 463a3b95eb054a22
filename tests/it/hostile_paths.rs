//! Issue 26, finding 12: a control character in a path segment (`%00`, `%1b`, ...) is a 400
//! saying so, like one in a query string, before any handler or the database sees it; never a 500.

use crate::helpers::World;

#[tokio::test]
async fn a_control_character_in_a_path_segment_is_a_400_saying_so_never_a_500() {
    let w = World::new().await;
    let anonymous = w.app.client();
    let boss = w.app.login("boss").await;
    let api = w.as_("boss").await;
    let before = w.app.table_counts().await;
    // Pages: anonymous, and an admin's.
    for (client, path) in [
        (&anonymous, "/public/%00"),
        (&anonymous, "/public/RC%1bDC"),
        (&boss, "/admin/users/%00"),
        (&boss, "/bookings/%7f"),
        (&boss, "/admin/facilities/%00/settings"),
    ] {
        let r = client.get(w.app.url(path)).send().await.unwrap();
        let status = r.status().as_u16();
        let body = r.text().await.unwrap();
        assert_eq!(status, 400, "GET {path}: {body}");
        assert!(body.contains("control character"), "GET {path}: {body}");
    }
    let r = w
        .app
        .post_form(
            &boss,
            "/admin/facilities/%00/settings",
            &[("timezone", "America/New_York")],
        )
        .await;
    let status = r.status().as_u16();
    let body = r.text().await.unwrap();
    assert_eq!(status, 400, "POST /admin/facilities/%00/settings: {body}");
    assert!(body.contains("control character"), "{body}");
    // The API answers in JSON.
    for path in [
        "/officers/%00/eligibility",
        "/officers/wso%01/eligibility",
        "/facilities/%00",
        "/bookings/%00",
    ] {
        let (s, e) = api.get(path).await;
        assert_eq!(s, 400, "GET /api/v1{path}: {e}");
        let message = e["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains("control character"), "GET /api/v1{path}: {e}");
    }
    assert_eq!(w.app.table_counts().await, before, "nothing was written");
}

#[tokio::test]
async fn encoded_ordinary_characters_in_a_path_still_work() {
    let w = World::new().await;
    let api = w.as_("boss").await;
    // `%77so1` is `wso1`: decoding is not refusing.
    let (s, e) = api.get("/officers/%77so1/eligibility").await;
    assert_eq!(s, 200, "{e}");
}
