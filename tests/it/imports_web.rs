//! `/imports` in the browser's place: upload, preview (nothing written), confirm; roles,
//! facilities and the CSRF token of a file upload.

use reqwest::multipart::{Form, Part};

use crate::helpers::{TestApp, World, csrf_in};
use crate::imports::{HEADER, PERSONAL, audit_of, found_anywhere, jail_sample, stored};

async fn upload(
    app: &TestApp,
    client: &reqwest::Client,
    csrf: Option<&str>,
    facility: &str,
    name: &str,
    data: Vec<u8>,
) -> (u16, String) {
    let mut form = Form::new();
    if let Some(token) = csrf {
        form = form.text("csrf_token", token.to_string());
    }
    let form = form
        .text("facility", facility.to_string())
        .text("format", "auto")
        .part("file", Part::bytes(data).file_name(name.to_string()));
    let r = client.post(app.url("/imports")).multipart(form).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

fn confirm_path(html: &str) -> String {
    let start = html.find("action=\"/imports/").expect("a confirm form") + "action=\"".len();
    let end = html[start..].find('"').unwrap() + start;
    html[start..end].to_string()
}

#[tokio::test]
async fn a_supervisor_uploads_sees_what_would_happen_and_confirms() {
    let w = World::new().await;
    let app = &w.app;
    let sgt = app.login("sgt").await;
    let form = app.page(&sgt, "/imports").await;
    assert!(
        form.contains("enctype=\"multipart/form-data\"") && form.contains("<label for=\"file\">"),
        "{form}"
    );
    assert!(
        app.page(&sgt, "/").await.contains("href=\"/imports\""),
        "in the supervisor's navigation"
    );
    let csrf = csrf_in(&form).unwrap();
    let csv = format!(
        "{HEADER}\nW-1,Doe,Jane,1990-04-30,2026-11-20 08:00,DWI,dwi\nW-1,Doe,Jane,1990-04-30,2026-11-20 08:00,Speeding,traffic\n\
         W-2,Roe,Rick,1980-01-01,2026-11-21 09:00,Theft,property\n"
    );
    let bad = format!(
        "{HEADER}\nV-1,Doe,Jane,1990-02-30,2026-11-20 08:00,DWI,dwi\nV-2,Roe,Rick,1980-01-01,2026-11-20 08:00,DWI,murder\n"
    );
    let (status, page) = upload(app, &sgt, Some(&csrf), "RCDC", "bad.csv", bad.into_bytes()).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("id=\"count-invalid\">2<") && page.contains("line 2: date_of_birth: "),
        "{page}"
    );
    assert!(
        page.contains("line 3: charge_category: ") && !page.contains("/confirm"),
        "{page}"
    );
    let before = app.table_counts().await;
    let (status, preview) = upload(app, &sgt, Some(&csrf), "RCDC", "jms.csv", csv.into_bytes()).await;
    assert_eq!(status, 200, "{preview}");
    assert!(
        preview.contains("id=\"count-imported\">2<") && preview.contains("id=\"count-invalid\">0<"),
        "{preview}"
    );
    let drafts = |c: &Vec<(String, i64)>| c.iter().find(|(t, _)| t == "import_drafts").unwrap().1;
    let after_preview = app.table_counts().await;
    assert_eq!(drafts(&after_preview), 1);
    let others = |c: Vec<(String, i64)>| c.into_iter().filter(|(t, _)| t != "import_drafts").collect::<Vec<_>>();
    assert_eq!(
        others(after_preview),
        others(before),
        "a preview writes no booking and no audit entry"
    );

    let path = confirm_path(&preview);
    let r = app.post_form(&sgt, &path, &[]).await;
    assert_eq!(r.status(), 200);
    let done = r.text().await.unwrap();
    assert!(
        done.contains("Bookings imported") && done.contains("id=\"count-imported\">2<"),
        "{done}"
    );
    let rows = stored(app).await;
    assert_eq!(
        rows.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(),
        vec!["W-1", "W-2"]
    );
    assert_eq!(rows[0].5, serde_json::json!([["DWI", "dwi"], ["Speeding", "traffic"]]));
    let sgt_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'sgt'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let created = audit_of(app, "booking_created").await;
    assert_eq!(created.len(), 2);
    assert!(
        created
            .iter()
            .all(|(a, id, _, _)| a.as_deref() == Some("sgt") && *id == Some(sgt_id))
    );
    assert_eq!(audit_of(app, "bookings_imported").await.len(), 1);
    // A draft is used once.
    let r = app.post_form(&sgt, &path, &[]).await;
    assert_eq!(r.status(), 404);
    assert_eq!(stored(app).await.len(), 2);
}

