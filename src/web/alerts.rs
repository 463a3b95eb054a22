//! `/alerts`: each user's alerts (unread first), with what happened to their e-mail, and
//! acknowledgement. Without SMTP configured this is where the messages are kept.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::Redirect;
use serde_json::json;

use crate::auth::{CurrentUser, session};
use crate::db::{self, audit::NewEntry};
use crate::domain::Role;
use crate::domain::alerts::{AlertKind, seen_by};
use crate::domain::types::Status;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::extract::{Acting, PathId};
use crate::web::forms::{Pager, ROWS_PER_PAGE};
use crate::web::layout::Layout;
use crate::web::local_time;

pub struct AlertRow {
    pub a: db::alerts::Listed,
    /// What happened, in words ("48-hour deadline PASSED: release required").
    pub heading: String,
    pub raised: String,
    pub delivery: String,
    pub acked: Option<String>,
}

impl AlertRow {
    /// How loud an alert looks while it needs attention: red once the deadline passed, amber in
    /// the last hours.
    fn urgency_class(&self) -> &'static str {
        if self.acked.is_some() || self.a.resolved {
            return "quiet";
        }
        match self.a.kind.urgency() {
            0..=2 => "overdue",
            3 => "stage-1h",
            4..=5 => "stage-4h",
            _ => "",
        }
    }
}

/// The alerts of one case (or those about no case), with the case as it stands now.
pub struct Group {
    /// The section's id, for returning to it after an acknowledgement: `case-{id}` or `other`.
    pub anchor: String,
    pub title: String,
    /// The case page, when the user may open it.
    pub link: Option<String>,
    pub status: Option<String>,
    pub rows: Vec<AlertRow>,
}

#[derive(Template, WebTemplate)]
#[template(path = "alerts.html")]
pub struct AlertsPage {
    layout: Layout,
    groups: Vec<Group>,
    /// The unacknowledged, unresolved alerts shown that need no action of their own (for
    /// "Acknowledge all routine alerts shown").
    open_ids: Vec<i64>,
    /// The open alerts shown that still need action: left out of "acknowledge all", named.
    needing_action: Vec<String>,
    /// This page with its filter and page number, where an acknowledgement returns.
    back: String,
    smtp: bool,
    pager: Pager,
    unread_only: bool,
    kind: String,
    kinds: Vec<(String, String)>,
}

#[derive(serde::Deserialize)]
pub struct AlertsQuery {
    page: Option<i64>,
    #[serde(default)]
    show: String,
    #[serde(default)]
    kind: String,
}

fn delivery(a: &db::alerts::Listed, smtp: bool) -> String {
    let tz = a.facility_timezone.0;
    match (&a.delivered_at, a.recipients.is_empty(), smtp) {
        (Some(t), _, _) => format!("e-mailed {} to {}", local_time(*t, tz), a.recipients.join(", ")),
        (None, true, _) => "not e-mailed: nobody at the facility has an e-mail address for it".into(),
        (None, false, false) => format!("kept here: e-mail is not configured (for {})", a.recipients.join(", ")),
        (None, false, true) => match &a.last_error {
            Some(e) => format!("waiting to be e-mailed after {} attempt(s): {e}", a.attempts),
            None => "waiting to be e-mailed".into(),
        },
    }
}

