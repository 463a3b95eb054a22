//! Row-level security as the second wall (issue 28, decision 0036): connected as the app role,
//! a connection with agency A's scope reads A's rows and no other agency's from every table
//! holding case data, even with no `WHERE` at all; a connection with no scope reads none; and
//! a query that forgets its `WHERE`, run the way a request runs, leaks nothing.

use serde_json::json;
use sqlx::{Connection, PgConnection};
use wso_tracker::db::scope::{self, RowScope};

use crate::helpers::{World, booking, warrant};

/// How a row finds its agency (as the superuser reads it).
const BY_FACILITY: &str = "(SELECT f.agency_id FROM facilities f WHERE f.id = facility_id)";
const BY_BOOKING: &str =
    "(SELECT f.agency_id FROM bookings b JOIN facilities f ON f.id = b.facility_id WHERE b.id = booking_id)";
const BY_WSO: &str = "(SELECT u.agency_id FROM users u WHERE u.id = user_id)";

/// The tables the wall covers, each with how a row finds its agency.
const WALLED: [(&str, &str); 20] = [
    ("bookings", BY_FACILITY),
    ("complaints", BY_FACILITY),
    ("disclosures", BY_FACILITY),
    ("interpreters", BY_FACILITY),
    ("annual_reviews", BY_FACILITY),
    ("webhook_endpoints", BY_FACILITY),
    ("import_drafts", BY_FACILITY),
    ("displays", BY_FACILITY),
    ("charges", BY_BOOKING),
    ("ice_documents", BY_BOOKING),
    ("ice_notifications", BY_BOOKING),
    ("citizenship_claims", BY_BOOKING),
    ("pickup_plans", BY_BOOKING),
    // A case's or a facility's alert by its facility, an account's by its agency.
    (
        "alerts",
        "coalesce((SELECT f.agency_id FROM facilities f WHERE f.id = facility_id), agency_id)",
    ),
    (
        "display_addresses",
        "(SELECT f.agency_id FROM displays d JOIN facilities f ON f.id = d.facility_id WHERE d.id = display_id)",
    ),
    // Each agency's own audit chain (0 is the installation's).
    ("audit_log", "nullif(chain, 0)"),
    ("wso_certifications", BY_WSO),
    ("wso_credentials", BY_WSO),
    ("wso_withdrawals", BY_WSO),
    ("wso_departures", BY_WSO),
];

/// Tables with a facility, a booking or a chain that the wall does not cover, each for its
/// reason (docs/decisions/0036): an account's facilities and an oversight body's agencies are
/// the scope's own source, read to learn whose rows a request reaches (a wall on them would
/// hide the scope from itself); a chain's head is a position and a hash that every writer's
/// audit trigger moves. None holds case data.
const NOT_WALLED: [&str; 3] = ["user_facilities", "oversight_grants", "audit_head"];

/// Two agencies with case data in both: DEFAULT (the write matrix's fixture at RCDC: a case with
/// a warrant and a claim, a complaint, an import draft, a webhook) and DUR-SO (a case with a
/// warrant and a claim, a complaint).
pub(crate) async fn two_agencies() -> World {
    let w = World::new().await;
    crate::write_matrix::fixture(&w).await;
    w.app.second_agency(true).await;
    let dwso = w.as_("dwso").await;
    let mut b = booking("DU-1");
    b["facility"] = json!("DURH");
    let id = dwso.ok(201, "/bookings", b).await["id"].as_i64().unwrap();
    dwso.ok(201, &format!("/bookings/{id}/documents"), warrant("I-200", "W-9"))
        .await;
    dwso.ok(
        201,
        &format!("/bookings/{id}/citizenship-claims"),
        json!({ "at": "2026-11-23T11:00:00Z", "how": "said so at intake" }),
    )
    .await;
    dwso.ok(
        201,
        "/complaints",
        json!({ "facility": "DURH", "received_at": "2026-11-20T10:00:00Z", "complainant": "B. Person",
                "officers": ["dwso"], "summary": "Slow" }),
    )
    .await;
    // A pickup plan on a case of each (written as the superuser: the rows are what matter here).
    sqlx::query(
        "INSERT INTO pickup_plans (booking_id, planned_at, set_by, set_at)
         SELECT b.id, now() + interval '1 day', u.id, now() FROM bookings b, users u
          WHERE b.booking_number IN ('WM-1', 'DU-1') AND u.username = 'boss'",
    )
    .execute(&w.app.admin_db)
    .await
    .unwrap();
    // A wall display at each, opened once (its address recorded).
    for (admin, facility) in [("boss", "RCDC"), ("dadmin", "DURH")] {
        let s = w.app.login(admin).await;
        let r = w
            .app
            .post_form(&s, "/admin/displays", &[("facility", facility), ("name", "Wall")])
            .await;
        let path = crate::display::created_path(&r.text().await.unwrap());
        let opened = w.app.client().get(w.app.url(&path)).send().await.unwrap();
        assert_eq!(opened.status(), 200, "{facility}'s display opens");
    }
    w
}

