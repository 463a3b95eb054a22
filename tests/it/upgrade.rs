//! Upgrades that are proven (issue 30): a database of the previous release, the git tag v0.1.0
//! (migrations 0001..0028), with rows in every one of its tables — cases in every status of the
//! case machine, alerts and their e-mails, three audit chains, accounts of every role with an
//! authenticator, webhooks, an import, wall displays, the agreement's records — upgraded with this
//! build's migrations keeps every row of every table as it was, its audit chains verify with
//! `wso-tracker audit verify`, and the real server started on it signs its people in with the
//! authenticators they enrolled before and shows their board, a case, their alerts and the audit
//! log.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Utc};
use sqlx::PgPool;
use wso_tracker::auth::{password, totp};
use wso_tracker::clock::Clock;
use wso_tracker::db::{self, MIGRATOR};
use wso_tracker::secrets::Keyring;

use crate::audit::cli;
use crate::helpers::{PASSWORD, World, csrf_in, database_before, serve_migrated};
use crate::process::Server;

/// The first migration after release 0.1.0 (tag v0.1.0, commit 03b7716: 0001..0028).
const AFTER_0_1_0: i64 = 29;

/// Rows in every table of 0.1.0's schema, as that release wrote them (see the file).
const RELEASE_0_1_0_ROWS: &str = include_str!("upgrade_release_0_1_0.sql");

/// Fills 0.1.0's database (`RELEASE_0_1_0_ROWS`) and enrols an authenticator for every account
/// that signs in, as 0.1.0 stored it: sealed with the key file (decision 0033), but for `sgt`'s,
/// still in clear as rows from before migration 0019 are until a server seals them. Returns each
/// account's TOTP secret.
async fn fill(db: &PgPool, now: DateTime<Utc>) -> HashMap<&'static str, String> {
    let hash = password::hash_blocking(PASSWORD).unwrap();
    let rows = RELEASE_0_1_0_ROWS
        .replace("@now", &now.to_rfc3339())
        .replace("@password", &hash);
    sqlx::raw_sql(&rows)
        .execute(db)
        .await
        .expect("0.1.0's rows fit 0.1.0's schema");
    let keys = Keyring::for_tests();
    let mut secrets = HashMap::new();
    for username in ["boss", "wso1", "sgt", "ice", "host", "watch", "wakewso"] {
        let secret = totp::new_secret();
        let id = user_id(db, username).await;
        let sealed = keys.seal(&db::mfa::aad(id), secret.as_bytes()).unwrap();
        let (clear, sealed, key) = match username {
            "sgt" => (Some(secret.as_str()), None, None),
            _ => (None, Some(sealed.bytes), Some(sealed.key_id)),
        };
        sqlx::query(
            "UPDATE users SET mfa_secret = $2, mfa_secret_sealed = $3, mfa_secret_key = $4, mfa_enrolled_at = $5,
                    mfa_last_step = $6 WHERE id = $1",
        )
        .bind(id)
        .bind(clear)
        .bind(sealed)
        .bind(key)
        .bind(now - Duration::days(200))
        .bind(now.timestamp() / 30 - 100)
        .execute(db)
        .await
        .unwrap();
        secrets.insert(username, secret);
    }
    secrets
}

async fn user_id(db: &PgPool, username: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
        .bind(username)
        .fetch_one(db)
        .await
        .unwrap()
}

/// Every base table of schema public but sqlx's own, and its columns.
async fn tables(db: &PgPool) -> BTreeMap<String, Vec<String>> {
    let rows: Vec<(String, Vec<String>)> = sqlx::query_as(
        "SELECT c.table_name::text, array_agg(c.column_name::text ORDER BY c.ordinal_position)
           FROM information_schema.columns c
           JOIN information_schema.tables t USING (table_schema, table_name)
          WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' AND c.table_name <> '_sqlx_migrations'
          GROUP BY 1",
    )
    .fetch_all(db)
    .await
    .unwrap();
    rows.into_iter().collect()
}

/// Every row of each table, as JSON of the columns given (those the table had in 0.1.0), sorted.
async fn contents(db: &PgPool, tables: &BTreeMap<String, Vec<String>>) -> BTreeMap<String, Vec<String>> {
    let mut all = BTreeMap::new();
    for (table, columns) in tables {
        let rows: Vec<String> = sqlx::query_scalar(&format!(
            "SELECT (SELECT jsonb_object_agg(key, value) FROM jsonb_each(to_jsonb(t)) WHERE key = ANY ($1))::text AS r
               FROM {table} t ORDER BY r"
        ))
        .bind(columns)
        .fetch_all(db)
        .await
        .unwrap();
        all.insert(table.clone(), rows);
    }
    all
}

