//! The oversight view (issue 28): an oversight body granted two agencies reads their figures
//! month by month and together, equal to the counts of a hand-built fixture, small counts and
//! the cells that would reveal them withheld; no person anywhere in the page, the API or the
//! export; every view audited; nobody else reads it.

use chrono::Duration;
use serde_json::{Value, json};

use crate::helpers::{World, booking, warrant};

/// DEFAULT (the world's RCDC) with six services in November 2026, five picked up in time; DUR-SO
/// with two, one picked up 90 minutes late. `state` is granted both, `dstate` DUR-SO only.
async fn fixture() -> World {
    let w = World::new().await;
    let app = &w.app;
    app.second_agency(true).await;
    app.user_of("state", "oversight", &["DEFAULT", "DUR-SO"], &[]).await;
    app.user_of("dstate", "oversight", &["DUR-SO"], &[]).await;
    let ice = w.as_("ice").await;
    for n in 1..=6 {
        let id = w.served(&format!("OV-{n}")).await; // served 2026-11-22 09:00Z
        if n <= 5 {
            let body = json!({ "at": "2026-11-23T11:00:00Z", "receiving_officer": "SDDO Rivera" });
            ice.ok(200, &format!("/bookings/{id}/transfer"), body).await;
        }
    }
    let (dwso, dsgt) = (app.api("dwso").await, app.api("dsgt").await);
    let mut ids = vec![];
    for n in 1..=2 {
        let mut b = booking(&format!("DV-{n}"));
        b["facility"] = json!("DURH");
        let id = dwso.ok(201, "/bookings", b).await["id"].as_i64().unwrap();
        let doc = dwso
            .ok(201, &format!("/bookings/{id}/documents"), warrant("I-200", "W-9"))
            .await["id"]
            .clone();
        let release = json!({ "at": "2026-11-21T08:00:00Z", "reason": "bond_posted" });
        dwso.ok(200, &format!("/bookings/{id}/release-point"), release).await;
        let service = json!({ "document_id": doc, "at": "2026-11-21T09:00:00Z" });
        dwso.ok(201, &format!("/bookings/{id}/service"), service).await;
        ids.push(id);
    }
    // Certification lapses in November: five DEFAULT officers' ran out (one more renewed in
    // time, one revoked: neither is a lapse; one runs out in December), one DUR-SO officer's.
    let certify = |who: &'static str, from: &'static str, to: &'static str, revoked: bool| {
        let db = app.admin_db.clone();
        async move {
            sqlx::query(
                "INSERT INTO wso_certifications (user_id, certified_on, expires_on, recorded_at, revoked_at, revoked_reason)
                 SELECT id, $2::date, $3::date, now(), CASE WHEN $4 THEN now() END, CASE WHEN $4 THEN 'misconduct' END
                 FROM users WHERE username = $1",
            )
            .bind(who)
            .bind(from)
            .bind(to)
            .bind(revoked)
            .execute(&db)
            .await
            .unwrap();
        }
    };
    for n in 1..=5 {
        let who: &'static str = Box::leak(format!("lapsed{n}").into_boxed_str());
        app.user_of(who, "officer", &["DEFAULT"], &["RCDC"]).await;
        certify(who, "2024-11-01", "2026-11-05", false).await;
    }
    for who in ["renewed", "revoked", "later"] {
        app.user_of(who, "officer", &["DEFAULT"], &["RCDC"]).await;
    }
    certify("renewed", "2024-11-01", "2026-11-05", false).await;
    certify("renewed", "2026-11-06", "2028-11-05", false).await;
    certify("revoked", "2024-11-01", "2026-11-05", true).await;
    certify("later", "2024-12-01", "2026-12-05", false).await;
    app.user_of("dlapsed", "officer", &["DUR-SO"], &["DURH"]).await;
    certify("dlapsed", "2024-11-01", "2026-11-12", false).await;
    // DV-1 picked up 90 minutes past its deadline (2026-11-23 09:00Z).
    app.clock.advance(Duration::hours(1));
    let late = json!({ "at": "2026-11-23T10:30:00Z", "receiving_officer": "SDDO Rivera", "late_reason": "ICE transport delayed" });
    dsgt.ok(200, &format!("/bookings/{}/transfer", ids[0]), late).await;
    w
}

fn month<'a>(v: &'a Value, agency: Option<&str>) -> &'a Value {
    match agency {
        Some(code) => {
            let a = v["agencies"]
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["code"] == code)
                .unwrap();
            &a["months"][0]
        }
        None => &v["state"][0],
    }
}

/// No person in an answer: names, booking numbers, A-numbers, birth dates of the fixture.
fn no_person(body: &str) {
    for word in ["Doe", "John", "OV-1", "DV-1", "A12-345-678", "1990-04-30"] {
        assert!(!body.contains(word), "`{word}` in {body}");
    }
}