/// The ids of an agency's facilities.
async fn facilities_of(w: &World, agency: &str) -> Vec<i64> {
    sqlx::query_scalar("SELECT f.id FROM facilities f JOIN agencies a ON a.id = f.agency_id WHERE a.code = $1")
        .bind(agency)
        .fetch_all(&w.app.admin_db)
        .await
        .unwrap()
}

/// An agency's id.
async fn agency(w: &World, code: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM agencies WHERE code = $1")
        .bind(code)
        .fetch_one(&w.app.admin_db)
        .await
        .unwrap()
}

/// Rows of `table` of `agency`, counted by the superuser (who passes the wall).
async fn truly(w: &World, (table, agency_of): (&str, &str), agency: i64) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {table} WHERE {agency_of} = $1"))
        .bind(agency)
        .fetch_one(&w.app.admin_db)
        .await
        .unwrap()
}

/// Every row of `table`, counted by the superuser.
async fn every(w: &World, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
        .fetch_one(&w.app.admin_db)
        .await
        .unwrap()
}

/// The scope of an agency's admin: its facilities and itself.
fn scope_of(facilities: &[i64], agency: i64) -> RowScope {
    RowScope::Within(scope::Reach {
        facilities: facilities.to_vec(),
        agency: Some(agency),
        installation: false,
    })
}

/// A connection of the app role with no scope hooks at all (as a tool would connect).
async fn bare_app_connection(w: &World) -> PgConnection {
    PgConnection::connect_with(&w.app.db.connect_options()).await.unwrap()
}

