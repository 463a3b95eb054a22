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
    /// 4 hours or less (and more than one).
    Within4h,
    /// Less than one hour: the release or the pickup must be under way now.
    Within1h,
    /// At or past the deadline: the person must be released now.
    Overdue,
}

/// A running clock with this much time left or less is urgent (the board's red row).
pub const URGENT_WITHIN: Duration = Duration::hours(4);
/// A running clock with less than this left is in its last hour (the board's boxed red row).
pub const LAST_HOUR: Duration = Duration::hours(1);
/// A running clock with this much time left or less is shown as close (the board's amber row).
pub const CLOSE_WITHIN: Duration = Duration::hours(12);

pub fn stage(deadline: DateTime<Utc>, now: DateTime<Utc>) -> Stage {
    let left = deadline - now;
    if clock_run_out(deadline, now) {
        Stage::Overdue
    } else if left < LAST_HOUR {
        Stage::Within1h
    } else if left <= URGENT_WITHIN {
        Stage::Within4h
    } else if left <= CLOSE_WITHIN {
        Stage::Within12h
    } else {
        Stage::Ok
    }
}

impl Stage {
    /// The word the API uses: a documented contract of four words, so the last hour is still
    /// `within_4h` there (clients have `seconds_remaining`).
    pub fn word(self) -> &'static str {
        match self {
            Stage::Ok => "more_than_12h",
            Stage::Within12h => "within_12h",
            Stage::Within4h | Stage::Within1h => "within_4h",
            Stage::Overdue => "overdue",
        }
    }

    pub fn is_overdue(self) -> bool {
        self == Stage::Overdue
    }

    /// Four hours or less left, not yet overdue.
    pub fn is_urgent(self) -> bool {
        matches!(self, Stage::Within4h | Stage::Within1h)
    }

    /// Less than an hour left.
    pub fn is_last_hour(self) -> bool {
        self == Stage::Within1h
    }

    /// The stages, most urgent first: the order of the count cards.
    pub const BY_URGENCY: [Stage; 5] = [
        Stage::Overdue,
        Stage::Within1h,
        Stage::Within4h,
        Stage::Within12h,
        Stage::Ok,
    ];

    pub fn css(self) -> &'static str {
        match self {
            Stage::Ok => "stage-ok",
            Stage::Within12h => "stage-12h",
            Stage::Within4h => "stage-4h",
            Stage::Within1h => "stage-1h",
            Stage::Overdue => "overdue",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Stage::Ok => "More than 12 h left",
            Stage::Within12h => "12 h or less",
            Stage::Within4h => "4 h or less",
            Stage::Within1h => "▲ Under 1 h left",
            Stage::Overdue => "Release required",
        }
    }
}

/// What a running clock's board row shows that changes with the time alone: its stage, the
/// time left to the minute (the words of `web::forms::duration_words` are a function of whether
/// time is left and of the whole minutes), whether its post-service notice is overdue (`None`:
/// logged) and its pickup flag. Two moments of one row with equal `Moment`s show the same row,
/// so a row drawn at one is good for the other (the held board keeps each row's page HTML by it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Moment {
    pub stage: Stage,
    pub time_left: bool,
    pub whole_minutes: i64,
    pub notice_overdue: Option<bool>,
    pub pickup: Option<super::pickup::Flag>,
}

impl Moment {
    /// The moment at `now` of a clock served at `served` with this `deadline`, its notice
    /// logged or not, and its pickup plan (flagged `pickup_hours` before the deadline).
    pub fn at(
        served: DateTime<Utc>,
        deadline: DateTime<Utc>,
        notice_logged: bool,
        plan: Option<super::pickup::Plan>,
        now: DateTime<Utc>,
        pickup_hours: i64,
    ) -> Self {
        let left = (deadline - now).num_seconds();
        Moment {
            stage: stage(deadline, now),
            time_left: left > 0,
            whole_minutes: left.abs() / 60,
            notice_overdue: (!notice_logged).then(|| now > super::notice::post_service_notice_due(served)),
            pickup: super::pickup::flag(deadline, plan, now, pickup_hours),
        }
    }
}

/// What a page's title says first when clocks need attention, so that a background tab shows
/// it: "(2 overdue, 1 under 1 h) " (live.js writes the same when the board changes).
pub fn title_prefix(overdue: usize, last_hour: usize) -> String {
    match (overdue, last_hour) {
        (0, 0) => String::new(),
        (o, 0) => format!("({o} overdue) "),
        (0, h) => format!("({h} under 1 h) "),
        (o, h) => format!("({o} overdue, {h} under 1 h) "),
    }
}
