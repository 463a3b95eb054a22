//! The booking desk (issue 13): nothing chosen for the officer, every error of a form at once
//! with what was typed kept, amounts typed as people type them.

use serde_json::json;

use crate::helpers::{World, booking};

fn form(number: &str, last_name: &str, category: &str) -> Vec<(&'static str, String)> {
    vec![
        ("facility", "RCDC".into()),
        ("booking_number", number.into()),
        ("last_name", last_name.into()),
        ("first_name", "Ana".into()),
        ("date_of_birth", "1985-02-14".into()),
        ("booked_at", "2026-11-23T06:15".into()),
        ("charges[0].description", "Possession of a firearm".into()),
        ("charges[0].category", category.into()),
        ("charges[1].description", "".into()),
        ("charges[1].category", "".into()),
    ]
}

use crate::case_pages::post;

/// Signs `username` in through the sign-in form `html` as served after a session ended,
/// sending back the draft it carries.
async fn sign_in_with_draft(w: &World, client: &reqwest::Client, html: &str, username: &str) -> reqwest::Response {
    let draft = html
        .split(r#"name="draft" value=""#)
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("the sign-in form carries a draft")
        .replace("&quot;", "\"")
        .replace("&#x22;", "\"")
        .replace("&#34;", "\"")
        .replace("&amp;", "&");
    let csrf = crate::helpers::csrf_in(html).unwrap();
    let fields = [
        ("username", username),
        ("password", crate::helpers::PASSWORD),
        ("csrf_token", &csrf),
        ("draft", &draft),
    ];
    client.post(w.app.url("/login")).form(&fields).send().await.unwrap()
}

#[tokio::test]
async fn the_charge_category_is_chosen_by_the_officer_never_preset() {
    let w = World::new().await;
    let officer = w.app.login("wso1").await;
    let page = w.app.page(&officer, "/bookings/new").await;
    let select = page
        .split(r#"<select id="booking-charges[0].category""#)
        .nth(1)
        .and_then(|s| s.split("</select>").next())
        .expect("the first charge's category list");
    assert!(
        select.contains(r#"<option value="" selected>Choose a category…</option>"#),
        "{select}"
    );
    assert_eq!(select.matches(" selected").count(), 1, "no category is preselected");

    let before = w.app.table_counts().await;
    let r = post(&w, &officer, "/bookings", &form("CAT-1", "Peña", "")).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("charge 1 category is required"),
        "words, not a field code"
    );
    assert!(
        html.contains(r#"value="Possession of a firearm""#),
        "what was typed is kept"
    );
    // A category chosen on a row without a description is an error, not a dropped row.
    let mut half = form("CAT-1", "Peña", "weapons");
    half[9].1 = "drugs".into();
    let r = post(&w, &officer, "/bookings", &half).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("charge 2 description is required"));
    assert_eq!(w.app.table_counts().await, before, "refusals change nothing");

    let r = post(&w, &officer, "/bookings", &form("CAT-1", "Peña", "weapons")).await;
    assert_eq!(r.status(), 303);
    let stored: String = sqlx::query_scalar(
        "SELECT c.category FROM charges c JOIN bookings b ON b.id = c.booking_id WHERE b.booking_number = 'CAT-1'",
    )
    .fetch_one(&w.app.db)
    .await
    .unwrap();
    assert_eq!(stored, "weapons");
}

#[tokio::test]
async fn a_taken_booking_number_is_reported_with_the_other_errors_at_once() {
    let w = World::new().await;
    let officer = w.app.login("wso1").await;
    assert_eq!(
        post(&w, &officer, "/bookings", &form("DUP-1", "Peña", "weapons"))
            .await
            .status(),
        303
    );
    let before = w.app.table_counts().await;
    let r = post(&w, &officer, "/bookings", &form("DUP-1", "", "weapons")).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("last name is required"), "{html}");
    assert!(
        html.contains("booking number DUP-1 already exists at RCDC"),
        "the duplicate is reported in the same answer, not after the rest is fixed"
    );
    assert_eq!(w.app.table_counts().await, before);

    // The API lists every field error too.
    let wso = w.as_("wso1").await;
    wso.ok(201, "/bookings", booking("DUP-2")).await;
    let mut bad = booking("DUP-2");
    bad["last_name"] = json!("");
    let (s, e) = wso.post("/bookings", bad).await;
    assert_eq!(s, 422);
    let fields: Vec<&str> = e["error"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["last_name", "booking_number"]);
    // Another facility's numbers are not revealed: WAKE's officer is told only what is wrong.
    let other = w.as_("other").await;
    let mut probe = booking("DUP-2");
    probe["facility"] = json!("WAKE");
    probe["last_name"] = json!("");
    let (s, e) = other.post("/bookings", probe).await;
    assert_eq!(s, 422);
    assert_eq!(e["error"]["errors"].as_array().unwrap().len(), 1, "{e}");
}

#[tokio::test]
async fn a_daily_rate_is_read_as_typed_and_bad_settings_keep_every_field() {
    let w = World::new().await;
    let boss = w.app.login("boss").await;
    let settings = |contact: &str, start: &str, rate: &str| {
        vec![
            ("contact", contact.to_string()),
            ("agreement_start_on", start.to_string()),
            ("igsa_daily_rate", rate.to_string()),
        ]
    };
    let r = post(
        &w,
        &boss,
        "/admin/facilities/WAKE/settings",
        &settings("Lt. Ruiz", "2024-03-01", "$1,092.50"),
    )
    .await;
    assert_eq!(r.status(), 303);
    let cents: Option<i64> = sqlx::query_scalar("SELECT igsa_daily_rate_cents FROM facilities WHERE code = 'WAKE'")
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    assert_eq!(cents, Some(109_250), "exact cents from a typed amount");

    let before = w.app.table_counts().await;
    let r = post(
        &w,
        &boss,
        "/admin/facilities/WAKE/settings",
        &settings("Sgt. Díaz", "2024-13-01", "92.505"),
    )
    .await;
    assert_eq!(r.status(), 422, "a field error, not a bare error page");
    let html = r.text().await.unwrap();
    assert!(html.contains("There is a problem"));
    assert!(
        html.contains("agreement start: use a date like 2020-03-01"),
        "both errors at once"
    );
    assert!(html.contains("IGSA daily rate: use an amount in dollars like 92.50"));
    assert!(
        html.contains(r#"value="Sgt. Díaz""#) && html.contains(r#"value="92.505""#),
        "what was typed is kept"
    );
    assert!(html.contains(r#"aria-invalid="true" aria-describedby="settings-WAKE-igsa_daily_rate-error""#));
    assert!(html.contains(r#"id="settings-WAKE-igsa_daily_rate-error""#));
    assert_eq!(w.app.table_counts().await, before);
    let contact: Option<String> = sqlx::query_scalar("SELECT contact FROM facilities WHERE code = 'WAKE'")
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    assert_eq!(
        contact.as_deref(),
        Some("Lt. Ruiz"),
        "nothing of the refused form was saved"
    );
}

#[tokio::test]
async fn search_ignores_accents_case_and_word_order_and_forgives_a_typo() {
    let w = World::new().await;
    let wso = w.as_("wso1").await;
    for (number, last, first) in [
        ("S-1", "Peña", "José"),
        ("S-2", "Núñez", "María"),
        ("S-3", "Hernández Ortega", "Luis"),
        ("S-4", "Smith", "John"),
    ] {
        let mut b = booking(number);
        b["last_name"] = json!(last);
        b["first_name"] = json!(first);
        wso.ok(201, "/bookings", b).await;
    }
    let token = w.app.token("wso1").await;
    let found = |q: &'static str| {
        let token = token.clone();
        let app = &w.app;
        async move {
            let rows: Vec<serde_json::Value> = crate::helpers::http()
                .get(app.url("/api/v1/bookings"))
                .query(&[("q", q)])
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let mut numbers: Vec<String> = rows
                .iter()
                .map(|r| r["booking_number"].as_str().unwrap().to_string())
                .collect();
            numbers.sort();
            numbers
        }
    };
    assert_eq!(found("pena").await, ["S-1"], "without the accent");
    assert_eq!(found("jose pena").await, ["S-1"], "first name first");
    assert_eq!(found("Peña, José").await, ["S-1"], "as the page writes it");
    assert_eq!(found("nunez").await, ["S-2"]);
    assert_eq!(found("HERNANDEZ").await, ["S-3"], "case");
    assert_eq!(found("hernadez").await, ["S-3"], "a letter missing");
    assert_eq!(found("ortega luis").await, ["S-3"]);
    assert_eq!(found("s-4").await, ["S-4"], "booking numbers too");
    assert_eq!(found("smith").await, ["S-4"], "no near miss drags in the others");
    assert!(found("jose smith").await.is_empty(), "every word must match");
    assert!(found("100%").await.is_empty(), "LIKE wildcards are taken literally");

    // The page's search box is the same search.
    let officer = w.app.login("wso1").await;
    let html = w.app.page(&officer, "/bookings?q=jose+pena").await;
    assert!(html.contains("S-1") && !html.contains("S-2") && !html.contains("S-4"));

    // And it is served by the trigram index, not a scan of every booking (with so few rows
    // the planner would rather scan: told not to, it must find the index).
    let mut conn = w.app.admin_db.acquire().await.unwrap();
    sqlx::query("SET enable_seqscan = off")
        .execute(&mut *conn)
        .await
        .unwrap();
    for condition in [
        "wso_search_doc(last_name, first_name, booking_number) LIKE wso_fold('%pena%')",
        "wso_fold('jose') <% wso_search_doc(last_name, first_name, booking_number)",
    ] {
        let plan: Vec<String> = sqlx::query_scalar(&format!("EXPLAIN SELECT id FROM bookings WHERE {condition}"))
            .fetch_all(&mut *conn)
            .await
            .unwrap();
        assert!(plan.join("\n").contains("bookings_search_trgm"), "{plan:?}");
    }
}

#[tokio::test]
async fn a_time_typed_on_the_night_clocks_go_back_must_be_chosen_and_a_skipped_one_is_refused() {
    let w = World::new().await;
    let officer = w.app.login("wso1").await;
    let mut fields = form("DST-1", "Peña", "weapons");
    fields[5].1 = "2026-11-01T01:30".into();
    let before = w.app.table_counts().await;
    let r = post(&w, &officer, "/bookings", &fields).await;
    assert_eq!(r.status(), 422, "01:30 happened twice in New York that night");
    let html = r.text().await.unwrap();
    assert!(
        html.contains("2026-11-01 01:30 happens twice in Eastern time (EST/EDT)"),
        "{html}"
    );
    assert!(html.contains("choose the first (EDT) or the second (EST)"));
    assert!(
        html.contains(r#"name="booked_at.when" value="earlier""#)
            && html.contains(r#"name="booked_at.when" value="later""#),
        "the form offers the choice"
    );
    assert!(html.contains(r#"value="2026-11-01T01:30""#), "the typed time is kept");
    assert_eq!(w.app.table_counts().await, before);

    fields.push(("booked_at.when", "later".into()));
    let r = post(&w, &officer, "/bookings", &fields).await;
    assert_eq!(r.status(), 303);
    let stored: String = sqlx::query_scalar("SELECT booked_at::text FROM bookings WHERE booking_number = 'DST-1'")
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    assert_eq!(stored, "2026-11-01 06:30:00+00", "the second 01:30, in standard time");

    // A time the clocks skipped is refused, saying what it likely meant; nothing is stored.
    let mut skipped = form("DST-2", "Peña", "weapons");
    skipped[5].1 = "2026-03-08T02:30".into();
    let before = w.app.table_counts().await;
    let r = post(&w, &officer, "/bookings", &skipped).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("2026-03-08 02:30 does not exist in Eastern time (EST/EDT)"),
        "{html}"
    );
    assert!(html.contains("did you mean 03:30 EDT?"));
    assert_eq!(w.app.table_counts().await, before);
}

async fn bookings(w: &World) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM bookings")
        .fetch_one(&w.app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_booking_sent_after_the_session_ended_comes_back_after_signing_in_again() {
    let w = World::new().await;
    let officer = w.app.login("wso1").await;
    let csrf = w.app.csrf(&officer, "/bookings/new").await;
    w.app.clock.advance(chrono::Duration::minutes(31));
    let mut fields: Vec<(&str, String)> = form("LATE-1", "Peña", "weapons");
    fields.push(("csrf_token", csrf));
    let r = officer.post(w.app.url("/bookings")).form(&fields).send().await.unwrap();
    assert_eq!(r.status(), 401, "not a bare 403");
    let html = r.text().await.unwrap();
    assert!(html.contains("Your session ended before the form was sent, so nothing was saved."));
    assert!(
        html.contains(r#"name="draft""#) && html.contains("Pe\u{f1}a"),
        "what was typed travels with the sign-in form"
    );
    assert_eq!(bookings(&w).await, 0);

    // Signing in again (the sign-in form as served, with its draft) leads back to the form.
    let r = sign_in_with_draft(&w, &officer, &html, "wso1").await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/bookings/new");
    let page = w.app.page(&officer, "/bookings/new").await;
    assert!(page.contains("What you typed is back in the form"));
    assert!(
        page.contains(r#"value="LATE-1""#)
            && page.contains(r#"value="Peña""#)
            && page.contains(r#"value="Possession of a firearm""#)
            && page.contains(r#"<option value="weapons" selected>"#),
        "every field as typed"
    );
    assert_eq!(bookings(&w).await, 0, "nothing is sent by itself");
    // Once shown, the draft is gone.
    assert!(
        !w.app
            .page(&officer, "/bookings/new")
            .await
            .contains(r#"value="LATE-1""#)
    );

    // A browser whose session is gone altogether (no cookie at all) is answered the same way.
    let stranger = w.app.client();
    let r = stranger
        .post(w.app.url("/bookings"))
        .form(&form("LATE-2", "Núñez", "drugs"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.text().await.unwrap().contains("Núñez"));
    assert_eq!(bookings(&w).await, 0);
}

#[tokio::test]
async fn typed_work_is_kept_only_for_the_person_who_typed_it_and_only_from_this_site() {
    let w = World::new().await;
    // A page elsewhere posting to the booking form gets no sign-in page carrying its fields.
    let r = w
        .app
        .client()
        .post(w.app.url("/bookings"))
        .header("sec-fetch-site", "cross-site")
        .form(&form("X-1", "Planted", "weapons"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(!r.text().await.unwrap().contains("Planted"));

    // wso1's session ends with a form typed; someone else signs in on that sign-in page.
    let officer = w.app.login("wso1").await;
    let csrf = w.app.csrf(&officer, "/bookings/new").await;
    w.app.clock.advance(chrono::Duration::minutes(31));
    let mut fields: Vec<(&str, String)> = form("MINE-1", "Peña", "weapons");
    fields.push(("csrf_token", csrf));
    let html = officer
        .post(w.app.url("/bookings"))
        .form(&fields)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let r = sign_in_with_draft(&w, &officer, &html, "rookie").await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/", "not to wso1's form");
    assert!(!w.app.page(&officer, "/bookings/new").await.contains("MINE-1"));
}
