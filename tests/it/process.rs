//! The real `wso-tracker serve` binary on a World's database, for what only a whole process
//! shows: its log, its background workers.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::helpers::{PASSWORD, World, csrf_in};

/// A running server process; killed when dropped. Its log (stdout and stderr) goes to a file.
pub struct Server {
    child: Child,
    base: String,
    log: std::path::PathBuf,
}

impl Server {
    /// Started with `env` on top of the World's database (MFA off), and answering `/healthz`.
    pub async fn start(w: &World, env: &[(&str, &str)]) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = std::env::temp_dir().join(format!("wso-server-{port}-{}.log", std::process::id()));
        let file = std::fs::File::create(&log).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_wso-tracker"))
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .env("DATABASE_URL", &w.app.database_url)
            .env("DATABASE_OWNER_URL", crate::helpers::owner_url_for(&w.app.database_url))
            .env("WSO_MFA_REQUIRED", "false")
            // The key of the secrets the in-test app stores (decision 0033).
            .env("WSO_SECRET_KEY_FILE", wso_tracker::secrets::Keyring::for_tests().path())
            .envs(env.iter().copied())
            .stdout(Stdio::from(file.try_clone().unwrap()))
            .stderr(Stdio::from(file))
            .spawn()
            .unwrap();
        let server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
            log,
        };
        for _ in 0..120 {
            if crate::helpers::http()
                .get(server.url("/healthz"))
                .send()
                .await
                .is_ok_and(|r| r.status() == 200)
            {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        panic!("the server did not start: {}", server.log());
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A browser-like client signed in as `username` through this process's login form.
    pub async fn login(&self, w: &World, username: &str) -> reqwest::Client {
        let client = w.app.client();
        let page = client
            .get(self.url("/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let form = [
            ("username", username),
            ("password", PASSWORD),
            ("csrf_token", &csrf_in(&page).unwrap()),
        ];
        let r = client.post(self.url("/login")).form(&form).send().await.unwrap();
        assert_eq!(r.status(), 303, "sign-in of {username} should redirect");
        client
    }

    /// The HTML of `path` as `client` sees it.
    pub async fn page(&self, client: &reqwest::Client, path: &str) -> String {
        client.get(self.url(path)).send().await.unwrap().text().await.unwrap()
    }

    /// Stops the process and returns everything it logged.
    pub fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.log()
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}
