//! Accounts, sessions and security: the ground every later feature stands on.

use chrono::Duration;
use serde_json::Value;

use crate::helpers::{PASSWORD, spawn_app};

#[tokio::test]
async fn login_page_shows_the_system_use_notice_and_a_csrf_token() {
    let app = spawn_app().await;
    let html = app
        .client()
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("System-use notice"));
    assert!(html.contains("All activity on this system is monitored"));
    assert!(html.contains(r#"name="username""#) && html.contains(r#"name="password""#));
    assert!(crate::helpers::csrf_in(&html).is_some_and(|t| t.len() == 64));
}

#[tokio::test]
async fn anonymous_visitors_are_sent_to_login() {
    let app = spawn_app().await;
    for path in [
        "/",
        "/admin/users",
        "/admin/users/1",
        "/admin/facilities",
        "/admin/audit",
    ] {
        let r = app.client().get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 303, "{path}");
        assert_eq!(r.headers()["location"], "/login", "{path}");
    }
}

#[tokio::test]
async fn signing_in_reaches_the_dashboard_with_a_new_session_id() {
    let app = spawn_app().await;
    app.facility("RCDC", "America/New_York", false).await;
    app.user("jdoe", "officer", &["RCDC"]).await;
    let client = app.client();
    let before = client.get(app.url("/login")).send().await.unwrap();
    // Looking at the sign-in form stores nothing: its CSRF token is a double-submit cookie.
    assert_eq!(session_cookie(&before), None, "no session before sign-in");
    let sessions: i64 = sqlx::query_scalar("SELECT count(*) FROM tower_sessions.session")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(sessions, 0, "no session row for an anonymous visitor");
    let csrf = crate::helpers::csrf_in(&before.text().await.unwrap()).unwrap();
    let r = client
        .post(app.url("/login"))
        .form(&[("username", "jdoe"), ("password", PASSWORD), ("csrf_token", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/");
    session_cookie(&r).expect("session cookie set at sign-in");
    let cookie_header = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect::<Vec<_>>()
        .join(";");
    assert!(cookie_header.contains("HttpOnly") && cookie_header.contains("SameSite=Strict"));

    let html = client.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Dashboard") && html.contains("jdoe") && html.contains("RCDC"));
    assert_eq!(app.audit_actions().await.last().unwrap(), "login");
}

fn session_cookie(r: &reqwest::Response) -> Option<String> {
    r.cookies()
        .find(|c| c.name() == wso_tracker::routes::SESSION_COOKIE)
        .map(|c| c.value().to_string())
}

#[tokio::test]
async fn unknown_user_and_wrong_password_read_the_same() {
    let app = spawn_app().await;
    app.user("jdoe", "officer", &[]).await;
    let unknown = app.try_login(&app.client(), "nobody", PASSWORD).await;
    let wrong = app.try_login(&app.client(), "jdoe", "not the password at all").await;
    assert_eq!(unknown.status(), 401);
    assert_eq!(wrong.status(), 401);
    let (a, b) = (unknown.text().await.unwrap(), wrong.text().await.unwrap());
    let message = "The username or password is incorrect.";
    assert!(a.contains(message) && b.contains(message));
}

#[tokio::test]
async fn five_failures_lock_the_account_until_an_admin_unlocks_it() {
    let app = spawn_app().await;
    let jdoe = app.user("jdoe", "officer", &[]).await;
    app.user("boss", "admin", &[]).await;
    for _ in 0..5 {
        let r = app.try_login(&app.client(), "jdoe", "wrong password here").await;
        assert_eq!(r.status(), 401);
    }
    // Even the right password is refused now, with exactly the answer of a wrong one: a
    // locked account tells an attacker nothing about a guess.
    let right = app.try_login(&app.client(), "jdoe", PASSWORD).await;
    let wrong = app.try_login(&app.client(), "jdoe", "another wrong guess").await;
    assert_eq!((right.status().as_u16(), wrong.status().as_u16()), (401, 401));
    let (right, wrong) = (right.text().await.unwrap(), wrong.text().await.unwrap());
    assert!(!right.contains("locked"));
    assert_eq!(strip_csrf(&right), strip_csrf(&wrong));
    let actions = app.audit_actions().await;
    assert_eq!(actions.iter().filter(|a| *a == "login_failed").count(), 5);
    assert_eq!(actions.iter().filter(|a| *a == "account_locked").count(), 1);
    assert!(actions.contains(&"login_refused_locked".to_string()));

    let admin = app.login("boss").await;
    let r = app.post_form(&admin, &format!("/admin/users/{jdoe}/unlock"), &[]).await;
    assert_eq!(r.status(), 303);
    assert!(app.audit_actions().await.contains(&"account_unlocked".to_string()));
    app.login("jdoe").await;
}

/// A page without its per-request CSRF token, to compare two answers.
fn strip_csrf(html: &str) -> String {
    match crate::helpers::csrf_in(html) {
        Some(t) => html.replace(&t, ""),
        None => html.to_string(),
    }
}

#[tokio::test]
async fn a_failure_streak_is_reset_by_a_successful_sign_in() {
    let app = spawn_app().await;
    app.user("jdoe", "officer", &[]).await;
    for round in 0..2 {
        for _ in 0..4 {
            let r = app.try_login(&app.client(), "jdoe", "wrong password here").await;
            assert_eq!(r.status(), 401, "round {round}: each guess is refused");
        }
        // Four failures and a success: the streak starts again, so eight in all never lock.
        app.login("jdoe").await;
    }
    let failures: i32 = sqlx::query_scalar("SELECT failed_logins FROM users WHERE username = 'jdoe'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(failures, 0);
}

#[tokio::test]
async fn sessions_end_after_thirty_idle_minutes() {
    let app = spawn_app().await;
    app.user("jdoe", "officer", &[]).await;
    let client = app.login("jdoe").await;
    app.clock.advance(Duration::minutes(29));
    assert_eq!(
        client.get(app.url("/")).send().await.unwrap().status(),
        200,
        "29 idle minutes: still signed in"
    );
    app.clock.advance(Duration::minutes(29));
    assert_eq!(
        client.get(app.url("/")).send().await.unwrap().status(),
        200,
        "activity restarts the idle timer"
    );
    app.clock.advance(Duration::minutes(30) + Duration::seconds(1));
    let r = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login");
    assert!(app.audit_actions().await.contains(&"session_expired".to_string()));
    // And the session is gone for good, not just this once.
    app.clock.advance(Duration::seconds(1));
    assert_eq!(client.get(app.url("/")).send().await.unwrap().status(), 303);
}

#[tokio::test]
async fn a_post_without_a_valid_csrf_token_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    app.user("boss", "admin", &[]).await;
    let admin = app.login("boss").await;
    let before = app.table_counts().await;
    let fields = [("username", "mallory"), ("role", "admin"), ("password", PASSWORD)];
    let r = admin.post(app.url("/admin/users")).form(&fields).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let mut forged = fields.to_vec();
    forged.push((
        "csrf_token",
        "0000000000000000000000000000000000000000000000000000000000000000",
    ));
    let r = admin.post(app.url("/admin/users")).form(&forged).send().await.unwrap();
    assert_eq!(r.status(), 403);
    // A login without a token is refused too.
    let r = app
        .client()
        .post(app.url("/login"))
        .form(&[("username", "boss"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(app.table_counts().await, before);
    // With the token, the same request works.
    let r = app.post_form(&admin, "/admin/users", &fields).await;
    assert_eq!(r.status(), 303);
}

#[tokio::test]
async fn only_admins_open_the_admin_pages() {
    let app = spawn_app().await;
    app.facility("RCDC", "America/New_York", false).await;
    for (name, role) in [("off", "officer"), ("sup", "supervisor"), ("ice", "ice_liaison")] {
        app.user(name, role, &["RCDC"]).await;
        let client = app.login(name).await;
        for path in ["/admin/users", "/admin/facilities", "/admin/audit", "/admin/users/1"] {
            assert_eq!(
                client.get(app.url(path)).send().await.unwrap().status(),
                403,
                "{role} {path}"
            );
        }
        let before = app.table_counts().await;
        let r = app
            .post_form(
                &client,
                "/admin/users",
                &[("username", "x-new"), ("role", "admin"), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(r.status(), 403, "{role} creating a user");
        assert_eq!(app.table_counts().await, before);
    }
}

#[tokio::test]
async fn an_admin_creates_accounts_with_field_errors_that_keep_what_was_typed() {
    let app = spawn_app().await;
    app.facility("RCDC", "America/New_York", false).await;
    app.user("boss", "admin", &[]).await;
    let admin = app.login("boss").await;
    let r = app
        .post_form(
            &admin,
            "/admin/users",
            &[
                ("username", "new.officer"),
                ("role", "officer"),
                ("email", "officer@county.gov"),
                ("password", "password"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("There is a problem") && html.contains("at least 12 characters"));
    assert!(html.contains(r#"value="new.officer""#) && html.contains(r#"value="officer@county.gov""#));

    let r = app
        .post_form(
            &admin,
            "/admin/users",
            &[
                ("username", "new.officer"),
                ("role", "officer"),
                ("facilities", "RCDC"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let user = wso_tracker::db::users::by_username(&app.db, "new.officer")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.facilities, vec!["RCDC"]);
    assert!(
        user.password_hash
            .as_deref()
            .is_some_and(|h| h.starts_with("$argon2id$"))
    );
    assert!(app.audit_actions().await.contains(&"user_created".to_string()));
}

#[tokio::test]
async fn the_api_wants_a_bearer_token_and_the_right_role() {
    let app = spawn_app().await;
    app.user("jdoe", "officer", &[]).await;
    app.user("boss", "admin", &[]).await;
    let client = crate::helpers::http();
    let r = client.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthorized");
    let r = client
        .get(app.url("/api/v1/me"))
        .bearer_auth("wso_not_a_token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    let token = app.token("jdoe").await;
    let me: Value = client
        .get(app.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["username"], "jdoe");
    assert_eq!(me["role"], "officer");
    let r = client
        .get(app.url("/api/v1/users"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["code"], "forbidden");
    let admin = app.token("boss").await;
    let users: Value = client
        .get(app.url("/api/v1/users"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(users.as_array().unwrap().len(), 2);
    // Only the hash is stored: the row holds SHA-256 of the token (computed here by PostgreSQL,
    // independent of the app's code) and no column of it holds the token itself.
    let (hashed, plain): (i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE token_hash = sha256(convert_to($1, 'UTF8'))),
                count(*) FILTER (WHERE t::text LIKE '%' || substr($1, 5) || '%')
         FROM api_tokens t",
    )
    .bind(&token)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!((hashed, plain), (1, 0));
}

#[tokio::test]
async fn the_audit_log_cannot_be_changed_or_deleted() {
    let app = spawn_app().await;
    app.user("jdoe", "officer", &[]).await;
    // Even the table's owner and a superuser meet the triggers.
    let update = sqlx::query("UPDATE audit_log SET actor = 'someone else'")
        .execute(&app.admin_db)
        .await;
    assert!(update.unwrap_err().to_string().contains("append-only"));
    let delete = sqlx::query("DELETE FROM audit_log").execute(&app.admin_db).await;
    assert!(delete.unwrap_err().to_string().contains("append-only"));
    let truncate = sqlx::query("TRUNCATE audit_log").execute(&app.admin_db).await;
    assert!(truncate.unwrap_err().to_string().contains("append-only"));
    assert_eq!(app.audit_actions().await, vec!["user_created"]);
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;
    for path in ["/login", "/healthz", "/static/app.css", "/no-such-page", "/api/v1/me"] {
        let r = app.client().get(app.url(path)).send().await.unwrap();
        let h = r.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{path}"
        );
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
        assert!(h.contains_key("x-request-id"), "{path}");
    }
}

#[tokio::test]
async fn health_checks_the_database() {
    let app = spawn_app().await;
    let r = app.client().get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["database"], "ok");
    app.served.close().await;
    // The server's pool closed: the check must fail rather than lie.
    let r = app.client().get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 503);
}

#[tokio::test]
async fn unknown_pages_get_a_404_page_and_unknown_api_paths_json() {
    let app = spawn_app().await;
    let r = app.client().get(app.url("/nowhere")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().contains("Not Found"));
    let r = app.client().get(app.url("/api/v1/nowhere")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["code"], "not_found");
}

#[tokio::test]
async fn the_server_s_database_role_cannot_touch_the_audit_log_by_any_route() {
    let app = spawn_app().await;
    app.user("jdoe", "officer", &[]).await;
    let who: (String, bool) =
        sqlx::query_as("SELECT current_user::text, rolsuper FROM pg_roles WHERE rolname = current_user")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(
        who,
        ("wso_app".to_string(), false),
        "the server connects as the app role"
    );
    for sql in [
        "UPDATE audit_log SET actor = 'someone else'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
        "ALTER TABLE audit_log DISABLE TRIGGER USER",
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete",
        "SET session_replication_role = replica",
        "UPDATE audit_head SET seq = 0",
        "CREATE TABLE sneaky (id int)",
    ] {
        let mut tx = app.db.begin().await.unwrap();
        let r = sqlx::query(sql).execute(&mut *tx).await;
        let e = r.expect_err(sql).to_string();
        assert!(
            e.contains("permission denied") || e.contains("must be owner") || e.contains("must be superuser"),
            "{sql}: {e}"
        );
    }
    // What it needs still works: the sign-up above wrote its entry, and reading is allowed.
    assert_eq!(app.audit_actions().await, vec!["user_created"]);
}

#[tokio::test]
async fn a_connection_that_could_rewrite_history_is_noticed() {
    let app = spawn_app().await;
    use wso_tracker::db::roles::too_powerful;
    assert_eq!(too_powerful(&app.db).await.unwrap(), None, "the app role is fine");
    let warning = too_powerful(&app.admin_db)
        .await
        .unwrap()
        .expect("a superuser is noticed");
    assert!(warning.contains("superuser"));
    // A role that row-level security does not bind (decision 0036), though neither superuser
    // nor owner.
    let role = format!("wso_bypass_{}", uuid::Uuid::new_v4().simple());
    let mut conn = app.admin_db.acquire().await.unwrap();
    sqlx::query(&format!("CREATE ROLE {role} NOLOGIN BYPASSRLS"))
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query(&format!("SET ROLE {role}"))
        .execute(&mut *conn)
        .await
        .unwrap();
    let warning = too_powerful(&mut *conn).await.unwrap().expect("BYPASSRLS is noticed");
    assert!(warning.contains("BYPASSRLS"), "{warning}");
    sqlx::query("RESET ROLE").execute(&mut *conn).await.unwrap();
    sqlx::query(&format!("DROP ROLE {role}"))
        .execute(&mut *conn)
        .await
        .unwrap();
}
