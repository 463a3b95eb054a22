//! Issue 25's "also" list: the late transfer's confirmation says it is late, the sign-in form
//! after an ended session knows the username, `/favicon.ico`, and the webhook admin form.

use crate::helpers::{World, t};

#[tokio::test]
async fn a_late_transfer_is_confirmed_as_late_and_as_over_detention() {
    let w = World::new().await;
    // Served 2026-11-22 09:00Z: the deadline is 2026-11-24 09:00Z, 04:00 in New York.
    let id = w.served("LATE-1").await;
    w.app.clock.set(t("2026-11-24T12:00:00Z"));
    let sgt = w.app.login("sgt").await;
    let path = format!("/bookings/{id}/transfer");
    let fields = [
        ("at", "2026-11-24T06:05"),
        ("receiving_officer", "Deportation Officer Ruiz"),
        ("late_reason", "ICE transport delayed by snowstorm"),
    ];
    let r = w.app.post_form(&sgt, &path, &fields).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Record a LATE transfer of DOE, John (#LATE-1) to ICE?"),
        "{html}"
    );
    assert!(
        html.contains(
            "This transfer is 2 h 05 min after the 48-hour deadline (2026-11-24 04:00 EST). It will be recorded as over-detention"
        ),
        "{html}"
    );
    let status: String = sqlx::query_scalar("SELECT status FROM bookings WHERE id = $1")
        .bind(id)
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    assert_eq!(status, "wso_hold", "asking records nothing");

    let mut confirmed = fields.to_vec();
    confirmed.push(("confirm", "yes"));
    let r = w.app.post_form(&sgt, &path, &confirmed).await;
    assert_eq!(r.status(), 303);
    let over: i64 = sqlx::query_scalar("SELECT over_detained_seconds FROM bookings WHERE id = $1")
        .bind(id)
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    assert_eq!(
        over,
        2 * 3600 + 5 * 60,
        "recorded as over-detention, as the confirmation said"
    );
}

#[tokio::test]
async fn a_transfer_in_time_is_not_called_late() {
    let w = World::new().await;
    let id = w.served("ONTIME-1").await;
    let sgt = w.app.login("sgt").await;
    let fields = [
        ("at", "2026-11-23T06:30"),
        ("receiving_officer", "Deportation Officer Ruiz"),
    ];
    let r = w
        .app
        .post_form(&sgt, &format!("/bookings/{id}/transfer"), &fields)
        .await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("Hand DOE, John (#ONTIME-1) over to ICE?"), "{html}");
    assert!(!html.contains("LATE") && !html.contains("over-detention"), "{html}");
}

