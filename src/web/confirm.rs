//! "Are you sure?" for a step that cannot be undone (issue 13): the form is checked, then a
//! server-rendered page names the person and the consequence and sends the same fields again
//! with `confirm=yes`. It works without JavaScript; nothing is written before the second post.

use askama::Template;
use askama_web::WebTemplate;
use axum::response::{IntoResponse, Response};

use crate::auth::CurrentUser;
use crate::db::bookings::Booking;
use crate::error::AppResult;
use crate::services::case::Confirmation;
use crate::state::AppState;
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

/// The form's confirmation, as the services take it.
pub fn given(data: &FormData) -> Confirmation {
    if confirmed(data) {
        Confirmation::Given
    } else {
        Confirmation::Needed
    }
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
