//! `/admin/webhooks`: each registered endpoint and its recent deliveries, and the form that
//! registers one through the same service as `POST /api/v1/webhooks` (docs/integration.md): the
//! same checks, the same audit entry, the signing secret shown once.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};

use crate::auth::CurrentUser;
use crate::db::{self, facilities::Facility, webhooks::Delivery, webhooks::Endpoint};
use crate::domain::rules::Area;
use crate::domain::types::WebhookEvent;
use crate::error::AppResult;
use crate::services::webhooks::{self as service, NewEndpoint};
use crate::state::AppState;
use crate::web::admin::actor;
use crate::web::admin_accounts::SecretPage;
use crate::web::forms::{FormData, FormState};
use crate::web::layout::Layout;

/// The registration form's name: its fields are `webhook-facility`, `webhook-url` and
/// `webhook-events` on the page, as the error summary links them.
const FORM: &str = "webhook";

/// How many deliveries of each endpoint the page lists.
const RECENT: i64 = 20;

pub struct EndpointView {
    pub endpoint: Endpoint,
    pub deliveries: Vec<Delivery>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/webhooks.html")]
pub struct WebhooksPage {
    layout: Layout,
    endpoints: Vec<EndpointView>,
    facilities: Vec<Facility>,
    events: &'static [WebhookEvent],
    /// The registration form, re-shown with what was typed after an error.
    form: FormState,
}

impl WebhooksPage {
    fn when(t: &DateTime<Utc>) -> String {
        crate::clock::local_time(*t, chrono_tz::UTC)
    }

    /// Whether `event` is ticked: as sent after an error, else none.
    fn ticked(&self, event: &WebhookEvent) -> bool {
        self.form.is(FORM) && self.form.data.all("events").iter().any(|e| e == event.as_str())
    }

    fn state(d: &Delivery) -> &'static str {
        match (d.delivered_at, d.failed_at) {
            (Some(_), _) => "delivered",
            (_, Some(_)) => "failed",
            _ if d.attempts == 0 => "queued",
            _ => "retrying",
        }
    }
}

pub async fn page(State(state): State<AppState>, user: CurrentUser) -> AppResult<WebhooksPage> {
    user.require(Area::Administration)?;
    render(&state, &user, FormState::default()).await
}

async fn render(state: &AppState, user: &CurrentUser, form: FormState) -> AppResult<WebhooksPage> {
    let mut deliveries = db::webhooks::recent(&state.db, RECENT).await?;
    let endpoints = db::webhooks::list(&state.db, crate::web::admin::actor(user).managed_agency())
        .await?
        .into_iter()
        .map(|endpoint| {
            let (mine, rest) = deliveries.drain(..).partition(|d| d.endpoint_id == endpoint.id);
            deliveries = rest;
            EndpointView {
                endpoint,
                deliveries: mine,
            }
        })
        .collect();
    Ok(WebhooksPage {
        layout: Layout::new(state, user, "Webhooks", "webhooks").await?,
        endpoints,
        facilities: db::facilities::of_agency(&state.db, crate::web::admin::actor(user).managed_agency()).await?,
        events: WebhookEvent::ALL,
        form,
    })
}

/// `POST /admin/webhooks`: registers an endpoint (`services::webhooks::register`, as the API
/// does) and shows its signing secret once; a refusal re-shows the form with each field's error.
pub async fn register(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(data): Form<FormData>,
) -> AppResult<Response> {
    user.require(Area::Administration)?;
    let input = NewEndpoint {
        facility: data.get("facility").unwrap_or("").to_string(),
        url: data.get("url").unwrap_or("").trim().to_string(),
        events: data.all("events"),
    };
    let loopback = &service::destinations(&state.config);
    match service::register(
        &state.db,
        &state.config.secrets,
        &input,
        loopback,
        actor(&user),
        state.clock.now(),
    )
    .await
    {
        Ok((endpoint, secret)) => {
            let layout = Layout::new(&state, &user, "Webhook signing secret", "webhooks").await?;
            let page = SecretPage::new(
                layout,
                format!(
                    "Signing secret of endpoint {} ({}, {})",
                    endpoint.id, endpoint.facility, endpoint.url
                ),
                "Put it into the receiving system now: it checks each delivery's webhook-signature header with \
                 it (Standard Webhooks). Only this page shows it; if it is lost, delete the endpoint and register \
                 it again."
                    .into(),
                secret,
                "/admin/webhooks".into(),
            );
            Ok(page.into_response())
        }
        Err(e) => {
            let form = FormState::failed(FORM, data, e)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&state, &user, form).await?).into_response())
        }
    }
}
