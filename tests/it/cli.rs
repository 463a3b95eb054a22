//! The `wso-tracker` command line, run as a real process against the test's database.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use crate::helpers::{PASSWORD, spawn_app};

fn run(database_url: &str, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wso-tracker"))
        .args(args)
        .env("DATABASE_URL", database_url)
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
    assert_eq!(f.timezone, "America/New_York");

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
    let me: Value = reqwest::Client::new()
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
    assert_eq!(actions, vec!["facility_created", "user_created", "api_token_created"]);
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
