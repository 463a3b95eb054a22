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
    let server = Server::start(&w, &[("RUST_LOG", "debug")]).await;
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

    let log = server.stop();
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
