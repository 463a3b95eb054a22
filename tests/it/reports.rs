//! Reports from a seeded history where every figure is known in advance.

use serde_json::json;

use crate::helpers::t;
use crate::helpers::{World, booking, warrant};

/// Books one person at RCDC; returns the booking id.
async fn book(w: &World, number: &str, booked_at: &str, documents: &[&str]) -> i64 {
    let wso = w.as_("wso1").await;
    let mut b = booking(number);
    b["booked_at"] = json!(booked_at);
    let id = wso.ok(201, "/bookings", b).await["id"].as_i64().unwrap();
    for (i, kind) in documents.iter().enumerate() {
        let mut d = warrant(kind, &format!("{number}-{i}"));
        d["issued_at"] = json!(booked_at);
        d["received_at"] = json!(booked_at);
        wso.ok(201, &format!("/bookings/{id}/documents"), d).await;
    }
    id
}

async fn serve(w: &World, id: i64, at: &str) {
    let wso = w.as_("wso1").await;
    let (_, b) = wso.get(&format!("/bookings/{id}")).await;
    let doc = b["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] != "I-247A")
        .unwrap()["id"]
        .clone();
    wso.ok(
        200,
        &format!("/bookings/{id}/release-point"),
        json!({ "at": at, "reason": "bond_posted" }),
    )
    .await;
    wso.ok(
        201,
        &format!("/bookings/{id}/service"),
        json!({ "document_id": doc, "at": at }),
    )
    .await;
}

/// The history: four people booked with ICE interest from March to November 2026 (one on
/// March 31 late in the evening, which is April 1 in UTC), one just before the period, one
/// without any ICE document.
async fn history() -> World {
    let w = World::new().await;
    w.app.clock.set(t("2026-12-01T12:00:00Z"));
    let a = book(&w, "A", "2026-03-10T09:00:00-05:00", &["I-247A"]).await;
    w.as_("wso1")
        .await
        .ok(
            200,
            &format!("/bookings/{a}/release-point"),
            json!({ "at": "2026-03-12T09:00:00-05:00", "reason": "charges_dismissed" }),
        )
        .await;
    let b = book(&w, "B", "2026-03-15T09:00:00-04:00", &["I-200"]).await;
    serve(&w, b, "2026-03-16T08:00:00Z").await;
    w.as_("ice")
        .await
        .ok(
            200,
            &format!("/bookings/{b}/transfer"),
            json!({ "at": "2026-03-16T18:00:00Z", "receiving_officer": "X" }),
        )
        .await;
    let c = book(&w, "C", "2026-03-31T23:30:00-04:00", &["I-247A", "I-205"]).await;
    serve(&w, c, "2026-04-02T10:00:00Z").await;
    w.as_("sgt")
        .await
        .ok(
            200,
            &format!("/bookings/{c}/release"),
            json!({ "at": "2026-04-04T10:10:00Z", "reason": "clock_expired" }),
        )
        .await;
    let d = book(&w, "D", "2026-11-01T01:30:00-05:00", &["I-200"]).await;
    serve(&w, d, "2026-11-30T12:00:00Z").await;
    book(&w, "E", "2026-02-28T23:00:00-05:00", &["I-200"]).await;
    book(&w, "F", "2026-05-05T10:00:00-04:00", &[]).await;
    w
}

#[tokio::test]
async fn program_statistics_match_the_seeded_history_and_the_csv() {
    let w = history().await;
    let sgt = w.as_("sgt").await;
    let (s, r) = sgt
        .get("/reports/program?facility=RCDC&from=2026-03-01&to=2026-11-30")
        .await;
    assert_eq!(s, 200, "{r}");
    let figures = |names: &[&str]| names.iter().map(|n| r[n].as_i64().unwrap()).collect::<Vec<_>>();
    assert_eq!(
        figures(&[
            "people_with_ice_documents",
            "with_detainer",
            "with_warrant",
            "with_both"
        ]),
        vec![4, 2, 3, 1]
    );
    assert_eq!(
        figures(&[
            "served",
            "transferred",
            "released_at_limit",
            "released_other",
            "igsa_holds",
            "still_held"
        ]),
        vec![3, 1, 1, 1, 0, 1]
    );
    assert_eq!(figures(&["over_detained", "over_detained_seconds_total"]), vec![1, 600]);
    assert_eq!(r["median_service_to_transfer_seconds"], 36_000);
    assert_eq!(r["charges_by_category"]["dwi"], 4);
    assert_eq!(r["charges_by_category"]["traffic"], 4);
    assert_eq!(r["charges_by_category"]["violent"], 0);
    let month = |m: &str| {
        r["by_month"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["month"] == m)
            .unwrap()
            .clone()
    };
    assert_eq!(
        month("2026-03")["people_with_ice_documents"],
        3,
        "March 31, 23:30 EDT is March"
    );
    assert_eq!(month("2026-04")["people_with_ice_documents"], 0);
    assert_eq!(month("2026-11")["people_with_ice_documents"], 1);
    assert_eq!(r["by_month"].as_array().unwrap().len(), 9);

    // The CSV carries the same figures.
    let browser = w.app.login("sgt").await;
    let csv = browser
        .get(
            w.app
                .url("/reports/program.csv?facility=RCDC&from=2026-03-01&to=2026-11-30"),
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let rows: Vec<Vec<String>> = csv
        .lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    let value = |period: &str, figure: &str| {
        rows.iter()
            .find(|r| r[0] == period && r[1] == figure)
            .map(|r| r[2].clone())
            .unwrap()
    };
    for figure in [
        "people_with_ice_documents",
        "with_detainer",
        "with_warrant",
        "with_both",
        "served",
        "transferred",
        "released_at_limit",
        "released_other",
        "still_held",
        "over_detained",
        "over_detained_seconds_total",
        "median_service_to_transfer_seconds",
    ] {
        assert_eq!(value("total", figure), r[figure].to_string(), "{figure}");
    }
    assert_eq!(value("total", "charges.dwi"), "4");
    assert_eq!(value("2026-03", "people_with_ice_documents"), "3");

    // The page shows the over-detention prominently, with charts and their tables.
    let html = browser
        .get(
            w.app
                .url("/reports/program?facility=RCDC&from=2026-03-01&to=2026-11-30"),
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("1 held past the 48-hour limit, 10 min in all"));
    assert!(
        html.contains("<svg") && html.contains("Outcomes by month of booking") && html.contains("Charges by category")
    );
}

#[tokio::test]
async fn reports_are_kept_to_their_roles_and_facilities() {
    let w = history().await;
    assert_eq!(w.as_("wso1").await.get("/reports/program").await.0, 403);
    assert_eq!(w.as_("ice").await.get("/reports/program").await.0, 403);
    assert_eq!(w.as_("sgt").await.get("/reports/program?facility=WAKE").await.0, 403);
    let (s, r) = w
        .as_("wakesgt")
        .await
        .get("/reports/program?from=2026-03-01&to=2026-11-30")
        .await;
    assert_eq!(
        (s, r["people_with_ice_documents"].as_i64()),
        (200, Some(0)),
        "WAKE's supervisor sees WAKE only"
    );
    let (s, r) = w
        .as_("boss")
        .await
        .get("/reports/program?from=2026-03-01&to=2026-11-30")
        .await;
    assert_eq!((s, r["people_with_ice_documents"].as_i64()), (200, Some(4)));
    let officer = w.app.login("wso1").await;
    assert_eq!(
        officer
            .get(w.app.url("/reports/program.csv"))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let (s, e) = w.as_("sgt").await.get("/reports/program?from=2026-13-01").await;
    assert_eq!((s, e["error"]["field"].as_str()), (422, Some("from")));
}

#[tokio::test]
async fn the_public_page_is_opt_in_suppresses_small_counts_and_shows_no_one() {
    let w = history().await;
    let anonymous = crate::helpers::http();
    assert_eq!(
        anonymous.get(w.app.url("/public/RCDC")).send().await.unwrap().status(),
        404,
        "off by default"
    );
    assert_eq!(
        w.as_("sgt")
            .await
            .http_put("/facilities/RCDC/public", json!({ "enabled": true }))
            .await
            .0,
        403
    );
    let malformed = w
        .as_("sgt")
        .await
        .http_put("/facilities/RCDC/public", json!({ "enabled": "yes" }))
        .await
        .0;
    assert_eq!(malformed, 403, "the role is checked before the body");
    let (s, _) = w
        .as_("boss")
        .await
        .http_put("/facilities/RCDC/public", json!({ "enabled": true }))
        .await;
    assert_eq!(s, 200);
    assert!(w.app.audit_actions().await.contains(&"public_page_enabled".to_string()));
    // Only complete months are published: November counts once December has begun.
    w.app.clock.advance(chrono::Duration::days(9));
    let r = anonymous.get(w.app.url("/public/RCDC")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("The last 12 complete months"));
    assert!(
        html.contains(r#"<th scope="row">… with a detainer (I-247A)</th><td class="mono">fewer than 5</td>"#),
        "a small count is suppressed in the table itself, not only named in the explanation"
    );
    // The charts mark a withheld month, never draw it as 0 or as its number.
    assert!(
        html.contains(r#"class="withheld"><title>Nov 2026: "#) && html.contains(" fewer than 5</title>"),
        "a withheld month is marked in the chart"
    );
    assert!(
        html.contains("fewer than 5, or withheld to protect another count"),
        "and named in the legend"
    );
    assert!(
        !html.contains(r#"<title>2026-11: 2 "#) && !html.contains(r#"<title>2026-11: 1 "#),
        "its number is not in a tooltip"
    );
    assert!(
        !html.contains(r#"width="460""#),
        "the charts scale to the page (viewBox only)"
    );
    assert!(html.contains("What the jail does not do"));
    for private in [
        "Doe",
        "John",
        "1990-04-30",
        "012345678",
        "A012-345-678",
        ">A<",
        ">B<",
        "wso1",
        "sgt",
    ] {
        assert!(!html.contains(private), "the public page shows {private}");
    }
    w.as_("boss")
        .await
        .http_put("/facilities/RCDC/public", json!({ "enabled": false }))
        .await;
    assert_eq!(
        anonymous.get(w.app.url("/public/RCDC")).send().await.unwrap().status(),
        404
    );
}

#[tokio::test]
async fn igsa_days_are_billed_per_started_day_at_the_facility_rate() {
    let w = World::new().await;
    w.app.clock.set(t("2026-12-05T12:00:00Z"));
    let boss = w.app.login("boss").await;
    let settings = [
        ("contact", "Jail front desk"),
        ("agreement_start_on", "2020-03-01"),
        ("igsa_daily_rate", "85.50"),
    ];
    assert_eq!(
        w.app
            .post_form(&boss, "/admin/facilities/WAKE/settings", &settings)
            .await
            .status(),
        303
    );
    let sgt = w.as_("wakesgt").await;
    let mut b = booking("G-1");
    b["facility"] = json!("WAKE");
    b["booked_at"] = json!("2026-11-20T10:00:00-05:00");
    let id = sgt.ok(201, "/bookings", b).await["id"].as_i64().unwrap();
    let mut d = warrant("I-200", "W-G");
    d["issued_at"] = json!("2026-11-20T10:00:00-05:00");
    d["received_at"] = json!("2026-11-20T10:00:00-05:00");
    let doc = sgt.ok(201, &format!("/bookings/{id}/documents"), d).await["id"].clone();
    sgt.ok(
        200,
        &format!("/bookings/{id}/release-point"),
        json!({ "at": "2026-11-27T09:00:00-05:00", "reason": "bond_posted" }),
    )
    .await;
    sgt.ok(
        201,
        &format!("/bookings/{id}/service"),
        json!({ "document_id": doc, "at": "2026-11-27T09:00:00-05:00" }),
    )
    .await;
    sgt.ok(
        200,
        &format!("/bookings/{id}/igsa-hold"),
        json!({ "at": "2026-11-28T09:00:00-05:00" }),
    )
    .await;
    w.as_("ice2")
        .await
        .ok(
            200,
            &format!("/bookings/{id}/transfer"),
            json!({ "at": "2026-12-02T08:00:00-05:00", "receiving_officer": "X" }),
        )
        .await;
    let (_, nov) = sgt.get("/reports/igsa?facility=WAKE&month=2026-11").await;
    assert_eq!(
        (
            nov["total_days"].as_i64(),
            nov["daily_rate_cents"].as_i64(),
            nov["total_cents"].as_i64()
        ),
        (Some(3), Some(8550), Some(25650))
    );
    let (_, dec) = sgt.get("/reports/igsa?facility=WAKE&month=2026-12").await;
    assert_eq!(dec["rows"][0]["days"], 2);
    let page = w.app.login("wakesgt").await;
    let csv = page
        .get(w.app.url("/reports/igsa.csv?facility=WAKE&month=2026-11"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let total = csv.lines().find(|l| l.contains(",total,")).unwrap();
    assert!(total.ends_with(",3,8550,25650"), "{total}");
    assert_eq!(
        w.as_("sgt")
            .await
            .get("/reports/igsa?facility=WAKE&month=2026-11")
            .await
            .0,
        403
    );
}

#[tokio::test]
async fn the_compliance_report_counts_each_duty_with_its_cases() {
    let w = history().await;
    let wso = w.as_("wso1").await;
    let (_, list) = wso.get("/bookings?q=D").await;
    let d = list
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["booking_number"] == "D")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let (_, list) = wso.get("/bookings?q=C").await;
    let c = list
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["booking_number"] == "C")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let claim = wso
        .ok(
            201,
            &format!("/bookings/{d}/citizenship-claims"),
            json!({ "at": "2026-11-30T13:00:00Z", "how": "said so" }),
        )
        .await;
    wso.ok(
        200,
        &format!("/bookings/{d}/citizenship-claims/{}/report", claim["id"]),
        json!({ "at": "2026-11-30T15:00:00Z", "method": "phone", "ice_contact": "ERO" }),
    )
    .await;
    wso.ok(
        201,
        &format!("/bookings/{c}/ice-notifications"),
        json!({ "at": "2026-04-02T10:30:00Z", "method": "phone", "contact": "ERO", "kind": "post_service" }),
    )
    .await;
    let complaint = wso.ok(201, "/complaints", json!({ "facility": "RCDC", "received_at": "2026-06-05T16:00:00-04:00", "complainant": "X", "officers": [], "summary": "S" })).await;
    wso.ok(
        200,
        &format!("/complaints/{}/ice-notified", complaint["id"]),
        json!({ "at": "2026-06-10T10:00:00-04:00", "method": "e-mail", "ice_contact": "OPR" }),
    )
    .await;

    let (s, r) = w
        .as_("sgt")
        .await
        .get("/reports/compliance?facility=RCDC&from=2026-03-01&to=2026-11-30")
        .await;
    assert_eq!(s, 200, "{r}");
    let ids = |figure: &str| {
        r[figure]["ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(r["services"]["count"], 3);
    assert_eq!(
        r["services_by_ineligible_officers"]["count"], 0,
        "0 by construction, shown anyway"
    );
    assert_eq!(ids("post_service_notice_on_time"), vec![c]);
    assert_eq!(r["post_service_notice_missing"]["count"], 2);
    assert_eq!(ids("citizenship_claims_reported_late"), vec![d]);
    assert_eq!(ids("holds_past_48_hours"), vec![c]);
    assert_eq!(r["holds_past_48_hours_seconds"], 600);
    assert_eq!(ids("complaints_sent_late"), vec![complaint["id"].as_i64().unwrap()]);
    assert!(
        r["officers_at_period_end"]["rookie"]
            .as_array()
            .unwrap()
            .contains(&json!("no_certification"))
    );
    assert_eq!(r["officers_at_period_end"]["wso1"], json!([]));
    let page = w.app.login("sgt").await;
    let html = page
        .get(
            w.app
                .url("/reports/compliance?facility=RCDC&from=2026-03-01&to=2026-11-30"),
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(&format!(r#"href="/bookings/{c}">C</a>"#)) && html.contains("Held past the limit"));
    assert!(
        !html.contains(&format!(r#">#{c}</a>"#)),
        "cases are named by booking number, not internal id"
    );
    assert_eq!(w.as_("ice").await.get("/reports/compliance?facility=RCDC").await.0, 403);
}

/// The rows of the first (last 12 complete months) table of the public page: label → value.
fn public_rows(html: &str) -> Vec<(String, String)> {
    let table = html.split("<tbody>").nth(1).unwrap().split("</tbody>").next().unwrap();
    table
        .split("<tr>")
        .skip(1)
        .map(|row| {
            let label = row
                .split("<th scope=\"row\">")
                .nth(1)
                .unwrap()
                .split("</th>")
                .next()
                .unwrap();
            let value = row
                .split("<td class=\"mono\">")
                .nth(1)
                .unwrap()
                .split("</td>")
                .next()
                .unwrap();
            (label.to_string(), value.to_string())
        })
        .collect()
}

#[tokio::test]
async fn no_small_count_on_the_public_page_follows_from_the_others() {
    let w = World::new().await;
    let wso = w.as_("wso1").await;
    // Six people with ICE paper: five with a detainer only, one with a warrant only. Without
    // complementary suppression: total 6, detainer 5, both 0, so "warrant: fewer than 5" = 1.
    for i in 0..6 {
        let id = wso.ok(201, "/bookings", booking(&format!("S-{i}"))).await["id"]
            .as_i64()
            .unwrap();
        let doc = if i < 5 {
            warrant("I-247A", &format!("D-{i}"))
        } else {
            warrant("I-200", "W-1")
        };
        wso.ok(201, &format!("/bookings/{id}/documents"), doc).await;
    }
    w.as_("boss")
        .await
        .http_put("/facilities/RCDC/public", json!({ "enabled": true }))
        .await;
    w.app.clock.advance(chrono::Duration::days(9));
    let html = crate::helpers::http()
        .get(w.app.url("/public/RCDC"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let rows = public_rows(&html);
    let value = |label: &str| rows.iter().find(|(l, _)| l.starts_with(label)).unwrap().1.clone();
    assert_eq!(value("People booked"), "6");
    assert_eq!(value("… with a warrant"), "fewer than 5");
    let hidden = ["People booked", "… with a detainer", "… with a warrant", "… with both"]
        .iter()
        .filter(|l| !value(l).chars().all(|c| c.is_ascii_digit()))
        .count();
    assert!(hidden >= 2, "a second cell is withheld: {rows:?}");
    assert!(html.contains("withheld"));
}
