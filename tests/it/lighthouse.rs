//! Lighthouse's best practices (issue 25): 100 on sign-in, the board and a case page, run by
//! Lighthouse itself (the npm package, installed by `.ci/run` into `target/lighthouse`)
//! driving Debian's Chromium against the real server. The favicon's 404 was the one loss.

use std::process::Command;

use crate::helpers::{PASSWORD, TestApp, World};

/// Lighthouse's command: `WSO_LIGHTHOUSE`, or where `.ci/run` installs it.
fn lighthouse() -> String {
    let path = std::env::var("WSO_LIGHTHOUSE").unwrap_or_else(|_| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/target/lighthouse/node_modules/.bin/lighthouse"
        )
        .to_string()
    });
    assert!(
        std::path::Path::new(&path).exists(),
        "Lighthouse not found at {path}: run `bash .ci/run` once, or \
         `npm install --prefix target/lighthouse lighthouse@12.8.2`"
    );
    path
}

/// The cookies a browser holds after `username` signs in, as one `Cookie` header.
async fn signed_in(app: &TestApp, username: &str) -> String {
    let client = app.client();
    let r = app.try_login(&client, username, PASSWORD).await;
    assert_eq!(r.status(), 303);
    let cookies: Vec<String> = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_owned))
        .collect();
    assert!(!cookies.is_empty(), "a session cookie is set");
    cookies.join("; ")
}

/// The best-practices score of `url` (0 to 1) and the audits that lost points; the page must
/// be the one asked for (not the sign-in page a refused cookie would lead to).
async fn best_practices(url: String, cookie: Option<String>) -> (f64, Vec<String>) {
    let asked = url.clone();
    let bin = lighthouse();
    let out = tokio::task::spawn_blocking(move || {
        let mut cmd = Command::new(bin);
        cmd.arg(&url)
            .args([
                "--only-categories=best-practices",
                "--output=json",
                "--output-path=stdout",
                "--quiet",
            ])
            .arg("--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run")
            .arg("--max-wait-for-load=20000")
            .env(
                "CHROME_PATH",
                std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            );
        if let Some(c) = cookie {
            cmd.arg(format!("--extra-headers={}", serde_json::json!({ "Cookie": c })));
        }
        cmd.output().expect("run Lighthouse")
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "Lighthouse failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("Lighthouse's JSON report");
    assert_eq!(
        report["finalDisplayedUrl"].as_str(),
        Some(asked.as_str()),
        "the page itself was audited"
    );
    let category = &report["categories"]["best-practices"];
    let score = category["score"].as_f64().expect("a best-practices score");
    let lost = category["auditRefs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["weight"].as_f64().unwrap_or(0.0) > 0.0)
        .filter_map(|a| {
            let audit = &report["audits"][a["id"].as_str()?];
            (audit["score"].as_f64() != Some(1.0)).then(|| format!("{}: {}", a["id"], audit["title"]))
        })
        .collect();
    (score, lost)
}

#[tokio::test]
async fn sign_in_the_board_and_a_case_page_follow_best_practices() {
    let w = World::new().await;
    let id = w.served("LH-1").await;
    let cookie = signed_in(&w.app, "sgt").await;
    for (path, cookie) in [
        ("/login".to_string(), None),
        ("/transfers/pending".to_string(), Some(cookie.clone())),
        (format!("/bookings/{id}"), Some(cookie.clone())),
    ] {
        let (score, lost) = best_practices(w.app.url(&path), cookie).await;
        assert_eq!(score, 1.0, "{path}: best practices {score}: {lost:?}");
    }
}
