//! The year's program report, for one facility and for the whole state, timed against one
//! statement computing the same aggregates (`benches/report-aggregates.sql`, prepared, as the
//! app's statements are), one request at a time, alternating, after checking that both count
//! the same people.

use std::time::{Duration, Instant};

use sqlx::{Connection, PgConnection, Row};

const SQL: &str = include_str!("../report-aggregates.sql");

/// Prints the app's and the statement's mean time and their ratio, for `pattern` (a facility
/// code, or `F%` for every facility) asked by `token` with `?facility=`.
pub async fn ratio(base: &str, database_url: &str, token: &str, facility: &str, pattern: &str, what: &str) {
    let http = reqwest::Client::new();
    let mut db = PgConnection::connect(database_url).await.expect("database");
    let sql = SQL.replace("'BENCH'", "$1");
    let url = format!("{base}/api/v1/reports/program?facility={facility}");
    let (mut app, mut one) = (Duration::ZERO, Duration::ZERO);
    let rounds = 5;
    for round in 0..=rounds {
        let started = Instant::now();
        let r = http.get(&url).bearer_auth(token).send().await.unwrap();
        assert_eq!(r.status(), 200, "{what}");
        let report: serde_json::Value = r.json().await.unwrap();
        let took_app = started.elapsed();
        let started = Instant::now();
        let row = sqlx::query(&sql).bind(pattern).fetch_one(&mut db).await.unwrap();
        let took_one = started.elapsed();
        let people: i64 = row.get(0);
        assert_eq!(
            report["people_with_ice_documents"].as_i64(),
            Some(people),
            "{what}: the report and the statement count the same people"
        );
        assert!(people > 100, "{what}: a year holds people ({people})");
        if round > 0 {
            // The first round warms both up.
            (app, one) = (app + took_app, one + took_one);
        }
    }
    let (app, one) = (app / rounds, one / rounds);
    println!(
        "  program report, {what}: {:.0?} per request; one statement {:.0?}; ratio {:.2} (goal >= 0.5{})",
        app,
        one,
        one.as_secs_f64() / app.as_secs_f64(),
        if pattern == "F%" { "; under 1 s" } else { "" }
    );
}
