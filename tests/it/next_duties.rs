//! `GET /api/v1/duties?facility=CODE` (issue 31): each open case's one next duty with its due
//! time, and each complaint still owed to ICE, soonest first, those without a deadline last;
//! the same duty leads the case page.

use serde_json::{Value, json};

use crate::helpers::{World, booking, t, warrant};

fn rows(v: &Value) -> Vec<(Value, String, Value)> {
    v["duties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["booking_number"].clone(),
                d["duty"].as_str().unwrap().to_string(),
                d["due_at"].clone(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_facility_s_duties_are_each_case_s_next_one_soonest_first_and_undated_last() {
    let w = World::new().await;
    let wso = w.as_("wso1").await;
    let step = |id: i64, what: &'static str, body: Value| {
        let path = format!("/bookings/{id}/{what}");
        let wso = &wso;
        async move {
            wso.ok(if what == "release-point" { 200 } else { 201 }, &path, body)
                .await
        }
    };
    // A: a warrant in force, no point of release yet.
    let (a, _) = w.booked_with_warrant(&wso, "A-1").await;
    // B: its point of release recorded: serve by then.
    let (b, _) = w.booked_with_warrant(&wso, "B-1").await;
    step(
        b,
        "release-point",
        json!({ "at": "2026-11-22T08:00:00Z", "reason": "bond_posted" }),
    )
    .await;
    // C: served, ICE not told yet: within the hour of the service.
    let (c, c_doc) = w.booked_with_warrant(&wso, "C-1").await;
    step(
        c,
        "release-point",
        json!({ "at": "2026-11-22T08:00:00Z", "reason": "bond_posted" }),
    )
    .await;
    step(
        c,
        "service",
        json!({ "document_id": c_doc, "at": "2026-11-22T09:00:00Z" }),
    )
    .await;
    // D: served and told: the pickup or release by the deadline.
    let (d, d_doc) = w.booked_with_warrant(&wso, "D-1").await;
    step(
        d,
        "release-point",
        json!({ "at": "2026-11-22T07:00:00Z", "reason": "bond_posted" }),
    )
    .await;
    step(
        d,
        "service",
        json!({ "document_id": d_doc, "at": "2026-11-22T07:30:00Z" }),
    )
    .await;
    let told = json!({ "at": "2026-11-22T07:40:00Z", "method": "phone", "contact": "ERO", "kind": "post_service" });
    step(d, "ice-notifications", told).await;
    // E: a detainer only: nothing of the program owed.
    let e = wso.ok(201, "/bookings", booking("E-1")).await["id"].as_i64().unwrap();
    step(e, "documents", warrant("I-247A", "DT-1")).await;
    // F: a claim of citizenship not reported: within the hour of it.
    let (f, _) = w.booked_with_warrant(&wso, "F-1").await;
    let claim = json!({ "at": "2026-11-22T06:00:00Z", "how": "said so at intake", "document": "none shown" });
    step(f, "citizenship-claims", claim).await;
    // A complaint about a WSO action: to ICE within 48 weekday hours.
    let complaint = json!({ "facility": "RCDC", "received_at": "2026-11-20T16:00:00-05:00", "complainant": "A visitor",
                            "officers": ["wso1"], "summary": "Rude during service" });
    wso.ok(201, "/complaints", complaint).await;
    // At WAKE, another facility's case.
    let other = w.as_("other").await;
    let mut at_wake = booking("W-1");
    at_wake["facility"] = json!("WAKE");
    let wake = other.ok(201, "/bookings", at_wake).await["id"].as_i64().unwrap();
    other
        .ok(201, &format!("/bookings/{wake}/documents"), warrant("I-200", "W-9"))
        .await;

    w.app.clock.set(t("2026-11-22T09:30:00Z"));
    let (s, v) = wso.get("/duties?facility=RCDC").await;
    assert_eq!(s, 200, "{v}");
    let n = |s: &str| json!(s);
    assert_eq!(
        rows(&v),
        vec![
            (n("F-1"), "report_citizenship_claim".into(), n("2026-11-22T07:00:00Z")),
            (n("B-1"), "serve_warrant".into(), n("2026-11-22T08:00:00Z")),
            (n("C-1"), "notify_ice_of_service".into(), n("2026-11-22T10:00:00Z")),
            (n("D-1"), "transfer_or_release".into(), n("2026-11-24T07:30:00Z")),
            (Value::Null, "answer_complaint".into(), n("2026-11-24T21:00:00Z")),
            (n("A-1"), "record_release_point".into(), Value::Null),
        ],
        "{v}"
    );
    let first = &v["duties"][0];
    assert_eq!(
        (first["booking_id"].as_i64(), &first["complaint_id"]),
        (Some(f), &Value::Null)
    );
    assert!(v["duties"][4]["complaint_id"].is_i64(), "the complaint's duty names it");

    // At the deadline's second D still owes its pickup or release, due then; without `facility`,
    // every facility of the caller's (and no other).
    w.app.clock.set(t("2026-11-24T07:30:00Z"));
    let (_, v) = wso.get("/duties").await;
    assert!(rows(&v).contains(&(n("D-1"), "transfer_or_release".into(), n("2026-11-24T07:30:00Z"))));
    assert!(
        !rows(&v).iter().any(|r| r.0 == n("W-1")),
        "only the caller's facilities: {v}"
    );

    // The liaison sees the cases' duties, not the complaints'; another facility is refused, an
    // unknown one named.
    let ice = w.as_("ice").await;
    let (s, v) = ice.get("/duties?facility=RCDC").await;
    assert_eq!(s, 200);
    assert!(!rows(&v).iter().any(|r| r.1 == "answer_complaint"), "{v}");
    assert!(rows(&v).iter().any(|r| r.0 == n("C-1")), "{v}");
    let (s, _) = wso.get("/duties?facility=WAKE").await;
    assert_eq!(s, 403);
    let (s, e) = wso.get("/duties?facility=NOPE").await;
    assert_eq!((s, e["error"]["field"].as_str()), (422, Some("facility")), "{e}");
    let (_, v) = other.get("/duties?facility=WAKE").await;
    assert_eq!(rows(&v), vec![(n("W-1"), "record_release_point".into(), Value::Null)]);
    let _ = (a, e, d);

    // The officer's dashboard lists them in the same order, in the facility's time; the case
    // page leads with its own.
    w.app.clock.set(t("2026-11-24T07:30:00Z"));
    let officer = w.app.login("wso1").await;
    let page = w.app.page(&officer, "/").await;
    let list = &page[page.find("Next duties").expect("the dashboard lists the duties")..];
    let (claim, serve) = (list.find("F-1").unwrap(), list.find("B-1").unwrap());
    assert!(claim < serve, "soonest first");
    assert!(
        list.contains("Report the citizenship claim to ICE") && list.contains("02:00"),
        "07:00Z is 02:00 EST"
    );
    let case = w.app.page(&officer, &format!("/bookings/{f}")).await;
    let lead = case
        .find("Next duty: Report the citizenship claim to ICE")
        .expect("the case page names its duty");
    assert!(lead < case.find("id=\"next-step\"").unwrap(), "before the steps");
}

#[tokio::test]
async fn in_a_real_browser_the_case_page_leads_with_its_next_duty() {
    let w = World::new().await;
    let wso = w.as_("wso1").await;
    let (id, _) = w.booked_with_warrant(&wso, "BR-1").await;
    let b = crate::browser::browser().await;
    b.sign_in(&w.app, "wso1").await;
    b.client.goto(&w.app.url(&format!("/bookings/{id}"))).await.unwrap();
    b.snap("next-duty").await;
    // The first thing under the name and status: the duty, above every form.
    let order = b
        .client
        .execute(
            "const d = document.querySelector('#next-duty'), s = document.querySelector('.steps');
             return [d.textContent.trim(), d.getBoundingClientRect().top < s.getBoundingClientRect().top,
                     d.previousElementSibling.classList.contains('lead')];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(order, json!(["Next duty: Record the point of release", true, true]));
}
