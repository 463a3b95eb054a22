//! What leaves the system says no more than it must: alert e-mails without names, dates of
//! birth or A-numbers; CSV cells that a spreadsheet cannot run.

use serde_json::json;

use crate::helpers::{World, booking, warrant};

#[tokio::test]
async fn alert_mail_names_no_person() {
    let w = World::new().await;
    w.served("E-1").await;
    let mail: Vec<(String, String)> = sqlx::query_as("SELECT subject, body FROM outbox")
        .fetch_all(&w.app.db)
        .await
        .unwrap();
    assert!(mail.len() >= 2, "the service queued its mail: {mail:?}");
    for (subject, body) in &mail {
        for personal in ["Doe", "John", "1990-04-30", "345-678", "012345678"] {
            assert!(
                !subject.contains(personal) && !body.contains(personal),
                "{personal} in {subject}\n{body}"
            );
        }
        assert!(
            subject.contains("E-1") && body.contains("/bookings/"),
            "booking number and link: {subject}\n{body}"
        );
    }
}

#[tokio::test]
async fn a_hostile_name_reaches_the_igsa_csv_as_text() {
    let w = World::new().await;
    let wakesgt = w.as_("wakesgt").await;
    let mut b = booking("X-1");
    b["facility"] = json!("WAKE");
    b["last_name"] = json!("=HYPERLINK(\"http://evil.example/\",\"click\")");
    let id = wakesgt.ok(201, "/bookings", b).await["id"].as_i64().unwrap();
    let doc = wakesgt
        .ok(201, &format!("/bookings/{id}/documents"), warrant("I-200", "W-1"))
        .await["id"]
        .clone();
    let steps = [
        (
            "release-point",
            json!({ "at": "2026-11-21T08:00:00Z", "reason": "bond_posted" }),
            200,
        ),
        (
            "service",
            json!({ "document_id": doc, "at": "2026-11-21T09:00:00Z" }),
            201,
        ),
        ("igsa-hold", json!({ "at": "2026-11-22T09:00:00Z" }), 200),
    ];
    for (step, body, status) in steps {
        wakesgt.ok(status, &format!("/bookings/{id}/{step}"), body).await;
    }
    let client = w.app.login("wakesgt").await;
    let csv = w
        .app
        .page(&client, "/reports/igsa.csv?facility=WAKE&month=2026-11")
        .await;
    let row = csv
        .lines()
        .find(|l| l.contains("HYPERLINK"))
        .expect("the hold is in the CSV");
    assert!(
        row.contains("\"'=HYPERLINK"),
        "the cell starts with a quote mark: {row}"
    );
    assert!(!row.contains(",=HYPERLINK") && !row.contains(",\"=HYPERLINK"), "{row}");
}
