//! Schemathesis (installed by `.ci/run` into `target/schemathesis-venv`) against the real server
//! with a seeded world: it reads `/api/v1/openapi.json`, sends generated requests (valid and
//! invalid) to every operation, and fails on any 5xx, any status the document does not list for
//! the operation, and any answer whose body or content type does not match the document.
//! Decision 0023; how to run it alone: docs/testing.md.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::helpers::{World, booking};

fn schemathesis() -> PathBuf {
    let path = std::env::var("WSO_SCHEMATHESIS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/target/schemathesis-venv/bin/schemathesis"
            ))
        });
    assert!(
        path.exists(),
        "Schemathesis not found at {}: run `bash .ci/run` once, or \
         `python3 -m venv target/schemathesis-venv && \
         target/schemathesis-venv/bin/pip install 'schemathesis>=4.32,<5'`",
        path.display()
    );
    path
}

/// A world with something behind most operations: a case released, one held, one booked with a
/// claim, a complaint, an interpreter, a disclosure, a review, a public page.
async fn seeded() -> World {
    let w = World::new().await;
    let held = w.served("ST-1").await;
    let wso = w.as_("wso1").await;
    let sgt = w.as_("sgt").await;
    let booked = wso.ok(201, "/bookings", booking("ST-2")).await["id"].as_i64().unwrap();
    wso.ok(
        201,
        &format!("/bookings/{booked}/citizenship-claims"),
        json!({ "at": "2026-11-23T11:00:00Z", "how": "said so at intake" }),
    )
    .await;
    sgt.ok(
        200,
        &format!("/bookings/{held}/release"),
        json!({ "at": "2026-11-23T11:30:00Z", "reason": "warrant_withdrawn" }),
    )
    .await;
    let _ = w.served("ST-3").await;
    sgt.ok(
        201,
        "/interpreters",
        json!({ "facility": "RCDC", "name": "Ana Ruiz", "languages": "Spanish" }),
    )
    .await;
    wso.ok(
        201,
        "/complaints",
        json!({ "facility": "RCDC", "received_at": "2026-11-20T10:00:00Z", "complainant": "A. Person",
                "officers": ["wso1"], "summary": "rough handling" }),
    )
    .await;
    sgt.ok(
        201,
        "/disclosures",
        json!({ "facility": "RCDC", "what": "figures", "recipient": "a newspaper", "requested_on": "2026-11-01",
                "clearance_requested_on": "2026-11-02", "cleared_on": "2026-11-05", "released_on": "2026-11-06" }),
    )
    .await;
    sgt.ok(
        201,
        "/reviews",
        json!({ "facility": "RCDC", "held_on": "2026-06-01", "attendees": "sheriff, ICE field office" }),
    )
    .await;
    let (status, _) = w
        .as_("boss")
        .await
        .http_put("/facilities/RCDC/public", json!({ "enabled": true }))
        .await;
    assert_eq!(status, 200);
    w
}

