//! The wall's facility test by ranges (migration 0034, decision 0036's addendum): a scope of
//! scattered facilities reads exactly their rows, and the rows of a case reached through its
//! booking (its charges, its documents), never those of a facility between two of its own.

use sqlx::{Connection, PgConnection};
use wso_tracker::db::scope::{self, RowScope};

use crate::helpers::{World, booking, warrant};

/// The facility codes of the bookings, charges and documents a scope of `codes` reads, as the
/// app role with that scope reads them.
async fn seen(w: &World, conn: &mut PgConnection, codes: &[&str]) -> [Vec<String>; 3] {
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM facilities WHERE code = ANY($1)")
        .bind(codes)
        .fetch_all(&w.app.admin_db)
        .await
        .unwrap();
    assert_eq!(ids.len(), codes.len(), "every facility exists");
    scope::apply(conn, &RowScope::facilities(&ids)).await.unwrap();
    let mut out = [vec![], vec![], vec![]];
    for (i, sql) in [
        "SELECT f.code FROM bookings b JOIN facilities f ON f.id = b.facility_id ORDER BY 1",
        "SELECT DISTINCT f.code FROM charges c JOIN bookings b ON b.id = c.booking_id JOIN facilities f ON f.id = b.facility_id ORDER BY 1",
        "SELECT f.code FROM ice_documents d JOIN bookings b ON b.id = d.booking_id JOIN facilities f ON f.id = b.facility_id ORDER BY 1",
    ]
    .into_iter()
    .enumerate()
    {
        out[i] = sqlx::query_scalar::<_, String>(sql)
            .fetch_all(&mut *conn)
            .await
            .unwrap();
    }
    // The same through the policies alone, with no join that could hide a leak: counted rows.
    let direct: i64 = sqlx::query_scalar("SELECT count(*) FROM charges")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(
        direct,
        2 * out[0].len() as i64,
        "two charges a booking, none beyond the scope"
    );
    out
}

#[tokio::test]
async fn a_scope_of_scattered_facilities_reads_exactly_their_rows() {
    let w = World::new().await;
    // Forty facilities; cases at six of them.
    let codes: Vec<String> = (1..=40).map(|n| format!("F{n:02}")).collect();
    for code in &codes {
        w.app.facility(code, "America/New_York", false).await;
    }
    let all: Vec<&str> = codes.iter().map(String::as_str).collect();
    w.app.user("everywhere", "officer", &all).await;
    let officer = w.as_("everywhere").await;
    let with_cases = ["F01", "F02", "F10", "F20", "F33", "F40"];
    for code in with_cases {
        let mut b = booking(&format!("R-{code}"));
        b["facility"] = serde_json::json!(code);
        let id = officer.ok(201, "/bookings", b).await["id"].as_i64().unwrap();
        officer
            .ok(201, &format!("/bookings/{id}/documents"), warrant("I-200", "W-1"))
            .await;
    }
    let but = |left_out: &[&str]| {
        all.iter()
            .copied()
            .filter(|c| !left_out.contains(c))
            .collect::<Vec<_>>()
    };
    let mut conn = PgConnection::connect_with(&w.app.db.connect_options()).await.unwrap();
    // Up to 32 facilities are tested against the array, more as ranges (migration 0034): both,
    // with gaps, at the ends and inside.
    for scope in [
        vec!["F01", "F10", "F33"],
        vec!["F20"],
        but(&["F02", "F20"]),
        but(&["F01", "F40"]),
        but(&["F10", "F11", "F12", "F33"]),
        all.clone(),
    ] {
        let want: Vec<String> = with_cases
            .iter()
            .filter(|c| scope.contains(c))
            .map(|c| c.to_string())
            .collect();
        let [bookings, charges, documents] = seen(&w, &mut conn, &scope).await;
        assert_eq!(bookings, want, "the bookings of a scope of {} facilities", scope.len());
        assert_eq!(charges, want, "their charges ({} facilities)", scope.len());
        assert_eq!(documents, want, "their documents ({} facilities)", scope.len());
    }
    scope::apply(&mut conn, &RowScope::Nothing).await.unwrap();
    let none: i64 = sqlx::query_scalar("SELECT count(*) FROM bookings")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(none, 0, "no scope, no rows");
}
