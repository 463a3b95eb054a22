//! What an open board stream makes of each change and of the passing of time (pure: no
//! database; the streams themselves are tested over HTTP in tests/it/board_events.rs).

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::board::{Event, HeldRow, Row, Watch};
use crate::db::board::{BoardBooking, BoardCase, List};
use crate::domain::types::{Status, Zone};

fn at(h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, h, 0, 0).unwrap()
}

/// A case on a running clock at facility 1 (or `facility`), deadline at 2026-11-24 09:00Z.
fn held(id: i64, facility: i64, claim: bool) -> Row {
    HeldRow::shared(BoardBooking {
        b: BoardCase {
            id,
            facility_id: facility,
            facility_code: format!("F{facility}"),
            facility_timezone: Zone(chrono_tz::America::New_York),
            booking_number: format!("B-{id}"),
            last_name: "Doe".into(),
            first_name: "Jane".into(),
            status: Status::WsoHold,
            served_at: Some(at(9) - Duration::days(1)),
            custody_deadline: Some(at(9) + Duration::days(1)),
            igsa_at: None,
            release_point_at: Some(at(8) - Duration::days(1)),
        },
        claim,
        notice_logged: true,
        pickup_planned_at: None,
    })
}

fn names(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .map(|e| match e {
            Event::Board(rows) => format!("board {}", rows.len()),
            Event::Entered(l, r) => format!("entered {l:?} {}", r.b.id),
            Event::Changed(l, r) => format!("changed {l:?} {} claim={}", r.b.id, r.claim),
            Event::Left(l, id) => format!("left {l:?} {id}"),
        })
        .collect()
}

#[test]
fn a_case_enters_changes_and_leaves_and_another_facility_is_never_mentioned() {
    let mut w = Watch::new(Some(vec![1]), String::new(), false);
    let now = at(12);
    let on = |r: &Row| Some((r.clone(), Some(List::Pending)));
    let mut seen = vec![];
    seen.extend(w.apply(1, 7, on(&held(7, 1, false)).as_ref(), now));
    seen.extend(w.apply(1, 7, on(&held(7, 1, true)).as_ref(), now));
    seen.extend(w.apply(2, 8, on(&held(8, 2, false)).as_ref(), now));
    seen.extend(w.apply(1, 7, Some(&(held(7, 1, true), None)), now));
    seen.extend(w.apply(1, 7, None, now));
    assert_eq!(
        names(&seen),
        ["entered Pending 7", "changed Pending 7 claim=true", "left Pending 7"]
    );
}

#[test]
fn the_clock_alone_changes_a_stage_once_per_boundary() {
    let mut w = Watch::new(None, String::new(), false);
    w.apply(1, 7, Some(&(held(7, 1, false), Some(List::Pending))), at(12));
    assert!(w.tick(at(12)).is_empty(), "21 hours left: still more than 12");
    let crossed = at(21) + Duration::seconds(1); // 11:59:59 left
    assert_eq!(names(&w.tick(crossed)), ["changed Pending 7 claim=false"]);
    assert!(w.tick(crossed + Duration::minutes(5)).is_empty(), "once per boundary");
    assert_eq!(
        names(&w.tick(at(9) + Duration::days(1))),
        ["changed Pending 7 claim=false"],
        "overdue"
    );
}

#[test]
fn a_view_without_the_second_list_sees_a_move_to_it_as_leaving() {
    let awaiting = |r: Row| Some((r, Some(List::Awaiting)));
    let mut api = Watch::new(None, String::new(), false);
    let mut page = Watch::new(None, String::new(), true);
    for w in [&mut api, &mut page] {
        w.apply(1, 7, Some(&(held(7, 1, false), Some(List::Pending))), at(12));
    }
    let moved = awaiting(held(7, 1, false));
    assert_eq!(names(&api.apply(1, 7, moved.as_ref(), at(12))), ["left Pending 7"]);
    assert_eq!(
        names(&page.apply(1, 7, moved.as_ref(), at(12))),
        ["left Pending 7", "entered Awaiting 7"]
    );
}

#[test]
fn a_chosen_facility_shows_only_its_cases() {
    let mut w = Watch::new(None, "F2".into(), false);
    let on = |r: Row| Some((r, Some(List::Pending)));
    assert!(w.apply(1, 7, on(held(7, 1, false)).as_ref(), at(12)).is_empty());
    assert_eq!(
        names(&w.apply(2, 8, on(held(8, 2, false)).as_ref(), at(12))),
        ["entered Pending 8"]
    );
}