/// Schemathesis's configuration: besides generated values, path parameters (and facilities,
/// documents, interpreters in bodies and queries) often take the ids and names of the seeded
/// world, so that requests reach the rules behind the 404s.
async fn config(w: &World, work: &std::path::Path) -> PathBuf {
    let sgt = w.as_("sgt").await;
    let mut ids = Vec::new();
    let (mut documents, mut claims) = (Vec::new(), Vec::new());
    for page in w.app.all_pages(&w.app.token("sgt").await, "/api/v1/bookings").await {
        for b in page {
            let id = b["id"].as_i64().unwrap();
            ids.push(id);
            let (_, full) = sgt.get(&format!("/bookings/{id}")).await;
            documents.extend(
                full["documents"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|d| d["id"].as_i64().unwrap()),
            );
            claims.extend(full["citizenship_claim"]["id"].as_i64());
        }
    }
    let (_, complaints) = sgt.get("/complaints").await;
    ids.extend(complaints.as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()));
    let (_, interpreters) = sgt.get("/interpreters").await;
    let interpreters: Vec<i64> = interpreters
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect();
    let list = |v: &[i64]| v.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
    let text = format!(
        r#"[dictionaries.ids]
values = [{ids}]
[dictionaries.documents]
values = [{documents}]
[dictionaries.claims]
values = [{claims}]
[dictionaries.interpreters]
values = [{interpreters}]
[dictionaries.officers]
values = ["wso1", "rookie", "sgt", "other"]
[dictionaries.facilities]
values = ["RCDC", "WAKE"]

[parameters]
"path.id" = {{ dictionary = "ids", probability = 0.7 }}
"path.doc_id" = {{ dictionary = "documents", probability = 0.7 }}
"path.claim_id" = {{ dictionary = "claims", probability = 0.7 }}
"path.username" = {{ dictionary = "officers", probability = 0.7 }}
"path.code" = {{ dictionary = "facilities", probability = 0.7 }}
"query.facility" = {{ dictionary = "facilities", probability = 0.5 }}
"body.facility" = {{ dictionary = "facilities", probability = 0.7 }}
"body.document_id" = {{ dictionary = "documents", probability = 0.7 }}
"body.interpreter_id" = {{ dictionary = "interpreters", probability = 0.5 }}
"#,
        ids = list(&ids),
        documents = list(&documents),
        claims = list(&claims),
        interpreters = list(&interpreters),
    );
    // One file per test process: two runs of the suite at once must not share it.
    let path = work.join(format!("schemathesis-{}.toml", std::process::id()));
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs Schemathesis with `token` and returns whether it passed, and what it printed.
async fn run(w: &World, config: &std::path::Path, token: &str, examples: &str, seed: &str) -> (bool, String) {
    let out = tokio::process::Command::new(schemathesis())
        .current_dir(config.parent().unwrap())
        .env("NO_COLOR", "1")
        .arg("--config-file")
        .arg(config)
        .args(["run", &w.app.url("/api/v1/openapi.json")])
        .args(["--header", &format!("Authorization: Bearer {token}")])
        .args([
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
        ])
        .args(["--phases", "examples,coverage,fuzzing"])
        .args(["--max-examples", examples])
        .args(["--workers", "2"])
        .args(["--seed", seed])
        .args(["--request-timeout", "20"])
        // The board's event stream never ends by design; tests/it/board_events.rs covers it.
        .args(["--exclude-path", "/api/v1/transfers/pending/events"])
        .kill_on_drop(true)
        .output()
        .await
        .expect("schemathesis runs");
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_no_server_error_and_no_answer_outside_the_document() {
    let program = schemathesis();
    // A fixed seed by default, so that a run is repeatable; more examples or another seed to
    // search further (docs/testing.md).
    let examples = std::env::var("WSO_SCHEMATHESIS_EXAMPLES").unwrap_or_else(|_| "30".into());
    let seed = std::env::var("WSO_SCHEMATHESIS_SEED").unwrap_or_else(|_| "23".into());
    let w = seeded().await;
    let work = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/target/schemathesis-run"));
    std::fs::create_dir_all(&work).unwrap();
    let config = config(&w, &work).await;
    let started = Instant::now();
    // The supervisor may take nearly every step; the admin reads what supervisors may not; the
    // ICE liaison sees cases through its own narrower view (`WSO_SCHEMATHESIS_USERS` for others).
    let roles = std::env::var("WSO_SCHEMATHESIS_USERS").unwrap_or_else(|_| "sgt,boss,ice".into());
    for who in roles.split(',') {
        let token = w.app.token(who).await;
        let (passed, output) = run(&w, &config, &token, &examples, &seed).await;
        assert!(passed, "{} as {who} failed:\n{output}", program.display());
        // Its summary, for the log (`cargo test -- --nocapture`).
        let lines: Vec<&str> = output.lines().filter(|l| !l.trim().is_empty()).collect();
        eprintln!(
            "Schemathesis as {who}:\n{}",
            lines[lines.len().saturating_sub(12)..].join("\n")
        );
    }
    std::fs::remove_file(&config).ok();
    assert!(
        started.elapsed() < Duration::from_secs(360),
        "Schemathesis took {:?}",
        started.elapsed()
    );
}