#[tokio::test]
async fn the_figures_equal_the_fixture_s_counts_with_small_cells_withheld_and_no_person_anywhere() {
    let w = fixture().await;
    let app = &w.app;
    let state = app.api("state").await;
    let (status, v) = state.get("/oversight?from=2026-11&to=2026-11").await;
    assert_eq!(status, 200, "{v}");
    no_person(&v.to_string());
    let codes: Vec<&str> = v["agencies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["DEFAULT", "DUR-SO"]);
    let (default, dur, all) = (month(&v, Some("DEFAULT")), month(&v, Some("DUR-SO")), month(&v, None));
    assert_eq!(all["month"], "2026-11");

    // Services: DEFAULT 6, DUR-SO 2 (small): DUR-SO's hidden, and DEFAULT's withheld with it,
    // or 8 − 6 would tell it; the total 8 is shown.
    assert_eq!(
        (&default["services"], &dur["services"], &all["services"]),
        (&Value::Null, &Value::Null, &json!(8))
    );
    assert!(default["suppressed"].as_array().unwrap().contains(&json!("services")));
    // Transfers within 48 h: DEFAULT 5, DUR-SO 0: nothing small, all shown.
    assert_eq!(
        (
            &default["transfers_within_48h"],
            &dur["transfers_within_48h"],
            &all["transfers_within_48h"]
        ),
        (&json!(5), &json!(0), &json!(5))
    );
    // Over-detentions: DUR-SO 1 (small) and the total 1 (small); DEFAULT's 0 is shown, never null.
    assert_eq!(
        (
            &default["over_detentions"],
            &dur["over_detentions"],
            &all["over_detentions"]
        ),
        (&json!(0), &Value::Null, &Value::Null)
    );
    assert_eq!(
        (&dur["over_detention_hours"], &all["over_detention_hours"]),
        (&Value::Null, &Value::Null),
        "hours hidden with their count"
    );
    assert_eq!(default["over_detention_hours"], json!(0));
    // Nothing else happened: zeros, shown.
    for field in [
        "released_at_deadline",
        "claims",
        "claims_reported_within_1h",
        "complaints",
        "complaints_answered_in_time",
        "notices_on_time",
    ] {
        assert_eq!(all[field], json!(0), "{field}");
    }
    // Certification lapses: DEFAULT 5, DUR-SO 1 (small): DUR-SO's hidden and DEFAULT's withheld
    // with it (6 − 5 would tell it); the total 6 shown.
    assert_eq!(
        (
            &default["certification_lapses"],
            &dur["certification_lapses"],
            &all["certification_lapses"]
        ),
        (&Value::Null, &Value::Null, &json!(6))
    );
    assert_eq!(
        dur["suppressed"],
        json!([
            "services",
            "over_detentions",
            "over_detention_hours",
            "certification_lapses"
        ])
    );

    // Narrowed to one agency, the cells are still those of the whole view: DUR-SO's services
    // stay withheld and the total is still 8 (a total of its own would give its 2 away).
    let (_, narrowed) = state.get("/oversight?from=2026-11&to=2026-11&agency=DUR-SO").await;
    assert_eq!(narrowed["agencies"].as_array().unwrap().len(), 1);
    assert_eq!(
        (
            &month(&narrowed, Some("DUR-SO"))["services"],
            &month(&narrowed, None)["services"]
        ),
        (&Value::Null, &json!(8))
    );

    // The page and the open-data export say the same, and name nobody either.
    let client = app.login("state").await;
    let page = app.page(&client, "/oversight?from=2026-11&to=2026-11").await;
    no_person(&page);
    assert!(
        page.contains("DUR-SO") && page.contains("Transferred within 48 h"),
        "{page}"
    );
    let csv = client
        .get(app.url("/oversight.csv?from=2026-11&to=2026-11"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    no_person(&csv);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "agency,month,services,transfers_within_48h,released_at_deadline,over_detentions,over_detention_hours,claims,claims_reported_within_1h,notices_on_time,complaints,complaints_answered_in_time,certification_lapses,suppressed"
    );
    assert_eq!(
        lines[2],
        "DUR-SO,2026-11,,0,0,,,0,0,0,0,0,,services over_detentions over_detention_hours certification_lapses"
    );
    assert_eq!(
        lines[3],
        "ALL,2026-11,8,5,0,,,0,0,0,0,0,6,over_detentions over_detention_hours"
    );

    // Every view is audited.
    let views: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'oversight_viewed' AND actor = 'state'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(views, 4, "API twice, page, CSV");
}

#[tokio::test]
async fn only_oversight_reads_it_and_only_for_its_granted_agencies() {
    let w = fixture().await;
    let app = &w.app;
    let dstate = app.api("dstate").await;
    let (status, v) = dstate.get("/oversight?from=2026-11&to=2026-11").await;
    assert_eq!(status, 200);
    let codes: Vec<&str> = v["agencies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["DUR-SO"], "only the granted agency");
    let (status, e) = dstate.get("/oversight?from=2026-11&to=2026-11&agency=DEFAULT").await;
    assert_eq!(status, 403, "{e}");
    let (status, e) = dstate.get("/oversight?from=2026-13&to=2026-11").await;
    assert_eq!((status, e["error"]["field"].as_str()), (422, Some("from")));
    for who in ["boss", "wso1", "sgt", "ice", "dadmin"] {
        let (status, _) = app.api(who).await.get("/oversight?from=2026-11&to=2026-11").await;
        assert_eq!(status, 403, "{who}");
    }
    // The oversight account opens no case, report with names or audit entry.
    let state = app.api("state").await;
    for path in [
        "/bookings",
        "/transfers/pending",
        "/audit",
        "/reports/program?facility=RCDC&from=2026-11-01&to=2026-11-30",
    ] {
        let (status, body) = state.get(path).await;
        assert_eq!(status, 403, "{path}: {body}");
    }
    // Its sign-in lands on the view.
    let client = app.login("state").await;
    let r = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(
        (r.status().as_u16(), r.headers()["location"].to_str().unwrap()),
        (303, "/oversight")
    );
}
