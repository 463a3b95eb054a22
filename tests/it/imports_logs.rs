//! The real server process, with verbose logging, imports the OJBC sample through `/imports`:
//! nothing personal beyond a booking's fields reaches its log.

use reqwest::multipart::{Form, Part};

use crate::helpers::{World, csrf_in};
use crate::imports::{PERSONAL, found_anywhere, jail_sample, stored};
use crate::process::Server;

#[tokio::test]
async fn the_server_s_log_carries_nothing_personal_of_an_uploaded_file() {
    let w = World::new().await;
    let app = &w.app;
    // JSON lines, so that each line's own timestamp (whose microseconds can spell any digits,
    // "…:39.999994Z") is set aside before looking for a person's data.
    let server = Server::start(&w, &[("RUST_LOG", "debug"), ("WSO_LOG_FORMAT", "json")]).await;
    let client = server.login(&w, "sgt").await;
    let page = server.page(&client, "/imports").await;
    let form = Form::new()
        .text("csrf_token", csrf_in(&page).unwrap())
        .text("facility", "RCDC")
        .text("format", "auto")
        .part(
            "file",
            Part::bytes(jail_sample("LOG-1").into_bytes()).file_name("jail.xml"),
        );
    let preview = client
        .post(server.url("/imports"))
        .multipart(form)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let start = preview.find("action=\"/imports/").expect("a confirm form") + "action=\"".len();
    let path = &preview[start..start + preview[start..].find('"').unwrap()];
    let confirm = [("csrf_token", csrf_in(&preview).unwrap())];
    let r = client.post(server.url(path)).form(&confirm).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(stored(app).await[0].0, "LOG-1");

    let log: String = server
        .stop()
        .lines()
        .map(|line| match serde_json::from_str::<serde_json::Value>(line) {
            Ok(serde_json::Value::Object(mut fields)) => {
                fields.remove("timestamp");
                serde_json::Value::Object(fields).to_string()
            }
            _ => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert!(log.contains("/imports"), "the requests were logged: {log}");
    for needle in PERSONAL {
        assert!(!log.contains(needle), "{needle} in the server's log");
        assert_eq!(
            found_anywhere(app, needle).await,
            Vec::<String>::new(),
            "{needle} stored"
        );
    }
}
