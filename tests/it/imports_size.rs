//! Issue 26, finding 14: an upload to `/imports` is read up to the documented 20 MB, also by the
//! CSRF check that looks for its token (it used axum's default 2 MB and called a 3 MB file a
//! CSRF failure).

use reqwest::multipart::{Form, Part};

use crate::helpers::{World, csrf_in};
use crate::imports::HEADER;

async fn upload(w: &World, client: &reqwest::Client, csrf: &str, data: Vec<u8>) -> (u16, String) {
    let form = Form::new()
        .text("csrf_token", csrf.to_string())
        .text("facility", "RCDC")
        .text("format", "auto")
        .part("file", Part::bytes(data).file_name("big.csv"));
    let r = client.post(w.app.url("/imports")).multipart(form).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn a_3_mb_file_is_previewed_and_one_over_20_mb_is_refused_as_too_large() {
    let w = World::new().await;
    let sgt = w.app.login("sgt").await;
    let csrf = csrf_in(&w.app.page(&sgt, "/imports").await).unwrap();
    // One booking of two charges; a jail system's extra column (ignored) makes it 3 MB.
    let notes = "x".repeat(1536 * 1024);
    let csv = format!(
        "{HEADER},notes\nB-1,Doe,Jane,1990-04-30,2026-11-20 08:00,DWI,dwi,{notes}\n\
         B-1,Doe,Jane,1990-04-30,2026-11-20 08:00,Speeding,traffic,{notes}\n"
    );
    assert!(csv.len() > 3 * 1024 * 1024);
    let (status, page) = upload(&w, &sgt, &csrf, csv.into_bytes()).await;
    assert_eq!(status, 200, "{}", &page[..page.len().min(2000)]);
    assert!(
        page.contains("id=\"count-imported\">1<") && page.contains("id=\"count-invalid\">0<"),
        "{}",
        &page[..page.len().min(4000)]
    );
    // Over the limit: said so, not a CSRF failure.
    let (status, page) = upload(&w, &sgt, &csrf, vec![b'x'; 21 * 1024 * 1024]).await;
    assert_eq!(status, 400, "{}", &page[..page.len().min(2000)]);
    assert!(page.contains("at most 20 MB"), "{}", &page[..page.len().min(2000)]);
    // A 3 MB upload without the token is still a CSRF refusal.
    let form = Form::new()
        .text("facility", "RCDC")
        .part("file", Part::bytes(vec![b'x'; 3 * 1024 * 1024]).file_name("big.csv"));
    let r = sgt.post(w.app.url("/imports")).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 403);
}
