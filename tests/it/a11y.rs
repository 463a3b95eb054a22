//! Accessibility (issue 13): axe-core (the copy bundled in the PyPI package
//! axe-playwright-python, fetched by `.ci/run`) runs in real Chromium on every page each role
//! opens (and the public pages: sign-in, public figures, wall display, API reference), at a
//! desktop (1280×900) and a phone (390×844) size; any violation fails the test.

use std::time::Duration;

use serde_json::json;

use crate::browser::{Browser, browser};
use crate::helpers::World;

/// axe-core's script: `WSO_AXE_JS`, or where `.ci/run` unpacks it.
pub(crate) fn axe_source() -> String {
    let path = std::env::var("WSO_AXE_JS").unwrap_or_else(|_| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/target/axe/axe_playwright_python/axe.min.js"
        )
        .to_string()
    });
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "axe-core not found at {path} ({e}): run `bash .ci/run` once, or \
             `python3 -m pip download --no-deps -d target/axe axe-playwright-python==0.1.8 && \
             cd target/axe && python3 -m zipfile -e axe_playwright_python-0.1.8-py3-none-any.whl .`"
        )
    })
}

const SIZES: [(u32, u32); 2] = [(1280, 900), (390, 844)];

/// Every violation axe finds on `path`, at each size, as "path @size: rule (impact): help — where".
async fn audit(b: &Browser, app: &crate::helpers::TestApp, axe: &str, path: &str) -> Vec<String> {
    let c = &b.client;
    let mut found = Vec::new();
    for (width, height) in SIZES {
        c.set_window_size(width, height).await.unwrap();
        c.goto(&app.url(path)).await.unwrap();
        // The page audited is the page asked for: not a redirect to sign-in, not an error page
        // (except the one asked for on purpose).
        let landed = c.current_url().await.unwrap();
        assert_eq!(landed.as_str(), app.url(path), "{path} was redirected");
        let error_page = c
            .execute("return document.querySelector('main.error-page') !== null", vec![])
            .await
            .unwrap();
        assert_eq!(
            error_page.as_bool(),
            Some(path == "/no-such-page"),
            "{path}: an error page where a page was expected, or the reverse"
        );
        // Let the page script settle (focus, countdown).
        tokio::time::sleep(Duration::from_millis(150)).await;
        c.execute(axe, vec![]).await.unwrap();
        let result = c
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, { resultTypes: ['violations'] })
                   .then(r => done({ passes: r.passes.length, violations: r.violations.map(v => v.id + ' (' + v.impact + '): ' + v.help + ' — ' +
                       v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')) }))
                   .catch(e => done({ passes: 0, violations: ['axe failed: ' + e] }));",
                vec![],
            )
            .await
            .unwrap();
        // A script that checks nothing (a stub in `WSO_AXE_JS`) finds nothing either: axe-core
        // passes dozens of rules on any page.
        let passes = result["passes"].as_u64().unwrap_or(0);
        assert!(
            passes >= 10,
            "{path}: axe passed only {passes} rules: is {} axe-core?",
            "WSO_AXE_JS"
        );
        for v in result["violations"].as_array().unwrap() {
            found.push(format!("{path} @{width}px: {}", v.as_str().unwrap()));
        }
    }
    found
}

/// The pages each role opens (`None`: signed out).
pub(crate) type Pages = Vec<(Option<&'static str>, Vec<String>)>;

/// A world with something on every page: a held case, one overdue, a claim, a complaint,
/// alerts, a display, a webhook endpoint and its deliveries, the public page; and every page
/// each role opens in it. The text check (`page_text.rs`) walks the same pages.
pub(crate) async fn world_with_every_page() -> (World, Pages) {
    let w = World::new().await;
    let hook = json!({ "facility": "RCDC", "url": "http://127.0.0.1:9/hook", "events": ["booking.created"] });
    w.as_("boss").await.ok(201, "/webhooks", hook).await;
    let held = w.served("AX-1").await;
    let wso = w.as_("wso1").await;
    let booked = wso.ok(201, "/bookings", crate::helpers::booking("AX-2")).await["id"]
        .as_i64()
        .unwrap();
    wso.ok(
        201,
        &format!("/bookings/{booked}/citizenship-claims"),
        json!({ "at": "2026-11-23T11:00:00Z", "how": "said so at intake" }),
    )
    .await;
    let boss = w.as_("boss").await;
    let (status, body) = boss
        .http_put("/facilities/RCDC/public", json!({ "enabled": true }))
        .await;
    assert_eq!(status, 200, "the public page is on: {body}");
    let (_, display) = wso_tracker::services::displays::create(
        &w.app.db,
        "RCDC",
        None,
        wso_tracker::services::accounts::Actor::CLI,
        w.app.clock.now(),
    )
    .await
    .unwrap();
    let user_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'wso1'")
        .fetch_one(&w.app.db)
        .await
        .unwrap();

    let case = format!("/bookings/{held}");
    let claim_case = format!("/bookings/{booked}");
    let admin_user = format!("/admin/users/{user_id}");
    let own = |paths: &[&str]| paths.iter().map(|p| p.to_string()).collect::<Vec<_>>();
    let pages: Pages = vec![
        (None, own(&["/login", "/public/RCDC", &display, "/api/docs"])),
        (
            Some("wso1"),
            own(&[
                "/",
                "/bookings",
                "/bookings/new",
                &case,
                &claim_case,
                "/transfers/pending",
                "/alerts",
                "/complaints",
                "/complaints/notice?facility=RCDC",
                "/account",
                "/account/password",
                "/no-such-page",
            ]),
        ),
        (
            Some("sgt"),
            own(&[
                "/",
                &case,
                "/transfers/pending",
                "/roster",
                "/agreement",
                "/reports/program",
                "/reports/compliance",
                "/imports",
                "/alerts",
            ]),
        ),
        (
            Some("ice"),
            own(&["/", "/bookings", &case, "/transfers/pending", "/alerts"]),
        ),
        (
            Some("boss"),
            own(&[
                "/",
                "/admin/users",
                &admin_user,
                "/admin/facilities",
                "/admin/displays",
                "/admin/webhooks",
                "/admin/audit",
                // RCDC has no IGSA: the report is WAKE's (it was audited as an error page).
                "/reports/igsa?facility=WAKE",
                "/alerts",
            ]),
        ),
    ];
    (w, pages)
}

/// Signs in as each role of `pages` in turn (at 1280×900) and calls `visit` with each of its
/// paths; `visit` opens the page itself.
pub(crate) async fn walk(
    b: &Browser,
    app: &crate::helpers::TestApp,
    pages: &Pages,
    mut visit: impl AsyncFnMut(Option<&'static str>, &str),
) {
    for (who, paths) in pages {
        if let Some(username) = who {
            b.client.set_window_size(1280, 900).await.unwrap();
            b.sign_in(app, username).await;
        }
        for path in paths {
            visit(*who, path).await;
        }
        if who.is_some() {
            b.client.set_window_size(1280, 900).await.unwrap();
            b.client.goto(&app.url("/")).await.unwrap();
            b.sign_out().await;
        }
    }
}

#[tokio::test]
async fn no_page_of_any_role_has_an_accessibility_violation_on_desktop_or_phone() {
    let axe = axe_source();
    let (w, pages) = world_with_every_page().await;
    let b = browser().await;
    let mut violations = Vec::new();
    let mut views = 0;
    walk(&b, &w.app, &pages, async |who, path| {
        violations.extend(
            audit(&b, &w.app, &axe, path)
                .await
                .into_iter()
                .map(|v| format!("{}: {v}", who.unwrap_or("anonymous"))),
        );
        views += SIZES.len();
    })
    .await;
    assert!(views >= 60, "{views} page views checked");
    assert!(
        violations.is_empty(),
        "{} violations:\n{}",
        violations.len(),
        violations.join("\n")
    );
}
