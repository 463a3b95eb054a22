//! Wall displays (issue 13): created by an admin (page or command line), opened without
//! signing in, showing one facility's board and nothing to act on, revoked at once, audited.

use crate::helpers::{World, t};

/// The path `/display/<token>` from the admin page shown after creating a display.
pub(crate) fn created_path(html: &str) -> String {
    html.split(r#"<p class="mono created-path"><a href=""#)
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("the new display's path is shown")
        .to_string()
}

#[tokio::test]
async fn a_display_shows_its_facility_board_without_sign_in_until_revoked() {
    let w = World::new().await;
    let here = w.served("D-1").await;
    // A hold at another facility must not appear.
    let other = w.as_("other").await;
    let mut b = crate::helpers::booking("D-9");
    b["facility"] = serde_json::json!("WAKE");
    other.ok(201, "/bookings", b).await;

    let boss = w.app.login("boss").await;
    let page = w.app.page(&boss, "/admin/displays").await;
    assert!(page.contains("For a physically secure room only."));
    let r = w
        .app
        .post_form(
            &boss,
            "/admin/displays",
            &[("facility", "RCDC"), ("name", "Control room, north wall")],
        )
        .await;
    assert_eq!(r.status(), 200);
    let path = created_path(&r.text().await.unwrap());
    assert!(path.starts_with("/display/wso_") && path.len() > 60, "{path}");
    assert!(
        !w.app.page(&boss, "/admin/displays").await.contains(&path),
        "the path is shown once"
    );

    // Opened by a browser that has never signed in.
    let screen = w.app.client();
    let r = screen.get(w.app.url(&path)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("set-cookie").is_none(), "no session is started");
    let html = r.text().await.unwrap();
    assert!(html.contains("Rockingham") || html.contains("(RCDC)"), "{html}");
    assert!(html.contains("Doe, John") && html.contains("D-1"));
    assert!(!html.contains("D-9"), "another facility's hold is not shown");
    assert!(
        !html.contains("href=\"/bookings") && !html.contains("<form") && !html.contains("<button"),
        "nothing to act on"
    );
    assert!(
        html.contains("updated <span data-updated>07:00:00 EST</span>"),
        "when the data came, in the facility's time"
    );
    let _ = here;

    // Overdue people lead, with the alarm on top.
    w.app.clock.set(t("2026-11-24T09:30:00Z"));
    let html = w.app.page(&screen, &path).await;
    assert!(html.contains("⚠ 1 past the 48-hour limit: release required now"));
    assert!(html.contains("<title>(1 overdue) RCDC board</title>"));

    // First use from an address is audited once; later refreshes are not.
    let uses: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'display_first_use'")
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    assert_eq!(uses, 1);

    // Revoked (after a confirmation naming it): the same address shows nothing at once.
    let boss = w.app.login("boss").await;
    let id: i64 = sqlx::query_scalar("SELECT id FROM displays")
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    let r = w
        .app
        .post_form(&boss, &format!("/admin/displays/{id}/revoke"), &[])
        .await;
    assert_eq!(r.status(), 200);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains(&format!("Revoke display {id} (Control room, north wall, RCDC)?"))
    );
    assert_eq!(
        screen.get(w.app.url(&path)).send().await.unwrap().status(),
        200,
        "not yet"
    );
    let r = w
        .app
        .post_form(&boss, &format!("/admin/displays/{id}/revoke"), &[("confirm", "yes")])
        .await;
    assert_eq!(r.status(), 303);
    let r = screen.get(w.app.url(&path)).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(!r.text().await.unwrap().contains("Doe"));
    let actions: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_log WHERE action LIKE 'display_%' ORDER BY id")
            .fetch_all(&w.app.db)
            .await
            .unwrap();
    assert_eq!(actions, ["display_created", "display_first_use", "display_revoked"]);
}

#[tokio::test]
async fn only_admins_manage_displays_and_a_wrong_path_shows_nothing() {
    let w = World::new().await;
    let sgt = w.app.login("sgt").await;
    assert_eq!(
        sgt.get(w.app.url("/admin/displays")).send().await.unwrap().status(),
        403
    );
    let before = w.app.table_counts().await;
    let r = w.app.post_form(&sgt, "/admin/displays", &[("facility", "RCDC")]).await;
    assert_eq!(r.status(), 403);
    assert_eq!(w.app.table_counts().await, before);
    let r = w
        .app
        .client()
        .get(w.app.url("/display/wso_not_a_display"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // An unknown facility is a field error on the form.
    let boss = w.app.login("boss").await;
    let r = w.app.post_form(&boss, "/admin/displays", &[("facility", "NOPE")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("there is no facility `NOPE`"));
}

#[tokio::test]
async fn displays_are_created_listed_and_revoked_from_the_command_line() {
    let w = World::new().await;
    let url = &w.app.database_url;
    let o = crate::cli::run(url, &["display", "create", "RCDC", "--name", "North wall"], "");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8(o.stdout).unwrap();
    let path = out.lines().last().unwrap().to_string();
    assert!(
        path.starts_with("/display/wso_"),
        "the path alone on the last line: {out}"
    );
    assert_eq!(w.app.client().get(w.app.url(&path)).send().await.unwrap().status(), 200);

    let o = crate::cli::run(url, &["display", "list"], "");
    let list = String::from_utf8(o.stdout).unwrap();
    assert!(
        list.contains("\tRCDC\tNorth wall\t") && list.contains("\tlive"),
        "{list}"
    );
    assert!(!list.contains(&path[9..]), "never the token");
    let id = list.lines().nth(1).unwrap().split('\t').next().unwrap().to_string();

    let o = crate::cli::run(url, &["display", "revoke", &id], "");
    assert!(o.status.success());
    assert_eq!(w.app.client().get(w.app.url(&path)).send().await.unwrap().status(), 404);
    let o = crate::cli::run(url, &["display", "revoke", &id], "");
    assert!(!o.status.success(), "revoking twice is an error");
    assert!(String::from_utf8_lossy(&o.stderr).contains(&format!("there is no live display {id}")));
    let o = crate::cli::run(url, &["display", "create", "NOPE"], "");
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("there is no facility `NOPE`"));
}
