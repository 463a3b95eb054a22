//! Hostile input gets a clear error and nothing else; the transport says what it should.

use serde_json::json;
use wso_tracker::config::Config;

use crate::helpers::{PASSWORD, World, booking, spawn_app, spawn_app_with};

#[tokio::test]
async fn control_characters_anywhere_are_a_422_naming_the_field_and_change_nothing() {
    let w = World::new().await;
    let wso = w.as_("wso1").await;
    let page = w.app.login("wso1").await;
    let before = w.app.table_counts().await;
    for (field, value) in [
        ("last_name", "Doe\u{0}"),
        ("booking_number", "A\u{1b}1"),
        ("first_name", "Jo\u{7f}hn"),
    ] {
        let mut b = booking("N-1");
        b[field] = json!(value);
        let (s, e) = wso.post("/bookings", b).await;
        assert_eq!((s, e["error"]["field"].as_str()), (422, Some(field)), "{e}");
    }
    let mut b = booking("N-2");
    b["charges"][0]["description"] = json!("DWI\u{0}");
    let (s, e) = wso.post("/bookings", b).await;
    assert_eq!(
        (s, e["error"]["field"].as_str()),
        (422, Some("charges[0].description")),
        "{e}"
    );
    // A query string, on the API and on a page.
    let (s, e) = wso.get("/bookings?q=Doe%00").await;
    assert_eq!((s, e["error"]["field"].as_str()), (422, Some("q")));
    let r = page.get(w.app.url("/bookings?q=%00")).send().await.unwrap();
    assert_eq!(r.status(), 422);
    // A form field.
    let r = w
        .app
        .post_form(
            &page,
            "/bookings",
            &[
                ("facility", "RCDC"),
                ("booking_number", "N-3"),
                ("last_name", "Do\u{0}e"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("last_name"));
    assert_eq!(w.app.table_counts().await, before, "nothing was written");
}

#[tokio::test]
async fn dates_outside_1900_to_2100_and_periods_over_ten_years_are_refused_not_panics() {
    let w = World::new().await;
    let sgt = w.as_("sgt").await;
    for (path, field) in [
        ("/reports/program?to=%2B262142-12-31", "to"),
        ("/reports/program?from=1899-12-31", "from"),
        ("/reports/program?from=2001-01-01&to=2026-01-01", "from"),
        ("/reports/igsa?facility=WAKE&month=%2B262142-12", "month"),
        ("/reports/compliance?facility=RCDC&to=2101-01-01", "to"),
    ] {
        let (s, e) = w.as_("boss").await.get(path).await;
        assert_eq!((s, e["error"]["field"].as_str()), (422, Some(field)), "{path}: {e}");
    }
    // A user of WAKE, so the facility check passes and the month itself is what is refused.
    let page = w.app.login("wakesgt").await;
    let r = page
        .get(w.app.url("/reports/igsa?facility=WAKE&month=%2B262142-12"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422, "a page refuses the month, it does not panic");
    let mut b = booking("D-1");
    b["booked_at"] = json!("2101-01-01T00:00:00Z");
    let (s, e) = sgt.post("/bookings", b).await;
    assert_eq!((s, e["error"]["field"].as_str()), (422, Some("booked_at")));
    let mut b = booking("D-2");
    b["date_of_birth"] = json!("1850-01-01");
    let (s, e) = sgt.post("/bookings", b).await;
    assert_eq!((s, e["error"]["field"].as_str()), (422, Some("date_of_birth")));
}

#[test]
fn a_panic_on_an_api_route_is_the_api_s_json_500() {
    let r = wso_tracker::web::middleware::api_panic(Box::new("boom"));
    assert_eq!(r.status(), 500);
    assert_eq!(r.headers()["content-type"], "application/json");
}

#[tokio::test]
async fn over_https_the_cookie_is_host_bound_and_secure_and_hsts_is_sent() {
    let mut config = Config::for_tests();
    config.public_url = Some("https://wso.county.example".into());
    let app = spawn_app_with(config).await;
    app.user("jdoe", "officer", &[]).await;
    let r = app.client().get(app.url("/login")).send().await.unwrap();
    assert_eq!(r.headers()["strict-transport-security"], "max-age=31536000");
    let r = app.try_login(&app.client(), "jdoe", PASSWORD).await;
    let cookies: Vec<String> = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    let session = cookies
        .iter()
        .find(|c| c.starts_with("__Host-wso_session="))
        .expect("a __Host- cookie");
    assert!(
        session.contains("Secure") && session.contains("Path=/") && !session.contains("Domain"),
        "{session}"
    );
    // Plain http (the default): no HSTS.
    let plain = spawn_app().await;
    let r = plain.client().get(plain.url("/login")).send().await.unwrap();
    assert!(r.headers().get("strict-transport-security").is_none());
}

async fn last_failure_address(app: &crate::helpers::TestApp) -> Option<String> {
    sqlx::query_scalar("SELECT ip FROM audit_log WHERE action = 'login_failed' ORDER BY id DESC LIMIT 1")
        .fetch_one(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn x_forwarded_for_is_believed_only_from_a_trusted_proxy() {
    let send = |app: &crate::helpers::TestApp| {
        let client = app.client();
        let url = app.url("/login");
        async move {
            let html = client.get(&url).send().await.unwrap().text().await.unwrap();
            let csrf = crate::helpers::csrf_in(&html).unwrap();
            client
                .post(&url)
                .header("x-forwarded-for", "198.51.100.7")
                .form(&[("username", "nobody"), ("password", "x"), ("csrf_token", &csrf)])
                .send()
                .await
                .unwrap();
        }
    };
    let untrusting = spawn_app().await;
    send(&untrusting).await;
    assert_eq!(last_failure_address(&untrusting).await.as_deref(), Some("127.0.0.1"));
    let mut config = Config::for_tests();
    config.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    let behind_proxy = spawn_app_with(config).await;
    send(&behind_proxy).await;
    assert_eq!(
        last_failure_address(&behind_proxy).await.as_deref(),
        Some("198.51.100.7")
    );
}

#[tokio::test]
async fn lists_are_paged_back_to_the_oldest_of_1500_bookings() {
    let w = World::new().await;
    sqlx::query(
        "INSERT INTO bookings (facility_id, booking_number, last_name, first_name, date_of_birth, booked_at,
                               created_at, created_by)
         SELECT f.id, 'B-' || n, 'Last' || n, 'First', date '1980-01-01',
                timestamptz '2026-11-20 00:00Z' - n * interval '1 hour', now(), u.id
         FROM generate_series(1, 1500) n, facilities f, users u WHERE f.code = 'RCDC' AND u.username = 'wso1'",
    )
    .execute(&w.app.db)
    .await
    .unwrap();
    // The API: pages of 1000 at most, following Link: rel="next".
    let token = w.app.token("wso1").await;
    let (s, e) = w.as_("wso1").await.get("/bookings?limit=1001").await;
    assert_eq!((s, e["error"]["field"].as_str()), (422, Some("limit")));
    let numbers: Vec<String> = w
        .app
        .all_pages(&token, "/api/v1/bookings?limit=1000")
        .await
        .iter()
        .flatten()
        .map(|b| b["booking_number"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(numbers.len(), 1500, "nothing is silently cut off");
    assert_eq!(numbers.last().unwrap(), "B-1500", "the oldest is reached");
    let mut unique = numbers.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 1500, "no booking twice");
    // The page: 100 a page, "Older bookings" down to the oldest, "Newer" back up.
    let page = w.app.login("wso1").await;
    let mut path = "/bookings".to_string();
    let mut pages = 0;
    let last = loop {
        let html = w.app.page(&page, &path).await;
        pages += 1;
        match html.find("\">Older bookings") {
            Some(i) => {
                let start = html[..i].rfind("href=\"").unwrap() + 6;
                path = html[start..i].replace("&amp;", "&");
            }
            None => break html,
        }
        assert!(pages <= 16);
    };
    assert_eq!(pages, 15);
    assert!(last.contains("B-1500") && last.contains("Newer bookings"));
}

#[tokio::test]
async fn a_client_that_trickles_its_headers_is_cut_off_and_connections_are_capped() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut config = Config::for_tests();
    config.max_connections = 2;
    let app = spawn_app_with(config).await;
    // Two connections that never finish their headers hold both places…
    let mut slow = Vec::new();
    for _ in 0..2 {
        let mut s = tokio::net::TcpStream::connect(app.addr).await.unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.unwrap();
        slow.push(s);
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    // …so a third client waits,
    let quick = crate::helpers::http_builder()
        .timeout(std::time::Duration::from_secs(2))
        .build()
        .unwrap();
    assert!(quick.get(app.url("/healthz")).send().await.is_err(), "the cap holds");
    // …until the header timeout (10 s) closes the slow ones.
    let started = std::time::Instant::now();
    let mut buf = [0u8; 512];
    let n = tokio::time::timeout(std::time::Duration::from_secs(20), slow[0].read(&mut buf))
        .await
        .expect("closed within the header timeout")
        .unwrap_or(0);
    let answer = String::from_utf8_lossy(&buf[..n]).to_string();
    assert!(
        n == 0 || answer.starts_with("HTTP/1.1 408"),
        "closed, not served: {answer}"
    );
    assert!(started.elapsed() <= std::time::Duration::from_secs(12));
    let r = crate::helpers::http().get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200, "served once the slow clients are gone");
}

#[tokio::test]
async fn a_nul_in_any_string_on_every_api_write_is_a_422_that_writes_nothing() {
    let w = World::new().await;
    let id = w.served("F-1").await;
    let boss = w.as_("boss").await;
    let sgt = w.as_("sgt").await;
    let before = w.app.table_counts().await;
    let paths = [
        "/bookings".to_string(),
        format!("/bookings/{id}/documents"),
        format!("/bookings/{id}/documents/1/withdraw"),
        format!("/bookings/{id}/ice-notifications"),
        format!("/bookings/{id}/release-point"),
        format!("/bookings/{id}/service"),
        format!("/bookings/{id}/transfer"),
        format!("/bookings/{id}/release"),
        format!("/bookings/{id}/igsa-hold"),
        format!("/bookings/{id}/corrections"),
        format!("/bookings/{id}/citizenship-claims"),
        format!("/bookings/{id}/citizenship-claims/1/report"),
        "/interpreters".to_string(),
        "/complaints".to_string(),
        "/complaints/1/ice-notified".to_string(),
        "/complaints/1/outcome".to_string(),
        "/officers/wso1/exam".to_string(),
        "/officers/wso1/credentials".to_string(),
        "/officers/wso1/credentials/returned".to_string(),
        "/officers/wso1/withdrawal".to_string(),
        "/officers/wso1/departure-notice".to_string(),
        "/disclosures".to_string(),
        "/reviews".to_string(),
        "/officers/rookie/certification".to_string(),
        "/officers/wso1/certification/revoke".to_string(),
    ];
    for path in &paths {
        for caller in [&sgt, &boss] {
            let (s, e) = caller.post(path, json!({ "note": "a\u{0}b", "reason": "x" })).await;
            assert_eq!(
                (s, e["error"]["field"].as_str()),
                (422, Some("note")),
                "POST {path}: {e}"
            );
        }
    }
    let (s, e) = boss
        .http_put("/facilities/RCDC/public", json!({ "enabled": true, "x": "\u{1}" }))
        .await;
    assert_eq!((s, e["error"]["field"].as_str()), (422, Some("x")));
    assert_eq!(w.app.table_counts().await, before, "nothing was written");
}

#[tokio::test]
async fn the_users_list_is_paged_on_the_api_and_the_page() {
    let w = World::new().await;
    for i in 0..120 {
        let input = wso_tracker::services::accounts::NewUser {
            full_name: None,
            username: format!("svc{i:03}"),
            role: "officer".into(),
            email: None,
            facilities: vec![],
            agencies: vec![],
            password: String::new(),
            api_only: true,
        };
        wso_tracker::services::accounts::create_user(
            &w.app.db,
            input,
            wso_tracker::services::accounts::Actor::CLI,
            w.app.clock.now(),
        )
        .await
        .unwrap();
    }
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    let token = w.app.token("boss").await;
    let seen = w
        .app
        .all_pages(&token, "/api/v1/users?limit=50")
        .await
        .iter()
        .flatten()
        .count() as i64;
    assert_eq!(seen, total);
    let admin = w.app.login("boss").await;
    let first = w.app.page(&admin, "/admin/users").await;
    assert!(first.contains("Next page") && !first.contains("Previous page"));
    let second = w.app.page(&admin, "/admin/users?page=2").await;
    assert!(second.contains("Previous page") && second.contains("Page 2"));
}

#[tokio::test]
async fn a_request_slower_than_the_limit_gets_408_and_writes_nothing() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut config = Config::for_tests();
    config.request_timeout_secs = 1;
    let w = World::with_config(config).await;
    let token = w.app.token("wso1").await;
    let before = w.app.table_counts().await;
    let body = booking("SLOW-1").to_string();
    let mut s = tokio::net::TcpStream::connect(w.app.addr).await.unwrap();
    let head = format!(
        "POST /api/v1/bookings HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(&body.as_bytes()[..10]).await.unwrap();
    let mut answer = String::new();
    tokio::time::timeout(std::time::Duration::from_secs(10), s.read_to_string(&mut answer))
        .await
        .expect("answered within the limit")
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        answer.to_lowercase().contains("content-security-policy"),
        "with the security headers"
    );
    assert_eq!(w.app.table_counts().await, before);
}
