//! What an agency's export holds (issue 28; docs/agencies.md, "Leaving"): every table's rows of
//! one agency as JSON, secrets left out. The tables and their filters are listed here, in one
//! place; `tests/it/agency_export.rs` checks that every table of the schema is listed or named
//! as the installation's own.

use sqlx::PgExecutor;

/// `$1` is the agency's id. The agency's facilities, bookings and people:
const FACILITIES: &str = "(SELECT id FROM facilities WHERE agency_id = $1)";
const BOOKINGS: &str = "(SELECT b.id FROM bookings b JOIN facilities f ON f.id = b.facility_id WHERE f.agency_id = $1)";
const PEOPLE: &str = "(SELECT id FROM users WHERE agency_id = $1
    UNION SELECT uf.user_id FROM user_facilities uf JOIN facilities f ON f.id = uf.facility_id WHERE f.agency_id = $1)";

/// A table of the export: its name, the rows of the agency, the columns never exported.
pub struct Part {
    pub table: &'static str,
    pub filter: String,
    pub secret: &'static [&'static str],
}

/// Every table with rows of an agency, in the order a restore would load them.
pub fn parts() -> Vec<Part> {
    let part = |table, filter: String, secret| Part { table, filter, secret };
    vec![
        part("agencies", "t.id = $1".into(), &[]),
        part("facilities", "t.agency_id = $1".into(), &[]),
        part(
            "users",
            format!("t.id IN {PEOPLE}"),
            &[
                "password_hash",
                "mfa_secret",
                "mfa_secret_sealed",
                "mfa_secret_key",
                "mfa_last_step",
            ],
        ),
        part("user_facilities", format!("t.facility_id IN {FACILITIES}"), &[]),
        part("bookings", format!("t.facility_id IN {FACILITIES}"), &[]),
        part("charges", format!("t.booking_id IN {BOOKINGS}"), &[]),
        part("ice_documents", format!("t.booking_id IN {BOOKINGS}"), &[]),
        part("ice_notifications", format!("t.booking_id IN {BOOKINGS}"), &[]),
        part("interpreters", format!("t.facility_id IN {FACILITIES}"), &[]),
        part("citizenship_claims", format!("t.booking_id IN {BOOKINGS}"), &[]),
        part("pickup_plans", format!("t.booking_id IN {BOOKINGS}"), &[]),
        part("complaints", format!("t.facility_id IN {FACILITIES}"), &[]),
        part("disclosures", format!("t.facility_id IN {FACILITIES}"), &[]),
        part("annual_reviews", format!("t.facility_id IN {FACILITIES}"), &[]),
        part(
            "wso_certifications",
            "t.user_id IN (SELECT id FROM users WHERE agency_id = $1)".into(),
            &[],
        ),
        part(
            "wso_exams",
            "t.user_id IN (SELECT id FROM users WHERE agency_id = $1)".into(),
            &[],
        ),
        part(
            "wso_credentials",
            "t.user_id IN (SELECT id FROM users WHERE agency_id = $1)".into(),
            &[],
        ),
        part(
            "wso_withdrawals",
            "t.user_id IN (SELECT id FROM users WHERE agency_id = $1)".into(),
            &[],
        ),
        part(
            "wso_departures",
            "t.user_id IN (SELECT id FROM users WHERE agency_id = $1)".into(),
            &[],
        ),
        part(
            "alerts",
            format!("t.facility_id IN {FACILITIES} OR (t.facility_id IS NULL AND t.agency_id = $1)"),
            &[],
        ),
        part("displays", format!("t.facility_id IN {FACILITIES}"), &["token_hash"]),
        part(
            "webhook_endpoints",
            format!("t.facility_id IN {FACILITIES}"),
            &["secret", "secret_sealed", "secret_key"],
        ),
        // Its identity provider (the client secret left out) and its people's links to it.
        part(
            "agency_sso",
            "t.agency_id = $1".into(),
            &["secret_sealed", "secret_key"],
        ),
        part(
            "sso_links",
            "t.user_id IN (SELECT id FROM users WHERE agency_id = $1)".into(),
            &[],
        ),
        part(
            "audit_log",
            format!(
                "t.booking_id IN {BOOKINGS} OR (t.booking_id IS NULL AND t.actor_id IN (SELECT id FROM users WHERE agency_id = $1))"
            ),
            &[],
        ),
    ]
}

/// The installation's own tables: sessions, sign-in failures, tokens, idempotency keys, the
/// outbox and deliveries (derived from alerts and events), the chain's head, drafts of imports,
/// oversight grants (the operator's), sign-ins on their way through a provider (minutes old),
/// migrations' bookkeeping. Not exported.
pub const NOT_EXPORTED: [&str; 15] = [
    "api_tokens",
    "recovery_codes",
    "user_sessions",
    "login_failures",
    "idempotency_keys",
    "outbox",
    "outbox_attempts",
    "alert_acks",
    "audit_head",
    "display_addresses",
    "webhook_deliveries",
    "import_drafts",
    "oversight_grants",
    "sso_pending",
    "_sqlx_migrations",
];

/// The rows of `part` for the agency, each a JSON object (secrets removed), in id order when
/// the table has one.
pub async fn rows(db: impl PgExecutor<'_>, part: &Part, agency_id: i64) -> sqlx::Result<Vec<String>> {
    let order = match part.table {
        "user_facilities" => "t.user_id, t.facility_id",
        "audit_log" => "t.chain, t.chain_seq",
        "agency_sso" => "t.agency_id",
        "sso_links" => "t.user_id",
        "pickup_plans" => "t.booking_id",
        _ => "t.id",
    };
    sqlx::query_scalar(&format!(
        "SELECT (to_jsonb(t) - $2::text[])::text FROM {} t WHERE {} ORDER BY {order}",
        part.table, part.filter
    ))
    .bind(agency_id)
    .bind(part.secret)
    .fetch_all(db)
    .await
}
