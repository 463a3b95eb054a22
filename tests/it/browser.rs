//! Real headless Chromium driven through chromedriver (Debian packages `chromium` and
//! `chromium-driver`, installed by `.ci/run`).

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

use crate::helpers::{PASSWORD, TestApp, spawn_app};

/// A chromedriver process, killed when dropped.
pub struct Browser {
    driver: Child,
    pub client: Client,
    _profile: PathGuard,
}

struct PathGuard(std::path::PathBuf);
impl Drop for PathGuard {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

pub async fn browser() -> Browser {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let driver_bin = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
    let driver = Command::new(&driver_bin)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {driver_bin} (apt-get install chromium chromium-driver): {e}"));
    let profile = std::env::temp_dir().join(format!("wso-chrome-{}", uuid::Uuid::new_v4().simple()));
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), "chrome".into());
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-dev-shm-usage", "--window-size=1280,900",
                     format!("--user-data-dir={}", profile.display())]
        }),
    );
    let url = format!("http://127.0.0.1:{port}");
    let mut last_err = String::new();
    for _ in 0..100 {
        match ClientBuilder::new(HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(client) => {
                return Browser {
                    driver,
                    client,
                    _profile: PathGuard(profile),
                };
            }
            Err(e) => last_err = e.to_string(),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not start: {last_err}");
}

impl Browser {
    pub async fn sign_in(&self, app: &TestApp, username: &str) {
        let c = &self.client;
        c.goto(&app.url("/login")).await.unwrap();
        c.find(Locator::Css("input[name=username]"))
            .await
            .unwrap()
            .send_keys(username)
            .await
            .unwrap();
        c.find(Locator::Css("input[name=password]"))
            .await
            .unwrap()
            .send_keys(PASSWORD)
            .await
            .unwrap();
        c.find(Locator::Css("button[type=submit]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        c.wait().for_element(Locator::Css("header .user-box")).await.unwrap();
    }
}

#[tokio::test]
async fn an_officer_signs_in_and_sees_the_dashboard() {
    let app = spawn_app().await;
    app.facility("RCDC", "America/New_York", false).await;
    app.user("jdoe", "officer", &["RCDC"]).await;
    let b = browser().await;
    b.sign_in(&app, "jdoe").await;
    let h1 = b.client.find(Locator::Css("h1")).await.unwrap().text().await.unwrap();
    assert_eq!(h1, "Dashboard");
    let user_box = b
        .client
        .find(Locator::Css(".user-box"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(user_box.contains("jdoe") && user_box.contains("Officer"), "{user_box}");
    // The stylesheet loaded under the strict CSP (a styled header is not transparent).
    let bg = b
        .client
        .execute(
            "return getComputedStyle(document.querySelector('header.site-header')).backgroundColor",
            vec![],
        )
        .await
        .unwrap();
    assert_ne!(bg.as_str(), Some("rgba(0, 0, 0, 0)"));
    // Signing out returns to the login page.
    b.client
        .find(Locator::Css(".user-box button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.client
        .wait()
        .for_element(Locator::Css("input[name=password]"))
        .await
        .unwrap();
    assert!(b.client.source().await.unwrap().contains("You have been signed out."));
    b.client.clone().close().await.unwrap();
}
