//! The body of `GET /api/v1/transfers/pending`, written from each held row's JSON made once
//! (decision 0043's addendum): the parts of a row that do not change with the time (its
//! names, escaped; its times, formatted) are serialized the first time the row is asked for and
//! kept with it; each answer writes only the seconds left, the overdue flag, the claim flag and
//! the stage between them. The result is byte for byte what serializing [`PendingJson`] gives
//! (the tests below compare them), and [`PendingJson`] stays the one description of the fields.

use std::io::Write;

use chrono::{DateTime, Utc};

use super::views::PendingJson;
use crate::services::board::Row;

/// Where the time-dependent fields begin (after this) and end (at the next).
const FIRST_TIMED: &str = "\"seconds_remaining\":";
const AFTER_TIMED: &str = ",\"pickup_planned_at\":";

/// The JSON array of the running clocks among `rows` at `now`.
pub fn write(rows: &[Row], now: DateTime<Utc>) -> serde_json::Result<Vec<u8>> {
    let mut body = Vec::with_capacity(64 + rows.len() * 320);
    body.push(b'[');
    let mut first = true;
    for r in rows {
        let Some(row) = PendingJson::new(r, now) else { continue };
        let [head, tail] = match r.made.api.get() {
            Some(parts) => parts,
            None => {
                let parts = split(&serde_json::to_string(&row)?);
                r.made.api.get_or_init(|| parts)
            }
        };
        if !first {
            body.push(b',');
        }
        first = false;
        body.extend_from_slice(head.as_bytes());
        // Writing into a Vec cannot fail.
        let _ = write!(
            body,
            "{},\"overdue\":{},\"citizenship_claim\":{},\"stage\":\"{}\"",
            row.seconds_remaining, row.overdue, row.citizenship_claim, row.stage
        );
        body.extend_from_slice(tail.as_bytes());
    }
    body.push(b']');
    Ok(body)
}

/// A row's JSON cut around its time-dependent fields. A name cannot contain `FIRST_TIMED` or
/// `AFTER_TIMED` as written: its quotes are escaped (`\"`). They are searched from the end all
/// the same, where only times and numbers follow.
fn split(json: &str) -> [Box<str>; 2] {
    let head_end = json.rfind(FIRST_TIMED).expect("the row's JSON has seconds_remaining") + FIRST_TIMED.len();
    let tail_start = json.rfind(AFTER_TIMED).expect("the row's JSON has pickup_planned_at");
    [json[..head_end].into(), json[tail_start..].into()]
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;
    use crate::db::board::{BoardBooking, BoardCase};
    use crate::domain::types::{Status, Zone};
    use crate::services::board::HeldRow;

    fn row(id: i64, last_name: &str, deadline: DateTime<Utc>, claim: bool, pickup: Option<DateTime<Utc>>) -> Row {
        HeldRow::shared(BoardBooking {
            b: BoardCase {
                id,
                facility_id: 1,
                facility_code: "CCJ".into(),
                facility_timezone: Zone(chrono_tz::America::Chicago),
                booking_number: format!("B-{id}"),
                last_name: last_name.into(),
                first_name: "Ana \"Nina\" \\ José\u{1}".into(),
                status: Status::WsoHold,
                served_at: Some(deadline - Duration::hours(48)),
                custody_deadline: Some(deadline),
                igsa_at: None,
                release_point_at: None,
            },
            claim,
            notice_logged: false,
            pickup_planned_at: pickup,
        })
    }

    fn serialized(rows: &[Row], now: DateTime<Utc>) -> String {
        let items: Vec<PendingJson> = rows.iter().filter_map(|r| PendingJson::new(r, now)).collect();
        serde_json::to_string(&items).unwrap()
    }

    #[test]
    fn the_written_list_is_what_serializing_each_row_gives_at_every_moment() {
        let t0 = Utc.with_ymd_and_hms(2026, 12, 6, 3, 0, 0).unwrap();
        let mut not_running = row(9, "Idle", t0, false, None).booking.clone();
        not_running.b.custody_deadline = None;
        let rows = vec![
            row(
                1,
                "O'Brien \"seconds_remaining\":1,\"pickup_planned_at\":",
                t0 + Duration::minutes(30),
                true,
                None,
            ),
            row(
                2,
                "Nguyễn",
                t0 + Duration::hours(13),
                false,
                Some(t0 + Duration::hours(5)),
            ),
            HeldRow::shared(not_running),
            row(
                3,
                "Smith",
                t0 - Duration::seconds(1),
                false,
                Some(t0 + Duration::hours(1)),
            ),
        ];
        // The same rows at moments across each stage and past the deadline: the parts kept from
        // the first answer must still be right at the later ones.
        for step in [0, 1, 59, 60, 3_600, 4 * 3_600, 12 * 3_600, 47 * 3_600, 50 * 3_600] {
            let now = t0 - Duration::hours(13) + Duration::seconds(step);
            let written = String::from_utf8(write(&rows, now).unwrap()).unwrap();
            assert_eq!(written, serialized(&rows, now), "at {now}");
        }
        assert!(rows[0].made.api.get().is_some(), "the first row's parts are kept");
        assert!(
            rows[2].made.api.get().is_none(),
            "a row with no running clock is not in the list"
        );
        assert_eq!(String::from_utf8(write(&[], t0).unwrap()).unwrap(), "[]");
    }
}