/// A draft checked again at confirm and found invalid (here: the clock was set back, so a
/// booking is now in the future) imports nothing, though 1,000 bookings before it were
/// already written in the transaction, and the draft is kept.
#[tokio::test]
async fn a_draft_invalid_at_confirm_imports_nothing() {
    let w = World::new().await;
    let app = &w.app;
    let sgt = app.login("sgt").await;
    let rows: String = (1..=1001)
        .map(|n| format!("F-{n},Doe,Jane,1990-04-30,2026-11-20 08:00,DWI,dwi\n"))
        .collect();
    // 06:30 in New York is 11:30 UTC: half an hour before the clock's noon.
    let csv = format!("{HEADER}\n{rows}F-1002,Roe,Rick,1980-01-01,2026-11-23 06:30,DWI,dwi\n");
    let csrf = app.csrf(&sgt, "/imports").await;
    let (status, preview) = upload(app, &sgt, Some(&csrf), "RCDC", "f.csv", csv.into_bytes()).await;
    assert_eq!(status, 200, "{preview}");
    let path = confirm_path(&preview);
    app.clock.set(crate::helpers::t("2026-11-23T11:00:00Z"));
    let before = app.table_counts().await;
    let r = app.post_form(&sgt, &path, &[]).await;
    let status = r.status();
    let page = r.text().await.unwrap();
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("in the future"), "{page}");
    assert_eq!(app.table_counts().await, before, "nothing written, the draft kept");
}

#[tokio::test]
async fn a_niem_upload_keeps_nothing_personal_between_preview_and_confirm() {
    let w = World::new().await;
    let app = &w.app;
    let sgt = app.login("sgt").await;
    let csrf = app.csrf(&sgt, "/imports").await;
    let (status, preview) = upload(
        app,
        &sgt,
        Some(&csrf),
        "RCDC",
        "jail.xml",
        jail_sample("WEB-1").into_bytes(),
    )
    .await;
    assert_eq!(status, 200, "{preview}");
    assert!(preview.contains("id=\"count-imported\">1<"), "{preview}");
    for needle in PERSONAL {
        assert_eq!(
            found_anywhere(app, needle).await,
            Vec::<String>::new(),
            "{needle} kept with the draft"
        );
        assert!(!preview.contains(needle));
    }
    let r = app.post_form(&sgt, &confirm_path(&preview), &[]).await;
    assert_eq!(r.status(), 200);
    assert_eq!(stored(app).await[0].1, "Strong");
    for needle in PERSONAL {
        assert_eq!(
            found_anywhere(app, needle).await,
            Vec::<String>::new(),
            "{needle} stored"
        );
    }
}

