//! `/bookings`: the list and the booking form (the case page: `web::case_page`).

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::auth::{CurrentUser, session};
use crate::db::{self, bookings::Booking, facilities::Facility};
use crate::domain::booking::{BookingInput, ChargeInput};
use crate::domain::input::TimeInput;
use crate::domain::types::{ChargeCategory, Status};
use crate::error::AppResult;
use crate::services;
use crate::state::AppState;
use crate::web::case_view::ClockView;
use crate::web::extract::Acting;
use crate::web::forms::{FormData, FormState, local_input};
use crate::web::layout::Layout;
use crate::web::local_time;

pub struct ListRow {
    pub b: Booking,
    pub claim: bool,
    pub booked: String,
    pub clock: Option<ClockView>,
}

#[derive(Template, WebTemplate)]
#[template(path = "bookings/list.html")]
pub struct ListPage {
    layout: Layout,
    rows: Vec<ListRow>,
    /// Links to the next older and newer pages, when there are any.
    older: Option<String>,
    newer: Option<String>,
    q: String,
    status: String,
    statuses: &'static [Status],
    can_book: bool,
}

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    after: Option<i64>,
    before: Option<i64>,
}

/// The list's filter word for people awaiting warrant service.
pub const AWAITING_SERVICE: &str = "awaiting_service";