/// Signs in through the server's forms: the password, then a code of the authenticator enrolled
/// before the upgrade.
async fn sign_in(server: &Server, w: &World, username: &str, secret: &str) -> reqwest::Client {
    let client = server.login(w, username).await;
    let form = server.page(&client, "/login/mfa").await;
    let csrf = csrf_in(&form).expect("the code's form");
    let code = totp::code_at(secret, Clock::System.now().timestamp()).unwrap();
    let r = client
        .post(server.url("/login/mfa"))
        .form(&[("code", code.as_str()), ("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    let to = r.headers().get("location").map(|l| l.to_str().unwrap().to_string());
    assert_eq!(
        (r.status().as_u16(), to.as_deref()),
        (303, Some("/")),
        "{username}'s code"
    );
    client
}

/// A page that must answer 200; its HTML.
async fn page(server: &Server, client: &reqwest::Client, path: &str) -> String {
    let r = client.get(server.url(path)).send().await.unwrap();
    assert_eq!(r.status(), 200, "{path}");
    r.text().await.unwrap()
}

#[tokio::test]
async fn a_database_of_release_0_1_0_with_every_table_filled_upgrades_and_keeps_its_data_chain_and_pages() {
    let db = database_before(AFTER_0_1_0).await;
    // 0.1.0's `migrate` made the session store too.
    tower_sessions_sqlx_store::PostgresStore::new(db.clone())
        .migrate()
        .await
        .unwrap();
    let now = Clock::System.now();
    let secrets = fill(&db, now).await;
    let old = tables(&db).await;
    let before = contents(&db, &old).await;
    let empty: Vec<&String> = before
        .iter()
        .filter(|(_, rows)| rows.is_empty())
        .map(|(t, _)| t)
        .collect();
    assert!(empty.is_empty(), "every table of 0.1.0 holds rows: {empty:?} do not");

    db::migrate(&db)
        .await
        .expect("this build's migrations on 0.1.0's database");
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY 1")
        .fetch_all(&db)
        .await
        .unwrap();
    assert_eq!(applied, MIGRATOR.iter().map(|m| m.version).collect::<Vec<_>>());

    // Every row of every table of 0.1.0, every column it had, as it was (no migration since
    // 0.1.0 moves data: 0029 adds row security, 0030 single sign-on's tables).
    let after = contents(&db, &old).await;
    let counts = |c: &BTreeMap<String, Vec<String>>| c.iter().map(|(t, r)| (t.clone(), r.len())).collect::<Vec<_>>();
    assert_eq!(counts(&after), counts(&before), "rows per table");
    for (table, rows) in &before {
        assert_eq!(&after[table], rows, "the rows of {table}");
    }
    let new: Vec<String> = tables(&db).await.into_keys().filter(|t| !old.contains_key(t)).collect();
    assert_eq!(
        new,
        ["agency_sso", "pickup_plans", "sso_links", "sso_pending"],
        "the tables since 0.1.0"
    );
    for table in &new {
        let n: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(&db)
            .await
            .unwrap();
        assert_eq!(n, 0, "{table} starts empty");
    }

    // Spot checks: the running clock to the second; the authenticators, sealed and in clear.
    let (served, deadline): (DateTime<Utc>, DateTime<Utc>) =
        sqlx::query_as("SELECT served_at, custody_deadline FROM bookings WHERE booking_number = 'UP-3'")
            .fetch_one(&db)
            .await
            .unwrap();
    assert_eq!(
        (served, deadline),
        (now - Duration::hours(10), now + Duration::hours(38))
    );
    let keys = Keyring::for_tests();
    let wso1 = user_id(&db, "wso1").await;
    let opened = db::mfa::secret(&db, &keys, wso1).await.unwrap().map(|(s, _)| s);
    assert_eq!(
        opened.as_ref(),
        Some(&secrets["wso1"]),
        "a sealed secret opens with the same key"
    );
    let sgt = user_id(&db, "sgt").await;
    let clear: Option<String> = sqlx::query_scalar("SELECT mfa_secret FROM users WHERE id = $1")
        .bind(sgt)
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(
        clear.as_ref(),
        Some(&secrets["sgt"]),
        "a secret in clear is still there"
    );

    // The audit chains verify with the command line: the installation's, DEFAULT's, WAKE-SO's.
    let app = serve_migrated(&db, Clock::System).await;
    let chains: Vec<(Option<String>, i64)> = sqlx::query_as(
        "SELECT a.code, count(*) FROM audit_log l LEFT JOIN agencies a ON a.id = l.chain GROUP BY 1 ORDER BY 1 NULLS FIRST",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    let names: Vec<Option<&str>> = chains.iter().map(|(c, _)| c.as_deref()).collect();
    assert_eq!(names, [None, Some("DEFAULT"), Some("WAKE-SO")]);
    let (ok, out, err) = cli(&app.database_url, &["audit", "verify"]);
    assert!(ok, "{err}");
    for (agency, n) in &chains {
        let line = match agency {
            None => format!("audit chain intact: {n} entries"),
            Some(code) => format!("agency {code}: audit chain intact: {n} entries"),
        };
        assert!(out.lines().any(|l| l == line), "{line}\n{out}");
    }

    // The real server on it: its people sign in with their authenticators and see their work.
    let w = World { app };
    let server = Server::start(&w, &[]).await;
    let up3 = sqlx::query_scalar::<_, i64>("SELECT id FROM bookings WHERE booking_number = 'UP-3'")
        .fetch_one(&db)
        .await
        .unwrap();
    let officer = sign_in(&server, &w, "wso1", &secrets["wso1"]).await;
    let board = page(&server, &officer, "/transfers/pending").await;
    let deadline_attr = format!("data-deadline=\"{}\"", deadline.to_rfc3339());
    for shown in ["UP-3", "Okafor, Chidi", deadline_attr.as_str(), "UP-2", "Bui, Thanh"] {
        assert!(board.contains(shown), "the board shows {shown}");
    }
    let case = page(&server, &officer, &format!("/bookings/{up3}")).await;
    for shown in [
        "UP-3",
        "Okafor",
        "W-UP-3",
        "A201-555-013",
        deadline_attr.as_str(),
        "Ana Ruiz",
    ] {
        assert!(case.contains(shown), "the case page shows {shown}");
    }
    // sgt's authenticator and the webhooks' signing secrets, in clear until now, were sealed by
    // the server as it started; sgt's authenticator still signs in.
    let supervisor = sign_in(&server, &w, "sgt", &secrets["sgt"]).await;
    let sealed = db::mfa::secret(&db, &keys, sgt).await.unwrap().map(|(s, _)| s);
    assert_eq!(sealed.as_ref(), Some(&secrets["sgt"]), "sealed at the server's start");
    let in_clear: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM users WHERE mfa_secret IS NOT NULL)
              + (SELECT count(*) FROM webhook_endpoints WHERE secret IS NOT NULL)",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(in_clear, 0, "no secret left in clear");
    let acked: i64 = sqlx::query_scalar("SELECT id FROM alerts WHERE kind = 'deadline_at_service' AND booking_id = $1")
        .bind(up3)
        .fetch_one(&db)
        .await
        .unwrap();
    let alerts = page(&server, &supervisor, "/alerts").await;
    for shown in [format!("id=\"alert-{acked}\""), "UP-3".into(), "Acknowledged".into()] {
        assert!(alerts.contains(&shown), "/alerts shows {shown}");
    }
    let admin = sign_in(&server, &w, "boss", &secrets["boss"]).await;
    let audit = page(&server, &admin, "/admin/audit?action=warrant_served").await;
    for shown in ["<code>warrant_served</code>", "UP-3", "wso1"] {
        assert!(audit.contains(shown), "the audit log shows {shown}");
    }

    // And the chains still verify, with the upgraded server's entries (the sign-ins) after 0.1.0's.
    let default: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE chain = (SELECT id FROM agencies WHERE code = 'DEFAULT')",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert!(default > chains[1].1, "DEFAULT's chain went on: {default}");
    let (ok, out, err) = cli(&w.app.database_url, &["audit", "verify"]);
    assert!(ok, "{err}");
    assert!(out.contains("agency DEFAULT: audit chain intact"), "{out}");
    drop(server);
}
