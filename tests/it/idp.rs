//! A real OpenID provider for the single sign-on tests: panva's `oidc-provider` (OpenID
//! Certified) run by Node from target/oidc-provider (installed there by `.ci/run`), with the
//! script tests/oidc/provider.mjs. Nothing of it is mocked: the tests' own levers are a key
//! rotation and a one-shot change of the next ID token (see the script).

use std::path::PathBuf;
use std::process::Stdio;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::helpers::TestApp;

pub const CLIENT_SECRET: &str = "client-secret-for-tests-only-0123456789";

/// A person at the provider.
pub struct Person {
    pub login: &'static str,
    pub sub: &'static str,
    pub email: &'static str,
    /// The provider asserts its second factor (`amr` has "mfa", `acr` is "mfa").
    pub mfa: bool,
}

pub struct Idp {
    pub issuer: String,
    _child: Child,
}

fn installed() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/oidc-provider");
    assert!(
        dir.join("node_modules/oidc-provider/package.json").exists(),
        "oidc-provider is not installed: run .ci/run, or `npm install --prefix target/oidc-provider oidc-provider@9.13.3`"
    );
    dir
}

impl Idp {
    /// Starts the provider with clients `ids` (each sending people back to `app`) and `people`.
    pub async fn start(app: &TestApp, ids: &[&str], people: &[Person]) -> Idp {
        let dir = installed();
        let script = dir.join("provider.mjs");
        std::fs::write(&script, include_str!("../oidc/provider.mjs")).unwrap();
        let clients: Vec<Value> = ids
            .iter()
            .map(|id| {
                json!({ "client_id": id, "client_secret": CLIENT_SECRET,
                        "redirect_uris": [app.url("/login/DEFAULT/sso/callback"), app.url("/login/DUR-SO/sso/callback")],
                        "post_logout_redirect_uris": [app.url("/login/DEFAULT"), app.url("/login/DUR-SO")] })
            })
            .collect();
        let accounts: Vec<Value> = people
            .iter()
            .map(|p| {
                json!({ "login": p.login, "password": "pw", "sub": p.sub, "email": p.email,
                        "email_verified": true, "mfa": p.mfa })
            })
            .collect();
        let config = json!({ "clients": clients, "accounts": accounts });
        let mut child = Command::new(std::env::var("NODE").unwrap_or_else(|_| "node".into()))
            .arg(&script)
            .current_dir(&dir)
            .env("OIDC_TEST_CONFIG", config.to_string())
            .stdout(Stdio::piped())
            // Its warnings and errors, for a failing test's reader: target/oidc-provider/stderr.log.
            .stderr(std::fs::File::create(dir.join("stderr.log")).map_or(Stdio::null(), Stdio::from))
            .kill_on_drop(true)
            .spawn()
            .expect("node (Node.js 20 or later) to run the test provider");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let issuer = tokio::time::timeout(std::time::Duration::from_secs(20), async {
            while let Some(line) = lines.next_line().await.unwrap() {
                if let Some(url) = line.strip_prefix("listening ") {
                    return url.to_string();
                }
            }
            panic!("the provider ended before it listened");
        })
        .await
        .expect("the provider listens within 20 s");
        // Its later notices are read and dropped: a closed pipe would end it at its next line.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Idp { issuer, _child: child }
    }

    /// The provider replaces its signing key (a new `kid`).
    pub async fn rotate(&self) {
        let r = reqwest::Client::new()
            .post(format!("{}/__test/rotate", self.issuer))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }

    /// The next ID token comes changed: "aud", "iss", "foreign_key" or "nonce".
    pub async fn mischief(&self, kind: &str) {
        let r = reqwest::Client::new()
            .post(format!("{}/__test/mischief", self.issuer))
            .body(json!({ "kind": kind }).to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
    }
}

fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default()
}

/// Starts a sign-in at `/login/{agency}/sso` in `browser` and goes through the provider as
/// `login`, up to the provider's redirect back: returns that callback address (not yet opened).
pub async fn through_provider(app: &TestApp, browser: &reqwest::Client, agency: &str, login: &str) -> String {
    let r = browser
        .get(app.url(&format!("/login/{agency}/sso")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "off to the provider");
    let mut next = location(&r);
    let ours = app.url(&format!("/login/{agency}/sso/callback"));
    for _ in 0..20 {
        if next.starts_with(&ours) {
            return next;
        }
        let url = reqwest::Url::parse(&next).unwrap();
        let r = browser.get(url.clone()).send().await.unwrap();
        if r.status().is_redirection() {
            next = url.join(&location(&r)).unwrap().to_string();
            continue;
        }
        let page = r.text().await.unwrap();
        assert!(page.contains("name=\"login\""), "the provider's sign-in form: {page}");
        let r = browser
            .post(url.clone())
            .form(&[("login", login), ("password", "pw")])
            .send()
            .await
            .unwrap();
        assert!(r.status().is_redirection(), "signed in at the provider");
        next = url.join(&location(&r)).unwrap().to_string();
    }
    panic!("the provider did not send the browser back");
}
