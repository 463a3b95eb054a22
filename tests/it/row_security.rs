//! Row-level security as the second wall (issue 28, decision 0036): connected as the app role,
//! a connection with agency A's scope reads A's rows and no other agency's from every table
//! holding case data, even with no `WHERE` at all; a connection with no scope reads none; and
//! a query that forgets its `WHERE`, run the way a request runs, leaks nothing.

use serde_json::json;
use sqlx::{Connection, PgConnection};
use wso_tracker::db::scope::{self, RowScope};

use crate::helpers::{World, booking, warrant};

/// The tables the wall covers, each with how a row finds its facility (as the superuser counts).
const WALLED: [(&str, &str); 11] = [
    ("bookings", "facility_id"),
    ("complaints", "facility_id"),
    ("disclosures", "facility_id"),
    ("interpreters", "facility_id"),
    ("annual_reviews", "facility_id"),
    ("webhook_endpoints", "facility_id"),
    ("import_drafts", "facility_id"),
    (
        "charges",
        "(SELECT b.facility_id FROM bookings b WHERE b.id = booking_id)",
    ),
    (
        "ice_documents",
        "(SELECT b.facility_id FROM bookings b WHERE b.id = booking_id)",
    ),
    (
        "ice_notifications",
        "(SELECT b.facility_id FROM bookings b WHERE b.id = booking_id)",
    ),
    (
        "citizenship_claims",
        "(SELECT b.facility_id FROM bookings b WHERE b.id = booking_id)",
    ),
];

/// Tables with a facility or a booking that the wall does not cover yet, each for a reason
/// (docs/decisions/0036): the rest of the app finds them through a walled table or they are
/// an account's or a device's, read before anyone is known.
const NOT_WALLED: [&str; 7] = [
    "alerts",
    "displays",
    "user_facilities",
    "audit_log",
    "wso_withdrawals",
    "wso_departures",
    "oversight_grants",
];

/// Two agencies with case data in both: DEFAULT (the write matrix's fixture at RCDC: a case with
/// a warrant and a claim, a complaint, an import draft, a webhook) and DUR-SO (a case with a
/// warrant and a claim, a complaint).
async fn two_agencies() -> World {
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

/// Rows of `table` at `facilities`, counted by the superuser (who passes the wall).
async fn truly(w: &World, (table, facility): (&str, &str), facilities: &[i64]) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {table} WHERE {facility} = ANY($1)"))
        .bind(facilities)
        .fetch_one(&w.app.admin_db)
        .await
        .unwrap()
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
    let mut conn = bare_app_connection(&w).await;
    for (table, facility) in WALLED {
        let (in_a, in_b) = (
            truly(&w, (table, facility), &a).await,
            truly(&w, (table, facility), &b).await,
        );
        assert_eq!(count_all(&mut conn, table).await, 0, "{table}: no scope set, no rows");
        scope::apply(&mut conn, &RowScope::Facilities(a.clone())).await.unwrap();
        assert_eq!(
            count_all(&mut conn, table).await,
            in_a,
            "{table}: DEFAULT's scope, DEFAULT's rows"
        );
        scope::apply(&mut conn, &RowScope::Facilities(b.clone())).await.unwrap();
        assert_eq!(
            count_all(&mut conn, table).await,
            in_b,
            "{table}: DUR-SO's scope, DUR-SO's rows"
        );
        scope::apply(&mut conn, &RowScope::System).await.unwrap();
        assert_eq!(
            count_all(&mut conn, table).await,
            in_a + in_b,
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
    ] {
        let t = WALLED.iter().find(|(n, _)| *n == table).unwrap();
        assert!(
            truly(&w, *t, &a).await > 0 && truly(&w, *t, &b).await > 0,
            "{table} has rows of both"
        );
    }
}

#[tokio::test]
async fn a_scope_cannot_write_into_another_agency() {
    let w = two_agencies().await;
    let (a, b) = (facilities_of(&w, "DEFAULT").await, facilities_of(&w, "DUR-SO").await);
    let mut conn = bare_app_connection(&w).await;
    scope::apply(&mut conn, &RowScope::Facilities(b.clone())).await.unwrap();
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
                          AND a.attname IN ('facility_id', 'booking_id'))
          ORDER BY 1",
    )
    .fetch_all(&w.app.admin_db)
    .await
    .unwrap();
    assert!(tables.len() >= WALLED.len(), "the catalogue was read ({tables:?})");
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