/// Bookings per page of the list.
pub const PAGE: i64 = 100;

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<ListQuery>,
) -> AppResult<ListPage> {
    let caller = user.caller();
    caller.require(crate::domain::rules::Area::Cases)?;
    let now = state.clock.now();
    // `awaiting_service` is a view of `in_custody`: past the point of release, not yet served.
    let awaiting_service = query.status == AWAITING_SERVICE;
    let status = if awaiting_service {
        Some(Status::InCustody)
    } else {
        query.status.parse::<Status>().ok()
    };
    let statuses = caller.list_statuses(status);
    let q = query.q.trim();
    let filter = db::bookings::ListFilter {
        facility_ids: caller.facility_scope(),
        statuses: statuses.as_deref(),
        q: (!q.is_empty()).then_some(q),
        awaiting_service,
        cursor: match (query.after, query.before) {
            (Some(a), _) => Some(db::bookings::Cursor::After(a)),
            (None, Some(b)) => Some(db::bookings::Cursor::Before(b)),
            (None, None) => None,
        },
        limit: PAGE + 1,
    };
    let mut found = db::bookings::list(&state.db, filter).await?;
    let more = found.len() as i64 > PAGE;
    match query.before {
        Some(_) if more => {
            found.remove(0);
        }
        _ => found.truncate(PAGE as usize),
    }
    let keep = |k: &str, v: &str| (!v.is_empty()).then(|| format!("{k}={}", crate::web::audit::urlencode(v)));
    let base: Vec<String> = [keep("q", q), keep("status", &query.status)]
        .into_iter()
        .flatten()
        .collect();
    let link = |cursor: String| {
        let mut parts = base.clone();
        parts.push(cursor);
        format!("/bookings?{}", parts.join("&"))
    };
    let older_exists = more || query.before.is_some();
    let older = found
        .last()
        .filter(|_| older_exists)
        .map(|b| link(format!("after={}", b.id)));
    let newer_exists = query.after.is_some() || (query.before.is_some() && more);
    let newer = found
        .first()
        .filter(|_| newer_exists)
        .map(|b| link(format!("before={}", b.id)));
    let rows = found
        .into_iter()
        .map(|b| {
            let tz = b.tz();
            let clock = (b.status == Status::WsoHold)
                .then(|| b.custody_deadline.map(|d| ClockView::new(d, now, tz)))
                .flatten();
            ListRow {
                booked: local_time(b.booked_at, tz),
                clock,
                claim: false,
                b,
            }
        })
        .collect::<Vec<_>>();
    let ids: Vec<i64> = rows.iter().map(|r| r.b.id).collect();
    let flagged = db::claims::flagged(&state.db, &ids).await?;
    let rows = rows
        .into_iter()
        .map(|r| ListRow {
            claim: flagged.contains(&r.b.id),
            ..r
        })
        .collect();
    Ok(ListPage {
        layout: Layout::new(&state, &user, "Bookings", "bookings").await?,
        rows,
        older,
        newer,
        q: q.to_string(),
        status: status.map(|s| s.as_str().to_string()).unwrap_or_default(),
        statuses: Status::ALL,
        can_book: crate::domain::rules::may_book(user.user.role).is_ok(),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "bookings/new.html")]
pub struct NewPage {
    layout: Layout,
    facilities: Vec<Facility>,
    categories: &'static [ChargeCategory],
    form: FormState,
    charge_rows: Vec<usize>,
    default_booked_at: String,
}

const CHARGE_ROWS: usize = 6;

async fn my_facilities(state: &AppState, user: &CurrentUser) -> AppResult<Vec<Facility>> {
    Ok(db::facilities::all(&state.db)
        .await?
        .into_iter()
        .filter(|f| user.user.facility_ids.contains(&f.id))
        .collect())
}

async fn new_page(state: &AppState, user: &CurrentUser, form: FormState) -> AppResult<NewPage> {
    let facilities = my_facilities(state, user).await?;
    let tz = facilities.first().map(Facility::tz).unwrap_or(chrono_tz::UTC);
    Ok(NewPage {
        layout: Layout::new(state, user, "New booking", "bookings").await?,
        facilities,
        categories: ChargeCategory::ALL,
        form,
        charge_rows: (0..CHARGE_ROWS).collect(),
        default_booked_at: local_input(state.clock.now(), tz),
    })
}

pub async fn new(State(state): State<AppState>, user: CurrentUser) -> AppResult<NewPage> {
    crate::domain::rules::may_book(user.user.role)?;
    let typed = crate::web::draft::take(&user.session, "/bookings/new", &user.user.facilities).await?;
    new_page(&state, &user, typed.unwrap_or_default()).await
}

pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(data): Form<FormData>,
) -> AppResult<Response> {
    crate::domain::rules::may_book(user.user.role)?;
    let now = state.clock.now();
    let facility = db::facilities::by_code(&state.db, data.get("facility").unwrap_or("")).await?;
    let tz = facility.as_ref().map(Facility::tz).unwrap_or(chrono_tz::UTC);
    let charges: Vec<ChargeInput> = (0..CHARGE_ROWS)
        .map(|i| ChargeInput {
            description: data.owned(&format!("charges[{i}].description")),
            category: data.owned(&format!("charges[{i}].category")),
        })
        // A row is in use when anything was entered in it: a category without a description
        // is an error to show, not a row to drop.
        .filter(|c| {
            [&c.description, &c.category]
                .iter()
                .any(|v| v.as_deref().is_some_and(|v| !v.trim().is_empty()))
        })
        .collect();
    let input = BookingInput {
        facility: data.owned("facility"),
        booking_number: data.owned("booking_number"),
        last_name: data.owned("last_name"),
        first_name: data.owned("first_name"),
        date_of_birth: data.owned("date_of_birth"),
        booked_at: data.owned("booked_at"),
        charges: Some(charges),
    };
    let result =
        match services::booking::check_booking(&state.db, user.caller(), &input, now, TimeInput::Local(tz)).await {
            Ok(booking) => services::booking::create_booking(&state.db, user.caller(), &booking, now).await,
            Err(e) => Err(e),
        };
    match result {
        Ok(id) => {
            session::set_flash(&user.session, "success", "Booking recorded.").await?;
            Ok(Redirect::to(&format!("/bookings/{id}")).into_response())
        }
        Err(e) => {
            let status = crate::web::error_page::status(&e);
            let form = FormState::failed("booking", data, e)?;
            Ok((status, new_page(&state, &user, form).await?).into_response())
        }
    }
}
