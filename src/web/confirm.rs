//! "Are you sure?" for a step that cannot be undone (issue 13): the form is checked, then a
//! server-rendered page names the person and the consequence and sends the same fields again
//! with `confirm=yes`. It works without JavaScript; nothing is written before the second post.

use askama::Template;
use askama_web::WebTemplate;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};

use crate::auth::CurrentUser;
use crate::db::bookings::Booking;
use crate::domain::case;
use crate::domain::types::Status;
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

/// How late an end of custody `over` seconds past the deadline is: "2 h 05 min", "40 seconds".
pub fn lateness(over: i64) -> String {
    match over {
        1 => "1 second".into(),
        0..60 => format!("{over} seconds"),
        _ => crate::web::forms::duration_words(over),
    }
}

/// The question before a pickup by ICE at `at`. After the 48-hour deadline of a WSO hold it says
/// so first: how late, the deadline in the facility's time, and that it is recorded as
/// over-detention (`domain::case::transfer` counts the seconds; a supervisor records it with a
/// reason, `rules::may_transfer_late`).
pub fn transfer<'a>(b: &Booking, at: DateTime<Utc>, data: &'a FormData) -> Ask<'a> {
    let who = person(b);
    let ends = format!(
        "This records that ICE took {who} into custody {}: the jail's custody ends. It cannot be undone.",
        when(data)
    );
    let late = b
        .custody_deadline
        .filter(|d| b.status == Status::WsoHold && case::past_deadline(*d, at));
    let (heading, consequence, yes) = match late {
        None => (
            format!("Hand {who} over to ICE?"),
            ends,
            format!("Yes, confirm the pickup of {who}"),
        ),
        Some(deadline) => (
            format!("Record a LATE transfer of {who} to ICE?"),
            format!(
                "This transfer is {} after the 48-hour deadline ({}). It will be recorded as over-detention, \
                 with the reason given. {ends}",
                lateness(case::over_detained_seconds(deadline, at)),
                crate::clock::local_time(deadline, b.tz())
            ),
            format!("Yes, record the late transfer of {who}"),
        ),
    };
    Ask {
        heading,
        consequence,
        action: format!("/bookings/{}/transfer", b.id),
        yes,
        back: format!("/bookings/{}#transfer", b.id),
        data,
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
    ask_in(state, user, ask, "bookings").await
}

/// The confirmation on a page of another part of the navigation (`current`, as `Layout::new`
/// takes it): the admin pages' disruptive switches (`web::admin_accounts`).
pub async fn ask_in(state: &AppState, user: &CurrentUser, ask: Ask<'_>, current: &'static str) -> AppResult<Response> {
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
        layout: Layout::new(state, user, ask.heading.clone(), current).await?,
        heading: ask.heading,
        consequence: ask.consequence,
        action: ask.action,
        fields,
        yes: ask.yes,
        back: ask.back,
    };
    Ok(page.into_response())
}
