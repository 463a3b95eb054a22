//! `wso-tracker import bookings` (docs/imports.md), run as the real binary against the test's
//! database: CSV and the OJBC NIEM samples, and nothing of a file kept beyond a booking's fields.

use std::path::PathBuf;
use std::process::Output;

use serde_json::{Value, json};

use crate::cli::run;
use crate::helpers::{TestApp, World, t};

pub const HEADER: &str =
    "booking_number,last_name,first_name,date_of_birth,booked_at,charge_description,charge_category";

/// Writes `content` to a file of its own and returns its path.
pub fn file(name: &str, content: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wso-import-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

pub fn import(app: &TestApp, path: &std::path::Path, extra: &[&str]) -> Output {
    let mut args = vec!["import", "bookings", path.to_str().unwrap(), "--facility", "RCDC"];
    args.extend_from_slice(extra);
    run(&app.database_url, &args, "")
}

pub fn out(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).to_string(),
        String::from_utf8_lossy(&o.stderr).to_string(),
    )
}

fn last_line(s: &str) -> &str {
    s.trim_end().lines().last().unwrap_or("")
}

/// (booking number, last name, first name, date of birth, booked at, [(charge, category)]).
pub async fn stored(app: &TestApp) -> Vec<(String, String, String, String, chrono::DateTime<chrono::Utc>, Value)> {
    sqlx::query_as(
        "SELECT b.booking_number, b.last_name, b.first_name, b.date_of_birth::text, b.booked_at,
                (SELECT coalesce(jsonb_agg(jsonb_build_array(c.description, c.category) ORDER BY c.position), '[]')
                 FROM charges c WHERE c.booking_id = b.id)
         FROM bookings b ORDER BY b.id",
    )
    .fetch_all(&app.db)
    .await
    .unwrap()
}

pub async fn audit_of(app: &TestApp, action: &str) -> Vec<(Option<String>, Option<i64>, Option<i64>, Value)> {
    sqlx::query_as("SELECT actor, actor_id, booking_id, detail FROM audit_log WHERE action = $1 ORDER BY id")
        .bind(action)
        .fetch_all(&app.db)
        .await
        .unwrap()
}

/// Rows of any table of ours (the schema's every table, sessions included) whose text shows
/// `needle`.
pub async fn found_anywhere(app: &TestApp, needle: &str) -> Vec<String> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_schema || '.' || table_name FROM information_schema.tables
         WHERE table_schema IN ('public', 'tower_sessions') AND table_type = 'BASE TABLE'",
    )
    .fetch_all(&app.admin_db)
    .await
    .unwrap();
    assert!(tables.len() > 20, "every table is searched: {tables:?}");
    let mut hits = Vec::new();
    for table in tables {
        let n: i64 = sqlx::query_scalar(&format!(
            "SELECT count(*) FROM {table} t WHERE t::text ILIKE '%' || $1 || '%'"
        ))
        .bind(needle)
        .fetch_one(&app.admin_db)
        .await
        .unwrap();
        if n > 0 {
            hits.push(table);
        }
    }
    hits
}

/// What the OJBC samples carry that must never be kept.
pub const PERSONAL: &[&str] = &[
    "123-45-6789",
    "XX0120010324",
    "e807f1fcf82d132f9bb018ca6738a19f",
    "Woodlawn",
    "Burlington",
    "312-216-9923",
    "Schizophrenia",
    "Zyprexa",
    "Heisenberg",
    "Truck Driver",
    "Middle Class",
    "99999",
];

