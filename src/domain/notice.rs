//! The post-service notice: ICE is told immediately after each warrant service.

use chrono::{DateTime, Duration, Utc};

use super::Role;
use super::case::{RuleError, conflict, forbidden};

/// ICE is notified immediately after each service; one hour later the notice is overdue.
pub const POST_SERVICE_NOTICE_WITHIN: Duration = Duration::hours(1);

/// How far back the watcher (and the overdue count in `/metrics`) look for a service without
/// its notice: an older one was alerted on long ago and is the compliance report's business.
pub const OVERDUE_LOOK_BACK: Duration = Duration::days(7);

/// When the post-service notice to ICE is due for a service at `served_at`.
pub fn post_service_notice_due(served_at: DateTime<Utc>) -> DateTime<Utc> {
    served_at + POST_SERVICE_NOTICE_WITHIN
}

/// The latest service whose notice is overdue at `now` when none was logged: due one hour
/// after the service, overdue from the first second past due (a notice logged at the due
/// second is on time, as [`post_service_notice_timing`] counts it).
pub fn overdue_if_served_by(now: DateTime<Utc>) -> DateTime<Utc> {
    now - POST_SERVICE_NOTICE_WITHIN - Duration::seconds(1)
}

/// How the post-service notice went, for the compliance report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoticeTiming {
    OnTime,
    Late,
    Missing,
}

pub fn post_service_notice_timing(served_at: DateTime<Utc>, notified_at: Option<DateTime<Utc>>) -> NoticeTiming {
    match notified_at {
        Some(n) if n <= post_service_notice_due(served_at) => NoticeTiming::OnTime,
        Some(_) => NoticeTiming::Late,
        None => NoticeTiming::Missing,
    }
}

/// Who prints the served person's written notice and records which language was given (issue
/// 31): the jail's staff at the case's facility, once a warrant was served.
pub fn may_give_notice(role: Role, at_facility: bool, served: bool) -> Result<(), RuleError> {
    super::rules::may_book(role)?;
    if !at_facility {
        return Err(forbidden(
            "forbidden",
            "this case belongs to a facility you are not assigned to",
        ));
    }
    if !served {
        return Err(conflict("not_served", "no warrant has been served on this case"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn the_watcher_escalates_from_the_first_second_past_due() {
        let served = t("2026-11-22T09:00:00Z");
        let due = post_service_notice_due(served);
        assert!(overdue_if_served_by(due) < served, "at the due second: in time");
        assert_eq!(overdue_if_served_by(due + Duration::seconds(1)), served);
        assert_eq!(post_service_notice_timing(served, Some(due)), NoticeTiming::OnTime);
    }

    #[test]
    fn a_notice_is_on_time_up_to_one_hour_after_service() {
        let served = t("2026-11-22T09:00:00Z");
        assert_eq!(post_service_notice_due(served), t("2026-11-22T10:00:00Z"));
        let timing = |n: Option<&str>| post_service_notice_timing(served, n.map(t));
        assert_eq!(timing(Some("2026-11-22T10:00:00Z")), NoticeTiming::OnTime);
        assert_eq!(timing(Some("2026-11-22T10:00:01Z")), NoticeTiming::Late);
        assert_eq!(timing(None), NoticeTiming::Missing);
    }
}
