//! An agency's identity provider set by its admin on `/admin/facilities` and from the command
//! line (issue 29): checked before anything is written, the client secret sealed and never
//! shown back, every change audited, and turned off again.

use std::process::Command;

use wso_tracker::secrets::Keyring;

use crate::helpers::World;
use crate::idp::{CLIENT_SECRET, Idp, Person, through_provider};

const JDOE: Person = Person {
    login: "jdoe",
    sub: "sub-jdoe",
    email: "wso1@county.example.org",
    mfa: true,
};

async fn providers(w: &World) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM agency_sso WHERE enabled")
        .fetch_one(&w.app.db)
        .await
        .unwrap()
}

/// What the audit log says of the provider's settings (to look for the secret in it).
async fn configured_entries(w: &World) -> String {
    let d: Vec<serde_json::Value> = sqlx::query_scalar(
        "SELECT detail FROM audit_log WHERE action IN ('sso_configured', 'sso_disabled') ORDER BY id",
    )
    .fetch_all(&w.app.db)
    .await
    .unwrap();
    serde_json::to_string(&d).unwrap()
}

#[tokio::test]
async fn an_admin_sets_the_agency_s_provider_its_people_sign_in_with_it_and_it_can_be_turned_off() {
    let w = World::new().await;
    #[allow(clippy::disallowed_methods)]
    w.app.clock.set(chrono::Utc::now());
    let idp = Idp::start(&w.app, &["wso-default"], &[JDOE]).await;
    let boss = w.app.login("boss").await;

    // Bad values: each named, nothing written.
    let r = w
        .app
        .post_form(
            &boss,
            "/admin/agency/sso",
            &[
                ("issuer", "http://idp.county.gov"),
                ("client_id", "wso-default"),
                ("client_secret", CLIENT_SECRET),
                ("mfa_claim", "mfa"),
                ("domains", "not a domain"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    for field in ["issuer", "mfa_claim", "domain"] {
        assert!(html.contains(field), "{field} named: {html}");
    }
    assert_eq!(providers(&w).await, 0);

    let r = w
        .app
        .post_form(
            &boss,
            "/admin/agency/sso",
            &[
                ("issuer", idp.issuer.as_str()),
                ("client_id", "wso-default"),
                ("client_secret", CLIENT_SECRET),
                ("name", "Rockingham Login"),
                ("mfa_claim", "amr=mfa"),
                ("domains", "county.example.org"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let page = w.app.page(&boss, "/admin/facilities").await;
    assert!(
        page.contains("may sign in with <strong>Rockingham Login</strong>"),
        "{page}"
    );
    assert!(
        page.contains("/login/DEFAULT/sso/callback"),
        "the redirect URI to register"
    );
    assert!(!page.contains(CLIENT_SECRET), "the secret is never shown back");
    let stored: Vec<u8> = sqlx::query_scalar("SELECT secret_sealed FROM agency_sso")
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&stored).contains(CLIENT_SECRET),
        "sealed at rest"
    );

    // Saved again with the secret field empty: the stored secret is kept, and still works.
    let r = w
        .app
        .post_form(
            &boss,
            "/admin/agency/sso",
            &[
                ("issuer", idp.issuer.as_str()),
                ("client_id", "wso-default"),
                ("client_secret", ""),
                ("name", "Rockingham Login"),
                ("mfa_claim", "amr=mfa"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let b = w.app.client();
    let callback = through_provider(&w.app, &b, "DEFAULT", "jdoe").await;
    assert_eq!(b.get(&callback).send().await.unwrap().status(), 200);
    assert!(w.app.page(&b, "/").await.contains("user-box"), "signed in");

    // An officer may not touch it.
    let officer = w.app.login("wso1").await;
    let r = w.app.post_form(&officer, "/admin/agency/sso/disable", &[]).await;
    assert_eq!(r.status(), 403);
    assert_eq!(providers(&w).await, 1);

    // Off: the agency's sign-in path is gone, the sign-in page offers only the password.
    let r = w.app.post_form(&boss, "/admin/agency/sso/disable", &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(providers(&w).await, 0);
    let r = w
        .app
        .client()
        .get(w.app.url("/login/DEFAULT/sso"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert!(
        !w.app
            .page(&w.app.client(), "/login/DEFAULT")
            .await
            .contains("Sign in with")
    );

    let said = configured_entries(&w).await;
    assert!(said.contains("sso_disabled") || said.contains("DEFAULT"), "{said}");
    assert!(
        !said.contains(CLIENT_SECRET),
        "the audit log never holds the secret: {said}"
    );
    assert_eq!(said.matches("\"issuer\"").count(), 2, "two settings audited: {said}");
}

/// Runs `wso-tracker` with the test servers' key file: (success, stdout, stderr).
fn cli(w: &World, args: &[&str]) -> (bool, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_wso-tracker"))
        .args(args)
        .env("DATABASE_URL", &w.app.database_url)
        .env("DATABASE_OWNER_URL", crate::helpers::owner_url_for(&w.app.database_url))
        .env("WSO_SECRET_KEY_FILE", Keyring::for_tests().path())
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).trim().to_string(),
        String::from_utf8_lossy(&o.stderr).trim().to_string(),
    )
}

#[tokio::test]
async fn the_command_line_sets_shows_and_turns_off_an_agency_s_provider() {
    let w = World::new().await;
    #[allow(clippy::disallowed_methods)]
    w.app.clock.set(chrono::Utc::now());
    let stranger = Person {
        login: "nomail",
        sub: "sub-nomail",
        email: "someone@elsewhere.example.org",
        mfa: true,
    };
    let idp = Idp::start(&w.app, &["wso-default"], &[JDOE, stranger]).await;
    let dir = std::env::temp_dir().join(format!("wso-sso-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let secret_file = dir.join("secret");
    std::fs::write(&secret_file, format!("{CLIENT_SECRET}\n")).unwrap();
    let secret_path = secret_file.to_str().unwrap();

    // Refused as a whole, naming what is wrong.
    let (ok, _, err) = cli(
        &w,
        &[
            "agency",
            "sso",
            "set",
            "DEFAULT",
            "--issuer",
            "ftp://x",
            "--client-id",
            "wso-default",
            "--client-secret-file",
            secret_path,
            "--mfa-claim",
            "amr=",
        ],
    );
    assert!(!ok);
    assert!(err.contains("issuer") && err.contains("mfa_claim"), "{err}");
    assert_eq!(providers(&w).await, 0);

    let (ok, out, err) = cli(
        &w,
        &[
            "agency",
            "sso",
            "set",
            "DEFAULT",
            "--issuer",
            &idp.issuer,
            "--client-id",
            "wso-default",
            "--client-secret-file",
            secret_path,
            "--name",
            "County Login",
            "--mfa-claim",
            "amr=mfa",
            "--domain",
            "county.example.org",
        ],
    );
    assert!(ok, "{err}");
    assert!(out.contains("agency DEFAULT signs in with County Login"), "{out}");
    let (ok, out, _) = cli(&w, &["agency", "sso", "show", "DEFAULT"]);
    assert!(ok);
    assert!(
        out.contains("mfa_claim\tamr=mfa") && out.contains("domains\tcounty.example.org"),
        "{out}"
    );
    assert!(!out.contains(CLIENT_SECRET), "never the secret: {out}");
    // The server opens what the command line sealed: the sign-in works.
    let b = w.app.client();
    let callback = through_provider(&w.app, &b, "DEFAULT", "jdoe").await;
    assert_eq!(b.get(&callback).send().await.unwrap().status(), 200);

    // A person whose e-mail matches no account is linked by the admin, by subject.
    let b = w.app.client();
    let callback = through_provider(&w.app, &b, "DEFAULT", "nomail").await;
    assert_eq!(b.get(&callback).send().await.unwrap().status(), 403, "not linked yet");
    let (ok, _, err) = cli(
        &w,
        &["agency", "sso", "link", "DEFAULT", "ice2", "--subject", "sub-nomail"],
    );
    assert!(
        !ok && err.contains("no account ice2"),
        "a liaison is no agency's account: {err}"
    );
    let (ok, _, err) = cli(
        &w,
        &["agency", "sso", "link", "DEFAULT", "boss", "--subject", "sub-nomail"],
    );
    assert!(
        !ok && err.contains("operator"),
        "no provider vouches for the operator: {err}"
    );
    let (ok, out, err) = cli(
        &w,
        &["agency", "sso", "link", "DEFAULT", "rookie", "--subject", "sub-nomail"],
    );
    assert!(ok, "{err}");
    assert!(out.contains("rookie of agency DEFAULT is linked"), "{out}");
    let (ok, _, err) = cli(
        &w,
        &["agency", "sso", "link", "DEFAULT", "sgt", "--subject", "sub-nomail"],
    );
    assert!(!ok && err.contains("already linked to another account"), "{err}");
    let b = w.app.client();
    let callback = through_provider(&w.app, &b, "DEFAULT", "nomail").await;
    assert_eq!(b.get(&callback).send().await.unwrap().status(), 200);
    assert!(
        w.app.page(&b, "/").await.contains("rookie"),
        "signed in as the linked account"
    );
    let (ok, _, _) = cli(&w, &["agency", "sso", "unlink", "DEFAULT", "rookie"]);
    assert!(ok);
    let b = w.app.client();
    let callback = through_provider(&w.app, &b, "DEFAULT", "nomail").await;
    assert_eq!(b.get(&callback).send().await.unwrap().status(), 403, "unlinked");
    let actions: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_log WHERE action IN ('sso_linked', 'sso_unlinked') ORDER BY id")
            .fetch_all(&w.app.db)
            .await
            .unwrap();
    assert_eq!(
        actions,
        ["sso_linked", "sso_linked", "sso_unlinked"],
        "jdoe by e-mail, rookie by the admin"
    );

    let (ok, out, _) = cli(&w, &["agency", "sso", "disable", "DEFAULT"]);
    assert!(ok && out.contains("turned off"), "{out}");
    let (_, out, _) = cli(&w, &["agency", "sso", "show", "DEFAULT"]);
    assert!(out.contains("state\tdisabled"), "{out}");
    assert!(!configured_entries(&w).await.contains(CLIENT_SECRET));
    std::fs::remove_dir_all(&dir).unwrap();
}
