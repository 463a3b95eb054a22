//! WSO certifications: who may serve a warrant, and when.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

use super::input::Checker;
use crate::domain::input::FieldError;

/// A certification as stored. `expires_on` is the last valid day, in the facility's zone.
#[derive(Clone, Debug)]
pub struct Certification {
    pub certified_on: NaiveDate,
    pub expires_on: NaiveDate,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl Certification {
    /// Current at instant `at`, judged by the calendar day at the facility.
    pub fn is_current_at(&self, at: DateTime<Utc>, tz: Tz) -> bool {
        let day = at.with_timezone(&tz).date_naive();
        self.certified_on <= day && day <= self.expires_on && self.revoked_at.is_none_or(|r| r > at)
    }

    pub fn standing(&self, now: DateTime<Utc>, tz: Tz) -> Standing {
        let today = now.with_timezone(&tz).date_naive();
        if self.revoked_at.is_some_and(|r| r <= now) {
            Standing::Revoked
        } else if today > self.expires_on {
            Standing::Lapsed
        } else if today < self.certified_on {
            Standing::NotYetValid
        } else if (self.expires_on - today).num_days() <= EXPIRY_WARNING_DAYS {
            Standing::ExpiringSoon
        } else {
            Standing::Current
        }
    }
}

/// The roster warns this many days before a certification's last valid day.
pub const EXPIRY_WARNING_DAYS: i64 = 30;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    Current,
    ExpiringSoon,
    NotYetValid,
    Lapsed,
    Revoked,
}

impl Standing {
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::Current => "current",
            Standing::ExpiringSoon => "expiring_soon",
            Standing::NotYetValid => "not_yet_valid",
            Standing::Lapsed => "lapsed",
            Standing::Revoked => "revoked",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Standing::Current => "Current",
            Standing::ExpiringSoon => "Expires within 30 days",
            Standing::NotYetValid => "Not yet valid",
            Standing::Lapsed => "Lapsed",
            Standing::Revoked => "Revoked",
        }
    }

    pub fn may_serve(self) -> bool {
        matches!(self, Standing::Current | Standing::ExpiringSoon)
    }
}

/// A WSO certification (dates; the steps before it come before `certified_on`).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct CertificationInput {
    #[schema(required, value_type = String, format = Date)]
    pub certified_on: Option<String>,
    /// Not before `certified_on`.
    #[schema(required, value_type = String, format = Date)]
    pub expires_on: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub nominated_on: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub background_cleared_on: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub trained_on: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewCertification {
    pub certified_on: NaiveDate,
    pub expires_on: NaiveDate,
    pub nominated_on: Option<NaiveDate>,
    pub background_cleared_on: Option<NaiveDate>,
    pub trained_on: Option<NaiveDate>,
}

