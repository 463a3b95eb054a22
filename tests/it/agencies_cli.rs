//! The agencies' command line (issue 28), run as a real process: `agency add|list`,
//! `facility add --agency`, `user add --agency` for each kind of account, `user grant` and
//! `user revoke-grant`; each refusal one line naming its field, nothing written.

use std::process::Output;

use crate::cli::run;
use crate::helpers::{PASSWORD, spawn_app};

fn out(o: &Output) -> (bool, String, String) {
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).trim().to_string(),
        String::from_utf8_lossy(&o.stderr).trim().to_string(),
    )
}

#[tokio::test]
async fn agencies_their_facilities_and_accounts_are_made_from_the_command_line() {
    let app = spawn_app().await;
    let url = &app.database_url;
    let cli = |args: &[&str]| out(&run(url, args, &format!("{PASSWORD}\n")));

    // One agency: `--agency` may be left out.
    let (ok, _, err) = cli(&[
        "facility",
        "add",
        "RCDC",
        "--name",
        "Rockingham",
        "--timezone",
        "America/New_York",
    ]);
    assert!(ok, "{err}");
    let (ok, stdout, err) = cli(&[
        "agency",
        "add",
        "WAKE-SO",
        "--name",
        "Wake County Sheriff's Office",
        "--state",
        "NC",
    ]);
    assert!(ok, "{err}");
    assert_eq!(stdout, "agency WAKE-SO (Wake County Sheriff's Office, NC) added");

    // Two agencies: now it must be named, and a wrong one is named back.
    let (ok, _, err) = cli(&[
        "facility",
        "add",
        "WAKE",
        "--name",
        "Wake",
        "--timezone",
        "America/New_York",
    ]);
    assert!(!ok);
    assert_eq!(
        err,
        "error: agency: the installation has several agencies: name one (--agency CODE)"
    );
    let (ok, _, err) = cli(&[
        "facility",
        "add",
        "WAKE",
        "--name",
        "Wake",
        "--timezone",
        "America/New_York",
        "--agency",
        "NOPE",
    ]);
    assert!(!ok);
    assert_eq!(err, "error: agency: there is no agency `NOPE`");
    let (ok, _, err) = cli(&[
        "facility",
        "add",
        "WAKE",
        "--name",
        "Wake",
        "--timezone",
        "America/New_York",
        "--agency",
        "WAKE-SO",
    ]);
    assert!(ok, "{err}");
    let (ok, _, err) = cli(&["agency", "add", "wake so", "--name", "x", "--state", "North Carolina"]);
    assert!(!ok);
    assert!(
        err.contains("code: agency code must be")
            && err.contains("state: `North Carolina` is not a two-letter state code"),
        "{err}"
    );

    let (ok, stdout, _) = cli(&["agency", "list"]);
    assert!(ok);
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        [
            "code\tname\tstate\tfacilities",
            "DEFAULT\tSheriff's Office\t-\t1",
            "WAKE-SO\tWake County Sheriff's Office\tNC\t1"
        ]
    );

    // Accounts of each kind.
    let (ok, _, err) = cli(&["user", "add", "wadmin", "--role", "admin", "--agency", "WAKE-SO"]);
    assert!(ok, "{err}");
    let (ok, _, err) = cli(&[
        "user",
        "add",
        "wofc",
        "--role",
        "officer",
        "--agency",
        "WAKE-SO",
        "--facility",
        "RCDC",
    ]);
    assert!(!ok);
    assert_eq!(err, "error: facilities: RCDC: that facility belongs to another agency");
    let (ok, _, err) = cli(&["user", "add", "wofc", "--role", "officer", "--facility", "WAKE"]);
    assert!(!ok, "two agencies: an officer's must be named");
    assert!(err.contains("agency"), "{err}");
    let (ok, _, err) = cli(&[
        "user",
        "add",
        "state",
        "--role",
        "oversight",
        "--agency",
        "DEFAULT",
        "--agency",
        "WAKE-SO",
    ]);
    assert!(ok, "{err}");
    let (ok, _, err) = cli(&["user", "add", "host", "--role", "operator"]);
    assert!(ok, "{err}");
    let (ok, _, err) = cli(&[
        "user",
        "add",
        "ice",
        "--role",
        "ice_liaison",
        "--facility",
        "RCDC",
        "--facility",
        "WAKE",
    ]);
    assert!(ok, "{err}");
    let (ok, _, err) = cli(&["user", "add", "ice9", "--role", "ice_liaison", "--agency", "WAKE-SO"]);
    assert!(!ok);
    assert_eq!(
        err,
        "error: agency: an account with the role ice_liaison belongs to no agency"
    );

    let rows: Vec<(String, Option<String>, bool)> = sqlx::query_as(
        "SELECT u.username, a.code, u.operator FROM users u LEFT JOIN agencies a ON a.id = u.agency_id ORDER BY u.id",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    let expect = |u: &str, a: Option<&str>, op: bool| (u.to_string(), a.map(str::to_string), op);
    assert_eq!(
        rows,
        [
            expect("wadmin", Some("WAKE-SO"), true),
            expect("state", None, false),
            expect("host", None, true),
            expect("ice", None, false)
        ],
        "the first admin of an installation without an operator operates it"
    );
    let grants: Vec<String> = sqlx::query_scalar(
        "SELECT a.code FROM oversight_grants g JOIN agencies a ON a.id = g.agency_id ORDER BY a.code",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(grants, ["DEFAULT", "WAKE-SO"]);

    // A liaison's grants, one facility at a time.
    let (ok, stdout, _) = cli(&["user", "revoke-grant", "ice", "--facility", "WAKE"]);
    assert!(ok);
    assert_eq!(stdout, "ice no longer has WAKE");
    let (ok, _, err) = cli(&["user", "revoke-grant", "ice", "--facility", "WAKE"]);
    assert!(!ok);
    assert_eq!(err, "error: ice did not have WAKE");
    let (ok, stdout, _) = cli(&["user", "grant", "ice", "--facility", "WAKE"]);
    assert!(ok);
    assert_eq!(stdout, "ice granted WAKE");
    let (ok, _, err) = cli(&["user", "grant", "host", "--facility", "WAKE"]);
    assert!(!ok);
    assert!(
        err.ends_with("an account with the role operator works at no facility"),
        "{err}"
    );
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE action IN ('agency_created', 'facility_granted', 'facility_revoked') ORDER BY id",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(actions, ["agency_created", "facility_revoked", "facility_granted"]);
}
