//! `/admin/webhooks`: each registered endpoint and its recent deliveries (registration is over
//! the API, `POST /api/v1/webhooks`, docs/integration.md).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use chrono::{DateTime, Utc};

use crate::auth::CurrentUser;
use crate::db::{self, webhooks::Delivery, webhooks::Endpoint};
use crate::domain::rules::Area;
use crate::error::AppResult;
use crate::state::AppState;
use crate::web::layout::Layout;

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
}

impl WebhooksPage {
    fn when(t: &DateTime<Utc>) -> String {
        crate::clock::local_time(*t, chrono_tz::UTC)
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
    let mut deliveries = db::webhooks::recent(&state.db, RECENT).await?;
    let endpoints = db::webhooks::list(&state.db)
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
        layout: Layout::new(&state, &user, "Webhooks", "webhooks").await?,
        endpoints,
    })
}
