//! The use cases, shared by the pages, the JSON API and the CLI. A step of a case: open a
//! transaction, lock the case row (`FOR UPDATE`: concurrent requests on one case queue there and
//! the second sees the first's result) and ask the rulebook who may (`domain::rules::who`), call
//! the step's transition (`domain::case`, `domain::claims`: the rulebook's `may`, then the
//! input), write, record the events the transition returned, commit. Nothing here decides a
//! rule. A refused request rolls back, so it changes nothing.

pub mod accounts;
pub mod agencies;
pub mod agency_settings;
pub mod agreement;
pub mod audit;
pub mod board;
pub mod board_held;
pub mod board_stream;
#[cfg(test)]
mod board_tests;
pub mod board_unread;
pub mod board_watch;
pub mod booking;
pub mod case;
pub mod case_page;
pub mod claims;
pub mod compliance;
pub mod credentials;
pub mod displays;
pub mod duties;
pub mod export;
pub mod handover;
pub mod identity;
pub mod imports;
pub mod notice;
pub mod oversight;
pub mod pickup;
pub mod reports;
pub mod signin;
pub mod sso;
pub mod sso_config;
pub mod sso_provider;
pub mod webhooks;

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgConnection;

use crate::db::{self, audit::NewEntry, bookings::Booking, users::User};
use crate::domain::Role;
use crate::domain::case::Case;
use crate::domain::events::{Action, Event};
use crate::domain::rules::{self, Actor, Area, Facts, Step};
use crate::domain::types::Status;
use crate::error::{AppError, AppResult};

/// Who is acting, and from where (for the audit log).
#[derive(Clone, Copy)]
pub struct Caller<'a> {
    pub user: &'a User,
    pub ip: Option<&'a str>,
}

impl Caller<'_> {
    /// Refuses (403) unless the rulebook opens `area` to the caller's role.
    pub fn require(&self, area: Area) -> AppResult<()> {
        Ok(rules::may_open(area, self.user.role)?)
    }

    /// The statuses a case list may show the caller, given the one asked for (`None`: any).
    /// ICE liaisons see only cases that concern ICE (see [`visible`]).
    pub fn list_statuses(&self, asked: Option<Status>) -> Option<Vec<Status>> {
        match (self.user.role, asked) {
            (Role::IceLiaison, Some(s)) => Some(if rules::LIAISON_STATUSES.contains(&s) {
                vec![s]
            } else {
                vec![]
            }),
            (Role::IceLiaison, None) => Some(rules::LIAISON_STATUSES.to_vec()),
            (_, s) => s.map(|s| vec![s]),
        }
    }

    /// The caller's facilities: an admin's are their agency's (`rules::scope`).
    pub fn facility_scope(&self) -> Option<&[i64]> {
        rules::scope(self.user.role, &self.user.facility_ids)
    }
}

/// Whether the caller may see this case at all (the rule: [`rules::may_see`]).
pub fn visible(caller: &Caller<'_>, b: &Booking) -> bool {
    rules::may_see(
        caller.user.role,
        caller.user.facility_ids.contains(&b.facility_id),
        b.status,
    )
}

/// Reads a case the caller may see: 404 when it does not exist, and 404 too (audited as a
/// refusal) when it is not theirs, so that the answer does not tell that it exists.
pub async fn view(pool: &sqlx::PgPool, caller: &Caller<'_>, id: i64) -> AppResult<Booking> {
    caller.require(Area::Cases)?;
    let Some(b) = db::bookings::get(pool, id).await? else {
        return Err(missing_case(pool, id).await);
    };
    if !visible(caller, &b) {
        return Err(not_yours());
    }
    Ok(b)
}

/// A case the caller's row scope does not reach (decision 0036): a refusal like
/// [`not_yours`] when it exists beyond the scope, a plain 404 when it exists nowhere.
pub(crate) async fn missing_case(db: impl sqlx::PgExecutor<'_>, id: i64) -> AppError {
    match db::bookings::exists_anywhere(db, id).await {
        Ok(true) => not_yours(),
        Ok(false) => AppError::NotFound,
        Err(e) => e.into(),
    }
}

/// The refusal of a case the caller may not see (another facility, or not held for ICE): a 404
/// like a case that does not exist, audited as `access_denied` (issue 26, 15).
fn not_yours() -> AppError {
    AppError::Hidden
}

/// A case locked for a change (`FOR UPDATE`), with what the rulebook knows of it.
struct Locked {
    b: Booking,
    case: Case,
    unreported_claim: bool,
}

impl Locked {
    fn facts(&self) -> Facts<'_> {
        Facts {
            case: &self.case,
            facility_igsa: self.b.facility_igsa,
            unreported_claim: self.unreported_claim,
        }
    }

    /// The caller as the rulebook sees them on this case (`certified`: at the step's time).
    fn actor(&self, caller: &Caller<'_>, certified: bool) -> Actor {
        Actor {
            role: caller.user.role,
            at_facility: caller.user.facility_ids.contains(&self.b.facility_id),
            certified,
        }
    }
}

/// Locks the case for `step` by `caller`: a 404 when it is at a facility the caller does not
/// cover (as when it does not exist: issue 26), else refused (403) at once unless the rulebook
/// lets the caller's role take the step there.
async fn lock(conn: &mut PgConnection, caller: &Caller<'_>, id: i64, step: Step) -> AppResult<Locked> {
    caller.require(Area::Cases)?;
    let Some(b) = db::bookings::lock(&mut *conn, id).await? else {
        return Err(missing_case(&mut *conn, id).await);
    };
    if !rules::covers(caller.user.role, &caller.user.facility_ids, b.facility_id) {
        return Err(not_yours());
    }
    let unreported_claim = db::claims::any_unreported(&mut *conn, id).await?;
    let locked = Locked {
        case: b.case(),
        b,
        unreported_claim,
    };
    rules::who(step, locked.actor(caller, false))?;
    Ok(locked)
}

