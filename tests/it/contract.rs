//! What Schemathesis (tests/it/schemathesis.rs) found, and what describing the API for it found,
//! kept as stories: odd but well-formed input gets a clear 4xx naming its field, as JSON, and
//! changes nothing.

use serde_json::json;

use crate::helpers::World;

#[tokio::test]
async fn credentials_returned_before_the_latest_were_issued_are_refused_on_the_date_and_change_nothing() {
    let w = World::new().await;
    let sgt = w.as_("sgt").await;
    for (number, issued_on) in [("70-1", "2026-01-05"), ("70-2", "2026-06-01")] {
        sgt.ok(
            201,
            "/officers/wso1/credentials",
            json!({ "form_70_006_number": number, "issued_on": issued_on }),
        )
        .await;
    }
    let before = w.app.table_counts().await;
    // After the first credential was issued, before the second (the one a return marks).
    let (status, body) = sgt
        .post("/officers/wso1/credentials/returned", json!({ "on": "2026-03-01" }))
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["field"], "on");
    assert_eq!(w.app.table_counts().await, before);
    sgt.ok(
        201,
        "/officers/wso1/credentials/returned",
        json!({ "on": "2026-07-01" }),
    )
    .await;
}

#[tokio::test]
async fn a_query_parameter_of_the_wrong_type_is_a_json_400_naming_it() {
    let w = World::new().await;
    let sgt = w.as_("sgt").await;
    for path in ["/bookings?limit=ten", "/complaints?after=x", "/users?limit=1.5"] {
        let (status, body) = sgt.get(path).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(body["error"]["code"], "bad_request", "{path}");
        assert!(body["error"]["field"].is_string(), "{path}: {body}");
    }
}

#[tokio::test]
async fn a_name_in_the_path_that_is_not_text_is_a_json_404() {
    let w = World::new().await;
    let sgt = w.as_("sgt").await;
    let boss = w.as_("boss").await;
    let (status, body) = sgt.get("/officers/%FF%FE/eligibility").await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error"]["code"], "not_found");
    let (status, body) = boss
        .http_put("/facilities/%C3%28/public", json!({ "enabled": true }))
        .await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error"]["code"], "not_found");
}
