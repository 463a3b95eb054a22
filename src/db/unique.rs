//! Which field a unique constraint protects, by the constraint's name, so that a duplicate is
//! reported on the field that caused it (and with a word callers match on).

/// A unique constraint as callers see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unique {
    /// The input field the duplicate value came from.
    pub field: &'static str,
    /// The stable error code.
    pub code: &'static str,
}

/// (constraint, field, code). Names are PostgreSQL's defaults for the migrations' `UNIQUE`s.
const CONSTRAINTS: &[(&str, Unique)] = &[
    (
        "bookings_facility_id_booking_number_key",
        Unique {
            field: "booking_number",
            code: "duplicate_booking_number",
        },
    ),
    (
        "ice_documents_booking_id_kind_number_key",
        Unique {
            field: "number",
            code: "duplicate_document",
        },
    ),
    (
        "users_username_key",
        Unique {
            field: "username",
            code: "username_taken",
        },
    ),
    (
        "facilities_code_key",
        Unique {
            field: "code",
            code: "duplicate_facility",
        },
    ),
];

/// The constraint named `name`, if it is one callers can fix by changing a field.
pub fn by_name(name: &str) -> Option<Unique> {
    CONSTRAINTS.iter().find(|(n, _)| *n == name).map(|(_, u)| *u)
}

/// The unique constraint `e` violated, if any and known.
pub fn violated(e: &sqlx::Error) -> Option<Unique> {
    match e {
        sqlx::Error::Database(d) if d.is_unique_violation() => d.constraint().and_then(by_name),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_known_constraint_names_its_field() {
        assert_eq!(
            by_name("bookings_facility_id_booking_number_key").unwrap().field,
            "booking_number"
        );
        assert_eq!(
            by_name("ice_documents_booking_id_kind_number_key").unwrap().code,
            "duplicate_document"
        );
        assert_eq!(by_name("users_username_key").unwrap().field, "username");
        assert_eq!(by_name("alerts_dedupe_key_key"), None, "not a caller's field");
    }
}
