//! A case's rows carry their booking's facility (issue 32; decision 0046): the wall tests each
//! row of a charge, a document, a notification, a claim or a pickup plan by its own
//! `facility_id`, as it tests a booking, instead of looking its booking up once per row (which
//! doubled the program report's time behind the wall). The database keeps the copy true: it is
//! filled from the booking when a writer leaves it out, and a row naming any other facility
//! than its booking's is refused.

use sqlx::Connection;
use wso_tracker::db::scope::{self, RowScope};

use crate::row_security::two_agencies;

/// The tables holding a case's rows, each found by its booking.
const CASE_ROWS: [&str; 5] = [
    "charges",
    "ice_documents",
    "ice_notifications",
    "citizenship_claims",
    "pickup_plans",
];

#[tokio::test]
async fn every_row_of_a_case_carries_its_bookings_facility_and_the_wall_reads_no_booking_for_it() {
    let w = two_agencies().await;
    // A notification on each agency's case too, so that every table has rows of both.
    sqlx::query(
        "INSERT INTO ice_notifications (booking_id, kind, at, method, contact, recorded_by, recorded_at)
         SELECT b.id, 'in_custody', now(), 'phone', 'ERO desk', u.id, now() FROM bookings b, users u
          WHERE b.booking_number IN ('WM-1', 'DU-1') AND u.username = 'boss'",
    )
    .execute(&w.app.admin_db)
    .await
    .unwrap();
    for table in CASE_ROWS {
        let (rows, agencies, astray): (i64, i64, i64) = sqlx::query_as(&format!(
            "SELECT count(*), count(DISTINCT f.agency_id), count(*) FILTER (WHERE t.facility_id IS DISTINCT FROM b.facility_id)
               FROM {table} t JOIN bookings b ON b.id = t.booking_id JOIN facilities f ON f.id = b.facility_id"
        ))
        .fetch_one(&w.app.admin_db)
        .await
        .unwrap();
        assert!(
            rows >= 2 && agencies == 2,
            "{table}: rows of both agencies ({rows}, {agencies})"
        );
        assert_eq!(astray, 0, "{table}: every row's facility is its booking's");
        let policy: String =
            sqlx::query_scalar("SELECT qual FROM pg_policies WHERE tablename = $1 AND policyname = 'agency_wall'")
                .bind(table)
                .fetch_one(&w.app.admin_db)
                .await
                .unwrap();
        assert!(
            policy.contains("facility_id"),
            "{table}: walled by its facility ({policy})"
        );
        assert!(
            !policy.contains("bookings"),
            "{table}: no booking looked up per row ({policy})"
        );
    }
}

#[tokio::test]
async fn a_case_row_naming_another_facility_than_its_bookings_is_refused_and_one_for_another_agency_is_walled() {
    let w = two_agencies().await;
    let booking_of = |number: &'static str| {
        sqlx::query_as::<_, (i64, i64)>("SELECT id, facility_id FROM bookings WHERE booking_number = $1")
            .bind(number)
            .fetch_one(&w.app.admin_db)
    };
    let (ours, our_facility) = booking_of("WM-1").await.unwrap();
    let (theirs, their_facility) = booking_of("DU-1").await.unwrap();
    let charges = || sqlx::query_scalar::<_, i64>("SELECT count(*) FROM charges").fetch_one(&w.app.admin_db);
    let before = charges().await.unwrap();
    // Even the superuser (who passes the wall) cannot file a charge under another facility.
    let e = sqlx::query(
        "INSERT INTO charges (booking_id, facility_id, position, description, category) VALUES ($1, $2, 9, 'X', 'other')",
    )
    .bind(ours)
    .bind(their_facility)
    .execute(&w.app.admin_db)
    .await
    .expect_err("a charge under another facility than its booking's");
    assert!(e.to_string().contains("foreign key"), "{e}");
    // The app role with DEFAULT's scope: its own booking's charge is filled in and admitted;
    // DUR-SO's booking's is refused by the wall, as before.
    let mut conn = sqlx::PgConnection::connect_with(&w.app.db.connect_options())
        .await
        .unwrap();
    scope::apply(&mut conn, &RowScope::facilities(&[our_facility]))
        .await
        .unwrap();
    let insert = |booking: i64| {
        sqlx::query_scalar::<_, i64>(
            "INSERT INTO charges (booking_id, position, description, category) VALUES ($1, 9, 'X', 'other') RETURNING facility_id",
        )
        .bind(booking)
    };
    assert_eq!(insert(ours).fetch_one(&mut conn).await.unwrap(), our_facility);
    let e = insert(theirs)
        .fetch_one(&mut conn)
        .await
        .expect_err("another agency's case");
    assert!(e.to_string().contains("row-level security"), "{e}");
    assert_eq!(
        charges().await.unwrap(),
        before + 1,
        "only the admitted charge was written"
    );
}
