//! How urgent a running clock is: the board's stages, in words and colours.

use chrono::{DateTime, Duration, Utc};

use super::case::clock_run_out;

/// How urgent a running clock is; the board colours rows by it (and says it in words).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// More than 12 hours left.
    Ok,
    /// 12 hours or less.
    Within12h,
    /// 4 hours or less.
    Within4h,
    /// At or past the deadline: the person must be released now.
    Overdue,
}

/// A running clock with this much time left or less is urgent (the board's red row).
pub const URGENT_WITHIN: Duration = Duration::hours(4);
/// A running clock with this much time left or less is shown as close (the board's amber row).
pub const CLOSE_WITHIN: Duration = Duration::hours(12);

pub fn stage(deadline: DateTime<Utc>, now: DateTime<Utc>) -> Stage {
    let left = deadline - now;
    if clock_run_out(deadline, now) {
        Stage::Overdue
    } else if left <= URGENT_WITHIN {
        Stage::Within4h
    } else if left <= CLOSE_WITHIN {
        Stage::Within12h
    } else {
        Stage::Ok
    }
}

impl Stage {
    /// The word the API and the board stream use.
    pub fn word(self) -> &'static str {
        match self {
            Stage::Ok => "more_than_12h",
            Stage::Within12h => "within_12h",
            Stage::Within4h => "within_4h",
            Stage::Overdue => "overdue",
        }
    }

    pub fn is_overdue(self) -> bool {
        self == Stage::Overdue
    }

    pub fn is_urgent(self) -> bool {
        self == Stage::Within4h
    }

    pub fn css(self) -> &'static str {
        match self {
            Stage::Ok => "stage-ok",
            Stage::Within12h => "stage-12h",
            Stage::Within4h => "stage-4h",
            Stage::Overdue => "overdue",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Stage::Ok => "More than 12 h left",
            Stage::Within12h => "12 h or less",
            Stage::Within4h => "4 h or less",
            Stage::Overdue => "Release required",
        }
    }
}
