//! The audit log of one person (issue 25, item 10): found by the booking number officers know,
//! an unknown number answered on the same page with the filters kept, the detail in words,
//! entry numbers on one line; and the roster fits a 1280 px window.

use serde_json::json;

use crate::browser::browser;
use crate::helpers::World;

/// Two cases, one released at its limit (its point of release "bond posted").
async fn two_cases(w: &World) -> (i64, i64) {
    let first = w.served("AP-1").await;
    let second = w.served("AP-2").await;
    w.app.clock.advance(chrono::Duration::days(1));
    w.as_("sgt")
        .await
        .ok(
            200,
            &format!("/bookings/{first}/release"),
            json!({ "at": "2026-11-24T09:00:00Z", "reason": "clock_expired" }),
        )
        .await;
    (first, second)
}

/// The rows of the audit page's table.
fn rows(html: &str) -> Vec<&str> {
    html.split("<tbody>")
        .nth(1)
        .map(|b| b.split("</tbody>").next().unwrap_or(""))
        .unwrap_or("")
        .split("<tr>")
        .skip(1)
        .collect()
}

#[tokio::test]
async fn the_audit_log_is_searched_by_booking_number_and_reads_as_words() {
    let w = World::new().await;
    let (first, second) = two_cases(&w).await;
    let boss = w.app.login("boss").await;

    // By the number on the booking: that case's entries only, named by its number.
    let r = boss
        .get(w.app.url("/admin/audit?booking_number=AP-1"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    let found = rows(&html);
    assert!(
        found.len() >= 5,
        "booked, document, release point, service, release: {}",
        found.len()
    );
    assert!(
        found
            .iter()
            .all(|r| r.contains(&format!("href=\"/bookings/{first}\">AP-1</a>"))),
        "every entry is about AP-1, named by its number"
    );
    assert!(!html.contains(&format!("/bookings/{second}\"")));
    // The detail as "Label: value" lines, not JSON.
    assert!(html.contains("<li>Reason: Bond posted</li>"), "the point of release");
    assert!(html.contains("<li>Reason: 48-hour clock expired</li>"), "the release");
    assert!(html.contains("<li>A-number: A012-345-678</li>"));
    assert!(!html.contains("&quot;reason&quot;") && !html.contains("bond_posted"));
    // Entry numbers are kept on one line.
    assert!(html.contains(r##"<td data-label="#" class="mono nowrap">"##));
    // The old parameter (a booking id, a documented contract of the API) still works.
    let by_id = w.app.page(&boss, &format!("/admin/audit?booking={first}")).await;
    assert_eq!(rows(&by_id).len(), found.len());
    assert!(by_id.contains("Showing one case: booking"));

    // An unknown number: the same page, the error beside the field, the filters kept.
    let r = boss
        .get(
            w.app
                .url("/admin/audit?actor=wso1&booking_number=AP-404&from=2026-11-01"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("<h1>Audit log</h1>") && html.contains("<nav"),
        "the whole page"
    );
    assert!(html.contains(r#"<div class="error-summary" role="alert""#));
    assert!(html.contains(r##"<a href="#booking_number">no booking has the number AP-404"##));
    assert!(html.contains(r#"id="booking_number-error""#));
    assert!(html.contains(r#"name="booking_number" value="AP-404""#));
    assert!(html.contains(r#"name="actor" value="wso1""#));
    assert!(html.contains(r#"name="from" type="date" value="2026-11-01""#));
    // Narrowed to another facility, a known number is unknown there.
    let r = boss
        .get(w.app.url("/admin/audit?booking_number=AP-1&facility=WAKE"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("no booking has the number AP-1 at WAKE")
    );

    // The API takes the same parameter, and refuses an unknown number by field.
    let api = w.as_("boss").await;
    let (s, entries) = api.get("/audit?booking_number=AP-1").await;
    assert_eq!(s, 200);
    let entries = entries.as_array().unwrap();
    assert_eq!(entries.len(), found.len());
    assert!(entries.iter().all(|e| e["booking_id"] == first));
    let (s, e) = api.get("/audit?booking_number=AP-404").await;
    assert_eq!(
        (s, e["error"]["code"].as_str(), e["error"]["field"].as_str()),
        (422, Some("validation_failed"), Some("booking_number"))
    );
}

/// How many lines the text of each element matching `css` takes (its line boxes).
const LINES: &str = "return [...document.querySelectorAll(arguments[0])].map(e => {
    const r = document.createRange(); r.selectNodeContents(e);
    return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size; });";

#[tokio::test]
async fn entry_numbers_stay_on_one_line_and_the_roster_fits_1280() {
    let w = World::new().await;
    two_cases(&w).await;
    // Roster rows as a jail has them: full names, two facilities, every step dated, one revoked.
    let sgt = w.app.login("sgt").await;
    for (username, name) in [
        ("cmontgomery", "Christopher Montgomery-Washington"),
        ("aoconnor", "Anne-Marie O'Connor-Fitzgerald"),
    ] {
        let user = wso_tracker::services::accounts::NewUser {
            full_name: Some(name.into()),
            username: username.into(),
            role: "officer".into(),
            email: None,
            facilities: vec!["RCDC".into(), "WAKE".into()],
            agencies: vec![],
            password: crate::helpers::PASSWORD.into(),
            api_only: false,
        };
        wso_tracker::services::accounts::create_user(
            &w.app.db,
            user,
            wso_tracker::services::accounts::Actor::CLI,
            w.app.clock.now(),
        )
        .await
        .unwrap();
        let fields = [
            ("username", username),
            ("nominated_on", "2026-01-02"),
            ("background_cleared_on", "2026-02-03"),
            ("trained_on", "2026-03-04"),
            ("certified_on", "2026-04-05"),
            ("expires_on", "2027-04-04"),
        ];
        let r = w.app.post_form(&sgt, "/roster/certifications", &fields).await;
        assert_eq!(r.status(), 303);
    }
    let r = w
        .app
        .post_form(
            &sgt,
            "/roster/revocations",
            &[
                ("username", "aoconnor"),
                ("reason", "Reassigned to the courthouse detail"),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert!(r.status().is_redirection(), "{}", r.status());
    let b = browser().await;
    b.client.set_window_size(1280, 900).await.unwrap();
    b.sign_in(&w.app, "boss").await;
    b.client.goto(&w.app.url("/admin/audit")).await.unwrap();
    let lines = b
        .client
        .execute(LINES, vec![json!("table.data td[data-label='#']")])
        .await
        .unwrap();
    let lines: Vec<i64> = serde_json::from_value(lines).unwrap();
    assert!(!lines.is_empty());
    assert!(lines.iter().all(|n| *n == 1), "entry numbers on one line: {lines:?}");
    b.sign_out().await;

    b.sign_in(&w.app, "sgt").await;
    b.client.goto(&w.app.url("/roster")).await.unwrap();
    let fit = b
        .client
        .execute(
            "const t = document.querySelector('table.data');
             return [t.getBoundingClientRect().right, document.documentElement.clientWidth,
                     document.documentElement.scrollWidth];",
            vec![],
        )
        .await
        .unwrap();
    let fit: Vec<f64> = serde_json::from_value(fit).unwrap();
    assert!(
        fit[0] <= fit[1] && fit[2] <= fit[1],
        "the roster within the window: table right {}, window {}, page {}",
        fit[0],
        fit[1],
        fit[2]
    );
    let headers = b
        .client
        .execute(LINES, vec![json!("table.data thead th")])
        .await
        .unwrap();
    let headers: Vec<i64> = serde_json::from_value(headers).unwrap();
    assert!(headers.iter().all(|n| *n == 1), "each heading on one line: {headers:?}");
    // Cells may wrap between words (or after a hyphen), never inside one ("Offic/er").
    let broken = b
        .client
        .execute(
            "const out = [];
             const walker = document.createTreeWalker(document.querySelector('table.data'), NodeFilter.SHOW_TEXT);
             for (let n = walker.nextNode(); n; n = walker.nextNode()) {
               for (const m of n.textContent.matchAll(/[^\\s-]+/g)) {
                 const r = document.createRange(); r.setStart(n, m.index); r.setEnd(n, m.index + m[0].length);
                 if (new Set([...r.getClientRects()].map(x => Math.round(x.top))).size > 1) out.push(m[0]);
               }
             }
             return out;",
            vec![],
        )
        .await
        .unwrap();
    let broken: Vec<String> = serde_json::from_value(broken).unwrap();
    assert!(broken.is_empty(), "words broken over lines: {broken:?}");
}