/// Appends an audit entry by `caller`: `at` when it happened, `now` when it was entered; a case
/// event when it names a booking.
async fn record(
    conn: &mut PgConnection,
    caller: &Caller<'_>,
    booking_id: Option<i64>,
    action: &str,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
    detail: Value,
) -> AppResult<()> {
    let entry = NewEntry {
        at,
        recorded_at: now,
        actor_id: Some(caller.user.id),
        actor: Some(&caller.user.username),
        action,
        ip: caller.ip.map(str::to_owned),
        detail,
        booking_id,
    };
    db::audit::record(conn, entry).await?;
    Ok(())
}

/// Appends the events a step's transition returned (`domain::events`), each with the detail
/// the service knows for its action (row ids, names).
async fn events(
    conn: &mut PgConnection,
    caller: &Caller<'_>,
    booking_id: i64,
    events: &[Event],
    now: DateTime<Utc>,
    detail: impl Fn(Action) -> Value,
) -> AppResult<()> {
    for e in events {
        record(
            conn,
            caller,
            Some(booking_id),
            e.action.word(),
            e.at,
            now,
            detail(e.action),
        )
        .await?;
    }
    Ok(())
}

/// A unique violation becomes a 409 on the field its constraint protects (`db::unique`), saying
/// `message`; anything else stays an internal error.
fn duplicate(e: sqlx::Error, message: String) -> AppError {
    match db::unique::violated(&e) {
        Some(u) => AppError::Duplicate {
            code: u.code,
            field: u.field,
            message,
        },
        None => e.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role, facility_ids: &[i64]) -> User {
        User {
            id: 1,
            username: "someone".into(),
            full_name: None,
            role,
            email: None,
            password_hash: None,
            failed_logins: 0,
            locked_at: None,
            locked_until: None,
            api_only: false,
            disabled_at: None,
            must_change_password: false,
            mfa_enrolled: false,
            last_login_at: None,
            last_token_use_at: None,
            facilities: vec![],
            facility_ids: facility_ids.to_vec(),
            agency_id: Some(1),
            agency: Some("DEFAULT".into()),
            facility_agencies: vec![1],
            agency_mfa_required: false,
            operator: false,
        }
    }

    fn case_at(facility_id: i64, status: Status) -> Booking {
        Booking {
            id: 7,
            facility_id,
            facility_code: "RCDC".into(),
            facility_name: "RCDC Detention Center".into(),
            facility_timezone: "America/New_York".parse().unwrap(),
            facility_igsa: false,
            booking_number: "A-1".into(),
            last_name: "Doe".into(),
            first_name: "John".into(),
            date_of_birth: chrono::NaiveDate::from_ymd_opt(1990, 4, 30).unwrap(),
            booked_at: "2026-11-20T13:00:00Z".parse().unwrap(),
            status,
            release_point_at: None,
            release_point_reason: None,
            release_point_note: None,
            served_at: None,
            served_document_id: None,
            served_by_username: None,
            served_interpreter_id: None,
            custody_deadline: None,
            igsa_at: None,
            closed_at: None,
            release_reason: None,
            release_note: None,
            receiving_officer: None,
            late_reason: None,
            over_detained_seconds: 0,
        }
    }

    #[test]
    fn staff_see_their_facilities_cases_and_liaisons_only_those_held_for_ice() {
        let officer = user(Role::Officer, &[1]);
        let liaison = user(Role::IceLiaison, &[1]);
        // An admin's facilities are their agency's (`db::users::SELECT` loads them).
        let admin = user(Role::Admin, &[1]);
        let as_caller = |u: &User| -> bool { visible(&Caller { user: u, ip: None }, &case_at(1, Status::InCustody)) };
        assert!(as_caller(&officer));
        assert!(
            !as_caller(&liaison),
            "a liaison does not see a case before a warrant is served"
        );
        assert!(as_caller(&admin));
        let held = case_at(1, Status::WsoHold);
        assert!(visible(
            &Caller {
                user: &liaison,
                ip: None
            },
            &held
        ));
        let elsewhere = case_at(2, Status::WsoHold);
        assert!(!visible(
            &Caller {
                user: &officer,
                ip: None
            },
            &elsewhere
        ));
        assert!(!visible(
            &Caller {
                user: &liaison,
                ip: None
            },
            &elsewhere
        ));
    }

    #[test]
    fn list_filters_follow_the_same_rule() {
        let liaison = user(Role::IceLiaison, &[1]);
        let c = Caller {
            user: &liaison,
            ip: None,
        };
        assert_eq!(c.list_statuses(Some(Status::InCustody)), Some(vec![]));
        assert_eq!(c.list_statuses(Some(Status::WsoHold)), Some(vec![Status::WsoHold]));
        assert_eq!(c.list_statuses(None).map(|s| s.len()), Some(3));
        assert_eq!(c.facility_scope(), Some(&[1][..]));
        let admin = user(Role::Admin, &[1, 2]);
        let c = Caller { user: &admin, ip: None };
        assert_eq!(c.list_statuses(None), None);
        assert_eq!(c.facility_scope(), Some(&[1, 2][..]), "an admin's agency's facilities");
        let operator = user(Role::Operator, &[1]);
        let c = Caller {
            user: &operator,
            ip: None,
        };
        assert_eq!(c.facility_scope(), Some(&[][..]), "the operator sees no case");
        assert!(!visible(&c, &case_at(1, Status::WsoHold)));
    }
}