/// Groups rows by case, in the order their first alert appears.
fn grouped(rows: Vec<AlertRow>, role: Role, now: chrono::DateTime<chrono::Utc>) -> Vec<Group> {
    let mut groups: Vec<(Option<i64>, Group)> = Vec::new();
    for r in rows {
        let key = r.a.booking_id;
        if let Some((_, g)) = groups.iter_mut().find(|(k, _)| *k == key) {
            g.rows.push(r);
            continue;
        }
        let a = &r.a;
        let group = match (a.booking_id, &a.booking_number, a.status) {
            (Some(id), Some(number), Some(status)) => {
                // A liaison sees a case only while it is held for ICE or transferred
                // (`services::visible`): otherwise the booking number alone, no name, no status.
                let may_open = crate::domain::rules::may_see(role, true, status);
                let overdue = status == Status::WsoHold
                    && a.custody_deadline
                        .is_some_and(|d| crate::domain::case::clock_run_out(d, now));
                let name = format!(
                    "{}, {}",
                    a.last_name.clone().unwrap_or_default(),
                    a.first_name.clone().unwrap_or_default()
                );
                Group {
                    anchor: format!("case-{id}"),
                    title: if may_open {
                        format!("{name} #{number} ({})", a.facility_code)
                    } else {
                        format!("Booking #{number} ({})", a.facility_code)
                    },
                    link: may_open.then(|| format!("/bookings/{id}")),
                    status: may_open.then(|| {
                        if overdue {
                            format!("Now {}: overdue, release required", status.label())
                        } else {
                            format!("Now {}", status.label())
                        }
                    }),
                    rows: vec![],
                }
            }
            _ => Group {
                anchor: "other".into(),
                title: "Not about a case".into(),
                link: None,
                status: None,
                rows: vec![],
            },
        };
        groups.push((key, Group { rows: vec![r], ..group }));
    }
    groups.into_iter().map(|(_, g)| g).collect()
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    axum::extract::Query(q): axum::extract::Query<AlertsQuery>,
) -> AppResult<AlertsPage> {
    let caller = user.caller();
    let smtp = state.config.smtp_url.is_some();
    let (page, offset) = Pager::offset(q.page);
    let seen = seen_by(user.user.role);
    let kinds: Vec<(String, String)> = AlertKind::listed(&state.config.alert_hours_left)
        .into_iter()
        .filter(|k| k.seen_by(user.user.role))
        .map(|k| (k.to_string(), k.words()))
        .collect();
    let kind = kinds
        .iter()
        .find(|(w, _)| *w == q.kind)
        .map(|(w, _)| w.clone())
        .unwrap_or_default();
    let by_urgency = crate::domain::alert_urgency::by_urgency(AlertKind::listed(&state.config.alert_hours_left));
    let filter = db::alerts::Filter {
        unread_only: q.show == "unread",
        kind: Some(kind.as_str()).filter(|k| !k.is_empty()),
        by_urgency: &by_urgency,
    };
    let scope = caller.facility_scope();
    let mut listed = db::alerts::list(
        &state.db,
        scope,
        seen.as_ref(),
        &user.user,
        filter,
        (ROWS_PER_PAGE + 1, offset),
    )
    .await?;
    let show = if filter.unread_only { "unread" } else { "" };
    let path = format!("/alerts?show={show}&kind={kind}");
    let pager = Pager::new(&path, page, listed.len() as i64 > ROWS_PER_PAGE);
    listed.truncate(ROWS_PER_PAGE as usize);
    let open = |a: &&db::alerts::Listed| a.acked_at.is_none() && !a.resolved;
    let open_ids = listed
        .iter()
        .filter(open)
        .filter(|a| !a.kind.needs_action())
        .map(|a| a.id)
        .collect();
    let needing_action = listed
        .iter()
        .filter(open)
        .filter(|a| a.kind.needs_action())
        .map(|a| match &a.booking_number {
            Some(n) => format!("{} (booking {n})", capitalized(&a.kind.words())),
            None => a.title.clone(),
        })
        .collect();
    let back = format!("{path}&page={page}");
    let rows = listed
        .into_iter()
        .map(|a| {
            let tz = a.facility_timezone.0;
            let heading = match a.booking_id {
                Some(_) => capitalized(&a.kind.words()),
                None => a.title.clone(),
            };
            AlertRow {
                heading,
                raised: local_time(a.raised_at, tz),
                acked: a.acked_at.map(|t| local_time(t, tz)),
                delivery: delivery(&a, smtp),
                a,
            }
        })
        .collect();
    Ok(AlertsPage {
        layout: Layout::new(&state, &user, "Alerts", "alerts").await?,
        groups: grouped(rows, user.user.role, state.clock.now()),
        open_ids,
        needing_action,
        back,
        smtp,
        pager,
        unread_only: filter.unread_only,
        kind,
        kinds,
    })
}

