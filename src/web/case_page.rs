//! `/bookings/{id}`: the case page, what `services::case_page` read, rendered for one viewer:
//! one next step first, the others behind "Other actions", the clock and the notice due to ICE.

use askama::Template;
use askama_web::WebTemplate;
use chrono::{DateTime, Utc};

use crate::auth::CurrentUser;
use crate::db::bookings::{Booking, Charge};
use crate::db::pickup::PickupPlan;
use crate::domain::allowed::Allowed;
use crate::domain::types::{DocumentKind, NotificationKind, ReleasePointReason, ReleaseReason, Status};
use crate::error::AppResult;
use crate::services;
use crate::services::case_page::CaseRead;
use crate::state::AppState;
use crate::web::case_view::{self, ClaimRow, ClockView, DocumentRow, EventRow, NotificationRow};
use crate::web::extract::{Acting, PathId};
use crate::web::forms::{FormState, local_input};
use crate::web::layout::Layout;
use crate::web::local_time;
use axum::extract::State;

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
    /// The case's one next duty (issue 31), which the page leads with.
    duty: Option<DutyView>,
    /// ICE's planned pickup (a running hold only).
    pickup: Option<PickupView>,
    /// The languages of the served person's notice, for the jail's staff once a warrant was
    /// served (empty: not offered).
    notice_languages: Vec<String>,
}

/// ICE's planned pickup of a running hold, in local time, and what needs attention about it.
pub struct PickupView {
    pub plan: Option<PickupPlan>,
    pub planned: Option<String>,
    pub set_at: Option<String>,
    /// The plan's time as the form proposes it (local input).
    pub input: String,
    pub flag: Option<&'static str>,
}

impl PickupView {
    fn new(b: &Booking, plan: Option<PickupPlan>, unplanned_hours: i64, now: DateTime<Utc>) -> Option<Self> {
        let deadline = b.custody_deadline.filter(|_| b.status == Status::WsoHold)?;
        let tz = b.tz();
        let flag = crate::domain::pickup::flag(deadline, plan.as_ref().map(PickupPlan::plan), now, unplanned_hours);
        Some(PickupView {
            planned: plan.as_ref().map(|p| local_time(p.planned_at, tz)),
            set_at: plan.as_ref().map(|p| local_time(p.set_at, tz)),
            input: plan.as_ref().map(|p| local_input(p.planned_at, tz)).unwrap_or_default(),
            flag: flag.map(|f| f.words()),
            plan,
        })
    }
}

/// The next duty in words: what, due when (local), and whether that time has passed.
pub struct DutyView {
    pub label: &'static str,
    pub due: Option<String>,
    pub overdue: bool,
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
        pickup,
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
    let pickup = PickupView::new(&b, pickup, state.config.pickup_plan_hours, now);
    let at_facility = user.user.facility_ids.contains(&b.facility_id);
    let notice_languages =
        if crate::domain::notice::may_give_notice(user.user.role, at_facility, b.served_at.is_some()).is_ok() {
            services::notice::languages(state.config.notice_dir.as_deref())
        } else {
            vec![]
        };
    let duty = offer.duty.map(|d| DutyView {
        label: d.kind.label(),
        due: d.due_at.map(|t| local_time(t, tz)),
        overdue: d.due_at.is_some_and(|t| now > t),
    });
    Ok(CasePage {
        notice_languages,
        pickup,
        duty,
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
        PlanPickup => "pickup_plan",
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
