//! What the domain's stories share: a time from its text, the booked case they start from,
//! staff acting at the case's facility, and a warrant in force.

use chrono::{DateTime, Utc};

use super::Role;
use super::case::{Case, IceDocument};
use super::rules::{Actor, Facts};
use super::types::{DocumentKind, Status};

pub fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// Booked at 2026-11-20 08:00Z, still in criminal custody.
pub fn booked() -> Case {
    Case {
        status: Status::InCustody,
        booked_at: t("2026-11-20T08:00:00Z"),
        release_point_at: None,
        served_at: None,
        igsa_at: None,
    }
}

/// The case at a facility without an IGSA, every claim reported.
pub fn facts(case: &Case) -> Facts<'_> {
    Facts {
        case,
        facility_igsa: false,
        unreported_claim: false,
    }
}

/// Someone of `role` at the case's facility, certified to serve.
pub fn acting(role: Role) -> Actor {
    Actor {
        role,
        at_facility: true,
        certified: true,
    }
}

pub const WARRANT: IceDocument = IceDocument {
    kind: DocumentKind::WarrantOfArrest,
    withdrawn_at: None,
};