async fn count_all(conn: &mut PgConnection, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
        .fetch_one(conn)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_agencys_scope_reads_its_own_rows_of_every_walled_table_and_no_scope_reads_none() {
    let w = two_agencies().await;
    let (a, b) = (facilities_of(&w, "DEFAULT").await, facilities_of(&w, "DUR-SO").await);
    let (a_id, b_id) = (agency(&w, "DEFAULT").await, agency(&w, "DUR-SO").await);
    let mut conn = bare_app_connection(&w).await;
    for (table, agency_of) in WALLED {
        let (in_a, in_b) = (
            truly(&w, (table, agency_of), a_id).await,
            truly(&w, (table, agency_of), b_id).await,
        );
        assert_eq!(count_all(&mut conn, table).await, 0, "{table}: no scope set, no rows");
        scope::apply(&mut conn, &scope_of(&a, a_id)).await.unwrap();
        assert_eq!(
            count_all(&mut conn, table).await,
            in_a,
            "{table}: DEFAULT's scope, DEFAULT's rows"
        );
        scope::apply(&mut conn, &scope_of(&b, b_id)).await.unwrap();
        assert_eq!(
            count_all(&mut conn, table).await,
            in_b,
            "{table}: DUR-SO's scope, DUR-SO's rows"
        );
        scope::apply(&mut conn, &RowScope::System).await.unwrap();
        assert_eq!(
            count_all(&mut conn, table).await,
            every(&w, table).await,
            "{table}: the server's own work"
        );
        scope::apply(&mut conn, &RowScope::Nothing).await.unwrap();
        assert_eq!(count_all(&mut conn, table).await, 0, "{table}: the scope taken back");
    }
    // The fixture is not empty where it matters: the wall had rows of both agencies to hold.
    for table in [
        "bookings",
        "ice_documents",
        "citizenship_claims",
        "complaints",
        "charges",
        "alerts",
        "displays",
        "display_addresses",
        "audit_log",
        "wso_certifications",
    ] {
        let t = WALLED.iter().find(|(n, _)| *n == table).unwrap();
        assert!(
            truly(&w, *t, a_id).await > 0 && truly(&w, *t, b_id).await > 0,
            "{table} has rows of both"
        );
    }
}

#[tokio::test]
async fn the_installations_own_rows_are_the_operators_alone() {
    let w = two_agencies().await;
    let mut conn = bare_app_connection(&w).await;
    // An alert about no agency and the installation's audit chain (the CLI's entries).
    let (alerts, chain0): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM alerts WHERE facility_id IS NULL AND agency_id IS NULL),
                (SELECT count(*) FROM audit_log WHERE chain = 0)",
    )
    .fetch_one(&w.app.admin_db)
    .await
    .unwrap();
    assert!(chain0 > 0, "the fixture wrote installation entries");
    let operator = RowScope::Within(scope::Reach {
        installation: true,
        ..scope::Reach::default()
    });
    scope::apply(&mut conn, &operator).await.unwrap();
    assert_eq!(count_all(&mut conn, "audit_log").await, chain0);
    assert_eq!(count_all(&mut conn, "alerts").await, alerts);
    assert_eq!(count_all(&mut conn, "bookings").await, 0, "and no case");
    let b = facilities_of(&w, "DUR-SO").await;
    scope::apply(&mut conn, &scope_of(&b, agency(&w, "DUR-SO").await))
        .await
        .unwrap();
    let seen: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE chain = 0")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(seen, 0, "an agency's scope reads none of the installation's chain");
}

#[tokio::test]
async fn a_scope_cannot_write_into_another_agency() {
    let w = two_agencies().await;
    let (a, b) = (facilities_of(&w, "DEFAULT").await, facilities_of(&w, "DUR-SO").await);
    let mut conn = bare_app_connection(&w).await;
    scope::apply(&mut conn, &RowScope::facilities(&b)).await.unwrap();
    // DUR-SO's scope, a row naming DEFAULT's facility: refused by the policy itself.
    let e = sqlx::query("UPDATE bookings SET last_name = 'Changed' WHERE facility_id = ANY($1)")
        .bind(&a)
        .execute(&mut conn)
        .await
        .unwrap();
    assert_eq!(e.rows_affected(), 0, "another agency's rows are not there to change");
    let e = sqlx::query(
        "INSERT INTO interpreters (facility_id, name, languages, created_by, created_at)
         VALUES ($1, 'X', 'Spanish', (SELECT min(id) FROM users), now())",
    )
    .bind(a[0])
    .execute(&mut conn)
    .await
    .expect_err("a row for another agency's facility is refused");
    assert!(e.to_string().contains("row-level security"), "{e}");
    let changed: i64 = sqlx::query_scalar("SELECT count(*) FROM bookings WHERE last_name = 'Changed'")
        .fetch_one(&w.app.admin_db)
        .await
        .unwrap();
    assert_eq!(changed, 0);
}

