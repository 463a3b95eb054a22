//! `/bookings`: the list, the booking form and the case page.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::auth::{CurrentUser, session};
use crate::db::{self, bookings::Booking, bookings::Charge, facilities::Facility};
use crate::domain::allowed::Allowed;
use crate::domain::booking::{BookingInput, ChargeInput};
use crate::domain::input::TimeInput;
use crate::domain::types::{ChargeCategory, DocumentKind, NotificationKind, ReleasePointReason, ReleaseReason, Status};
use crate::error::AppResult;
use crate::services;
use crate::services::case_page::CaseRead;
use crate::state::AppState;
use crate::web::case_view::{self, ClaimRow, ClockView, DocumentRow, EventRow, NotificationRow};
use crate::web::extract::{Acting, PathId};
use crate::web::forms::{FormData, FormState, local_input};
use crate::web::layout::Layout;
use crate::web::local_time;
use chrono::{DateTime, Utc};

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

#[derive(Template, WebTemplate)]
#[template(path = "bookings/show.html")]
pub struct CasePage {
    layout: Layout,
    b: Booking,
    liaison: bool,
    charges: Vec<Charge>,
    documents: Vec<DocumentRow>,
    notifications: Vec<NotificationRow>,
    events: Vec<EventRow>,
    clock: Option<ClockView>,
    can: Allowed,
    /// The WSO who served the warrant, by name.
    served_by: Option<String>,
    /// The steps offered, most urgent first, and why an expected one is not.
    steps: Vec<crate::domain::rules::Step>,
    blocked: Vec<String>,
    form: FormState,
    now_input: String,
    zone: String,
    booked: String,
    release_point: Option<String>,
    served: Option<String>,
    igsa: Option<String>,
    closed: Option<String>,
    over_detained: Option<String>,
    document_kinds: &'static [DocumentKind],
    notification_kinds: &'static [NotificationKind],
    release_point_reasons: &'static [ReleasePointReason],
    release_reasons: &'static [ReleaseReason],
    /// Citizenship claims, newest first, with local times.
    claims: Vec<ClaimRow>,
    interpreters: Vec<crate::db::interpreters::Interpreter>,
    served_interpreter: Option<String>,
    /// The documents the service form offers.
    serveable: Vec<i64>,
    /// A running hold whose post-service notice to ICE is not logged (viewers who see the
    /// notifications only).
    notice: Option<crate::web::transfers::NoticeDue>,
}

impl CasePage {
    /// Whether a form behind "Other actions" was refused (the section then opens on it).
    fn others_open(&self) -> bool {
        self.steps.iter().skip(1).any(|&s| self.form.is(step_form(s)))
    }

    /// The notice the notification form proposes: the post-service notice while it is due.
    fn notice_kind(&self) -> &'static str {
        if self.notice.is_some() {
            NotificationKind::PostService.as_str()
        } else {
            ""
        }
    }

    /// Warrants a service now would accept, for the service form.
    fn serveable(&self) -> Vec<&DocumentRow> {
        self.documents
            .iter()
            .filter(|d| self.serveable.contains(&d.doc.id))
            .collect()
    }
}

pub async fn case_page(state: &AppState, user: &CurrentUser, id: i64, form: FormState) -> AppResult<CasePage> {
    let now = state.clock.now();
    let read = services::case_page::page(&state.db, &user.caller(), id, now).await?;
    render(state, user, read, form, now).await
}

/// The case page of `read` (what `services::case_page::page` read, at `now`).
async fn render(
    state: &AppState,
    user: &CurrentUser,
    read: CaseRead,
    form: FormState,
    now: DateTime<Utc>,
) -> AppResult<CasePage> {
    let CaseRead {
        booking: b,
        documents,
        claims,
        interpreters,
        charges,
        notifications,
        events,
        offer,
    } = read;
    let tz = b.tz();
    let liaison = !crate::domain::rules::sees_whole_case(user.user.role);
    let blocked = case_view::blocked(&offer, tz);
    let notice = match (b.served_at, running_hold(&b), liaison) {
        (Some(served), true, false) => {
            let logged = notifications.iter().any(|n| n.kind == NotificationKind::PostService);
            crate::web::transfers::NoticeDue::new(served, logged, now, tz)
        }
        _ => None,
    };
    let notifications = case_view::notification_rows(notifications, tz);
    let events = case_view::event_rows(events, tz);
    let (events, served_by) = case_view::by_name(state, events, b.served_by_username.as_deref()).await?;
    let running = matches!(b.status, Status::WsoHold);
    let claims = case_view::claim_rows(claims, tz, now);
    let served_interpreter = b.served_interpreter_id.and_then(|i| {
        interpreters
            .iter()
            .find(|x| x.id == i)
            .map(|x| format!("{} ({})", x.name, x.languages))
    });
    Ok(CasePage {
        notice,
        serveable: offer.serveable,
        claims,
        interpreters,
        served_interpreter,
        layout: Layout::new(state, user, format!("Booking {}", b.booking_number), "bookings").await?,
        liaison,
        charges,
        documents: case_view::document_rows(documents, tz),
        notifications,
        events,
        clock: b
            .custody_deadline
            .filter(|_| running)
            .map(|d| ClockView::new(d, now, tz)),
        can: offer.can,
        served_by,
        steps: offer.steps,
        blocked,
        form,
        now_input: local_input(now, tz),
        zone: crate::domain::local_time::zone_name(tz),
        booked: local_time(b.booked_at, tz),
        release_point: b.release_point_at.map(|t| local_time(t, tz)),
        served: b.served_at.map(|t| local_time(t, tz)),
        igsa: b.igsa_at.map(|t| local_time(t, tz)),
        closed: b.closed_at.map(|t| local_time(t, tz)),
        over_detained: (b.over_detained_seconds > 0)
            .then(|| crate::web::forms::duration_words(b.over_detained_seconds)),
        document_kinds: DocumentKind::ALL,
        notification_kinds: NotificationKind::ALL,
        release_point_reasons: ReleasePointReason::ALL,
        release_reasons: ReleaseReason::ALL,
        b,
    })
}

/// The name of a step's form on the case page (its `FormState` name and its section's id).
fn step_form(step: crate::domain::rules::Step) -> &'static str {
    use crate::domain::rules::Step::*;
    match step {
        ReleasePoint => "release_point",
        Serve => "serve",
        Transfer => "transfer",
        Release => "release",
        Igsa => "igsa",
        Claim => "claim",
        Document => "document",
        Notification => "notification",
        ReportClaim => "report",
        Withdraw => "withdraw",
        Correct => "correction",
    }
}

fn running_hold(b: &Booking) -> bool {
    b.status == Status::WsoHold
}

pub async fn show(State(state): State<AppState>, user: CurrentUser, PathId(id): PathId) -> AppResult<CasePage> {
    // The case first (a case the user may not see is refused before any draft is touched).
    let now = state.clock.now();
    let read = services::case_page::page(&state.db, &user.caller(), id, now).await?;
    let typed = crate::web::draft::take(&user.session, &format!("/bookings/{id}"), &user.user.facilities).await?;
    let page = render(&state, &user, read, typed.unwrap_or_default(), now).await?;
    let detail = serde_json::json!({ "view": "case_page" });
    crate::web::access::record(
        &state,
        &user.user,
        user.ip.as_deref(),
        "record_viewed",
        Some(id),
        detail,
    )
    .await?;
    Ok(page)
}
