//! Issue 25's "also" list: the late transfer's confirmation says it is late, the sign-in form
//! after an ended session knows the username, `/favicon.ico`, and the webhook admin form.

use crate::helpers::{World, t};

#[tokio::test]
async fn a_late_transfer_is_confirmed_as_late_and_as_over_detention() {
    let w = World::new().await;
    // Served 2026-11-22 09:00Z: the deadline is 2026-11-24 09:00Z, 04:00 in New York.
    let id = w.served("LATE-1").await;
    w.app.clock.set(t("2026-11-24T12:00:00Z"));
    let sgt = w.app.login("sgt").await;
    let path = format!("/bookings/{id}/transfer");
    let fields = [
        ("at", "2026-11-24T06:05"),
        ("receiving_officer", "Deportation Officer Ruiz"),
        ("late_reason", "ICE transport delayed by snowstorm"),
    ];
    let r = w.app.post_form(&sgt, &path, &fields).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Record a LATE transfer of DOE, John (#LATE-1) to ICE?"),
        "{html}"
    );
    assert!(
        html.contains(
            "This transfer is 2 h 05 min after the 48-hour deadline (2026-11-24 04:00 EST). It will be recorded as over-detention"
        ),
        "{html}"
    );
    let status: String = sqlx::query_scalar("SELECT status FROM bookings WHERE id = $1")
        .bind(id)
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    assert_eq!(status, "wso_hold", "asking records nothing");

    let mut confirmed = fields.to_vec();
    confirmed.push(("confirm", "yes"));
    let r = w.app.post_form(&sgt, &path, &confirmed).await;
    assert_eq!(r.status(), 303);
    let over: i64 = sqlx::query_scalar("SELECT over_detained_seconds FROM bookings WHERE id = $1")
        .bind(id)
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    assert_eq!(
        over,
        2 * 3600 + 5 * 60,
        "recorded as over-detention, as the confirmation said"
    );
}

#[tokio::test]
async fn a_transfer_in_time_is_not_called_late() {
    let w = World::new().await;
    let id = w.served("ONTIME-1").await;
    let sgt = w.app.login("sgt").await;
    let fields = [
        ("at", "2026-11-23T06:30"),
        ("receiving_officer", "Deportation Officer Ruiz"),
    ];
    let r = w
        .app
        .post_form(&sgt, &format!("/bookings/{id}/transfer"), &fields)
        .await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("Hand DOE, John (#ONTIME-1) over to ICE?"), "{html}");
    assert!(!html.contains("LATE") && !html.contains("over-detention"), "{html}");
}
