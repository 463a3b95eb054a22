//! "Are you sure?" for a step that cannot be undone (issue 13): the form is checked, then a
//! server-rendered page names the person and the consequence and sends the same fields again
//! with `confirm=yes`. It works without JavaScript; nothing is written before the second post.

use askama::Template;
use askama_web::WebTemplate;
use axum::response::{IntoResponse, Response};

use chrono::{DateTime, Utc};

use crate::auth::CurrentUser;
use crate::db::{self, bookings::Booking};
use crate::domain::allowed::Allowed;
use crate::error::AppResult;
use crate::services;
use crate::state::AppState;
use crate::web::extract::Acting;
use crate::web::forms::FormData;
use crate::web::layout::Layout;

#[derive(Template, WebTemplate)]
#[template(path = "bookings/confirm.html")]
pub struct ConfirmPage {
    layout: Layout,
    heading: String,
    consequence: String,
    action: String,
    fields: Vec<(String, String)>,
    yes: String,
    back: String,
}

/// Whether the person has confirmed (the second post).
pub fn confirmed(data: &FormData) -> bool {
    data.get("confirm") == Some("yes")
}

/// The person as the confirmation and the success message name them: "DOE, John (#B-1)".
pub fn person(b: &Booking) -> String {
    format!(
        "{}, {} (#{})",
        b.last_name.to_uppercase(),
        b.first_name,
        b.booking_number
    )
}

/// What the form said about the time: "now" or the local time typed.
pub fn when(data: &FormData) -> String {
    if data.get("at.mode") == Some("now") {
        "now".into()
    } else {
        let typed = crate::domain::local_time::typed(data.get("at").unwrap_or("")).replace('T', " ");
        format!("at {typed}")
    }
}

pub struct Ask<'a> {
    pub heading: String,
    pub consequence: String,
    /// The path the form posts to.
    pub action: String,
    pub yes: String,
    /// Where "Go back" leads (the form on the case page).
    pub back: String,
    pub data: &'a FormData,
}

pub async fn ask(state: &AppState, user: &CurrentUser, ask: Ask<'_>) -> AppResult<Response> {
    // The fields travel as sent; a time chosen on a clock-change night (its value carrying the
    // choice word, merged from `FIELD.when`) travels as the time and its `FIELD.when` again.
    let data = ask.data;
    let mut fields = Vec::new();
    for (k, v) in data.0.iter().filter(|(k, _)| k != "csrf_token" && k != "confirm") {
        if let Some(field) = k.strip_suffix(".when")
            && data.get(field).is_some()
        {
            fields.push((k.clone(), v.clone()));
        } else if data.get(&format!("{k}.when")).is_some() {
            fields.push((k.clone(), crate::domain::local_time::typed(v).to_string()));
        } else {
            fields.push((k.clone(), v.clone()));
        }
    }
    let page = ConfirmPage {
        layout: Layout::new(state, user, ask.heading.clone(), "bookings").await?,
        heading: ask.heading,
        consequence: ask.consequence,
        action: ask.action,
        fields,
        yes: ask.yes,
        back: ask.back,
    };
    Ok(page.into_response())
}

/// The case `id`, when a post to it still needs a confirmation: not yet confirmed, and `step`
/// is one the user may take now (otherwise the service refuses it, without asking first and
/// without naming anyone). Also whether a warrant is in force at `at` (a point of release then
/// starts the hold rather than releasing the person).
pub async fn due(
    state: &AppState,
    user: &CurrentUser,
    (b, data, now): (&Booking, &FormData, DateTime<Utc>),
    step: fn(&Allowed) -> bool,
    at: DateTime<Utc>,
) -> AppResult<Option<(Booking, bool)>> {
    if confirmed(data) || !services::visible(&user.caller(), b) {
        return Ok(None);
    }
    let documents = db::documents::for_booking(&state.db, b.id).await?;
    if !step(&crate::web::case_view::actions(&user.user, b, &documents, now)) {
        return Ok(None);
    }
    let facts: Vec<_> = documents.iter().map(db::documents::Document::facts).collect();
    Ok(Some((b.clone(), crate::domain::case::active_warrant(&facts, at))))
}