#[tokio::test]
async fn a_csv_with_a_bom_becomes_bookings_as_if_typed_across_both_clock_changes() {
    let w = World::new().await;
    let app = &w.app;
    let csv = format!(
        "\u{feff}{HEADER},bed\n\
         B-1,Doe,Jane,1990-04-30,2026-11-20 08:00,Driving while impaired,dwi,7\n\
         B-1,Doe,Jane,1990-04-30,2026-11-20 08:00,Speeding,Traffic,7\n\
         B-2,Roe,Rick,1980-01-01,2026-03-08 01:30,Theft,,\n\
         B-3,Poe,Pat,1981-02-02,2026-03-08 03:30:00,Theft,property,\n\
         B-4,Moe,Max,1982-03-03,2026-11-01 01:30,Theft,property,\n\
         B-5,Low,Lou,1983-04-04,2026-11-01T01:30:00-05:00,Theft,property,\n"
    );
    let o = import(app, &file("jms.csv", csv.as_bytes()), &[]);
    let (stdout, stderr) = out(&o);
    assert!(o.status.success(), "{stdout}\n{stderr}");
    assert_eq!(last_line(&stdout), "imported 5, skipped 0, conflicts 0, invalid 0");
    assert!(
        !stderr.contains('\u{1b}') && !stderr.contains('█'),
        "no progress bar off a terminal: {stderr:?}"
    );
    let rows = stored(app).await;
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[0].4, t("2026-11-20T13:00:00Z"));
    assert_eq!(
        rows[0].5,
        json!([["Driving while impaired", "dwi"], ["Speeding", "traffic"]])
    );
    assert_eq!(rows[1].4, t("2026-03-08T06:30:00Z"), "EST before the clocks go forward");
    assert_eq!(rows[1].5, json!([["Theft", "other"]]), "an empty category is other");
    assert_eq!(rows[2].4, t("2026-03-08T07:30:00Z"), "EDT after");
    assert_eq!(
        rows[3].4,
        t("2026-11-01T05:30:00Z"),
        "the repeated hour is read as its first (EDT)"
    );
    assert_eq!(rows[4].4, t("2026-11-01T06:30:00Z"), "an offset decides");

    // Audited exactly like a booking typed at the desk, by the actor `import`.
    let created = audit_of(app, "booking_created").await;
    assert_eq!(created.len(), 5);
    assert!(
        created
            .iter()
            .all(|(actor, id, b, _)| actor.as_deref() == Some("import") && id.is_none() && b.is_some())
    );
    let sgt = w.as_("wso1").await;
    let typed = sgt.ok(201, "/bookings", crate::helpers::booking("T-1")).await;
    let all = audit_of(app, "booking_created").await;
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&all[0].3), keys(&all[5].3), "the same detail shape");
    assert_eq!(
        all[0].3,
        json!({ "facility": "RCDC", "booking_number": "B-1", "last_name": "Doe", "first_name": "Jane",
                "date_of_birth": "1990-04-30", "charges": [{ "description": "Driving while impaired", "category": "dwi" },
                                                           { "description": "Speeding", "category": "traffic" }] })
    );
    let summary = audit_of(app, "bookings_imported").await;
    assert_eq!(summary.len(), 1);
    assert_eq!(summary[0].3["imported"], 5);
    assert_eq!(
        (summary[0].3["facility"].as_str(), summary[0].3["format"].as_str()),
        (Some("RCDC"), Some("csv"))
    );
    // Found and opened like any other case.
    let id = created[0].2.unwrap();
    let (status, case) = sgt.get(&format!("/bookings/{id}")).await;
    assert_eq!((status, case["booking_number"].as_str()), (200, Some("B-1")));
    let (_, found) = sgt.get("/bookings?q=roe").await;
    assert!(found.to_string().contains("B-2"), "{found}");
    assert!(typed["id"].as_i64().is_some());

    // Again: every booking is already there.
    let before = stored(app).await;
    let o = import(app, &file("again.csv", csv.as_bytes()), &[]);
    assert_eq!(last_line(&out(&o).0), "imported 0, skipped 5, conflicts 0, invalid 0");
    assert_eq!(stored(app).await, before);
    // A booking whose facts differ is reported and left as it is.
    let changed = csv.replace("B-2,Roe,Rick", "B-2,Roe,Richard");
    let o = import(app, &file("changed.csv", changed.as_bytes()), &[]);
    let (stdout, stderr) = out(&o);
    assert!(o.status.success(), "{stderr}");
    assert_eq!(last_line(&stdout), "imported 0, skipped 4, conflicts 1, invalid 0");
    assert!(
        stderr.contains("line 4: booking B-2 is already at RCDC with other facts (first_name)"),
        "{stderr}"
    );
    assert_eq!(stored(app).await, before);
}

#[tokio::test]
async fn an_invalid_row_imports_nothing_and_names_line_and_field() {
    let w = World::new().await;
    let app = &w.app;
    let csv = format!(
        "{HEADER}\n\
         B-1,Doe,Jane,1990-04-30,2026-11-20 08:00,DWI,dwi\n\
         B-2,Roe,Rick,1990-02-30,2026-11-20 08:00,DWI,dwi\n\
         B-3,Poe,Pat,1981-02-02,2026-03-08 02:30,DWI,dwi\n\
         B-4,Moe,Max,1982-03-03,2026-11-20 08:00,DWI,murder\n"
    );
    let before = app.table_counts().await;
    let o = import(app, &file("bad.csv", csv.as_bytes()), &[]);
    let (stdout, stderr) = out(&o);
    assert_eq!(o.status.code(), Some(1), "{stdout}\n{stderr}");
    assert_eq!(last_line(&stdout), "imported 0, skipped 0, conflicts 0, invalid 3");
    assert!(stderr.contains("line 3: date_of_birth: "), "{stderr}");
    assert!(
        stderr.contains("line 4: booked_at: 2026-03-08 02:30 does not exist in Eastern time (EST/EDT)"),
        "{stderr}"
    );
    assert!(stderr.contains("line 5: charge_category: "), "{stderr}");
    assert_eq!(app.table_counts().await, before, "nothing written, not even B-1");

    let o = import(app, &file("bad.csv", b"booking_number,last_name\nB-1,Doe\n"), &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        out(&o).1.contains("line 1: header: missing column(s): first_name"),
        "{:?}",
        out(&o)
    );
    let o = import(app, &file("bookings.txt", b""), &[]);
    assert!(out(&o).1.contains("--format"), "{:?}", out(&o));
}

