//! A state's installation for `benches/state-run`: agencies of two facilities each, an officer
//! (certified through the API by the facility's supervisor) and a supervisor per facility,
//! liaisons covering twenty facilities each, one account spanning every facility (the state's
//! year), closed history spread over ten years (one booking in fifty with an ICE detainer and
//! its charge) and two running clocks per facility. Accounts share the password of the account
//! `state.admin` that the script made with the CLI (its hash copied), and hold API tokens.

use sqlx::{Connection, PgConnection};

pub struct World {
    pub facilities: Vec<(i64, String)>,
    /// Per facility: (officer token, supervisor token, supervisor username).
    pub staff: Vec<(String, String, String)>,
    /// Per liaison: (token, facility indexes covered).
    pub liaisons: Vec<(String, Vec<usize>)>,
    /// The account spanning every facility.
    pub state: String,
}

fn token_for(db_tokens: &mut Vec<(String, [u8; 32])>, username: &str) -> String {
    let token = wso_tracker::auth::token::generate();
    db_tokens.push((username.to_string(), wso_tracker::auth::token::digest(&token)));
    token
}

pub async fn seed(database_url: &str, facilities: usize, bookings: i64, base: &str) -> World {
    let mut db = PgConnection::connect(database_url).await.expect("database");
    let run = |sql: String| sql;
    let agencies = facilities.div_ceil(2);
    for sql in [
        run(format!(
            "INSERT INTO agencies (code, name, state, timezone, created_at)
             SELECT 'AG-' || lpad(n::text, 4, '0'), 'Agency ' || n, 'NC', 'America/New_York', now()
             FROM generate_series(1, {agencies}) n"
        )),
        run(format!(
            "INSERT INTO facilities (code, name, timezone, igsa, created_at, agency_id)
             SELECT 'F' || lpad(n::text, 4, '0'), 'Facility ' || n, 'America/New_York', false, now(),
                    (SELECT id FROM agencies WHERE code = 'AG-' || lpad(((n + 1) / 2)::text, 4, '0'))
             FROM generate_series(1, {facilities}) n"
        )),
        // Officers and supervisors of each facility's agency; liaisons of none.
        "INSERT INTO users (username, role, password_hash, created_at, agency_id)
         SELECT r || lower(f.code), CASE r WHEN 'o' THEN 'officer' ELSE 'supervisor' END,
                (SELECT password_hash FROM users WHERE username = 'state.admin'), now(), f.agency_id
         FROM facilities f, unnest(ARRAY['o', 's']) r WHERE f.code LIKE 'F%'"
            .to_string(),
        "INSERT INTO user_facilities (user_id, facility_id)
         SELECT u.id, f.id FROM facilities f JOIN users u ON u.username IN ('o' || lower(f.code), 's' || lower(f.code))"
            .to_string(),
        run(format!(
            "INSERT INTO users (username, role, password_hash, created_at)
             SELECT 'liaison' || n, 'ice_liaison', (SELECT password_hash FROM users WHERE username = 'state.admin'), now()
             FROM generate_series(1, {}) n",
            facilities.div_ceil(20)
        )),
        "INSERT INTO user_facilities (user_id, facility_id)
         SELECT u.id, f.id FROM facilities f
         JOIN users u ON u.username = 'liaison' || ((substr(f.code, 2)::int - 1) / 20 + 1) WHERE f.code LIKE 'F%'"
            .to_string(),
    ] {
        sqlx::query(&sql).execute(&mut db).await.expect(&sql);
    }
    // The state's year: one account over every facility. Staff work at their agency's
    // facilities only (a trigger); this bench account is let through it, as a stand-in for
    // whoever asks for a whole state's report (the statement and the arithmetic are the same).
    sqlx::query("SET session_replication_role = replica")
        .execute(&mut db)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO user_facilities (user_id, facility_id)
         SELECT u.id, f.id FROM users u, facilities f WHERE u.username = 'state.admin' AND f.code LIKE 'F%'",
    )
    .execute(&mut db)
    .await
    .unwrap();
    sqlx::query("SET session_replication_role = DEFAULT")
        .execute(&mut db)
        .await
        .unwrap();

    let fs: Vec<(i64, String)> = sqlx::query_as("SELECT id, code FROM facilities WHERE code LIKE 'F%' ORDER BY code")
        .fetch_all(&mut db)
        .await
        .unwrap();
    let mut tokens = vec![];
    let staff: Vec<_> = fs
        .iter()
        .map(|(_, code)| {
            let code = code.to_lowercase();
            (
                token_for(&mut tokens, &format!("o{code}")),
                token_for(&mut tokens, &format!("s{code}")),
                format!("s{code}"),
            )
        })
        .collect();
    let liaisons: Vec<_> = (0..fs.len().div_ceil(20))
        .map(|j| {
            let covered = (j * 20..((j + 1) * 20).min(fs.len())).collect();
            (token_for(&mut tokens, &format!("liaison{}", j + 1)), covered)
        })
        .collect();
    let state = token_for(&mut tokens, "state.admin");
    let (names, hashes): (Vec<String>, Vec<Vec<u8>>) = tokens.into_iter().map(|(u, h)| (u, h.to_vec())).unzip();
    sqlx::query(
        "INSERT INTO api_tokens (user_id, token_hash, created_at, expires_at)
         SELECT u.id, t.h, now(), now() + interval '30 days'
         FROM unnest($1::text[], $2::bytea[]) t(name, h) JOIN users u ON u.username = t.name",
    )
    .bind(&names)
    .bind(&hashes)
    .execute(&mut db)
    .await
    .unwrap();

    // Each officer certified by the facility's supervisor, through the API.
    let http = reqwest::Client::new();
    for (i, (_, supervisor, _)) in staff.iter().enumerate() {
        let officer = format!("o{}", fs[i].1.to_lowercase());
        let r = http
            .post(format!("{base}/api/v1/officers/{officer}/certification"))
            .bearer_auth(supervisor)
            .json(&serde_json::json!({ "certified_on": "2026-01-05", "expires_on": "2027-12-31" }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "certifying {officer}: {}", r.text().await.unwrap());
    }

    // Ten years of closed history, a million at a time, spread over the facilities.
    let step = 10.0 * 365.25 * 86400.0 / bookings as f64;
    let mut done = 0i64;
    while done < bookings {
        let n = (bookings - done).min(1_000_000);
        let sql = format!(
            "INSERT INTO bookings (facility_id, booking_number, last_name, first_name, date_of_birth, booked_at, status,
                                  release_point_at, release_point_reason, closed_at, created_at, created_by)
             SELECT f.ids[1 + n % {nf}], 'H' || n, 'Last' || (n % 9973), 'First', date '1980-01-01',
                    now() - interval '1 day' - n * interval '{step} seconds', 'released',
                    now() - interval '1 day' - n * interval '{step} seconds' + interval '1 hour', 'bond_posted',
                    now() - interval '1 day' - n * interval '{step} seconds' + interval '1 hour', now(),
                    (SELECT id FROM users WHERE username = 'state.admin')
             FROM generate_series({} + 1, {} + {n}) n,
                  (SELECT array_agg(id ORDER BY id) AS ids FROM facilities WHERE code LIKE 'F%') f",
            done,
            done,
            nf = fs.len()
        );
        sqlx::query(&sql).execute(&mut db).await.expect("history");
        done += n;
        println!("  seeded {done} bookings");
    }
    for sql in [
        "INSERT INTO ice_documents (booking_id, facility_id, kind, number, a_number, issued_at, received_at, recorded_by, recorded_at)
         SELECT b.id, b.facility_id, 'I-247A', 'D' || b.id, '012345678', b.booked_at, b.booked_at, b.created_by, now()
         FROM bookings b WHERE b.id % 50 = 0 AND b.status = 'released'",
        "INSERT INTO charges (booking_id, facility_id, position, description, category)
         SELECT b.id, b.facility_id, 0, 'Driving while impaired', 'dwi' FROM bookings b WHERE b.id % 50 = 0 AND b.status = 'released'",
        // Two running clocks per facility, deadlines spread over the next 48 hours.
        "INSERT INTO bookings (facility_id, booking_number, last_name, first_name, date_of_birth, booked_at, status,
                               release_point_at, release_point_reason, created_at, created_by)
         SELECT f.id, 'P' || n, 'Pending' || n, 'First', date '1985-01-01', now() - interval '3 days', 'in_custody',
                now() - interval '2 days', 'bond_posted', now(), u.id
         FROM generate_series(1, 2) n, facilities f, users u
         WHERE f.code LIKE 'F%' AND u.username = 'o' || lower(f.code)",
        "INSERT INTO ice_documents (booking_id, facility_id, kind, number, a_number, issued_at, received_at, recorded_by, recorded_at)
         SELECT id, facility_id, 'I-200', 'W' || id, '012345678', now() - interval '3 days', now() - interval '3 days', created_by, now()
         FROM bookings WHERE booking_number LIKE 'P%' AND status = 'in_custody'",
        "UPDATE bookings b SET status = 'wso_hold', served_document_id = d.id, served_by = d.recorded_by,
                served_at = now() - interval '47 hours' + (b.id % 200) * interval '14 minutes',
                custody_deadline = now() + interval '1 hour' + (b.id % 200) * interval '14 minutes'
         FROM ice_documents d WHERE d.booking_id = b.id AND b.booking_number LIKE 'P%' AND b.status = 'in_custody'",
        "VACUUM ANALYZE",
        "CHECKPOINT",
    ] {
        sqlx::query(sql).execute(&mut db).await.expect(sql);
    }
    World {
        facilities: fs,
        staff,
        liaisons,
        state,
    }
}
