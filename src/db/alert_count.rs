//! The navigation's count of the alerts that still need a user. Counted after the request
//! knows who asks: the alerts are behind the wall (row-level security, migration 0029), so a
//! count read in the same statement as the session's user would see none.

use sqlx::PgExecutor;

use super::alerts::{about_no_facility, seen_binds};
use crate::domain::Role;
use crate::domain::alerts::AlertKind;

/// How many alerts still need `me` (the navigation's count; see [`unread_of`]).
pub async fn unread(db: impl PgExecutor<'_>, me: &crate::db::users::User) -> sqlx::Result<i64> {
    let [officer, supervisor, liaison] = unread_binds();
    sqlx::query_scalar(&format!(
        "WITH me AS (SELECT $1::bigint AS id, $8::text AS role, $9::bigint[] AS facility_ids,
                            $10::bigint AS agency_id, $11::boolean AS operator)
         SELECT {} FROM me",
        unread_of("me")
    ))
    .bind(me.id)
    .bind(officer.0)
    .bind(officer.1)
    .bind(supervisor.0)
    .bind(supervisor.1)
    .bind(liaison.0)
    .bind(liaison.1)
    .bind(me.role.as_str())
    .bind(&me.facility_ids)
    .bind(me.agency_id)
    .bind(me.operator)
    .fetch_one(db)
    .await
}

/// The unread count stops here: the navigation says "99+" for anything above 99.
pub const UNREAD_COUNTED: i64 = 100;

/// The named kinds and clock pattern of officers, supervisors and liaisons, for [`unread_of`].
fn unread_binds() -> [(Vec<AlertKind>, String); 3] {
    [Role::Officer, Role::Supervisor, Role::IceLiaison].map(|role| {
        let (named, clock) = seen_binds(crate::domain::alerts::seen_by(role).as_ref());
        (named.unwrap_or_default(), clock.unwrap_or_default())
    })
}

/// How many alerts still need the user `me` (a row with `id`, `role`, `facility_ids`), as
/// the alerts page counts them, up to [`UNREAD_COUNTED`] (the navigation shows "99+" past
/// that, and counting further on every page is work nobody reads), the role's view chosen in
/// SQL. Resolution is the
/// `resolved` flag the database keeps (migration 0013), so only unresolved alerts are read
/// (`alerts_unresolved`). Binds `$2`..`$7` are [`unread_binds`].
fn unread_of(me: &str) -> String {
    let about_none = about_no_facility(
        &format!("{me}.role"),
        &format!("{me}.agency_id"),
        &format!("{me}.operator"),
    );
    format!(
        "(SELECT count(*) FROM (SELECT FROM alerts a
          WHERE NOT a.resolved AND (a.facility_id = ANY({me}.facility_ids) OR (a.facility_id IS NULL AND {about_none}))
            AND CASE {me}.role WHEN 'officer' THEN a.kind = ANY($2) OR a.kind LIKE $3
                               WHEN 'supervisor' THEN a.kind = ANY($4) OR a.kind LIKE $5
                               WHEN 'ice_liaison' THEN a.kind = ANY($6) OR a.kind LIKE $7
                               ELSE true END
            AND NOT EXISTS (SELECT 1 FROM alert_acks k WHERE k.alert_id = a.id AND k.user_id = {me}.id)
          LIMIT {UNREAD_COUNTED}) unread)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The role's view is chosen in SQL on every page (one statement with the user); the words
    /// it names must be the domain's.
    #[test]
    fn the_unread_count_names_the_domain_s_role_words() {
        let sql = unread_of("me");
        for role in [Role::Officer, Role::Supervisor, Role::IceLiaison] {
            assert!(sql.contains(&format!("WHEN '{}'", role.as_str())), "{role:?}");
        }
        assert_eq!(sql.matches("WHEN '").count(), 3, "officers, supervisors and liaisons");
        // Admins (their agency's facilities), the operator and oversight (none) are scoped by
        // their facilities like everyone else: no role sees every facility (issue 28); admins
        // and the operator see the alerts about no facility that are theirs.
        assert!(
            sql.contains("a.facility_id = ANY(me.facility_ids) OR (a.facility_id IS NULL AND"),
            "{sql}"
        );
    }
}
