//! Whether an officer may serve a warrant at an instant: one function over every recorded fact.
//! A current certification is required; beyond it, facts never entered do not block; what
//! blocks is a recorded fact (expiry, revocation, a second failed exam, an ICE withdrawal in
//! effect, credentials returned, the departure date reached). Dates are read in the zone of the
//! facility where the service happens.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use super::case::RuleError;
use super::case::RuleKind;
use super::roster::Certification;

/// ICE's exam: 70 % passes; one retake; a second failure disqualifies.
pub const PASS_MARK: i32 = 70;
/// Notice the jail should give ICE before a WSO leaves the program.
pub const DEPARTURE_NOTICE_DAYS: i64 = 90;

#[derive(Clone, Debug, Default)]
pub struct Record {
    pub certifications: Vec<Certification>,
    /// (taken on, score)
    pub exams: Vec<(NaiveDate, i32)>,
    /// (Form 70-006 issued on, returned on)
    pub credentials: Vec<(NaiveDate, Option<NaiveDate>)>,
    /// ICE withdrawal notices: (received on, effective on)
    pub withdrawals: Vec<(NaiveDate, NaiveDate)>,
    /// Departure notices: (given on, departs on)
    pub departures: Vec<(NaiveDate, NaiveDate)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExamStanding {
    NotTaken,
    Passed,
    /// Failed once: one retake allowed.
    RetakeAllowed,
    Disqualified,
}

pub fn exam_standing(exams: &[(NaiveDate, i32)]) -> ExamStanding {
    let mut sorted = exams.to_vec();
    sorted.sort();
    let mut failures = 0;
    for (_, score) in sorted {
        if score >= PASS_MARK {
            return ExamStanding::Passed;
        }
        failures += 1;
        if failures >= 2 {
            return ExamStanding::Disqualified;
        }
    }
    if failures == 1 {
        ExamStanding::RetakeAllowed
    } else {
        ExamStanding::NotTaken
    }
}

/// Whether another exam may be recorded.
pub fn check_new_exam(exams: &[(NaiveDate, i32)]) -> Result<(), RuleError> {
    let conflict = |code, message: &str| RuleError {
        kind: RuleKind::Conflict,
        code,
        message: message.into(),
        field: None,
    };
    match exam_standing(exams) {
        ExamStanding::Disqualified => Err(conflict(
            "disqualified",
            "two failed exams disqualify the officer: no further attempt",
        )),
        ExamStanding::Passed => Err(conflict("already_passed", "the officer has already passed the exam")),
        _ => Ok(()),
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Eligibility {
    pub may_serve: bool,
    /// Why not (codes), empty when the officer may serve.
    pub reasons: Vec<&'static str>,
}

pub fn eligibility(r: &Record, at: DateTime<Utc>, tz: Tz) -> Eligibility {
    let day = at.with_timezone(&tz).date_naive();
    let mut reasons = Vec::new();
    if !r.certifications.iter().any(|c| c.is_current_at(at, tz)) {
        let latest = r.certifications.iter().max_by_key(|c| (c.certified_on, c.expires_on));
        reasons.push(match latest {
            None => "no_certification",
            Some(c) if c.revoked_at.is_some_and(|t| t <= at) => "certification_revoked",
            Some(c) if day > c.expires_on => "certification_expired",
            Some(_) => "certification_not_yet_valid",
        });
    }
    if exam_standing(&r.exams) == ExamStanding::Disqualified {
        reasons.push("exam_failed_twice");
    }
    if r.withdrawals.iter().any(|(_, effective)| *effective <= day) {
        reasons.push("withdrawn_by_ice");
    }
    let latest_credential = r.credentials.iter().max_by_key(|(issued, _)| *issued);
    if latest_credential.is_some_and(|(_, returned)| returned.is_some_and(|d| d <= day)) {
        reasons.push("credentials_returned");
    }
    // An officer may serve through the day before `departs_on`.
    if r.departures.iter().any(|(_, departs)| *departs <= day) {
        reasons.push("departed");
    }
    Eligibility {
        may_serve: reasons.is_empty(),
        reasons,
    }
}

/// Words for a reason code, for the roster page.
pub fn reason_words(code: &str) -> &'static str {
    match code {
        "no_certification" => "no WSO certification recorded",
        "certification_revoked" => "certification revoked",
        "certification_expired" => "certification expired",
        "certification_not_yet_valid" => "certification not yet valid",
        "exam_failed_twice" => "failed ICE's exam twice",
        "withdrawn_by_ice" => "withdrawn by ICE",
        "credentials_returned" => "credentials returned",
        "departed" => "left the program",
        _ => "not eligible",
    }
}

/// The jail gives ICE 90 days' notice, where practicable, when a WSO leaves.
pub fn short_notice(given_on: NaiveDate, departs_on: NaiveDate) -> bool {
    (departs_on - given_on).num_days() < DEPARTURE_NOTICE_DAYS
}

#[cfg(test)]
mod tests {
    use super::*;

    const NY: Tz = chrono_tz::America::New_York;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn certified() -> Record {
        Record {
            certifications: vec![Certification {
                certified_on: d("2026-01-01"),
                expires_on: d("2027-12-31"),
                revoked_at: None,
            }],
            ..Default::default()
        }
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn exams_pass_at_seventy_with_one_retake() {
        assert_eq!(exam_standing(&[]), ExamStanding::NotTaken);
        assert_eq!(exam_standing(&[(d("2026-01-01"), 70)]), ExamStanding::Passed);
        assert_eq!(exam_standing(&[(d("2026-01-01"), 69)]), ExamStanding::RetakeAllowed);
        assert_eq!(
            exam_standing(&[(d("2026-01-01"), 50), (d("2026-02-01"), 85)]),
            ExamStanding::Passed
        );
        assert_eq!(
            exam_standing(&[(d("2026-02-01"), 60), (d("2026-01-01"), 50)]),
            ExamStanding::Disqualified
        );
        assert_eq!(
            check_new_exam(&[(d("2026-01-01"), 50), (d("2026-02-01"), 60)])
                .unwrap_err()
                .code,
            "disqualified"
        );
        assert_eq!(
            check_new_exam(&[(d("2026-01-01"), 90)]).unwrap_err().code,
            "already_passed"
        );
        assert!(check_new_exam(&[(d("2026-01-01"), 10)]).is_ok());
    }

    #[test]
    fn facts_never_entered_do_not_block() {
        assert_eq!(
            eligibility(&certified(), at("2026-06-01T12:00:00Z"), NY),
            Eligibility {
                may_serve: true,
                reasons: vec![]
            }
        );
    }

    #[test]
    fn each_recorded_fact_blocks_with_its_reason() {
        let now = at("2026-06-01T12:00:00Z");
        let reasons = |r: Record| eligibility(&r, now, NY).reasons;
        assert_eq!(reasons(Record::default()), vec!["no_certification"]);
        let mut r = certified();
        r.exams = vec![(d("2025-10-01"), 40), (d("2025-11-01"), 65)];
        assert_eq!(reasons(r), vec!["exam_failed_twice"]);
        let mut r = certified();
        r.withdrawals = vec![(d("2026-05-01"), d("2026-06-01"))];
        assert_eq!(reasons(r), vec!["withdrawn_by_ice"]);
        let mut r = certified();
        r.withdrawals = vec![(d("2026-05-01"), d("2026-06-02"))];
        assert!(eligibility(&r, now, NY).may_serve, "a withdrawal not yet in effect");
        let mut r = certified();
        r.credentials = vec![(d("2026-01-01"), Some(d("2026-05-31")))];
        assert_eq!(reasons(r), vec!["credentials_returned"]);
        let mut r = certified();
        r.departures = vec![(d("2026-03-01"), d("2026-06-01"))];
        assert_eq!(reasons(r), vec!["departed"]);
        let mut r = certified();
        r.departures = vec![(d("2026-03-01"), d("2026-06-02"))];
        assert!(eligibility(&r, now, NY).may_serve, "through the day before departure");
        let mut r = certified();
        r.certifications[0].expires_on = d("2026-05-31");
        assert_eq!(reasons(r), vec!["certification_expired"]);
    }

    #[test]
    fn the_day_is_the_facility_day() {
        let mut r = certified();
        r.departures = vec![(d("2026-03-01"), d("2026-06-02"))];
        // 2026-06-02 02:00Z is still June 1st in New York.
        assert!(eligibility(&r, at("2026-06-02T02:00:00Z"), NY).may_serve);
        assert!(!eligibility(&r, at("2026-06-02T05:00:00Z"), NY).may_serve);
    }

    #[test]
    fn departures_want_ninety_days_notice() {
        assert!(short_notice(d("2026-03-01"), d("2026-05-29")));
        assert!(!short_notice(d("2026-03-01"), d("2026-05-30")));
    }

    #[test]
    fn a_revoked_certification_blocks_from_the_second_of_revocation() {
        let mut r = certified();
        r.certifications[0].revoked_at = Some(at("2026-06-01T12:00:00Z"));
        assert!(eligibility(&r, at("2026-06-01T11:59:59Z"), NY).may_serve);
        assert_eq!(
            eligibility(&r, at("2026-06-01T12:00:00Z"), NY).reasons,
            vec!["certification_revoked"]
        );
    }

    #[test]
    fn a_certification_serves_through_its_last_day_and_not_before_its_first() {
        let mut r = certified();
        r.certifications[0].certified_on = d("2026-06-02");
        r.certifications[0].expires_on = d("2026-06-30");
        // 2026-06-02 03:00Z is still June 1st in New York.
        assert_eq!(
            eligibility(&r, at("2026-06-02T03:00:00Z"), NY).reasons,
            vec!["certification_not_yet_valid"]
        );
        assert!(eligibility(&r, at("2026-06-02T12:00:00Z"), NY).may_serve);
        assert!(
            eligibility(&r, at("2026-07-01T03:59:59Z"), NY).may_serve,
            "June 30 23:59:59 in New York"
        );
        assert_eq!(
            eligibility(&r, at("2026-07-01T04:00:00Z"), NY).reasons,
            vec!["certification_expired"]
        );
    }

    #[test]
    fn every_reason_has_words_for_the_roster() {
        let table = [
            ("no_certification", "no WSO certification recorded"),
            ("certification_revoked", "certification revoked"),
            ("certification_expired", "certification expired"),
            ("certification_not_yet_valid", "certification not yet valid"),
            ("exam_failed_twice", "failed ICE's exam twice"),
            ("withdrawn_by_ice", "withdrawn by ICE"),
            ("credentials_returned", "credentials returned"),
            ("departed", "left the program"),
            ("something_new", "not eligible"),
        ];
        for (code, words) in table {
            assert_eq!(reason_words(code), words, "{code}");
        }
    }
}
