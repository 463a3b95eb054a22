//! No irreversible click without a confirmation (issue 13): every step that ends custody is
//! checked, then asked about by name, and written only when confirmed; no time is preset.

use crate::helpers::{World, booking, t};

async fn post(w: &World, client: &reqwest::Client, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    w.app.post_form(client, path, fields).await
}

async fn status(w: &World, id: i64) -> String {
    sqlx::query_scalar("SELECT status FROM bookings WHERE id = $1")
        .bind(id)
        .fetch_one(&w.app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_point_of_release_without_a_warrant_asks_before_it_releases() {
    let w = World::new().await;
    let wso = w.as_("wso1").await;
    let id = wso.ok(201, "/bookings", booking("C-1")).await["id"].as_i64().unwrap();
    let officer = w.app.login("wso1").await;
    let path = format!("/bookings/{id}/release-point");
    let fields = [("at", "2026-11-23T06:45"), ("reason", "bond_posted")];
    let before = w.app.table_counts().await;
    let r = post(&w, &officer, &path, &fields).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("<h1 id=\"confirm-heading\" tabindex=\"-1\" data-focus>Release DOE, John (#C-1)?</h1>"),
        "{html}"
    );
    assert!(html.contains(
        "There is no active warrant: recording the point of release at 2026-11-23 06:45 releases DOE, John (#C-1). It cannot be undone."
    ));
    assert!(
        html.contains(r#"<input type="hidden" name="at" value="2026-11-23T06:45">"#),
        "the fields travel on"
    );
    assert!(html.contains(&format!(r##"href="/bookings/{id}#release-point">Go back</a>"##)));
    assert_eq!(w.app.table_counts().await, before, "asking writes nothing");
    assert_eq!(status(&w, id).await, "in_custody");

    let mut confirmed = fields.to_vec();
    confirmed.push(("confirm", "yes"));
    let r = post(&w, &officer, &path, &confirmed).await;
    assert_eq!(r.status(), 303);
    assert_eq!(status(&w, id).await, "released");
    let page = w.app.page(&officer, &format!("/bookings/{id}")).await;
    assert!(
        page.contains("Point of release of DOE, John (#C-1) recorded."),
        "the message names the person"
    );
}

#[tokio::test]
async fn a_point_of_release_that_starts_a_hold_needs_no_confirmation() {
    let w = World::new().await;
    let wso = w.as_("wso1").await;
    let (id, _) = w.booked_with_warrant(&wso, "C-2").await;
    let officer = w.app.login("wso1").await;
    let r = post(
        &w,
        &officer,
        &format!("/bookings/{id}/release-point"),
        &[("at", "2026-11-23T06:45"), ("reason", "bond_posted")],
    )
    .await;
    assert_eq!(r.status(), 303, "custody goes on under the warrant: nothing to confirm");
    assert_eq!(status(&w, id).await, "in_custody");
}

#[tokio::test]
async fn a_release_chosen_as_now_is_asked_about_and_then_takes_the_second_it_was_confirmed() {
    let w = World::new().await;
    let id = w.served("C-3").await;
    w.app.clock.set(t("2026-11-23T12:00:37Z"));
    let sgt = w.app.login("sgt").await;
    let page = w.app.page(&sgt, &format!("/bookings/{id}")).await;
    let release_form = page.split(r#"<section class="card" id="release">"#).nth(1).unwrap();
    let release_form = release_form.split("</section>").next().unwrap();
    assert!(
        release_form.contains(r#"class="when-input" aria-label="Released at, date and time" value="">"#),
        "no preset time: {release_form}"
    );
    assert!(release_form.contains(r#"name="at.mode" value="now""#));
    assert!(
        release_form.contains(r#"<option value="">Choose a reason…</option>"#),
        "no preset reason"
    );

    // Neither "now" nor a time: a field error in words.
    let path = format!("/bookings/{id}/release");
    let r = post(
        &w,
        &sgt,
        &path,
        &[("reason", "other"), ("note", "ICE declined to take custody")],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("the time is required"));

    let fields = [
        ("at.mode", "now"),
        ("at", ""),
        ("reason", "other"),
        ("note", "ICE declined to take custody"),
    ];
    let r = post(&w, &sgt, &path, &fields).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("This releases DOE, John (#C-3) now. It cannot be undone."),
        "{html}"
    );
    assert_eq!(status(&w, id).await, "wso_hold");

    w.app.clock.set(t("2026-11-23T12:01:05Z"));
    let mut confirmed = fields.to_vec();
    confirmed.push(("confirm", "yes"));
    let r = post(&w, &sgt, &path, &confirmed).await;
    assert_eq!(r.status(), 303);
    let released: String = sqlx::query_scalar("SELECT closed_at::text FROM bookings WHERE id = $1")
        .bind(id)
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    assert_eq!(
        released, "2026-11-23 12:01:05+00",
        "now is when the release was confirmed, to the second"
    );
}

#[tokio::test]
async fn a_step_that_will_be_refused_is_refused_at_once_not_confirmed_first() {
    let w = World::new().await;
    let id = w.served("C-4").await;
    // An officer may not release: the route refuses, without a confirmation naming anyone.
    let officer = w.app.login("wso1").await;
    let r = post(
        &w,
        &officer,
        &format!("/bookings/{id}/release"),
        &[
            ("at.mode", "now"),
            ("reason", "other"),
            ("note", "ICE declined to take custody"),
        ],
    )
    .await;
    assert_eq!(r.status(), 403);
    assert!(!r.text().await.unwrap().contains("It cannot be undone"));
    // A release before the service is refused by the rule, at the time field, before asking.
    let sgt = w.app.login("sgt").await;
    let r = post(
        &w,
        &sgt,
        &format!("/bookings/{id}/release"),
        &[
            ("at", "2026-11-21T08:00"),
            ("reason", "other"),
            ("note", "ICE declined to take custody"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        !html.contains("It cannot be undone") && html.contains("There is a problem"),
        "{html}"
    );
    assert_eq!(status(&w, id).await, "wso_hold");
    // Another facility's supervisor learns nothing about the person.
    let elsewhere = w.app.login("wakesgt").await;
    let r = post(&w, &elsewhere, &format!("/bookings/{id}/release-now"), &[]).await;
    assert_eq!(r.status(), 404);
    // (as if the case did not exist: issue 26)
    assert!(!r.text().await.unwrap().contains("DOE"));
}

#[tokio::test]
async fn revoking_a_certification_asks_first_by_name() {
    let w = World::new().await;
    let sgt = w.app.login("sgt").await;
    let fields = [("username", "wso1"), ("reason", "lost credentials")];
    let before = w.app.table_counts().await;
    let r = post(&w, &sgt, "/roster/revocations", &fields).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("Revoke the WSO certification of wso1?"), "{html}");
    assert!(html.contains("wso1 may not serve a warrant from now on (reason: lost credentials)."));
    assert_eq!(w.app.table_counts().await, before, "asking writes nothing");
    // An incomplete form is refused at once, not asked about.
    let r = post(&w, &sgt, "/roster/revocations", &[("username", "wso1"), ("reason", "")]).await;
    assert_eq!(r.status(), 422);
    let mut confirmed = fields.to_vec();
    confirmed.push(("confirm", "yes"));
    assert_eq!(post(&w, &sgt, "/roster/revocations", &confirmed).await.status(), 303);
    let revoked: Option<String> = sqlx::query_scalar(
        "SELECT c.revoked_reason FROM wso_certifications c JOIN users u ON u.id = c.user_id WHERE u.username = 'wso1'",
    )
    .fetch_one(&w.app.db)
    .await
    .unwrap();
    assert_eq!(revoked.as_deref(), Some("lost credentials"));
}

#[tokio::test]
async fn a_time_chosen_in_the_repeated_hour_survives_the_confirmation() {
    let w = World::new().await;
    let wso = w.as_("wso1").await;
    let mut b = booking("C-5");
    b["booked_at"] = serde_json::json!("2026-10-30T08:00:00-04:00");
    let id = wso.ok(201, "/bookings", b).await["id"].as_i64().unwrap();
    let officer = w.app.login("wso1").await;
    let path = format!("/bookings/{id}/release-point");
    let r = post(
        &w,
        &officer,
        &path,
        &[("at", "2026-11-01 01:30"), ("reason", "bond_posted")],
    )
    .await;
    assert_eq!(r.status(), 422, "01:30 happened twice that night");
    let chosen = [
        ("at", "2026-11-01 01:30"),
        ("at.when", "later"),
        ("reason", "bond_posted"),
    ];
    let r = post(&w, &officer, &path, &chosen).await;
    assert_eq!(r.status(), 200, "then the confirmation");
    let html = r.text().await.unwrap();
    assert_eq!(html.matches(r#"name="at.when""#).count(), 1, "the choice travels once");
    let mut confirmed = chosen.to_vec();
    confirmed.push(("confirm", "yes"));
    let r = post(&w, &officer, &path, &confirmed).await;
    assert_eq!(r.status(), 303);
    let at: String = sqlx::query_scalar("SELECT release_point_at::text FROM bookings WHERE id = $1")
        .bind(id)
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    assert_eq!(at, "2026-11-01 06:30:00+00", "the second 01:30, as chosen");
}

/// Issue 25, 1: the point of release recorded "now" (to the second), the service recorded at
/// once with the service form as offered: accepted, not "before the point of release".
#[tokio::test]
async fn a_service_right_after_a_point_of_release_now_is_accepted() {
    let w = World::new().await;
    let wso = w.as_("wso1").await;
    let (id, doc) = w.booked_with_warrant(&wso, "C-9").await;
    w.app.clock.set(t("2026-11-23T12:00:42Z"));
    let officer = w.app.login("wso1").await;
    let rp = [("at.mode", "now"), ("at", ""), ("reason", "bond_posted")];
    let r = post(&w, &officer, &format!("/bookings/{id}/release-point"), &rp).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let page = w.app.page(&officer, &format!("/bookings/{id}")).await;
    let serve_form = &page[page.find(r#"id="serve""#).expect("the service is offered")..];
    let serve_form = &serve_form[..serve_form.find("</form>").unwrap()];
    assert!(serve_form.contains(r#"name="at.mode" value="now""#), "{serve_form}");
    assert!(
        !serve_form.contains(r#"value="2026-11-23 07:00""#),
        "no minute preset that could precede the point of release"
    );
    let doc = doc.to_string();
    let serve = [("document_id", doc.as_str()), ("at.mode", "now"), ("at", "")];
    let r = post(&w, &officer, &format!("/bookings/{id}/service"), &serve).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    assert_eq!(status(&w, id).await, "wso_hold");
    let served: String = sqlx::query_scalar("SELECT served_at::text FROM bookings WHERE id = $1")
        .bind(id)
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    assert_eq!(served, "2026-11-23 12:00:42+00");
}

/// Issue 25, 8: a rushed officer cannot record a warrant as a detainer by leaving the kind as
/// it was: no kind is preset, and none chosen is refused by name.
#[tokio::test]
async fn the_document_form_presets_no_kind() {
    let w = World::new().await;
    let wso = w.as_("wso1").await;
    let id = wso.ok(201, "/bookings", booking("C-10")).await["id"].as_i64().unwrap();
    let officer = w.app.login("wso1").await;
    let page = w.app.page(&officer, &format!("/bookings/{id}")).await;
    let select = &page[page.find(r#"<select id="document-kind""#).expect("the document form")..];
    let select = &select[..select.find("</select>").unwrap()];
    assert!(
        select.contains(r#"<option value="">Choose the kind…</option>"#),
        "{select}"
    );
    assert!(!select.contains("selected"), "{select}");
    let fields = [
        ("kind", ""),
        ("number", "W-3"),
        ("a_number", "123456789"),
        ("issued_at", "2026-11-22 10:00"),
        ("received_at", "2026-11-22 11:00"),
    ];
    let before = w.app.table_counts().await;
    let r = post(&w, &officer, &format!("/bookings/{id}/documents"), &fields).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("kind"));
    assert_eq!(w.app.table_counts().await, before, "nothing recorded");
}