#[tokio::test]
async fn after_an_ended_session_the_sign_in_form_knows_the_username_and_no_stranger_sees_it() {
    let app = crate::helpers::spawn_app().await;
    app.user("jdoe", "officer", &[]).await;
    let username_field = |html: &str| {
        let start = html.find(r#"<input id="username""#).expect("the username field");
        html[start..start + html[start..].find('>').unwrap()].to_string()
    };
    let desk = app.login("jdoe").await;
    // The officer walks away; the session ends for idleness.
    app.clock.advance(chrono::Duration::minutes(31));
    let r = desk.get(app.url("/bookings")).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/login");
    let html = app.page(&desk, "/login").await;
    let field = username_field(&html);
    assert!(field.contains(r#"value="jdoe""#), "{field}");
    assert!(!field.contains("autofocus"), "the password is next: {field}");
    assert!(html.contains(r#"autocomplete="current-password" required autofocus>"#));

    // Another browser, with or without a name in the address, gets an empty form.
    let stranger = app.client();
    for path in ["/login", "/login?username=jdoe"] {
        let field = username_field(&app.page(&stranger, path).await);
        assert!(field.contains(r#"value="""#), "{path}: {field}");
    }

    // Signing out on purpose forgets the name.
    let r = app.try_login(&desk, "jdoe", crate::helpers::PASSWORD).await;
    assert_eq!(r.status(), 303);
    let r = app.post_form(&desk, "/logout", &[]).await;
    assert_eq!(r.headers()["location"], "/login?signed_out=1");
    let field = username_field(&app.page(&desk, "/login?signed_out=1").await);
    assert!(field.contains(r#"value="""#), "{field}");
}

#[tokio::test]
async fn the_favicon_is_served_like_the_other_assets_and_linked_from_the_sign_in_page() {
    let app = crate::helpers::spawn_app().await;
    let client = crate::helpers::http();
    let r = client.get(app.url("/favicon.ico")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/x-icon");
    assert_eq!(r.headers()["cache-control"], "public, no-cache");
    let etag = r.headers()["etag"].to_str().unwrap().to_string();
    let body = r.bytes().await.unwrap();
    assert_eq!(&body[..4], &[0, 0, 1, 0], "an ICO file");
    let r = client
        .get(app.url("/favicon.ico"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304, "revalidated by its ETag");

    let login = client
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let start = login
        .find(r#"<link rel="icon" href=""#)
        .expect("the sign-in page links an icon")
        + 23;
    let href = &login[start..start + login[start..].find('"').unwrap()];
    assert!(href.starts_with("/static/favicon.svg?v="), "{href}");
    let r = client.get(app.url(href)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/svg+xml");
    assert_eq!(r.headers()["cache-control"], "public, max-age=31536000, immutable");
}

#[tokio::test]
async fn an_admin_registers_a_webhook_with_the_form_and_sees_its_secret_once() {
    let w = World::new().await;
    let boss = w.app.login("boss").await;
    let page = w.app.page(&boss, "/admin/webhooks").await;
    assert!(page.contains(r#"<form class="stack" method="post" action="/admin/webhooks#register" novalidate>"#));
    assert!(page.contains(r#"<option value="RCDC">RCDC — RCDC Detention Center</option>"#));
    assert!(page.contains(r#"value="warrant.served"> warrant served: <code>warrant.served</code></label>"#));
    let before = w.app.table_counts().await;

    // Nothing chosen: every field's error, linked from the summary, nothing registered.
    let r = w.app.post_form(&boss, "/admin/webhooks", &[("url", "")]).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("There is a problem"), "{html}");
    for (field, words) in [
        ("facility", "facility is required"),
        ("url", "url is required"),
        ("events", "events needs at least one event"),
    ] {
        assert!(
            html.contains(&format!(r##"<a href="#webhook-{field}">{words}"##)),
            "{field}: {html}"
        );
        assert!(
            html.contains(&format!(r#"id="webhook-{field}-error">{words}"#)),
            "{field}"
        );
    }

    // A wrong address: its error, what was typed and chosen kept.
    let fields = [
        ("facility", "RCDC"),
        ("url", "ftp://jms.example.org/hooks"),
        ("events", "warrant.served"),
    ];
    let r = w.app.post_form(&boss, "/admin/webhooks", &fields).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains(r##"<a href="#webhook-url">url scheme `ftp` is not https</a>"##),
        "{html}"
    );
    assert!(html.contains(r#"value="ftp://jms.example.org/hooks" aria-invalid="true""#));
    assert!(html.contains(r#"<option value="RCDC" selected>"#));
    assert!(html.contains(r#"value="warrant.served" checked>"#));
    assert_eq!(w.app.table_counts().await, before, "nothing registered");

    // Without the CSRF token: refused.
    let r = boss
        .post(w.app.url("/admin/webhooks"))
        .form(&[
            ("facility", "RCDC"),
            ("url", "https://jms.example.org/hooks"),
            ("events", "warrant.served"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    let fields = [
        ("facility", "RCDC"),
        ("url", "https://jms.example.org/hooks"),
        ("events", "warrant.served"),
        ("events", "custody.transferred"),
    ];
    let r = w.app.post_form(&boss, "/admin/webhooks", &fields).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    let (url, events, id): (String, Vec<String>, i64) =
        sqlx::query_as("SELECT url, events, e.id FROM webhook_endpoints e JOIN facilities f ON f.id = facility_id WHERE f.code = 'RCDC'")
            .fetch_one(&w.app.db)
            .await
            .unwrap();
    // The secret is stored encrypted (decision 0033): opened with the key as the sender does.
    let (sealed, key): (Vec<u8>, String) =
        sqlx::query_as("SELECT secret_sealed, secret_key FROM webhook_endpoints WHERE id = $1")
            .bind(id)
            .fetch_one(&w.app.db)
            .await
            .unwrap();
    let secret = wso_tracker::secrets::Keyring::for_tests()
        .open_text(&wso_tracker::db::webhooks::aad(id), &key, &sealed)
        .unwrap();
    let stored = (url, events, secret);
    assert_eq!(stored.0, "https://jms.example.org/hooks");
    assert_eq!(stored.1, ["warrant.served", "custody.transferred"]);
    assert!(
        html.contains(&format!(r#"<code id="secret" class="mono secret">{}</code>"#, stored.2)),
        "{html}"
    );
    assert!(w.app.audit_actions().await.contains(&"webhook_registered".to_string()));
    let page = w.app.page(&boss, "/admin/webhooks").await;
    assert!(page.contains("https://jms.example.org/hooks"));
    assert!(!page.contains(&stored.2), "the secret is shown once");
}
