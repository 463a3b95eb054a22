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

/// The operation whose answer never ends (the board's event stream), left out of the run;
/// tests/it/board_events.rs covers it.
const EXCLUDED: &str = "/api/v1/transfers/pending/events";

/// The document itself, which Schemathesis reads and does not count as an operation (its
/// `total` leaves it out).
const DOCUMENT: &str = "/api/v1/openapi.json";

/// The documented operations Schemathesis is to run, as `METHOD /path`: every method of every
/// path but [`EXCLUDED`] and [`DOCUMENT`].
async fn documented_operations(w: &World) -> std::collections::BTreeSet<String> {
    let doc: serde_json::Value = crate::helpers::http()
        .get(w.app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let methods = ["get", "put", "post", "delete", "patch"];
    let mut ops = std::collections::BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for m in methods.iter().filter(|m| item.get(**m).is_some()) {
            if path != EXCLUDED && path != DOCUMENT {
                ops.insert(format!("{} {path}", m.to_uppercase()));
            }
        }
    }
    ops
}

/// From Schemathesis's summary (`Selected: N/M`, `Tested: T`): (N, M, T).
fn summary(output: &str) -> Option<(usize, usize, usize)> {
    let tail = &output[output.find("API Operations:")?..];
    let field = |name: &str| -> Option<&str> {
        let line = tail.lines().find(|l| l.trim_start().starts_with(name))?;
        Some(line.trim_start()[name.len()..].trim())
    };
    let (selected, total) = field("Selected:")?.split_once('/')?;
    Some((
        selected.trim().parse().ok()?,
        total.trim().parse().ok()?,
        field("Tested:")?.parse().ok()?,
    ))
}

/// The operations its JUnit report names (its test cases), and how many it skipped.
fn operations_run(junit: &str) -> (std::collections::BTreeSet<String>, usize) {
    let mut names = std::collections::BTreeSet::new();
    for case in junit.split("<testcase ").skip(1) {
        if let Some(name) = case.split("name=\"").nth(1).and_then(|n| n.split('"').next()) {
            names.insert(name.to_string());
        }
    }
    (names, junit.matches("<skipped").count())
}

/// Runs Schemathesis with `token` and returns whether it passed, what it printed, and its
/// JUnit report.
async fn run(w: &World, config: &std::path::Path, token: &str, examples: &str, seed: &str) -> (bool, String, String) {
    let junit = config.with_extension(format!("{}.xml", uuid::Uuid::new_v4().simple()));
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
        .args(["--exclude-path", EXCLUDED])
        .args(["--report", "junit", "--report-junit-path"])
        .arg(&junit)
        .kill_on_drop(true)
        .output()
        .await
        .expect("schemathesis runs");
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let report = std::fs::read_to_string(&junit).unwrap_or_default();
    std::fs::remove_file(&junit).ok();
    (out.status.success(), text, report)
}

/// An environment override, refused when it would make the test do less than by default: a
/// run that skips work must not pass as the whole run.
fn examples_from_env() -> String {
    match std::env::var("WSO_SCHEMATHESIS_EXAMPLES") {
        Err(_) => "30".into(),
        Ok(v) => {
            let n: u32 = v
                .parse()
                .unwrap_or_else(|_| panic!("WSO_SCHEMATHESIS_EXAMPLES={v:?} is not a number"));
            assert!(
                n >= 30,
                "WSO_SCHEMATHESIS_EXAMPLES={n} is fewer than the 30 the test runs by default: refused"
            );
            v
        }
    }
}

/// The accounts to run as: the default three, and any more `WSO_SCHEMATHESIS_USERS` names (a
/// list without one of the three is refused, as skipping that role's view).
fn users_from_env() -> Vec<String> {
    const ROLES: [&str; 3] = ["sgt", "boss", "ice"];
    match std::env::var("WSO_SCHEMATHESIS_USERS") {
        Err(_) => ROLES.map(String::from).to_vec(),
        Ok(v) => {
            let users: Vec<String> = v
                .split(',')
                .map(|u| u.trim().to_string())
                .filter(|u| !u.is_empty())
                .collect();
            for role in ROLES {
                assert!(
                    users.iter().any(|u| u == role),
                    "WSO_SCHEMATHESIS_USERS={v:?} leaves out {role}: refused (it may add accounts, not drop these)"
                );
            }
            users
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_no_server_error_and_no_answer_outside_the_document() {
    let program = schemathesis();
    // A fixed seed by default, so that a run is repeatable; more examples or another seed to
    // search further (docs/testing.md).
    let examples = examples_from_env();
    let seed = std::env::var("WSO_SCHEMATHESIS_SEED").unwrap_or_else(|_| "23".into());
    let w = seeded().await;
    let work = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/target/schemathesis-run"));
    std::fs::create_dir_all(&work).unwrap();
    let config = config(&w, &work).await;
    let started = Instant::now();
    // The supervisor may take nearly every step; the admin reads what supervisors may not; the
    // ICE liaison sees cases through its own narrower view (`WSO_SCHEMATHESIS_USERS` for others).
    let operations = documented_operations(&w).await;
    let n = operations.len();
    assert!(n > 40, "{n} documented operations");
    for who in users_from_env() {
        let who = who.as_str();
        let token = w.app.token(who).await;
        let (passed, output, junit) = run(&w, &config, &token, &examples, &seed).await;
        assert!(passed, "{} as {who} failed:\n{output}", program.display());
        // It passed by running every documented operation, not by running few or none.
        let (ran, skipped) = operations_run(&junit);
        assert_eq!(
            (&ran, skipped),
            (&operations, 0),
            "as {who}: the operations its report says ran:\n{junit}"
        );
        assert_eq!(
            summary(&output),
            Some((n, n + 1, n)),
            "as {who}: (selected, of all, tested): every documented operation but the event stream:\n{output}"
        );
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