/// Bookings are written in batches of 1,000 as the file is read: an invalid row after a full
/// batch finds 1,000 bookings already written in the transaction, and only its rollback keeps them
/// out.
#[tokio::test]
async fn an_invalid_row_after_a_full_batch_imports_nothing() {
    let w = World::new().await;
    let app = &w.app;
    let rows: String = (1..=1001)
        .map(|n| format!("E-{n},Doe,Jane,1990-04-30,2026-11-20 08:00,DWI,dwi\n"))
        .collect();
    let csv = format!("{HEADER}\n{rows}E-1002,Roe,Rick,1990-02-30,2026-11-20 08:00,DWI,dwi\n");
    let before = app.table_counts().await;
    let o = import(app, &file("late.csv", csv.as_bytes()), &[]);
    let (stdout, stderr) = out(&o);
    assert_eq!(o.status.code(), Some(1), "{stdout}\n{stderr}");
    assert_eq!(last_line(&stdout), "imported 0, skipped 0, conflicts 0, invalid 1");
    assert!(stderr.contains("line 1003: date_of_birth: "), "{stderr}");
    assert_eq!(
        app.table_counts().await,
        before,
        "nothing written, not even the first 1,000"
    );
}

#[tokio::test]
async fn a_dry_run_writes_nothing_and_says_what_would_happen() {
    let w = World::new().await;
    let app = &w.app;
    let csv = format!(
        "{HEADER}\nB-1,Doe,Jane,1990-04-30,2026-11-20 08:00,DWI,dwi\nB-2,Roe,Rick,1980-01-01,2026-11-20 09:00,DWI,\n"
    );
    let before = app.table_counts().await;
    let o = import(app, &file("b.csv", csv.as_bytes()), &["--dry-run"]);
    let (stdout, stderr) = out(&o);
    assert!(o.status.success(), "{stderr}");
    assert!(stdout.contains("dry run: nothing was written"), "{stdout}");
    assert_eq!(last_line(&stdout), "imported 2, skipped 0, conflicts 0, invalid 0");
    assert_eq!(app.table_counts().await, before);
}

/// The OJBC single report with its placeholder booking number replaced (the file has
/// `Booking Number`, which no booking number may be).
pub fn jail_sample(number: &str) -> String {
    include_str!("../fixtures/niem/BookingReportJail.xml").replace(">Booking Number<", &format!(">{number}<"))
}

/// The OJBC batch with a charge added to its one report (the sample has none).
pub fn pima_batch_with_charge() -> String {
    include_str!("../fixtures/niem/PimaCountyBookingReport.xml").replace(
        "</j:Booking>",
        "</j:Booking>\r\n      <j:Charge><j:ChargeDescriptionText>Shoplifting</j:ChargeDescriptionText></j:Charge>",
    )
}

