//! The WSO roster: certifications granted and revoked by supervisors, and the other credential
//! facts of an officer (exams, Form 70-006, withdrawals, departures).

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::{PgConnection, PgPool};

use super::Caller;
use crate::db::{self, users::User};
use crate::domain::roster::NewCertification;
use crate::domain::rules::Area;
use crate::error::{AppError, AppResult};

/// The officer or supervisor `username`, who must share a facility with the calling supervisor
/// (admins manage every facility's roster). Nobody certifies or revokes themselves. Their
/// credentials are locked for the change until `conn`'s transaction ends.
async fn officer_for(conn: &mut PgConnection, caller: &Caller<'_>, username: &str) -> AppResult<User> {
    caller.require(Area::Oversight)?;
    let officer = db::users::by_username(&mut *conn, username)
        .await?
        .ok_or(AppError::NotFound)?;
    // Someone at none of the caller's facilities: a 404 like a name that does not exist, asked
    // before anything else about them (issue 26, 15).
    let u = caller.user;
    let known = crate::domain::rules::reads_eligibility(
        (u.role, &u.facility_ids, u.agency_id),
        (&officer.facility_ids, officer.agency_id),
    );
    if !known {
        return Err(AppError::Hidden);
    }
    if !crate::domain::rules::CERTIFIABLE.contains(&officer.role) {
        return Err(AppError::Rule {
            code: "not_an_officer",
            message: format!("{username} is not an officer or supervisor"),
            field: Some("username".into()),
        });
    }
    if officer.id == caller.user.id {
        return Err(AppError::Forbidden {
            code: "own_certification",
            message: "another supervisor must record your own certification".into(),
        });
    }
    db::users::lock_credentials(&mut *conn, officer.id).await?;
    Ok(officer)
}

pub async fn certify(
    pool: &PgPool,
    caller: Caller<'_>,
    username: &str,
    c: &NewCertification,
    now: DateTime<Utc>,
) -> AppResult<db::certifications::CertificationRow> {
    let mut tx = pool.begin().await?;
    let officer = officer_for(&mut tx, &caller, username).await?;
    let row = db::certifications::insert(&mut *tx, officer.id, c, Some(caller.user.id), now).await?;
    let detail = json!({
        "username": officer.username, "certification_id": row.id, "certified_on": c.certified_on,
        "expires_on": c.expires_on, "nominated_on": c.nominated_on,
        "background_cleared_on": c.background_cleared_on, "trained_on": c.trained_on,
    });
    super::record(&mut tx, &caller, None, "certification_recorded", now, now, detail).await?;
    tx.commit().await?;
    Ok(row)
}

pub async fn revoke(
    pool: &PgPool,
    caller: Caller<'_>,
    username: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let reason = reason.trim();
    if reason.is_empty() {
        caller.require(Area::Oversight)?;
        return Err(AppError::field("reason", "reason is required"));
    }
    let mut tx = pool.begin().await?;
    let officer = officer_for(&mut tx, &caller, username).await?;
    if db::certifications::revoke_all(&mut *tx, officer.id, now, reason).await? == 0 {
        return Err(AppError::Conflict {
            code: "not_certified",
            message: format!("{username} holds no certification to revoke"),
        });
    }
    super::record(
        &mut tx,
        &caller,
        None,
        "certification_revoked",
        now,
        now,
        json!({ "username": officer.username, "reason": reason }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// One recorded credential fact about an officer.
pub enum Fact<'a> {
    Exam {
        taken_on: chrono::NaiveDate,
        score: i32,
    },
    Credential {
        number: &'a str,
        issued_on: chrono::NaiveDate,
    },
    CredentialReturned {
        on: chrono::NaiveDate,
    },
    Withdrawal {
        received_on: chrono::NaiveDate,
        effective_on: chrono::NaiveDate,
    },
    DepartureNotice {
        given_on: chrono::NaiveDate,
        departs_on: chrono::NaiveDate,
    },
}

/// Records a fact of the officer's credentials (supervisor of a shared facility, or admin).
pub async fn record_fact(
    pool: &PgPool,
    caller: Caller<'_>,
    username: &str,
    fact: Fact<'_>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let mut tx = pool.begin().await?;
    let officer = officer_for(&mut tx, &caller, username).await?;
    let record = db::credentials::record(&mut tx, officer.id).await?;
    let (action, detail) = match fact {
        Fact::Exam { taken_on, score } => {
            if !(0..=100).contains(&score) {
                return Err(AppError::field("score", "score is a percentage, 0 to 100"));
            }
            crate::domain::credentials::check_new_exam(&record.exams)?;
            db::credentials::insert_exam(&mut *tx, officer.id, taken_on, score, caller.user.id, now).await?;
            (
                "exam_recorded",
                json!({ "taken_on": taken_on, "score": score, "passed": score >= crate::domain::credentials::PASS_MARK }),
            )
        }
        Fact::Credential { number, issued_on } => {
            db::credentials::insert_credential(&mut *tx, officer.id, number, issued_on, caller.user.id, now).await?;
            (
                "credentials_issued",
                json!({ "form_70_006_number": number, "issued_on": issued_on }),
            )
        }
        Fact::CredentialReturned { on } => {
            // The credential returned is the latest one not yet returned (as the UPDATE picks
            // it): the date is checked against that one, not any other.
            let latest = record
                .credentials
                .iter()
                .filter(|(_, returned)| returned.is_none())
                .map(|(issued, _)| *issued)
                .max();
            if latest.is_some_and(|issued| on < issued) {
                return Err(AppError::field(
                    "on",
                    "the credentials cannot be returned before they were issued",
                ));
            }
            if !db::credentials::return_credential(&mut *tx, officer.id, on).await? {
                return Err(AppError::Conflict {
                    code: "no_credentials",
                    message: format!("{username} holds no credentials to return"),
                });
            }
            ("credentials_returned", json!({ "on": on }))
        }
        Fact::Withdrawal {
            received_on,
            effective_on,
        } => {
            db::credentials::insert_withdrawal(&mut *tx, officer.id, received_on, effective_on, caller.user.id, now)
                .await?;
            (
                "withdrawal_recorded",
                json!({ "received_on": received_on, "effective_on": effective_on }),
            )
        }
        Fact::DepartureNotice { given_on, departs_on } => {
            if departs_on < given_on {
                return Err(AppError::field("departs_on", "the departure is before the notice"));
            }
            db::credentials::insert_departure(&mut *tx, officer.id, given_on, departs_on, caller.user.id, now).await?;
            let short = crate::domain::credentials::short_notice(given_on, departs_on);
            (
                "departure_notice_recorded",
                json!({ "given_on": given_on, "departs_on": departs_on, "short_notice": short }),
            )
        }
    };
    let mut detail = detail;
    detail["username"] = json!(officer.username);
    super::record(&mut tx, &caller, None, action, now, now, detail).await?;
    tx.commit().await?;
    Ok(())
}
