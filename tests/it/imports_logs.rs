//! The real server process, with verbose logging, imports the OJBC sample through `/imports`:
//! nothing personal beyond a booking's fields reaches its log.

use std::io::Read;
use std::process::{Command, Stdio};

use reqwest::multipart::{Form, Part};

use crate::helpers::{PASSWORD, World, csrf_in};
use crate::imports::{PERSONAL, found_anywhere, jail_sample, stored};

#[tokio::test]
async fn the_server_s_log_carries_nothing_personal_of_an_uploaded_file() {
    let w = World::new().await;
    let app = &w.app;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_wso-tracker"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", &app.database_url)
        .env("DATABASE_OWNER_URL", crate::helpers::owner_url_for(&app.database_url))
        .env("WSO_MFA_REQUIRED", "false")
        .env("RUST_LOG", "debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = app.client();
    let mut up = false;
    for _ in 0..120 {
        if client
            .get(format!("{base}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            up = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert!(up, "the server started");
    let page = client
        .get(format!("{base}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let login = [
        ("username", "sgt"),
        ("password", PASSWORD),
        ("csrf_token", &csrf_in(&page).unwrap()),
    ];
    let r = client.post(format!("{base}/login")).form(&login).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let page = client
        .get(format!("{base}/imports"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let form = Form::new()
        .text("csrf_token", csrf_in(&page).unwrap())
        .text("facility", "RCDC")
        .text("format", "auto")
        .part(
            "file",
            Part::bytes(jail_sample("LOG-1").into_bytes()).file_name("jail.xml"),
        );
    let preview = client
        .post(format!("{base}/imports"))
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
    let r = client
        .post(format!("{base}{path}"))
        .form(&confirm)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(stored(app).await[0].0, "LOG-1");

    server.kill().unwrap();
    server.wait().unwrap();
    let mut log = String::new();
    server.stderr.take().unwrap().read_to_string(&mut log).unwrap();
    server.stdout.take().unwrap().read_to_string(&mut log).unwrap();
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