impl CertificationInput {
    pub fn check(&self) -> Result<NewCertification, Vec<FieldError>> {
        let mut c = Checker::new();
        let certified_on = c.date("certified_on", self.certified_on.as_deref());
        let expires_on = c.date("expires_on", self.expires_on.as_deref());
        let mut optional = |field: &str, v: &Option<String>| match v.as_deref().map(str::trim).filter(|s| !s.is_empty())
        {
            Some(v) => c.date(field, Some(v)),
            None => None,
        };
        let nominated_on = optional("nominated_on", &self.nominated_on);
        let background_cleared_on = optional("background_cleared_on", &self.background_cleared_on);
        let trained_on = optional("trained_on", &self.trained_on);
        if let (Some(from), Some(to)) = (certified_on, expires_on)
            && to < from
        {
            c.errors.push(FieldError::new(
                "expires_on",
                "the certification expires before it was granted",
            ));
        }
        for (field, d) in [
            ("nominated_on", nominated_on),
            ("background_cleared_on", background_cleared_on),
            ("trained_on", trained_on),
        ] {
            if let (Some(d), Some(cert)) = (d, certified_on)
                && d > cert
            {
                c.errors
                    .push(FieldError::new(field, "this step comes before certification"));
            }
        }
        let (certified_on, expires_on) = c.values((certified_on, expires_on))?;
        Ok(NewCertification {
            certified_on,
            expires_on,
            nominated_on,
            background_cleared_on,
            trained_on,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert(from: &str, to: &str) -> Certification {
        Certification {
            certified_on: from.parse().unwrap(),
            expires_on: to.parse().unwrap(),
            revoked_at: None,
        }
    }

    #[test]
    fn the_last_valid_day_counts_in_the_facility_zone() {
        let ny = chrono_tz::America::New_York;
        let c = cert("2026-01-01", "2026-11-30");
        // 23:30 on Nov 30 in New York is already Dec 1 in UTC: still valid.
        assert!(c.is_current_at("2026-12-01T04:30:00Z".parse().unwrap(), ny));
        // 00:30 on Dec 1 in New York: lapsed.
        assert!(!c.is_current_at("2026-12-01T05:30:00Z".parse().unwrap(), ny));
        assert!(!c.is_current_at("2025-12-31T12:00:00Z".parse().unwrap(), ny));
    }

    #[test]
    fn a_revocation_ends_eligibility_from_its_moment() {
        let ny = chrono_tz::America::New_York;
        let mut c = cert("2026-01-01", "2027-01-01");
        c.revoked_at = Some("2026-06-01T12:00:00Z".parse().unwrap());
        assert!(c.is_current_at("2026-06-01T11:59:59Z".parse().unwrap(), ny));
        assert!(!c.is_current_at("2026-06-01T12:00:00Z".parse().unwrap(), ny));
        assert_eq!(
            c.standing("2026-07-01T00:00:00Z".parse().unwrap(), ny),
            Standing::Revoked
        );
    }

    #[test]
    fn standing_warns_thirty_days_ahead() {
        let ny = chrono_tz::America::New_York;
        let c = cert("2026-01-01", "2026-12-20");
        assert_eq!(
            c.standing("2026-11-01T12:00:00Z".parse().unwrap(), ny),
            Standing::Current
        );
        assert_eq!(
            c.standing("2026-11-23T12:00:00Z".parse().unwrap(), ny),
            Standing::ExpiringSoon
        );
        assert_eq!(
            c.standing("2026-12-21T12:00:00Z".parse().unwrap(), ny),
            Standing::Lapsed
        );
    }

    #[test]
    fn certification_dates_are_ordered() {
        let input = CertificationInput {
            certified_on: Some("2026-02-01".into()),
            expires_on: Some("2026-01-01".into()),
            trained_on: Some("2026-03-01".into()),
            ..Default::default()
        };
        let fields: Vec<String> = input.check().unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["expires_on", "trained_on"]);
    }

    #[test]
    fn standing_turns_on_the_first_day_the_warning_day_and_the_last_day() {
        let ny = chrono_tz::America::New_York;
        let c = cert("2026-01-10", "2026-12-31");
        let on = |day: &str| c.standing(format!("{day}T12:00:00Z").parse().unwrap(), ny);
        assert_eq!(on("2026-01-09"), Standing::NotYetValid);
        assert_eq!(on("2026-01-10"), Standing::Current);
        assert_eq!(on("2026-11-30"), Standing::Current, "31 days before the last day");
        assert_eq!(
            on("2026-12-01"),
            Standing::ExpiringSoon,
            "30 days before the last day: warned"
        );
        assert_eq!(on("2026-12-31"), Standing::ExpiringSoon, "the last valid day");
        assert_eq!(on("2027-01-01"), Standing::Lapsed);
    }

    #[test]
    fn each_standing_has_its_word_its_label_and_says_whether_the_officer_may_serve() {
        let table = [
            (Standing::Current, "current", "Current", true),
            (Standing::ExpiringSoon, "expiring_soon", "Expires within 30 days", true),
            (Standing::NotYetValid, "not_yet_valid", "Not yet valid", false),
            (Standing::Lapsed, "lapsed", "Lapsed", false),
            (Standing::Revoked, "revoked", "Revoked", false),
        ];
        for (s, word, label, may_serve) in table {
            assert_eq!(
                (s.as_str(), s.label(), s.may_serve()),
                (word, label, may_serve),
                "{s:?}"
            );
        }
    }

    #[test]
    fn a_certification_may_last_one_day_and_training_may_end_on_its_first() {
        let input = CertificationInput {
            certified_on: Some("2026-02-01".into()),
            expires_on: Some("2026-02-01".into()),
            nominated_on: Some("2026-01-05".into()),
            background_cleared_on: Some(" ".into()),
            trained_on: Some("2026-02-01".into()),
        };
        let c = input.check().unwrap();
        let feb1: NaiveDate = "2026-02-01".parse().unwrap();
        assert_eq!((c.certified_on, c.expires_on, c.trained_on), (feb1, feb1, Some(feb1)));
        assert_eq!(c.nominated_on, Some("2026-01-05".parse().unwrap()));
        assert_eq!(c.background_cleared_on, None, "a blank date is not recorded");
    }
}
