//! The desk and the control room, second pass (issue 25): the urgent thing first on every
//! screen. Each story is told in real Chromium against the real server, measured by element
//! positions and texts, as an officer at 3 a.m. would meet it.

use fantoccini::Locator;
use serde_json::{Value, json};

use crate::browser::{Browser, browser, phone};
use crate::helpers::{World, booking, t, warrant};

/// The test clock's now: 2026-11-23 12:00Z (07:00 in New York).
const NOW: &str = "2026-11-23T12:00:00Z";

/// A person at RCDC held on a served warrant: booked, warrant, point of release on
/// 2026-11-20, served at `served_at` (so the deadline is 48 h later).
async fn held(w: &World, number: &str, last_name: &str, served_at: &str) -> i64 {
    let wso = w.as_("wso1").await;
    let mut b = booking(number);
    b["last_name"] = json!(last_name);
    let id = wso.ok(201, "/bookings", b).await["id"].as_i64().unwrap();
    let doc = wso
        .ok(
            201,
            &format!("/bookings/{id}/documents"),
            warrant("I-200", &format!("W-{number}")),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    wso.ok(
        200,
        &format!("/bookings/{id}/release-point"),
        json!({ "at": "2026-11-20T17:00:00Z", "reason": "bond_posted" }),
    )
    .await;
    wso.ok(
        201,
        &format!("/bookings/{id}/service"),
        json!({ "document_id": doc, "at": served_at }),
    )
    .await;
    id
}

/// `n` running clocks, one overdue ("Aaron", deadline 2 h ago), the others from 3 h to 40 h
/// left; returns the overdue one's id.
async fn board_of(w: &World, n: usize) -> i64 {
    let overdue = held(w, "B-00", "Aaron", "2026-11-21T10:00:00Z").await;
    for i in 1..n {
        // Served between 2026-11-21 15:00Z and 2026-11-23 04:00Z: 3 h to 40 h left.
        let served = t("2026-11-21T15:00:00Z") + chrono::Duration::minutes(((i - 1) * 37 * 60 / n.max(2)) as i64);
        held(w, &format!("B-{i:02}"), &format!("Person{i:02}"), &served.to_rfc3339()).await;
    }
    overdue
}

/// Runs `script` (a function body returning a value) in the page.
async fn js(b: &Browser, script: &str) -> Value {
    b.client.execute(script, vec![]).await.unwrap()
}

/// Sizes the window so that the page's viewport is `width`×`height` (headless Chromium's
/// window includes a frame the page does not get).
async fn at_size(b: &Browser, width: u32, height: u32) {
    b.client.set_window_size(width, height).await.unwrap();
    let frame = js(
        b,
        "return [window.outerWidth - window.innerWidth, window.outerHeight - window.innerHeight]",
    )
    .await;
    let (dw, dh) = (
        frame[0].as_u64().unwrap_or(0) as u32,
        frame[1].as_u64().unwrap_or(0) as u32,
    );
    if dw > 0 || dh > 0 {
        b.client.set_window_size(width + dw, height + dh).await.unwrap();
    }
}

/// The first screen of the phone board shows the most urgent people, each a compact row
/// with one action; the navigation does not push them down.
#[tokio::test]
async fn on_a_phone_the_board_s_first_screen_shows_the_most_urgent_people() {
    let w = World::new().await;
    board_of(&w, 14).await;
    for user in ["sgt", "ice"] {
        let b = phone(390, 844).await;
        b.sign_in(&w.app, user).await;
        b.client.goto(&w.app.url("/transfers/pending")).await.unwrap();
        let m = js(
            &b,
            "const rows = [...document.querySelectorAll('[data-list=pending] tr[data-booking]')];
             const r = el => el.getBoundingClientRect();
             const release = document.querySelector('[data-list=pending] button');
             return { screen: window.innerHeight, width: window.innerWidth, page: document.documentElement.scrollWidth, header: r(document.querySelector('header.site-header')).height,
                      first: rows[0].textContent, bottoms: rows.slice(0, 3).map(x => r(x).bottom),
                      heights: rows.map(x => r(x).height), release: release ? r(release).height : null };",
        )
        .await;
        if user == "sgt" {
            b.snap("phone-board").await;
        }
        let screen = m["screen"].as_f64().unwrap();
        assert_eq!(
            (m["width"].as_f64(), screen),
            (Some(390.0), 844.0),
            "the phone's viewport"
        );
        assert!(
            m["page"].as_f64().unwrap() <= 390.0,
            "{user}: nothing wider than the phone: {m}"
        );
        assert!(
            m["first"].as_str().unwrap().contains("Aaron"),
            "{user}: the overdue person leads: {m}"
        );
        for bottom in m["bottoms"].as_array().unwrap() {
            assert!(
                bottom.as_f64().unwrap() <= screen,
                "{user}: the three most urgent rows on the first screen: {m}"
            );
        }
        assert!(
            m["header"].as_f64().unwrap() <= 130.0,
            "{user}: navigation collapsed: {m}"
        );
        for h in m["heights"].as_array().unwrap() {
            assert!(h.as_f64().unwrap() <= 130.0, "{user}: compact rows: {m}");
        }
        if user == "sgt" {
            assert!(
                m["release"].as_f64().unwrap() >= 44.0,
                "Release now is a 44 px target: {m}"
            );
        }
    }
}

/// The overdue alert leads; "acknowledge all" leaves what still needs action and names it;
/// acknowledging one returns to the same place with the same filter.
#[tokio::test]
async fn alerts_lead_with_what_is_overdue_and_keep_the_place() {
    let w = World::new().await;
    let late = held(&w, "L-1", "Late", "2026-11-21T10:00:00Z").await;
    wso_tracker::alerts::check_deadlines(&w.app.db, t(NOW), &[12, 4, 1], "wso@example.org")
        .await
        .unwrap();
    // Routine notices raised after it, newer.
    let fresh = held(&w, "F-1", "Fresh", "2026-11-23T11:30:00Z").await;
    held(&w, "F-2", "Fresher", "2026-11-23T11:40:00Z").await;

    let sgt = w.app.login("sgt").await;
    let html = w.app.page(&sgt, "/alerts").await;
    let first = html
        .split("data-kind=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap();
    assert_eq!(first, "deadline_passed", "the passed deadline comes first");
    assert!(html.contains("still need"), "what needs action is named");
    let passed: i64 = sqlx::query_scalar("SELECT id FROM alerts WHERE kind = 'deadline_passed'")
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    let ack_all = html
        .split("action=\"/alerts/ack\"")
        .nth(1)
        .unwrap()
        .split("</form>")
        .next()
        .unwrap();
    assert!(
        !ack_all.contains(&format!("value=\"{passed}\"")),
        "acknowledge all leaves it out"
    );

    // Even when its id is sent with the others, "acknowledge all" does not clear it.
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM alerts ORDER BY id")
        .fetch_all(&w.app.db)
        .await
        .unwrap();
    let fields: Vec<(&str, String)> = ids.iter().map(|i| ("id", i.to_string())).collect();
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    w.app.post_form(&sgt, "/alerts/ack", &borrowed).await;
    let still: i64 = sqlx::query_scalar("SELECT count(*) FROM alert_acks WHERE alert_id = $1")
        .bind(passed)
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    assert_eq!(still, 0, "the overdue alert still needs someone");
    let _ = (late, fresh);

    // In the browser: acknowledge one under "only those needing me"; the page comes back
    // filtered, at that case.
    let b = browser().await;
    b.sign_in(&w.app, "sgt").await;
    b.client.goto(&w.app.url("/alerts?show=unread")).await.unwrap();
    b.snap("alerts-by-urgency").await;
    b.client
        .find(Locator::Css(&format!("#alert-{passed} button")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.client
        .wait()
        .for_element(Locator::Css(".flash-success"))
        .await
        .unwrap();
    let url = b.client.current_url().await.unwrap();
    assert_eq!(url.query(), Some("show=unread&kind=&page=1"), "{url}");
    assert_eq!(url.fragment(), Some(format!("case-{late}").as_str()), "{url}");
}

/// After service the case page, the board row and the dashboard say when ICE must be told,
/// until the notice is logged.
#[tokio::test]
async fn the_post_service_notice_is_shown_until_it_is_logged() {
    let w = World::new().await;
    let id = held(&w, "N-1", "Notice", "2026-11-23T11:30:00Z").await;
    let b = browser().await;
    b.sign_in(&w.app, "wso1").await;
    let text = |path: &'static str| {
        let b = &b;
        let w = &w;
        async move {
            b.client.goto(&w.app.url(path)).await.unwrap();
            b.client.find(Locator::Css("main")).await.unwrap().text().await.unwrap()
        }
    };
    let case_path: &'static str = Box::leak(format!("/bookings/{id}").into_boxed_str());
    assert!(text(case_path).await.contains("Tell ICE by 07:30 EST"), "the case page");
    assert!(
        text("/transfers/pending").await.contains("Tell ICE by 07:30 EST"),
        "the board row"
    );
    assert!(text("/").await.contains("due by 07:30 EST"), "the officer's dashboard");
    // The notice form leads, proposing the post-service notice.
    b.client.goto(&w.app.url(case_path)).await.unwrap();
    b.snap("case-notice-due").await;
    let kind = js(
        &b,
        "return document.querySelector('.next-step #notification-kind').value",
    )
    .await;
    assert_eq!(kind, json!("post_service"));

    w.as_("wso1")
        .await
        .ok(
            201,
            &format!("/bookings/{id}/ice-notifications"),
            json!({ "kind": "post_service", "at": "2026-11-23T11:45:00Z", "method": "phone", "contact": "ERO desk" }),
        )
        .await;
    for path in [case_path, "/transfers/pending", "/"] {
        assert!(!text(path).await.contains("Tell ICE"), "{path}: logged, no longer due");
    }
}

/// Under one hour left is a stage of its own, in words and shape, on the board, the case
/// page, the wall and the tab's title; the API keeps its four words.
#[tokio::test]
async fn the_last_hour_is_a_stage_of_its_own() {
    let w = World::new().await;
    // Served 2026-11-21 12:21Z: 21 minutes left at 12:00Z on the 23rd.
    let id = held(&w, "H-1", "Hour", "2026-11-21T12:21:00Z").await;
    let b = browser().await;
    b.sign_in(&w.app, "sgt").await;
    b.client.goto(&w.app.url("/transfers/pending")).await.unwrap();
    assert_eq!(
        b.client.title().await.unwrap(),
        "(1 under 1 h) Pending transfers · wso-tracker"
    );
    let row = js(
        &b,
        "const r = document.querySelector('[data-list=pending] tr'); return [r.className, r.textContent, getComputedStyle(r).outlineStyle];",
    )
    .await;
    assert_eq!(row[0], json!("stage-1h"));
    assert!(row[1].as_str().unwrap().contains("Under 1 h left"), "{row}");
    assert_eq!(row[2], json!("dashed"), "a shape, not only a colour");
    b.client.goto(&w.app.url(&format!("/bookings/{id}"))).await.unwrap();
    let clock = b
        .client
        .find(Locator::Css("section.clock h2"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(clock.contains("Under one hour left"), "{clock}");
    let api = w.as_("sgt").await;
    let (_, list) = api.get("/transfers/pending").await;
    assert_eq!(list[0]["stage"], json!("within_4h"), "the API's words stay: {list}");
}

/// A wall display fits every running clock or says how many more: the most urgent always in
/// view, at 1920×1080 and 1280×720, with thirty clocks.
#[tokio::test]
async fn the_wall_display_shows_the_most_urgent_and_counts_the_rest() {
    let w = World::new().await;
    board_of(&w, 30).await;
    let boss = w.app.login("boss").await;
    let r = w
        .app
        .post_form(&boss, "/admin/displays", &[("facility", "RCDC"), ("name", "Wall")])
        .await;
    let html = r.text().await.unwrap();
    let path = html
        .split(r#"<p class="mono created-path"><a href=""#)
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .to_string();
    let b = browser().await;
    for (width, height) in [(1920, 1080), (1280, 720)] {
        at_size(&b, width, height).await;
        b.client.goto(&w.app.url(&path)).await.unwrap();
        let m = js(
            &b,
            "const rows = [...document.querySelectorAll('.wall-table tbody tr')];
             const more = document.querySelector('.wall-more');
             return { screen: window.innerHeight, width: window.innerWidth,
                      scroll: document.documentElement.scrollHeight,
                      first: rows[0].textContent, shown: rows.length,
                      lowest: Math.max(...rows.map(r => r.getBoundingClientRect().bottom)),
                      wrapped: rows.filter(r => r.getBoundingClientRect().height > 2.2 * parseFloat(getComputedStyle(r).fontSize)).length,
                      cut: rows.flatMap(r => [...r.cells].slice(1)).filter(c => c.scrollWidth > c.clientWidth).map(c => c.textContent),
                      more: more ? more.getAttribute('data-more') : null,
                      moreText: more ? more.textContent : '',
                      moreBottom: more ? more.getBoundingClientRect().bottom : 1e9 };",
        )
        .await;
        if width == 1920 {
            b.snap("display-thirty").await;
        }
        let at = format!("{width}×{height}: {m}");
        assert!(
            m["first"].as_str().unwrap().contains("Aaron"),
            "the most urgent first, {at}"
        );
        let shown = m["shown"].as_u64().unwrap();
        let more: u64 = m["more"].as_str().expect("the rest is counted").parse().unwrap();
        assert_eq!(shown + more, 30, "every clock shown or counted, {at}");
        assert!(m["moreText"].as_str().unwrap().contains("next deadline"), "{at}");
        let screen = m["screen"].as_f64().unwrap();
        assert!(m["lowest"].as_f64().unwrap() <= screen, "every shown row in view, {at}");
        assert!(m["moreBottom"].as_f64().unwrap() <= screen, "the count in view, {at}");
        assert!(
            m["scroll"].as_f64().unwrap() <= screen + 1.0,
            "nothing below the screen, {at}"
        );
        assert_eq!(m["wrapped"], json!(0), "one line per row, {at}");
        assert_eq!(m["cut"], json!([]), "only a long name may be cut short, {at}");
    }
}

/// The case page leads with one next step; the others wait behind "Other actions"; no
/// document kind is chosen for the officer.
#[tokio::test]
async fn the_case_page_offers_one_next_step_first() {
    let w = World::new().await;
    let wso = w.as_("wso1").await;
    let id = wso.ok(201, "/bookings", booking("C-1")).await["id"].as_i64().unwrap();
    let b = browser().await;
    b.sign_in(&w.app, "wso1").await;
    b.client.goto(&w.app.url(&format!("/bookings/{id}"))).await.unwrap();
    let m = js(
        &b,
        "const next = document.querySelectorAll('.next-step section.card');
         const others = document.querySelector('details.other-actions');
         const facts = document.querySelector('dl.facts').getBoundingClientRect().top;
         return { primary: next.length, id: next[0].id, before_facts: next[0].getBoundingClientRect().top < facts,
                  others_open: others ? others.open : null,
                  others: others ? others.querySelectorAll('section.card').length : 0,
                  kind: document.querySelector('#document-kind').value };",
    )
    .await;
    assert_eq!(m["primary"], json!(1), "one primary step: {m}");
    assert_eq!(
        m["id"],
        json!("document"),
        "a booking without a warrant: record the ICE document: {m}"
    );
    assert_eq!(m["before_facts"], json!(true), "at the top: {m}");
    assert_eq!(m["others_open"], json!(false), "the rest behind a summary: {m}");
    assert!(m["others"].as_u64().unwrap() >= 2, "{m}");
    assert_eq!(m["kind"], json!(""), "no preset kind: {m}");
}

/// Text meets the enhanced contrast (7:1, WCAG AAA) where officers read at night: the grey
/// hints on `/alerts` failed it.
#[tokio::test]
async fn text_meets_enhanced_contrast_on_the_busiest_pages() {
    let w = World::new().await;
    let id = held(&w, "K-1", "Contrast", "2026-11-21T12:21:00Z").await;
    wso_tracker::alerts::check_deadlines(&w.app.db, t(NOW), &[12, 4, 1], "wso@example.org")
        .await
        .unwrap();
    let axe = crate::a11y::axe_source();
    let b = browser().await;
    let mut found = Vec::new();
    let mut paths = vec!["/login".to_string()];
    paths.extend(["/alerts", "/transfers/pending", "/"].map(String::from));
    paths.push(format!("/bookings/{id}"));
    for path in &paths {
        if path == "/alerts" {
            b.sign_in(&w.app, "sgt").await;
        }
        b.client.goto(&w.app.url(path)).await.unwrap();
        b.client.execute(&axe, vec![]).await.unwrap();
        let r = b
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, { runOnly: ['color-contrast-enhanced'] })
                   .then(r => done(r.violations.flatMap(v => v.nodes.slice(0, 5).map(n => n.target.join(' ') + ': ' + n.failureSummary))))
                   .catch(e => done(['axe failed: ' + e]));",
                vec![],
            )
            .await
            .unwrap();
        for v in r.as_array().unwrap() {
            found.push(format!("{path}: {}", v.as_str().unwrap()));
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}

/// On a phone the case page of a held person is not a wall of forms: the clock, the one next
/// step, then the facts; the rest closed (it was 4,833 px).
#[tokio::test]
async fn on_a_phone_the_case_page_is_short() {
    let w = World::new().await;
    let id = held(&w, "P-1", "Phone", "2026-11-23T11:30:00Z").await;
    let b = phone(390, 844).await;
    b.sign_in(&w.app, "sgt").await;
    b.client.goto(&w.app.url(&format!("/bookings/{id}"))).await.unwrap();
    b.snap("phone-case").await;
    let m = js(
        &b,
        "const r = s => document.querySelector(s).getBoundingClientRect();
         return { height: document.documentElement.scrollHeight, width: document.documentElement.scrollWidth,
                  clock: r('section.clock').top, step: r('.next-step').top };",
    )
    .await;
    assert!(m["width"].as_f64().unwrap() <= 390.0, "{m}");
    assert!(
        m["clock"].as_f64().unwrap() < 844.0,
        "the clock on the first screen: {m}"
    );
    assert!(
        m["step"].as_f64().unwrap() < 844.0,
        "the next step begins on the first screen: {m}"
    );
    assert!(m["height"].as_f64().unwrap() < 3500.0, "{m}");
}
