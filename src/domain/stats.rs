//! Program statistics: pure arithmetic over the facts of each booking in a period.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::types::{ChargeCategory, DocumentKind, ReleaseReason, Status};

/// What the statistics need to know about one booking.
#[derive(Clone, Debug)]
pub struct BookingFacts {
    pub booked_at: DateTime<Utc>,
    pub tz: Tz,
    pub status: Status,
    pub document_kinds: Vec<DocumentKind>,
    pub charges: Vec<ChargeCategory>,
    pub served_at: Option<DateTime<Utc>>,
    pub igsa_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub release_reason: Option<ReleaseReason>,
    pub over_detained_seconds: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Month {
    pub month: String,
    pub people_with_ice_documents: i64,
    pub served: i64,
    pub transferred: i64,
    pub released_at_limit: i64,
    pub released_other: i64,
    pub igsa_holds: i64,
    pub still_held: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ProgramStats {
    pub people_with_ice_documents: i64,
    pub with_detainer: i64,
    pub with_warrant: i64,
    pub with_both: i64,
    pub served: i64,
    pub transferred: i64,
    pub released_at_limit: i64,
    pub released_other: i64,
    pub igsa_holds: i64,
    pub still_held: i64,
    pub over_detained: i64,
    pub over_detained_seconds_total: i64,
    pub median_service_to_transfer_seconds: Option<i64>,
    pub longest_service_to_transfer_seconds: Option<i64>,
    pub charges_by_category: BTreeMap<String, i64>,
    pub by_month: Vec<Month>,
}

/// The outcome a booking counts under (exactly one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Transferred,
    ReleasedAtLimit,
    ReleasedOther,
    IgsaHold,
    StillHeld,
}

pub fn outcome(b: &BookingFacts) -> Outcome {
    match b.status {
        Status::Transferred => Outcome::Transferred,
        Status::Released if b.release_reason == Some(ReleaseReason::ClockExpired) => Outcome::ReleasedAtLimit,
        Status::Released => Outcome::ReleasedOther,
        Status::IgsaHold => Outcome::IgsaHold,
        Status::InCustody | Status::WsoHold => Outcome::StillHeld,
    }
}

/// Statistics over bookings (those without an ICE document are ignored); months in each
/// booking's facility zone, from `months` (so empty months show as zeros).
pub fn program(bookings: &[BookingFacts], months: &[String]) -> ProgramStats {
    let mut s = ProgramStats {
        by_month: months
            .iter()
            .map(|m| Month {
                month: m.clone(),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    };
    // Counted by position, named once at the end: a report reads tens of thousands of bookings.
    let mut charges = [0i64; ChargeCategory::ALL.len()];
    let month_keys: Vec<Option<(i32, u32)>> = months.iter().map(|m| month_key(m)).collect();
    let mut to_transfer = Vec::new();
    for b in bookings.iter().filter(|b| !b.document_kinds.is_empty()) {
        let detainer = b.document_kinds.contains(&DocumentKind::Detainer);
        let warrant = b.document_kinds.iter().any(|k| k.is_warrant());
        s.people_with_ice_documents += 1;
        s.with_detainer += detainer as i64;
        s.with_warrant += warrant as i64;
        s.with_both += (detainer && warrant) as i64;
        let served = b.served_at.is_some();
        s.served += served as i64;
        let o = outcome(b);
        let igsa = b.igsa_at.is_some();
        s.igsa_holds += igsa as i64;
        match o {
            Outcome::Transferred => s.transferred += 1,
            Outcome::ReleasedAtLimit => s.released_at_limit += 1,
            Outcome::ReleasedOther => s.released_other += 1,
            Outcome::IgsaHold => {}
            Outcome::StillHeld => s.still_held += 1,
        }
        if b.over_detained_seconds > 0 {
            s.over_detained += 1;
            s.over_detained_seconds_total += b.over_detained_seconds;
        }
        if let (Outcome::Transferred, Some(served_at), Some(closed)) = (o, b.served_at, b.closed_at) {
            to_transfer.push((closed - served_at).num_seconds());
        }
        for c in &b.charges {
            if let Some(i) = ChargeCategory::ALL.iter().position(|x| x == c) {
                charges[i] += 1;
            }
        }
        let local = b.booked_at.with_timezone(&b.tz);
        let key = Some((local.year(), local.month()));
        if let Some(m) = month_keys.iter().position(|k| *k == key).map(|i| &mut s.by_month[i]) {
            m.people_with_ice_documents += 1;
            m.served += served as i64;
            m.igsa_holds += igsa as i64;
            match o {
                Outcome::Transferred => m.transferred += 1,
                Outcome::ReleasedAtLimit => m.released_at_limit += 1,
                Outcome::ReleasedOther => m.released_other += 1,
                Outcome::IgsaHold => {}
                Outcome::StillHeld => m.still_held += 1,
            }
        }
    }
    for (c, n) in ChargeCategory::ALL.iter().zip(charges) {
        s.charges_by_category.insert(c.as_str().to_string(), n);
    }
    to_transfer.sort_unstable();
    s.longest_service_to_transfer_seconds = to_transfer.last().copied();
    s.median_service_to_transfer_seconds = median(&to_transfer);
    s
}

/// The year and month of a `YYYY-MM` month (as [`months_between`] writes them).
fn month_key(month: &str) -> Option<(i32, u32)> {
    let (y, m) = month.split_once('-')?;
    Some((y.parse().ok()?, m.parse().ok()?))
}

/// The median of sorted values; for an even count, the mean of the two middle ones (whole seconds, rounded down).
fn median(sorted: &[i64]) -> Option<i64> {
    match sorted.len() {
        0 => None,
        n if n % 2 == 1 => Some(sorted[n / 2]),
        n => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2),
    }
}

/// `YYYY-MM` of every month from `from` to `to` (inclusive dates).
pub fn months_between(from: chrono::NaiveDate, to: chrono::NaiveDate) -> Vec<String> {
    let mut out = Vec::new();
    let (mut y, mut m) = (from.year(), from.month());
    while (y, m) <= (to.year(), to.month()) {
        out.push(format!("{y:04}-{m:02}"));
        (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    }
    out
}

/// Small-cell suppression for the public page: 1 to 4 are shown as "fewer than 5".
pub fn suppress(n: i64) -> String {
    if (1..5).contains(&n) {
        "fewer than 5".to_string()
    } else {
        n.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NY: Tz = chrono_tz::America::New_York;

    fn facts(booked: &str, kinds: &[DocumentKind], status: Status) -> BookingFacts {
        BookingFacts {
            booked_at: booked.parse().unwrap(),
            tz: NY,
            status,
            document_kinds: kinds.to_vec(),
            charges: vec![ChargeCategory::Dwi],
            served_at: None,
            igsa_at: None,
            closed_at: None,
            release_reason: None,
            over_detained_seconds: 0,
        }
    }

    #[test]
    fn people_are_counted_by_their_documents_and_outcomes() {
        use DocumentKind::*;
        let mut transferred = facts(
            "2026-03-10T12:00:00Z",
            &[Detainer, WarrantOfArrest],
            Status::Transferred,
        );
        transferred.served_at = Some("2026-03-11T12:00:00Z".parse().unwrap());
        transferred.closed_at = Some("2026-03-12T12:00:00Z".parse().unwrap());
        let mut late = facts("2026-03-20T12:00:00Z", &[WarrantOfRemoval], Status::Released);
        late.release_reason = Some(ReleaseReason::ClockExpired);
        late.over_detained_seconds = 600;
        late.served_at = Some("2026-03-21T12:00:00Z".parse().unwrap());
        let no_documents = facts("2026-03-20T12:00:00Z", &[], Status::Released);
        let detainer_only = facts("2026-04-01T03:00:00Z", &[Detainer], Status::Released); // March 31 in New York
        let months = months_between("2026-03-01".parse().unwrap(), "2026-04-30".parse().unwrap());
        let s = program(&[transferred, late, no_documents, detainer_only], &months);
        assert_eq!(
            (
                s.people_with_ice_documents,
                s.with_detainer,
                s.with_warrant,
                s.with_both
            ),
            (3, 2, 2, 1)
        );
        assert_eq!(
            (s.served, s.transferred, s.released_at_limit, s.released_other),
            (2, 1, 1, 1)
        );
        assert_eq!((s.over_detained, s.over_detained_seconds_total), (1, 600));
        assert_eq!(s.median_service_to_transfer_seconds, Some(86_400));
        assert_eq!(s.charges_by_category["dwi"], 3);
        assert_eq!(s.charges_by_category["violent"], 0);
        assert_eq!(
            s.by_month[0].people_with_ice_documents, 3,
            "the April 1 03:00Z booking is in March in New York"
        );
        assert_eq!(s.by_month[1].people_with_ice_documents, 0);
    }

    #[test]
    fn small_cells_are_suppressed() {
        assert_eq!(suppress(0), "0");
        assert_eq!(suppress(1), "fewer than 5");
        assert_eq!(suppress(4), "fewer than 5");
        assert_eq!(suppress(5), "5");
    }

    #[test]
    fn medians() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[5]), Some(5));
        assert_eq!(median(&[1, 3, 10]), Some(3));
        assert_eq!(median(&[2, 4]), Some(3));
    }
}

/// Days billed for an IGSA hold from `start` to `end` (None: still held, counted to `now`)
/// within the month `[month_start, next_month)`: every local calendar day the person was held
/// for any part of counts as a day.
pub fn igsa_days_in_month(
    start: DateTime<Utc>,
    end: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    month: chrono::NaiveDate,
    tz: Tz,
) -> i64 {
    use chrono::Datelike;
    let end = end.unwrap_or(now);
    if end <= start {
        return 0;
    }
    let first = start.with_timezone(&tz).date_naive();
    // An end exactly at midnight does not start a new day.
    let last_instant = end - chrono::Duration::seconds(1);
    let last = last_instant.with_timezone(&tz).date_naive().max(first);
    let month_first = month.with_day(1).expect("day 1");
    let month_last = month_first
        .checked_add_months(chrono::Months::new(1))
        .expect("in range")
        .pred_opt()
        .expect("in range");
    let (a, b) = (first.max(month_first), last.min(month_last));
    if b < a { 0 } else { (b - a).num_days() + 1 }
}

#[cfg(test)]
mod igsa_tests {
    use super::*;

    #[test]
    fn a_started_day_counts_and_months_split() {
        let ny = chrono_tz::America::New_York;
        let t = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let nov = "2026-11-01".parse().unwrap();
        let dec = "2026-12-01".parse().unwrap();
        // Held Nov 28 09:00 to Dec 2 08:00 New York: Nov 28, 29, 30 and Dec 1, 2.
        let (start, end) = (t("2026-11-28T14:00:00Z"), Some(t("2026-12-02T13:00:00Z")));
        assert_eq!(igsa_days_in_month(start, end, t("2027-01-01T00:00:00Z"), nov, ny), 3);
        assert_eq!(igsa_days_in_month(start, end, t("2027-01-01T00:00:00Z"), dec, ny), 2);
        // A few hours is a day; still held counts to now.
        assert_eq!(
            igsa_days_in_month(
                t("2026-11-10T14:00:00Z"),
                Some(t("2026-11-10T16:00:00Z")),
                t("2027-01-01T00:00:00Z"),
                nov,
                ny
            ),
            1
        );
        assert_eq!(
            igsa_days_in_month(t("2026-11-20T14:00:00Z"), None, t("2026-11-23T17:00:00Z"), nov, ny),
            4
        );
    }
}