#[tokio::test]
async fn the_ojbc_samples_import_and_nothing_personal_beyond_a_booking_is_kept() {
    let w = World::new().await;
    let app = &w.app;
    // As published: the single report's number is a placeholder, the batch has no charge.
    let o = import(
        app,
        std::path::Path::new("tests/fixtures/niem/BookingReportJail.xml"),
        &[],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(out(&o).1.contains("booking 1: booking_number: "), "{:?}", out(&o));
    let o = import(
        app,
        std::path::Path::new("tests/fixtures/niem/PimaCountyBookingReport.xml"),
        &[],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        out(&o).1.contains("booking 1: charges: at least one charge"),
        "{:?}",
        out(&o)
    );

    let o = import(app, &file("jail.xml", jail_sample("OJBC-1").as_bytes()), &[]);
    let (stdout1, stderr1) = out(&o);
    assert!(o.status.success(), "{stdout1}\n{stderr1}");
    assert_eq!(last_line(&stdout1), "imported 1, skipped 0, conflicts 0, invalid 0");
    let o = import(
        app,
        &file("batch.xml", pima_batch_with_charge().as_bytes()),
        &["--format", "niem"],
    );
    let (stdout2, stderr2) = out(&o);
    assert!(o.status.success(), "{stdout2}\n{stderr2}");
    let rows = stored(app).await;
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (
            rows[0].0.as_str(),
            rows[0].1.as_str(),
            rows[0].2.as_str(),
            rows[0].3.as_str()
        ),
        ("OJBC-1", "Strong", "Otis", "1968-12-17")
    );
    assert_eq!(
        rows[0].4,
        t("2013-12-17T14:30:00Z"),
        "no offset: the facility's local time"
    );
    assert_eq!(rows[0].5, json!([["Charge Description", "other"]]));
    assert_eq!(
        (
            rows[1].0.as_str(),
            rows[1].1.as_str(),
            rows[1].2.as_str(),
            rows[1].3.as_str()
        ),
        ("151223012", "smith", "bill", "1985-05-18")
    );
    assert_eq!(rows[1].4, t("2015-12-23T03:02:00Z"));
    for needle in PERSONAL {
        assert_eq!(
            found_anywhere(app, needle).await,
            Vec::<String>::new(),
            "{needle} is stored"
        );
        for text in [&stdout1, &stderr1, &stdout2, &stderr2] {
            assert!(!text.contains(needle), "{needle} printed: {text}");
        }
    }
    let summary = audit_of(app, "bookings_imported").await;
    assert_eq!(summary[0].3["format"], "niem");
}

#[tokio::test]
async fn only_bookings_with_an_immigration_hold_are_imported_when_asked() {
    let w = World::new().await;
    let app = &w.app;
    let held = jail_sample("HOLD-1").replace(
        "<br-ext:DetentiontImmigrationHoldIndicator>false",
        "<br-ext:DetentiontImmigrationHoldIndicator>true",
    );
    assert_ne!(held, jail_sample("HOLD-1"));
    let o = import(app, &file("held.xml", held.as_bytes()), &["--only-immigration-hold"]);
    assert_eq!(
        last_line(&out(&o).0),
        "imported 1, skipped 0, conflicts 0, invalid 0",
        "{:?}",
        out(&o)
    );
    let o = import(
        app,
        &file("free.xml", jail_sample("FREE-1").as_bytes()),
        &["--only-immigration-hold"],
    );
    let (stdout, _) = out(&o);
    assert!(o.status.success());
    assert!(stdout.contains("skipped 1 without an immigration hold"), "{stdout}");
    assert_eq!(last_line(&stdout), "imported 0, skipped 1, conflicts 0, invalid 0");
    let numbers: Vec<String> = stored(app).await.into_iter().map(|r| r.0).collect();
    assert_eq!(numbers, vec!["HOLD-1"]);
    let csv = format!("{HEADER}\nB-1,Doe,Jane,1990-04-30,2026-11-20 08:00,DWI,dwi\n");
    let o = import(app, &file("b.csv", csv.as_bytes()), &["--only-immigration-hold"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(out(&o).1.contains("only_immigration_hold"), "{:?}", out(&o));
}

#[tokio::test]
async fn entries_written_in_batches_keep_the_chain_whole_and_a_forged_running_state_is_refused() {
    let w = World::new().await;
    let app = &w.app;
    let rows: String = (1..=2500)
        .map(|n| format!("C-{n},Doe,Jane,1990-04-30,2026-11-20 08:00,DWI,dwi\n"))
        .collect();
    let o = import(app, &file("many.csv", format!("{HEADER}\n{rows}").as_bytes()), &[]);
    assert_eq!(
        last_line(&out(&o).0),
        "imported 2500, skipped 0, conflicts 0, invalid 0"
    );
    // The running position is carried in a setting; one forged inside the statement is caught.
    let forged = sqlx::query(
        "INSERT INTO audit_log (at, recorded_at, action, detail)
         SELECT now(), now(), 'record_viewed',
                jsonb_build_object('x', set_config('wso.audit_chain_0', '999999 ' || repeat('ab', 32), true))",
    )
    .execute(&app.db)
    .await
    .unwrap_err();
    assert!(forged.to_string().contains("continue the chain"), "{forged}");
    let o = run(&app.database_url, &["audit", "verify"], "");
    let (stdout, stderr) = out(&o);
    assert!(o.status.success(), "{stdout}{stderr}");
    assert!(stdout.starts_with("audit chain intact: "), "{stdout}");
    assert_eq!(audit_of(app, "booking_created").await.len(), 2500);
}
