//! A new booking: checked as typed, then written with its first event.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::{Caller, duplicate, events};
use crate::db;
use crate::domain::booking::{BookingInput, NewBooking};
use crate::domain::events::{Action, Event};
use crate::domain::input::{FieldError, TimeInput};
use crate::domain::rules;
use crate::error::{AppError, AppResult};

/// A booking as typed, checked: every field error at once, a booking number already taken at
/// the facility included (the insert's unique key still decides a race).
pub async fn check_booking(
    pool: &PgPool,
    caller: Caller<'_>,
    input: &BookingInput,
    now: DateTime<Utc>,
    times: TimeInput,
) -> AppResult<NewBooking> {
    match input.check(now, times) {
        Ok(b) => Ok(b),
        Err(mut errors) => {
            if let (Some(f), Some(n)) = (input.facility.as_deref(), input.booking_number.as_deref())
                && !errors.iter().any(|e| e.field == "booking_number")
                && db::bookings::number_taken(pool, f.trim(), n, &caller.user.facility_ids).await?
            {
                errors.push(FieldError::new(
                    "booking_number",
                    format!("booking number {} already exists at {}", n.trim(), f.trim()),
                ));
            }
            Err(AppError::Validation(errors))
        }
    }
}

pub async fn create_booking(pool: &PgPool, caller: Caller<'_>, b: &NewBooking, now: DateTime<Utc>) -> AppResult<i64> {
    rules::may_book(caller.user.role)?;
    let facility = db::facilities::by_code(pool, &b.facility)
        .await?
        .ok_or_else(|| AppError::field("facility", format!("there is no facility `{}`", b.facility)))?;
    if !caller.user.facility_ids.contains(&facility.id) {
        return Err(AppError::Forbidden {
            code: "forbidden",
            message: format!("you are not assigned to {}", facility.code),
        });
    }
    let mut tx = pool.begin().await?;
    let id = db::bookings::insert(&mut tx, facility.id, b, caller.user.id, now)
        .await
        .map_err(|e| {
            duplicate(
                e,
                format!(
                    "booking number {} already exists at {}",
                    b.booking_number, facility.code
                ),
            )
        })?;
    let detail = b.created_detail(&facility.code);
    let created = Event {
        action: Action::BookingCreated,
        at: b.booked_at,
    };
    events(&mut tx, &caller, id, &[created], now, |_| detail.clone()).await?;
    tx.commit().await?;
    Ok(id)
}