#[tokio::test]
async fn a_query_that_forgets_its_where_leaks_nothing_when_run_as_a_request_runs() {
    let w = two_agencies().await;
    // The server's pool as `wso-tracker serve` makes it, and a request of DUR-SO's officer: the
    // scope comes from who is asking, as the extractors set it.
    let served = scope::pool_options(RowScope::Nothing)
        .max_connections(2)
        .connect_with((*w.app.db.connect_options()).clone())
        .await
        .unwrap();
    let dwso = wso_tracker::db::users::by_username(&served, "dwso")
        .await
        .unwrap()
        .unwrap();
    let numbers: Vec<String> = scope::within_request(async {
        wso_tracker::auth::narrow_rows(&served, &dwso).await.unwrap();
        // The deliberately broken query: every booking, no WHERE.
        sqlx::query_scalar("SELECT booking_number FROM bookings ORDER BY booking_number")
            .fetch_all(&served)
            .await
            .unwrap()
    })
    .await;
    assert_eq!(numbers, ["DU-1"], "only DUR-SO's case");
    // The same for the audit log, the alerts and the roster: DUR-SO's chain, alerts and WSOs.
    let (chains, alert_agencies, wsos): (Vec<i64>, Vec<i64>, Vec<String>) = scope::within_request(async {
        wso_tracker::auth::narrow_rows(&served, &dwso).await.unwrap();
        let chains = sqlx::query_scalar("SELECT DISTINCT chain FROM audit_log")
            .fetch_all(&served)
            .await
            .unwrap();
        let alerts = sqlx::query_scalar(
            "SELECT DISTINCT coalesce(f.agency_id, a.agency_id) FROM alerts a LEFT JOIN facilities f ON f.id = a.facility_id",
        )
        .fetch_all(&served)
        .await
        .unwrap();
        let wsos = sqlx::query_scalar(
            "SELECT DISTINCT u.username FROM wso_certifications c JOIN users u ON u.id = c.user_id ORDER BY 1",
        )
        .fetch_all(&served)
        .await
        .unwrap();
        (chains, alerts, wsos)
    })
    .await;
    let dur_so = agency(&w, "DUR-SO").await;
    assert_eq!(chains, [dur_so], "only DUR-SO's audit chain");
    assert_eq!(alert_agencies, [dur_so], "only DUR-SO's alerts");
    assert_eq!(wsos, ["dsgt", "dwso"], "only DUR-SO's WSOs");
    // Outside any request the server's pool reads nothing at all.
    let outside: i64 = sqlx::query_scalar("SELECT count(*) FROM bookings")
        .fetch_one(&served)
        .await
        .unwrap();
    assert_eq!(outside, 0);
    // An ICE liaison of RCDC reads RCDC's case and not DUR-SO's; the operator, no case at all
    // (it sees counts through the database's own function).
    w.app.user_of("host", "operator", &[], &[]).await;
    let read = |username: &'static str| {
        let served = served.clone();
        scope::within_request(async move {
            let user = wso_tracker::db::users::by_username(&served, username)
                .await
                .unwrap()
                .unwrap();
            wso_tracker::auth::narrow_rows(&served, &user).await.unwrap();
            sqlx::query_scalar::<_, String>("SELECT booking_number FROM bookings ORDER BY 1")
                .fetch_all(&served)
                .await
                .unwrap()
        })
    };
    assert_eq!(
        read("ice").await,
        ["WM-1"],
        "the liaison reads its facility's case only"
    );
    assert!(read("host").await.is_empty(), "the operator reads no case");
}

#[tokio::test]
async fn every_table_with_a_facility_or_a_booking_is_walled_or_named_as_not_yet() {
    let w = World::new().await;
    let tables: Vec<(String, bool, bool)> = sqlx::query_as(
        "SELECT c.relname::text, c.relrowsecurity, c.relforcerowsecurity
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND c.relkind = 'r'
            AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND NOT a.attisdropped
                          AND a.attname IN ('facility_id', 'booking_id', 'display_id', 'chain'))
          ORDER BY 1",
    )
    .fetch_all(&w.app.admin_db)
    .await
    .unwrap();
    assert!(tables.len() >= 15, "the catalogue was read ({tables:?})");
    // The tables found by their agency's staff (a WSO's records) are walled too.
    for (table, _) in WALLED {
        let (enabled, forced): (bool, bool) =
            sqlx::query_as("SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = $1::regclass")
                .bind(table)
                .fetch_one(&w.app.admin_db)
                .await
                .unwrap();
        assert!(enabled && forced, "{table}: row-level security enabled and forced");
    }
    for (table, enabled, forced) in tables {
        let walled = WALLED.iter().any(|(t, _)| *t == table);
        if walled {
            assert!(enabled && forced, "{table}: row-level security enabled and forced");
        } else {
            assert!(
                NOT_WALLED.contains(&table.as_str()),
                "{table} holds a facility's or a case's rows: wall it (migration, WALLED) or name it in NOT_WALLED with its reason"
            );
        }
    }
}