#[tokio::test]
async fn only_supervisors_and_admins_of_the_facility_import_and_an_upload_needs_its_token() {
    let w = World::new().await;
    let app = &w.app;
    let csv = format!("{HEADER}\nX-1,Doe,Jane,1990-04-30,2026-11-20 08:00,DWI,dwi\n").into_bytes();
    for (who, role) in [("wso1", "officer"), ("ice", "liaison")] {
        let client = app.login(who).await;
        let r = client.get(app.url("/imports")).send().await.unwrap();
        assert_eq!(r.status(), 403, "{role}");
        let csrf = app.csrf(&client, "/").await;
        let (status, _) = upload(app, &client, Some(&csrf), "RCDC", "x.csv", csv.clone()).await;
        assert_eq!(status, 403, "{role}");
        assert!(
            !app.page(&client, "/").await.contains("href=\"/imports\""),
            "not in the {role}'s navigation"
        );
    }
    let wakesgt = app.login("wakesgt").await;
    let sgt = app.login("sgt").await;
    let before = app.table_counts().await;
    let csrf = app.csrf(&wakesgt, "/imports").await;
    let (status, page) = upload(app, &wakesgt, Some(&csrf), "RCDC", "x.csv", csv.clone()).await;
    assert_eq!(status, 403, "another facility's supervisor: {page}");
    let (status, _) = upload(app, &sgt, None, "RCDC", "x.csv", csv.clone()).await;
    assert_eq!(status, 403, "no CSRF token");
    let (status, _) = upload(app, &sgt, Some("forged"), "RCDC", "x.csv", csv.clone()).await;
    assert_eq!(status, 403, "a wrong CSRF token");
    assert_eq!(app.table_counts().await, before, "nothing changed");

    // A supervisor cannot confirm another's preview; an admin may import anywhere.
    let csrf = app.csrf(&wakesgt, "/imports").await;
    let wake_csv = format!("{HEADER}\nY-1,Doe,Jane,1990-04-30,2026-11-20 08:00,DWI,dwi\n").into_bytes();
    let (status, preview) = upload(app, &wakesgt, Some(&csrf), "WAKE", "y.csv", wake_csv).await;
    assert_eq!(status, 200, "{preview}");
    let r = app.post_form(&sgt, &confirm_path(&preview), &[]).await;
    assert_eq!(r.status(), 404);
    let boss = app.login("boss").await;
    let csrf = app.csrf(&boss, "/imports").await;
    let (status, preview) = upload(app, &boss, Some(&csrf), "RCDC", "x.csv", csv.clone()).await;
    assert_eq!(status, 200, "{preview}");
    // Too large: refused with a message, nothing kept.
    let csrf = app.csrf(&sgt, "/imports").await;
    let before = app.table_counts().await;
    let (status, page) = upload(app, &sgt, Some(&csrf), "RCDC", "big.csv", vec![b'a'; 21 * 1024 * 1024]).await;
    assert_eq!(status, 400);
    assert!(page.contains("at most 20 MB"), "{page}");
    assert_eq!(app.table_counts().await, before, "nothing kept of an oversized upload");
    // Elsewhere a multipart body is held to a form's size (1 MB), token or not.
    let form = Form::new()
        .text("csrf_token", app.csrf(&sgt, "/imports").await)
        .part("file", Part::bytes(vec![b'a'; 2 * 1024 * 1024]).file_name("x.csv"));
    let r = sgt.post(app.url("/bookings")).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn a_preview_of_held_bookings_only_is_confirmed_with_its_filter() {
    let w = World::new().await;
    let app = &w.app;
    let sgt = app.login("sgt").await;
    let held = jail_sample("HELD-1").replace(
        "<br-ext:DetentiontImmigrationHoldIndicator>false",
        "<br-ext:DetentiontImmigrationHoldIndicator>true",
    );
    for (name, xml, imported, skipped) in [("free.xml", jail_sample("FREE-1"), 0, 1), ("held.xml", held, 1, 0)] {
        let csrf = app.csrf(&sgt, "/imports").await;
        let form = Form::new()
            .text("csrf_token", csrf)
            .text("facility", "RCDC")
            .text("format", "niem")
            .text("only_immigration_hold", "yes")
            .part("file", Part::bytes(xml.into_bytes()).file_name(name));
        let r = sgt.post(app.url("/imports")).multipart(form).send().await.unwrap();
        let page = r.text().await.unwrap();
        assert!(page.contains(&format!("id=\"count-imported\">{imported}<")), "{page}");
        assert!(page.contains(&format!("id=\"count-skipped\">{skipped}<")), "{page}");
        if imported == 0 {
            assert!(
                !page.contains("/confirm") && page.contains("without an immigration hold"),
                "{page}"
            );
            continue;
        }
        let r = app.post_form(&sgt, &confirm_path(&page), &[]).await;
        assert_eq!(r.status(), 200);
    }
    let numbers: Vec<String> = stored(app).await.into_iter().map(|r| r.0).collect();
    assert_eq!(numbers, vec!["HELD-1"]);
    let summary = audit_of(app, "bookings_imported").await;
    assert_eq!(summary.len(), 1);
    assert_eq!(summary[0].3["only_immigration_hold"], true);
}