fn capitalized(words: &str) -> String {
    let mut c = words.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// Where an acknowledgement returns: the list as it was (filter, page, the case's section),
/// from the form's `back`; only a path of the alert list itself is followed.
fn back_to(data: &crate::web::forms::FormData) -> String {
    let back = data.get("back").unwrap_or_default();
    let own = back == "/alerts" || back.starts_with("/alerts?") || back.starts_with("/alerts#");
    if own && !back.contains("//") && !back.contains('\\') && !back.chars().any(char::is_control) {
        back.to_string()
    } else {
        "/alerts".into()
    }
}

/// Acknowledges every alert listed in the form (`id`, repeated) that the user may see and that
/// needs no action of its own (`AlertKind::needs_action`: those are acknowledged one by one).
pub async fn acknowledge_all(
    State(state): State<AppState>,
    user: CurrentUser,
    axum::Form(data): axum::Form<crate::web::forms::FormData>,
) -> AppResult<Redirect> {
    let ids: Vec<i64> = data.all("id").iter().filter_map(|v| v.parse().ok()).take(500).collect();
    let mut done = 0;
    for id in ids {
        // Only the user's own alerts: an id of someone else's is skipped, not acknowledged.
        match ack(&state, &user, id, Some(false)).await {
            Ok(true) => done += 1,
            Ok(false) | Err(AppError::Forbidden { .. } | AppError::NotFound) => {}
            Err(e) => return Err(e),
        }
    }
    let message = match done {
        1 => "1 alert acknowledged.".to_string(),
        n => format!("{n} alerts acknowledged."),
    };
    session::set_flash(&user.session, "success", message).await?;
    Ok(Redirect::to(&back_to(&data)))
}

pub async fn acknowledge(
    State(state): State<AppState>,
    user: CurrentUser,
    PathId(id): PathId,
    axum::Form(data): axum::Form<crate::web::forms::FormData>,
) -> AppResult<Redirect> {
    ack(&state, &user, id, None).await?;
    session::set_flash(&user.session, "success", "Alert acknowledged.").await?;
    Ok(Redirect::to(&back_to(&data)))
}

/// Acknowledges one alert for the user (403 when it is not theirs to see); false when it
/// already was, or when `needing_action` is given and the alert's kind does not match it.
async fn ack(state: &AppState, user: &CurrentUser, id: i64, needing_action: Option<bool>) -> AppResult<bool> {
    let (facility_id, kind, agency_id) = db::alerts::get(&state.db, id).await?.ok_or(AppError::NotFound)?;
    if needing_action.is_some_and(|n| n != kind.needs_action()) {
        return Ok(false);
    }
    let allowed_kind = kind.seen_by(user.user.role);
    let u = &user.user;
    let allowed_facility = match facility_id {
        Some(f) => crate::domain::rules::covers(u.role, &u.facility_ids, f),
        None => crate::domain::tenancy::sees_alert_about_no_facility(u.role, u.operator, u.agency_id, agency_id),
    };
    if !allowed_kind || !allowed_facility {
        return Err(AppError::forbidden());
    }
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let new = db::alerts::acknowledge(&mut *tx, id, user.user.id, now).await?;
    if new {
        let entry = NewEntry {
            at: now,
            recorded_at: now,
            actor_id: Some(user.user.id),
            actor: Some(&user.user.username),
            action: "alert_acknowledged",
            ip: user.ip.clone(),
            detail: json!({ "alert_id": id, "kind": kind.to_string() }),
            booking_id: None,
        };
        db::audit::record(&mut *tx, entry).await?;
    }
    tx.commit().await?;
    Ok(new)
}
