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
    let codes = ["FA", "FB", "FC", "FD", "FE"];
    for code in codes {
        w.app.facility(code, "America/New_York", false).await;
    }
    w.app.user("everywhere", "officer", &codes).await;
    let officer = w.as_("everywhere").await;
    for code in codes {
        let mut b = booking(&format!("R-{code}"));
        b["facility"] = serde_json::json!(code);
        let id = officer.ok(201, "/bookings", b).await["id"].as_i64().unwrap();
        officer
            .ok(201, &format!("/bookings/{id}/documents"), warrant("I-200", "W-1"))
            .await;
    }
    let mut conn = PgConnection::connect_with(&w.app.db.connect_options()).await.unwrap();
    for scope in [
        vec!["FA", "FC", "FE"],
        vec!["FB", "FD"],
        vec!["FC"],
        vec!["FE", "FA"],
        vec!["FA", "FB", "FC", "FD", "FE"],
    ] {
        let mut want: Vec<String> = scope.iter().map(|c| c.to_string()).collect();
        want.sort();
        let [bookings, charges, documents] = seen(&w, &mut conn, &scope).await;
        assert_eq!(bookings, want, "the bookings of {scope:?}");
        assert_eq!(charges, want, "the charges of {scope:?}'s bookings");
        assert_eq!(documents, want, "the documents of {scope:?}'s bookings");
    }
    scope::apply(&mut conn, &RowScope::Nothing).await.unwrap();
    let none: i64 = sqlx::query_scalar("SELECT count(*) FROM bookings")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(none, 0, "no scope, no rows");
}
