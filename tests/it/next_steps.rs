//! "Next steps" in order of urgency, only what the user may do now, and why not in words
//! (issue 13).

use serde_json::json;

use crate::helpers::{World, booking, t};

/// The positions of the step cards on the page, in page order.
fn cards(html: &str) -> Vec<&str> {
    let mut found: Vec<(usize, &str)> = [
        "release-point",
        "serve",
        "transfer",
        "release",
        "igsa",
        "claim",
        "document",
        "notification",
    ]
    .iter()
    .filter_map(|id| {
        html.find(&format!(r#"<section class="card" id="{id}">"#))
            .map(|at| (at, *id))
    })
    .collect();
    found.sort();
    found.into_iter().map(|(_, id)| id).collect()
}

#[tokio::test]
async fn an_overdue_hold_offers_release_before_the_late_pickup() {
    let w = World::new().await;
    let id = w.served("N-1").await;
    let sgt = w.app.login("sgt").await;
    let in_time = w.app.page(&sgt, &format!("/bookings/{id}")).await;
    assert_eq!(
        cards(&in_time)[..2],
        ["transfer", "release"],
        "in time: the pickup leads"
    );
    w.app.clock.set(t("2026-11-24T09:00:01Z"));
    let sgt = w.app.login("sgt").await;
    let overdue = w.app.page(&sgt, &format!("/bookings/{id}")).await;
    assert_eq!(
        cards(&overdue)[..2],
        ["release", "transfer"],
        "overdue: the release leads"
    );
}

#[tokio::test]
async fn a_liaison_is_told_it_is_too_late_for_pickup() {
    let w = World::new().await;
    let id = w.served("N-2").await;
    let ice = w.app.login("ice").await;
    let html = w.app.page(&ice, &format!("/bookings/{id}")).await;
    assert!(!html.contains("Too late for pickup"));
    w.app.clock.set(t("2026-11-24T09:30:00Z"));
    let ice = w.app.login("ice").await;
    let html = w.app.page(&ice, &format!("/bookings/{id}")).await;
    assert!(
        html.contains("Too late for pickup: the 48-hour limit passed at 2026-11-24 04:00 EST. A supervisor must release the person."),
        "{html}"
    );
}

#[tokio::test]
async fn a_new_booking_offers_the_ice_document_first_and_the_point_of_release_last() {
    let w = World::new().await;
    let wso = w.as_("wso1").await;
    let id = wso.ok(201, "/bookings", booking("N-3")).await["id"].as_i64().unwrap();
    let officer = w.app.login("wso1").await;
    let html = w.app.page(&officer, &format!("/bookings/{id}")).await;
    assert_eq!(cards(&html), ["document", "notification", "claim", "release-point"]);
    wso.ok(
        201,
        &format!("/bookings/{id}/documents"),
        crate::helpers::warrant("I-200", "W-3"),
    )
    .await;
    let html = w.app.page(&officer, &format!("/bookings/{id}")).await;
    assert_eq!(
        cards(&html)[0],
        "release-point",
        "with a warrant, the point of release starts the hold"
    );
}

#[tokio::test]
async fn an_officer_who_may_not_serve_is_told_why_instead_of_getting_the_form() {
    let w = World::new().await;
    let wso = w.as_("wso1").await;
    let (id, doc) = w.booked_with_warrant(&wso, "N-4").await;
    wso.ok(
        200,
        &format!("/bookings/{id}/release-point"),
        json!({ "at": "2026-11-22T08:00:00Z", "reason": "bond_posted" }),
    )
    .await;
    let certified = w.app.page(&w.app.login("wso1").await, &format!("/bookings/{id}")).await;
    assert_eq!(cards(&certified)[0], "serve");
    let rookie = w.app.login("rookie").await;
    let html = w.app.page(&rookie, &format!("/bookings/{id}")).await;
    assert!(!cards(&html).contains(&"serve"), "no form that will be refused");
    assert!(html.contains(
        "You may not serve a warrant now: no WSO certification recorded. A WSO whose certification is current must serve it."
    ));
    // The API's refusal says it in words too (the code stays the word to match on).
    let (s, e) = w
        .as_("rookie")
        .await
        .post(
            &format!("/bookings/{id}/service"),
            json!({ "document_id": doc, "at": "2026-11-22T09:00:00Z" }),
        )
        .await;
    assert_eq!(s, 403);
    assert_eq!(e["error"]["code"], "not_certified");
    assert_eq!(
        e["error"]["message"],
        "you may not serve at that time: no WSO certification recorded"
    );
}
