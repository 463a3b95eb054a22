//! The board page of an ICE liaison covering jails of several agencies (issue 28): one board
//! across them, soonest deadline first, with an agency filter that holds for the page and for
//! its pushed stream alike.

use std::time::Duration;

use serde_json::json;

use crate::agencies::held;
use crate::board_events::Events;
use crate::helpers::World;

/// `fieldice`, granted RCDC by DEFAULT's admin and DURH by DUR-SO's, with one case at each.
async fn liaison_of_two_agencies() -> World {
    let w = World::new().await;
    let app = &w.app;
    app.second_agency(true).await;
    app.user("fieldice", "ice_liaison", &[]).await;
    app.api("boss")
        .await
        .ok(201, "/users/fieldice/facilities", json!({ "facility": "RCDC" }))
        .await;
    app.api("dadmin")
        .await
        .ok(201, "/users/fieldice/facilities", json!({ "facility": "DURH" }))
        .await;
    w.served("R-1").await;
    held(app, "dwso", "DURH", "D-1", "2026-11-22T07:00:00Z").await;
    w
}

#[tokio::test]
async fn a_liaison_of_two_agencies_filters_the_board_page_by_agency() {
    let w = liaison_of_two_agencies().await;
    let app = &w.app;
    let client = app.login("fieldice").await;
    let all = app.page(&client, "/transfers/pending").await;
    assert!(
        all.contains(r#"<select id="agency" name="agency">"#),
        "the filter is offered"
    );
    assert!(
        all.contains(r#"<option value="DEFAULT">"#) && all.contains(r#"<option value="DUR-SO">"#),
        "both agencies offered"
    );
    assert!(
        all.contains(">R-1<") && all.contains(">D-1<"),
        "one board across both agencies"
    );
    let durham = app.page(&client, "/transfers/pending?agency=DUR-SO").await;
    assert!(
        durham.contains(">D-1<") && !durham.contains(">R-1<"),
        "DUR-SO's cases only"
    );
    assert!(durham.contains(r#"<option value="DUR-SO" selected>"#));
    assert!(durham.contains("agency=DUR-SO"), "the pushed stream keeps the filter");
    let r = client
        .get(app.url("/transfers/pending?agency=NOPE"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422, "an agency not among the liaison's facilities");
    // Staff of one agency are offered no agency filter.
    let sgt = app.login("sgt").await;
    assert!(!app.page(&sgt, "/transfers/pending").await.contains(r#"id="agency""#));
}

#[tokio::test]
async fn the_pushed_board_keeps_the_agency_filter() {
    let w = liaison_of_two_agencies().await;
    let app = &w.app;
    let client = app.login("fieldice").await;
    let mut stream = Events::page_at(app, &client, "/transfers/pending/events?facility=&agency=DUR-SO").await;
    let (name, board) = stream.expect().await;
    assert_eq!(name, "board");
    let text = board.to_string();
    assert!(text.contains("D-1") && !text.contains("R-1"), "{text}");
    // A new case at RCDC is not this view's; one at DURH is.
    held(app, "wso1", "RCDC", "R-2", "2026-11-22T08:00:00Z").await;
    held(app, "dwso", "DURH", "D-2", "2026-11-22T08:00:00Z").await;
    let mut seen = String::new();
    while let Some((_, data)) = stream.next(Duration::from_secs(3)).await {
        seen.push_str(&data.to_string());
        if seen.contains("D-2") {
            break;
        }
    }
    assert!(seen.contains("D-2"), "DUR-SO's new case is pushed: {seen}");
    assert!(!seen.contains("R-2"), "RCDC's is not: {seen}");
}
