//! Behaviours the README promises, each shown: the caching rule, CSRF by header, sessions ended
//! by sign-out and by a lock, every citizenship claim reported before a service, the reports'
//! default period, and `user unlock`.

use serde_json::json;

use crate::helpers::{PASSWORD, World, spawn_app};

#[tokio::test]
async fn case_data_is_never_cached_and_static_assets_are() {
    let w = World::new().await;
    let id = w.served("C-1").await;
    let page = w.app.login("sgt").await;
    let r = page.get(w.app.url(&format!("/bookings/{id}"))).send().await.unwrap();
    assert_eq!(r.headers()["cache-control"], "no-store");
    let r = crate::helpers::http()
        .get(w.app.url(&format!("/api/v1/bookings/{id}")))
        .bearer_auth(w.app.token("sgt").await)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["cache-control"], "no-store");
    let r = crate::helpers::http()
        .get(w.app.url("/static/app.css"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["cache-control"],
        "public, no-cache",
        "revalidated by its ETag"
    );
}

#[tokio::test]
async fn the_csrf_token_may_come_in_the_x_csrf_token_header_and_only_the_right_one_counts() {
    let app = spawn_app().await;
    app.user("jdoe", "officer", &[]).await;
    let client = app.login("jdoe").await;
    let token = app.csrf(&client, "/").await;
    let post = |value: String| {
        let client = client.clone();
        let url = app.url("/account/sessions/end-others");
        async move {
            client
                .post(url)
                .header("x-csrf-token", value)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(post("0".repeat(64)).await, 403, "a wrong token is refused");
    assert_eq!(post(token).await, 303, "the session's token in the header works");
}

#[tokio::test]
async fn signing_out_or_being_disabled_ends_the_session_a_lock_does_not() {
    let app = spawn_app().await;
    app.user("jdoe", "officer", &[]).await;
    // Sign out, then replay the old cookie.
    let client = app.login("jdoe").await;
    assert_eq!(client.get(app.url("/")).send().await.unwrap().status(), 200);
    let r = app.post_form(&client, "/logout", &[]).await;
    assert_eq!(r.status(), 303);
    let r = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(r.status(), 303, "the signed-out session opens nothing");
    // A lock from elsewhere (anyone can type five wrong passwords) stops new sign-ins only: it
    // does not sign the person out mid-booking (issue 26, 9); disabling the account does.
    let signed_in = app.login("jdoe").await;
    for _ in 0..5 {
        let r = app.try_login(&app.client(), "jdoe", "a wrong guess").await;
        assert_eq!(r.status(), 401, "each guess is refused");
    }
    let r = app.try_login(&app.client(), "jdoe", crate::helpers::PASSWORD).await;
    assert_ne!(r.status(), 303, "locked: even the right password signs nobody in");
    let r = signed_in.get(app.url("/")).send().await.unwrap();
    assert_eq!(r.status(), 200, "the open session goes on");
    sqlx::query("UPDATE users SET disabled_at = now() WHERE username = 'jdoe'")
        .execute(&app.db)
        .await
        .unwrap();
    let r = signed_in.get(app.url("/")).send().await.unwrap();
    assert_eq!(r.status(), 303, "disabled: the open session ends");
}

#[tokio::test]
async fn a_service_waits_until_every_citizenship_claim_is_reported() {
    let w = World::new().await;
    let wso = w.as_("wso1").await;
    let (id, doc) = w.booked_with_warrant(&wso, "CC-1").await;
    wso.ok(
        200,
        &format!("/bookings/{id}/release-point"),
        json!({ "at": "2026-11-23T10:00:00Z", "reason": "bond_posted" }),
    )
    .await;
    let mut claims = vec![];
    for at in ["2026-11-23T10:10:00Z", "2026-11-23T10:20:00Z"] {
        let c = wso
            .ok(
                201,
                &format!("/bookings/{id}/citizenship-claims"),
                json!({ "at": at, "how": "said so" }),
            )
            .await;
        claims.push(c["id"].clone());
    }
    let serve = json!({ "document_id": doc, "at": "2026-11-23T11:00:00Z" });
    let report = |claim: &serde_json::Value| {
        (
            format!("/bookings/{id}/citizenship-claims/{claim}/report"),
            json!({ "at": "2026-11-23T10:40:00Z", "method": "phone", "ice_contact": "ERO" }),
        )
    };
    let (path, body) = report(&claims[0]);
    wso.ok(200, &path, body).await;
    let (s, e) = wso.post(&format!("/bookings/{id}/service"), serve.clone()).await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (409, Some("citizenship_claim_unreported")),
        "one claim reported of two is not enough"
    );
    let (path, body) = report(&claims[1]);
    wso.ok(200, &path, body).await;
    wso.ok(201, &format!("/bookings/{id}/service"), serve).await;
}

#[tokio::test]
async fn reports_cover_the_last_twelve_months_unless_asked() {
    let w = World::new().await;
    let (s, r) = w.as_("sgt").await.get("/reports/program").await;
    assert_eq!(s, 200);
    // The app clock is 2026-11-23 (New York): the twelve months ending today, first day included.
    assert_eq!(
        (r["from"].as_str(), r["to"].as_str()),
        (Some("2025-11-24"), Some("2026-11-23"))
    );
}

#[tokio::test]
async fn user_unlock_from_the_command_line_lets_the_owner_back_in() {
    let app = spawn_app().await;
    app.user("jdoe", "officer", &[]).await;
    for _ in 0..5 {
        app.try_login(&app.client(), "jdoe", "a wrong guess").await;
    }
    assert_eq!(app.try_login(&app.client(), "jdoe", PASSWORD).await.status(), 401);
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_wso-tracker"))
        .args(["user", "unlock", "jdoe"])
        .env("DATABASE_URL", &app.database_url)
        .env("DATABASE_OWNER_URL", crate::helpers::owner_url_for(&app.database_url))
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(app.try_login(&app.client(), "jdoe", PASSWORD).await.status(), 303);
    assert!(app.audit_actions().await.contains(&"account_unlocked".to_string()));
}
