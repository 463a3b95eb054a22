//! The board page's order (put in order by the app since issue 15: `db::board::page`): the
//! running clocks soonest deadline first, the people awaiting service longest waiting first,
//! whatever order the bookings were made in.

use serde_json::json;

use crate::helpers::World;

#[tokio::test]
async fn the_board_orders_by_deadline_and_by_waiting_time_not_by_booking() {
    let w = World::new().await;
    let wso = w.as_("wso1").await;
    // Booked in this order; served, or past their point of release, in the opposite one.
    let mut cases = vec![];
    for n in ["O-1", "O-2", "O-3", "O-4"] {
        cases.push(w.booked_with_warrant(&wso, n).await);
    }
    let release = |id: i64, at: &'static str| {
        let wso = &wso;
        async move {
            wso.ok(
                200,
                &format!("/bookings/{id}/release-point"),
                json!({ "at": at, "reason": "bond_posted" }),
            )
            .await;
        }
    };
    for ((id, doc), at) in cases[..2].iter().zip(["2026-11-23T11:00:00Z", "2026-11-23T08:00:00Z"]) {
        release(*id, at).await;
        wso.ok(
            201,
            &format!("/bookings/{id}/service"),
            json!({ "document_id": doc, "at": at }),
        )
        .await;
    }
    release(cases[2].0, "2026-11-23T10:00:00Z").await;
    release(cases[3].0, "2026-11-23T09:00:00Z").await;

    let sgt = w.app.login("sgt").await;
    let html = w.app.page(&sgt, "/transfers/pending").await;
    let at = |n: &str| {
        html.find(&format!(">{n}</a>"))
            .unwrap_or_else(|| panic!("{n} on the board"))
    };
    assert!(at("O-2") < at("O-1"), "the sooner deadline first");
    assert!(
        at("O-1") < at("O-4"),
        "running clocks before the people awaiting service"
    );
    assert!(at("O-4") < at("O-3"), "the longest waiting first");
}
