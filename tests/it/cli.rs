//! The `wso-tracker` command line, run as a real process against the test's database.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use crate::helpers::{PASSWORD, spawn_app};

pub fn run(database_url: &str, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wso-tracker"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("DATABASE_OWNER_URL", crate::helpers::owner_url_for(database_url))
        .env("RUST_LOG", "off")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).trim().to_string()
}

#[tokio::test]
async fn facilities_users_and_tokens_are_created_from_the_command_line() {
    let app = spawn_app().await;
    let url = &app.database_url;

    let o = run(
        url,
        &[
            "facility",
            "add",
            "RCDC",
            "--name",
            "Rockingham County Detention Center",
            "--timezone",
            "America/New_York",
            "--igsa",
        ],
        "",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let f = wso_tracker::db::facilities::by_code(&app.db, "RCDC")
        .await
        .unwrap()
        .unwrap();
    assert!(f.igsa);
    assert_eq!(f.timezone.to_string(), "America/New_York");

    let o = run(
        url,
        &[
            "user",
            "add",
            "sgt.smith",
            "--role",
            "supervisor",
            "--facility",
            "RCDC",
            "--email",
            "smith@county.gov",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let u = wso_tracker::db::users::by_username(&app.db, "sgt.smith")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(u.role, wso_tracker::domain::Role::Supervisor);
    assert_eq!(u.facilities, vec!["RCDC"]);
    assert_eq!(u.email.as_deref(), Some("smith@county.gov"));

    let o = run(url, &["token", "create", "sgt.smith"], "");
    assert!(o.status.success(), "{}", stderr(&o));
    let stdout = String::from_utf8(o.stdout).unwrap();
    let token = stdout.lines().last().unwrap();
    let me: Value = crate::helpers::http()
        .get(app.url("/api/v1/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["username"], "sgt.smith");

    let actions = app.audit_actions().await;
    assert_eq!(actions, vec!["facility_created", "user_created", "token_created"]);
}

#[tokio::test]
async fn bad_input_exits_non_zero_with_one_line_naming_the_problem() {
    let app = spawn_app().await;
    let url = &app.database_url;
    let cases: [(&[&str], &str, &str); 5] = [
        (
            &["facility", "add", "RCDC", "--name", "X", "--timezone", "Mars/Olympus"],
            "",
            "timezone",
        ),
        (
            &["user", "add", "jdoe", "--role", "sheriff"],
            "correct horse battery staple\n",
            "role",
        ),
        (&["user", "add", "jdoe", "--role", "officer"], "short\n", "at least 12"),
        (
            &["user", "add", "jdoe", "--role", "officer"],
            "password1234\n",
            "too weak",
        ),
        (&["token", "create", "nobody"], "", "no user"),
    ];
    for (args, stdin, expected) in cases {
        let o = run(url, args, stdin);
        assert!(!o.status.success(), "{args:?} should fail");
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{args:?}: one line, got {err}");
        assert!(err.contains(expected), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
    assert!(wso_tracker::db::users::all(&app.db).await.unwrap().is_empty());
    assert!(app.audit_actions().await.is_empty());
}

#[test]
fn without_postgresql_binaries_the_server_says_what_to_install() {
    let dir = std::env::temp_dir().join(format!("wso-nopg-{}", std::process::id()));
    let o = Command::new(env!("CARGO_BIN_EXE_wso-tracker"))
        .arg("migrate")
        .env_remove("DATABASE_URL")
        .env("WSO_DATA_DIR", &dir)
        .env("WSO_PG_BINDIR", "/nonexistent")
        .output()
        .unwrap();
    assert!(!o.status.success());
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("apt-get install postgresql") && err.contains("DATABASE_URL"),
        "{err}"
    );
}

#[test]
fn help_reads_like_a_manual_page_and_exit_statuses_are_as_it_says() {
    let o = Command::new(env!("CARGO_BIN_EXE_wso-tracker"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(o.status.success());
    let help = String::from_utf8(o.stdout).unwrap();
    let at = |section: &str| {
        help.find(&format!("\n{section}\n"))
            .unwrap_or_else(|| panic!("{section}: {help}"))
    };
    let order = [
        "Commands:",
        "DESCRIPTION",
        "ENVIRONMENT",
        "FILES",
        "EXIT STATUS",
        "EXAMPLES",
        "SEE ALSO",
    ]
    .map(at);
    assert!(order.is_sorted(), "sections in a manual page's order: {help}");
    for named in [
        "DATABASE_URL",
        "WSO_METRICS_BIND",
        "/etc/wso-tracker/wso-tracker.env",
        "/var/lib/wso-tracker",
    ] {
        assert!(help.contains(named), "{named}: {help}");
    }
    // A command line that does not parse: 2; a command that fails: 1 (as EXIT STATUS says).
    let o = Command::new(env!("CARGO_BIN_EXE_wso-tracker"))
        .arg("--no-such-flag")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = Command::new(env!("CARGO_BIN_EXE_wso-tracker"))
        .arg("migrate")
        .env_remove("DATABASE_URL")
        .env(
            "WSO_DATA_DIR",
            std::env::temp_dir().join(format!("wso-help-{}", std::process::id())),
        )
        .env("WSO_PG_BINDIR", "/nonexistent")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
}

/// A `wso-tracker serve` process; its stdout lines arrive on a channel.
struct Server {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
}

impl Server {
    fn start(envs: &[(&str, &str)]) -> Self {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_wso-tracker"));
        // Started outside the checkout, as an installed binary is: nothing may be read from
        // the working directory (templates, migrations and static assets are embedded).
        cmd.args(["serve", "--bind", "127.0.0.1:0"])
            .current_dir(std::env::temp_dir())
            .env("RUST_LOG", "off")
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        cmd.env_remove("DATABASE_URL");
        if envs.iter().any(|(k, _)| *k == "DATABASE_URL") {
            // The key of the secrets the in-test app stores (decision 0033).
            cmd.env("WSO_SECRET_KEY_FILE", wso_tracker::secrets::Keyring::for_tests().path());
        }
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Server { child, lines }
    }

    /// Lines up to and including "listening on http://…"; returns them and the base URL.
    fn wait_listening(&self) -> (Vec<String>, String) {
        let mut seen = Vec::new();
        loop {
            let line = self
                .lines
                .recv_timeout(std::time::Duration::from_secs(120))
                .expect("server output");
            if let Some(rest) = line.split("listening on ").nth(1) {
                let url = rest.split_whitespace().next().unwrap().to_string();
                seen.push(line);
                return (seen, url);
            }
            seen.push(line);
        }
    }

    /// SIGTERM, then the exit status.
    fn terminate(mut self) -> std::process::ExitStatus {
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        self.child.wait().unwrap()
    }
}

#[tokio::test]
async fn the_first_start_creates_an_admin_once_and_sigterm_stops_cleanly() {
    let app = spawn_app().await;
    let owner = crate::helpers::owner_url_for(&app.database_url);
    let server = Server::start(&[("DATABASE_URL", &app.database_url), ("DATABASE_OWNER_URL", &owner)]);
    let (lines, base) = server.wait_listening();
    let password = lines
        .iter()
        .map(|l| l.trim())
        .find(|l| l.len() == 24 && l.chars().all(|c| c.is_ascii_alphanumeric()))
        .expect("the admin password is printed")
        .to_string();
    let client = crate::helpers::http_builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let html = client
        .get(format!("{base}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = crate::helpers::csrf_in(&html).unwrap();
    let r = client
        .post(format!("{base}/login"))
        .form(&[
            ("username", "admin"),
            ("password", password.as_str()),
            ("csrf_token", &csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "the printed password signs in");
    // The stylesheet the page links is served from the binary, versioned for long caching.
    let href = html
        .split("rel=\"stylesheet\" href=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("the page links its stylesheet")
        .to_string();
    assert!(href.starts_with("/static/app.css?v="), "{href}");
    let css = client.get(format!("{base}{href}")).send().await.unwrap();
    assert_eq!(css.status(), 200);
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
    assert!(css.headers()["cache-control"].to_str().unwrap().contains("immutable"));
    let etag = css.headers()["etag"].clone();
    let body = css.text().await.unwrap();
    assert_eq!(body, include_str!("../../static/app.css"));
    let again = client
        .get(format!("{base}/static/app.css"))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304, "an unchanged file is not sent again");
    let js = client.get(format!("{base}/static/live.js")).send().await.unwrap();
    assert_eq!(js.status(), 200);
    assert!(
        js.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    let missing = client.get(format!("{base}/static/nope.css")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    assert!(server.terminate().success(), "SIGTERM is a graceful stop");

    let again = Server::start(&[("DATABASE_URL", &app.database_url), ("DATABASE_OWNER_URL", &owner)]);
    let (lines, _) = again.wait_listening();
    assert!(
        !lines.iter().any(|l| l.contains("password")),
        "printed only once: {lines:?}"
    );
    assert!(again.terminate().success());
}

#[tokio::test]
async fn without_database_url_the_server_runs_its_own_postgresql_and_the_cli_shares_it() {
    let dir = std::env::temp_dir().join(format!("wso-private-{}", uuid::Uuid::new_v4().simple()));
    let data = dir.to_str().unwrap().to_string();
    let server = Server::start(&[("WSO_DATA_DIR", &data)]);
    let (_, base) = server.wait_listening();
    let health: Value = crate::helpers::http()
        .get(format!("{base}/healthz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["database"], "ok");
    // The key file of the secrets at rest, made at the first start beside the cluster's data.
    let keys = std::fs::metadata(dir.join("secret-keys")).expect("the key file was created");
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&keys.permissions()) & 0o777,
        0o600
    );

    // A command while the server runs joins its cluster.
    let o = Command::new(env!("CARGO_BIN_EXE_wso-tracker"))
        .args([
            "facility",
            "add",
            "RCDC",
            "--name",
            "Rockingham",
            "--timezone",
            "America/New_York",
        ])
        .env_remove("DATABASE_URL")
        .env("WSO_DATA_DIR", &data)
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        dir.join("pgdata/postmaster.pid").exists(),
        "the server's PostgreSQL keeps running"
    );

    assert!(server.terminate().success());
    assert!(
        !dir.join("pgdata/postmaster.pid").exists(),
        "PostgreSQL was stopped cleanly"
    );

    // The data survives a restart.
    let o = Command::new(env!("CARGO_BIN_EXE_wso-tracker"))
        .args([
            "facility",
            "add",
            "RCDC",
            "--name",
            "Again",
            "--timezone",
            "America/New_York",
        ])
        .env_remove("DATABASE_URL")
        .env("WSO_DATA_DIR", &data)
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(stderr(&o).contains("already exists"), "{}", stderr(&o));
    assert!(
        !dir.join("pgdata/postmaster.pid").exists(),
        "a command stops the cluster it started"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

fn last_line(o: &Output) -> String {
    stdout(o).lines().last().unwrap_or("").to_string()
}

#[tokio::test]
async fn accounts_and_tokens_live_their_whole_life_from_the_command_line() {
    let app = spawn_app().await;
    let url = &app.database_url;
    app.user("jdoe", "officer", &[]).await;

    // A service account: no password asked for, none stored.
    let o = run(
        url,
        &["user", "add", "jms-bridge", "--role", "officer", "--api-only"],
        "",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let api_only: bool =
        sqlx::query_scalar("SELECT api_only AND password_hash IS NULL FROM users WHERE username = 'jms-bridge'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(api_only);

    // Tokens: created with an expiry, listed without the token, revoked.
    let o = run(url, &["token", "create", "jms-bridge", "--expires-in-days", "30"], "");
    assert!(o.status.success(), "{}", stderr(&o));
    let token = last_line(&o);
    assert!(token.starts_with("wso_"), "the token alone on the last line: {token}");
    let o = run(url, &["token", "create", "jms-bridge", "--expires-in-days", "400"], "");
    assert!(
        !o.status.success() && stderr(&o).contains("expires_in_days"),
        "{}",
        stderr(&o)
    );
    let o = run(url, &["token", "list", "jms-bridge"], "");
    let listing = stdout(&o);
    assert!(listing.contains("live") && !listing.contains(&token), "{listing}");
    let id: i64 = sqlx::query_scalar("SELECT id FROM api_tokens ORDER BY id DESC LIMIT 1")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let o = run(url, &["token", "revoke", &id.to_string()], "");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&run(url, &["token", "list", "jms-bridge"], "")).contains("revoked"));

    // Disable and enable.
    let api = app.api("jdoe").await;
    assert!(run(url, &["user", "disable", "jdoe"], "").status.success());
    assert_eq!(api.get("/me").await.0, 401);
    assert!(run(url, &["user", "enable", "jdoe"], "").status.success());
    assert_eq!(api.get("/me").await.0, 200);

    // A reset password, alone on the last line, must be changed at the next sign-in.
    let o = run(url, &["user", "reset-password", "jdoe"], "");
    assert!(o.status.success(), "{}", stderr(&o));
    let temporary = last_line(&o);
    let r = app.try_login(&app.client(), "jdoe", &temporary).await;
    assert_eq!(r.headers()["location"], "/account/password");

    // No authenticator to reset: a clear refusal.
    let o = run(url, &["user", "reset-mfa", "jdoe"], "");
    assert!(
        !o.status.success() && stderr(&o).contains("no authenticator"),
        "{}",
        stderr(&o)
    );
    let actions = app.audit_actions().await;
    for a in [
        "token_created",
        "token_revoked",
        "account_disabled",
        "account_enabled",
        "password_reset",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_running_server_s_watcher_raises_and_its_worker_delivers() {
    // The case is written through the in-test app (its clock: the service on 2026-11-22, deadline
    // 2026-11-24); the real server process, started on the same database with mail going to a
    // real SMTP peer and the system clock (later than the deadline), must do the rest by itself:
    // its worker sends the alert queued at service, and its watcher raises `deadline_passed`,
    // which the worker sends too.
    let w = crate::helpers::World::new().await;
    w.served("BG-1").await;
    let sink = crate::smtp::Sink::start().await;
    let owner = crate::helpers::owner_url_for(&w.app.database_url);
    let smtp = sink.url();
    let server = Server::start(&[
        ("DATABASE_URL", &w.app.database_url),
        ("DATABASE_OWNER_URL", &owner),
        ("SMTP_URL", &smtp),
        ("WSO_WATCH_INTERVAL_SECS", "1"),
        ("WSO_OUTBOX_INTERVAL_SECS", "1"),
    ]);
    server.wait_listening();
    let wanted = ["deadline_at_service", "deadline_passed"];
    let mut kinds: Vec<String> = vec![];
    for _ in 0..60 {
        kinds = sink.received().iter().filter_map(|m| m.header("X-WSO-Alert")).collect();
        if wanted.iter().all(|k| kinds.iter().any(|x| x == k)) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    for k in wanted {
        assert!(
            kinds.iter().any(|x| x == k),
            "{k} e-mailed by the running server: {kinds:?}"
        );
    }
    assert!(server.terminate().success());
}

#[tokio::test]
async fn a_bad_setting_in_the_environment_stops_the_start_with_one_line_naming_it() {
    let app = spawn_app().await;
    let owner = crate::helpers::owner_url_for(&app.database_url);
    for (var, value) in [
        ("WSO_ALERT_HOURS_LEFT", "12,abc"),
        ("WSO_MFA_REQUIRED", "maybe"),
        ("WSO_TRUSTED_PROXIES", "10.0.0.0/99"),
        ("WSO_SESSION_IDLE_MINUTES", "thirty"),
    ] {
        let o = Command::new(env!("CARGO_BIN_EXE_wso-tracker"))
            .args(["migrate"])
            .env("DATABASE_URL", &app.database_url)
            .env("DATABASE_OWNER_URL", &owner)
            .env("RUST_LOG", "off")
            .env(var, value)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr).trim().to_string();
        assert!(!o.status.success(), "{var}={value} must not start");
        assert!(err.contains(var) && err.lines().count() == 1, "{var}: {err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_a_request_in_flight_finish() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let w = crate::helpers::World::new().await;
    let token = w.app.token("wso1").await;
    let owner = crate::helpers::owner_url_for(&w.app.database_url);
    let server = Server::start(&[("DATABASE_URL", &w.app.database_url), ("DATABASE_OWNER_URL", &owner)]);
    let (_, base) = server.wait_listening();
    let addr = base.trim_start_matches("http://").to_string();
    let body = crate::helpers::booking("INFLIGHT-1").to_string();
    let (first, rest) = body.split_at(body.len() / 2);
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /api/v1/bookings HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(first.as_bytes()).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    // Stop the server while the request's body is still coming.
    unsafe { libc::kill(server.child.id() as i32, libc::SIGTERM) };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    s.write_all(rest.as_bytes()).await.unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).await.unwrap();
    assert!(
        answer.starts_with("HTTP/1.1 201"),
        "the request in flight finished: {answer}"
    );
    assert!(server.terminate().success(), "then the server stopped cleanly");
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM bookings WHERE booking_number = 'INFLIGHT-1'")
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    assert_eq!(stored, 1);
}

#[test]
fn the_version_names_the_release_and_the_commit_it_was_built_from() {
    let o = Command::new(env!("CARGO_BIN_EXE_wso-tracker"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(o.status.success());
    // The checkout's HEAD when built from one (as here), else what WSO_COMMIT said.
    let head = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    let commit = std::env::var("WSO_COMMIT")
        .ok()
        .or(head)
        .unwrap_or_else(|| "unknown".into());
    assert_eq!(
        stdout(&o),
        format!("wso-tracker {} (commit {commit})", env!("CARGO_PKG_VERSION"))
    );
}
