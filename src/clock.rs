//! The one source of "now". Production reads the system clock; tests set and advance it.
//! Nothing else in the crate may call `Utc::now()` (see `clippy.toml`).

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Duration, SubsecRound, Utc};

#[derive(Clone, Debug)]
pub enum Clock {
    System,
    Manual(Arc<RwLock<DateTime<Utc>>>),
}

impl Clock {
    pub fn manual(start: DateTime<Utc>) -> Self {
        Self::Manual(Arc::new(RwLock::new(start)))
    }

    /// Now, to the whole second: every time the app records is kept to the second.
    pub fn now(&self) -> DateTime<Utc> {
        match self {
            #[allow(clippy::disallowed_methods)]
            Self::System => Utc::now().trunc_subsecs(0),
            Self::Manual(t) => t.read().expect("clock lock").trunc_subsecs(0),
        }
    }

    /// Sets a manual clock; a no-op on the system clock.
    pub fn set(&self, to: DateTime<Utc>) {
        if let Self::Manual(t) = self {
            *t.write().expect("clock lock") = to;
        }
    }

    pub fn advance(&self, by: Duration) {
        if let Self::Manual(t) = self {
            *t.write().expect("clock lock") += by;
        }
    }
}

/// The hour and minute in a facility's zone, for a time within the day: `21:03 EST`.
pub fn local_clock(t: DateTime<Utc>, tz: chrono_tz::Tz) -> String {
    t.with_timezone(&tz).format("%H:%M %Z").to_string()
}

/// Local time in a facility's zone, as shown everywhere (pages, records, alert e-mails):
/// `2027-03-13 10:00 EST`.
pub fn local_time(t: DateTime<Utc>, tz: chrono_tz::Tz) -> String {
    // The format parsed once: a board writes hundreds of these per page.
    static ITEMS: std::sync::LazyLock<Vec<chrono::format::Item<'static>>> =
        std::sync::LazyLock::new(|| chrono::format::StrftimeItems::new("%Y-%m-%d %H:%M %Z").collect());
    t.with_timezone(&tz).format_with_items(ITEMS.iter()).to_string()
}
