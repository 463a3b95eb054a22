//! What a step appends to a case's history. Each transition (`domain::case`,
//! `domain::claims`) returns its result with the events it causes; the service records them,
//! adding the details only the write knows (row ids, names).

use chrono::{DateTime, Utc};

/// The kinds of entries in a case's history (the audit log's `action`, the API's event
/// `action`: a documented contract).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    BookingCreated,
    DocumentAdded,
    DocumentWithdrawn,
    IceNotified,
    ReleasePointRecorded,
    WarrantServed,
    IgsaHoldStarted,
    Transferred,
    Released,
    CorrectionRecorded,
    CitizenshipClaimRecorded,
    CitizenshipClaimReported,
    /// ICE's pickup planned (or the plan changed; issue 31).
    PickupPlanned,
    /// The pickup plan withdrawn.
    PickupPlanWithdrawn,
    /// The served person was given the written notice, in a language (issue 31).
    NoticeGiven,
}

impl Action {
    pub const ALL: [Action; 15] = [
        Action::BookingCreated,
        Action::DocumentAdded,
        Action::DocumentWithdrawn,
        Action::IceNotified,
        Action::ReleasePointRecorded,
        Action::WarrantServed,
        Action::IgsaHoldStarted,
        Action::Transferred,
        Action::Released,
        Action::CorrectionRecorded,
        Action::CitizenshipClaimRecorded,
        Action::CitizenshipClaimReported,
        Action::PickupPlanned,
        Action::PickupPlanWithdrawn,
        Action::NoticeGiven,
    ];

    pub fn word(self) -> &'static str {
        match self {
            Action::BookingCreated => "booking_created",
            Action::DocumentAdded => "document_added",
            Action::DocumentWithdrawn => "document_withdrawn",
            Action::IceNotified => "ice_notified",
            Action::ReleasePointRecorded => "release_point_recorded",
            Action::WarrantServed => "warrant_served",
            Action::IgsaHoldStarted => "igsa_hold_started",
            Action::Transferred => "transferred",
            Action::Released => "released",
            Action::CorrectionRecorded => "correction_recorded",
            Action::CitizenshipClaimRecorded => "citizenship_claim_recorded",
            Action::CitizenshipClaimReported => "citizenship_claim_reported",
            Action::PickupPlanned => "pickup_planned",
            Action::PickupPlanWithdrawn => "pickup_plan_withdrawn",
            Action::NoticeGiven => "notice_given",
        }
    }

    /// The action of a stored word (`None`: not a case event, e.g. `record_viewed`).
    pub fn from_word(word: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.word() == word)
    }
}

/// One entry a step appends: what happened, and when it happened (the time entered, not the
/// time of entry).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    pub action: Action,
    pub at: DateTime<Utc>,
}

/// What a step changes (`value`: the new status, the deadline, the seconds held past the
/// deadline…) and the events it appends, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transition<T> {
    pub value: T,
    pub events: Vec<Event>,
}

impl<T> Transition<T> {
    /// A step that appends one event.
    pub fn one(value: T, action: Action, at: DateTime<Utc>) -> Self {
        Transition {
            value,
            events: vec![Event { action, at }],
        }
    }

    /// The actions appended, in order.
    pub fn actions(&self) -> Vec<Action> {
        self.events.iter().map(|e| e.action).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_its_own_word_and_is_found_by_it() {
        let words: std::collections::HashSet<_> = Action::ALL.iter().map(|a| a.word()).collect();
        assert_eq!(words.len(), Action::ALL.len());
        for a in Action::ALL {
            assert_eq!(Action::from_word(a.word()), Some(a));
        }
        assert_eq!(Action::from_word("record_viewed"), None);
        let t: DateTime<Utc> = "2026-11-22T08:00:00Z".parse().unwrap();
        let one = Transition::one(7, Action::Released, t);
        assert_eq!((one.value, one.actions()), (7, vec![Action::Released]));
        assert_eq!(one.events[0].at, t);
    }
}
