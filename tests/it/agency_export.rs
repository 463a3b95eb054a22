//! Leaving (issue 28): `wso-tracker agency export CODE --out DIR` writes everything of one agency
//! (and nothing of another, and no secret) as JSON Lines with a manifest, and checks it.

use serde_json::{Value, json};

use crate::cli::run;
use crate::helpers::{World, booking, warrant};

#[tokio::test]
async fn every_table_is_exported_or_named_as_the_installation_s_own() {
    let w = World::new().await;
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
    )
    .fetch_all(&w.app.admin_db)
    .await
    .unwrap();
    let exported: Vec<&str> = wso_tracker::db::export::parts().iter().map(|p| p.table).collect();
    let unlisted: Vec<&String> = tables
        .iter()
        .filter(|t| !exported.contains(&t.as_str()) && !wso_tracker::db::export::NOT_EXPORTED.contains(&t.as_str()))
        .collect();
    assert!(
        unlisted.is_empty(),
        "tables neither exported nor named the installation's own: {unlisted:?}"
    );
}

#[tokio::test]
async fn an_agency_leaves_with_all_of_its_records_none_of_another_s_and_no_secret() {
    let w = World::new().await;
    let app = &w.app;
    w.served("R-1").await; // DEFAULT's case
    app.second_agency(false).await;
    app.token("dwso").await;
    let dwso = app.api("dwso").await;
    let mut b = booking("DX-1");
    b["facility"] = json!("DURH");
    let id = dwso.ok(201, "/bookings", b).await["id"].as_i64().unwrap();
    dwso.ok(201, &format!("/bookings/{id}/documents"), warrant("I-200", "W-7"))
        .await;
    // Its identity provider: exported, its client secret not.
    let sso = wso_tracker::services::sso_config::Settings {
        issuer: "https://login.durham.example.org",
        client_id: "wso-durham",
        secret: Some("durham-client-secret"),
        name: None,
        mfa_claim: None,
        domains: &[],
        installation_mfa_floor: false,
    };
    let keys = wso_tracker::secrets::Keyring::for_tests();
    let cli = wso_tracker::services::accounts::Actor::CLI;
    wso_tracker::services::sso_config::set(&app.db, &keys, Some("DUR-SO"), sso, cli, app.clock.now())
        .await
        .unwrap();

    let out = std::env::temp_dir().join(format!("wso-export-{}", uuid::Uuid::new_v4().simple()));
    let o = run(
        &app.database_url,
        &["agency", "export", "DUR-SO", "--out", out.to_str().unwrap()],
        "",
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        stdout.contains("agency DUR-SO exported to") && stdout.contains("and checked"),
        "{stdout}"
    );

    let manifest: Value = serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    let rows = |table: &str| {
        manifest["tables"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["table"] == table)
            .unwrap()["rows"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(
        (
            rows("agencies"),
            rows("facilities"),
            rows("bookings"),
            rows("charges"),
            rows("ice_documents")
        ),
        (1, 1, 1, 2, 1)
    );
    assert_eq!(rows("users"), 3, "dadmin, dwso and dsgt");
    let actions: Vec<String> = std::fs::read_to_string(out.join("audit_log.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["action"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        actions,
        ["booking_created", "document_added"],
        "the agency's entries, in chain order"
    );
    assert_eq!(manifest["audit_chain"]["state"], "intact");
    let every_file: String = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    for other in ["R-1", "RCDC", "wso1", "boss"] {
        assert!(!every_file.contains(other), "{other} is another agency's");
    }
    assert!(every_file.contains("wso-durham"), "the agency's provider is exported");
    for secret in ["$argon2id$", "whsec_", "token_hash", "password_hash", "secret_sealed"] {
        assert!(!every_file.contains(secret), "{secret} exported");
    }
    let booking: Value =
        serde_json::from_str(std::fs::read_to_string(out.join("bookings.jsonl")).unwrap().trim()).unwrap();
    assert_eq!(booking["booking_number"], "DX-1");

    // The export is checked: a changed file no longer matches its manifest.
    wso_tracker::services::export::check(&out).unwrap();
    std::fs::write(out.join("charges.jsonl"), "{}\n").unwrap();
    let e = wso_tracker::services::export::check(&out).unwrap_err().to_string();
    assert!(e.contains("charges.jsonl has 1 rows, the manifest says 2"), "{e}");

    // An existing directory is refused, nothing overwritten.
    let o = run(
        &app.database_url,
        &["agency", "export", "DUR-SO", "--out", out.to_str().unwrap()],
        "",
    );
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("exists already"));
    let actions: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'agency_exported'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(actions, 1);
    std::fs::remove_dir_all(&out).unwrap();
}
