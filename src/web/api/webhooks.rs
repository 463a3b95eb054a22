//! `/api/v1/webhooks`: admins register, list and delete webhook endpoints (docs/integration.md).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::idempotency::KeepInstead;
use super::json::ApiJson;
use crate::auth::ApiUser;
use crate::db::webhooks::Endpoint;
use crate::domain::rules::Area;
use crate::error::ApiResult;
use crate::services::accounts::Actor;
use crate::services::webhooks::{self, NewEndpoint};
use crate::state::AppState;
use crate::web::extract::ApiPathId;

/// A webhook endpoint to register.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct EndpointInput {
    /// The facility whose events it receives (its code).
    facility: String,
    /// `https://…` (`http://` only to 127.0.0.1, ::1 or localhost), at most 2,000 characters.
    url: String,
    /// At least one event word.
    #[schema(value_type = Vec<crate::domain::types::WebhookEvent>)]
    events: Vec<String>,
}

/// A webhook endpoint.
#[derive(Serialize, utoipa::ToSchema)]
pub struct EndpointJson {
    id: i64,
    facility: String,
    url: String,
    #[schema(value_type = Vec<crate::domain::types::WebhookEvent>)]
    events: Vec<String>,
    created_at: DateTime<Utc>,
    /// `whsec_` + base64 of 32 random bytes: only in the response that created the endpoint.
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<String>,
}

impl From<Endpoint> for EndpointJson {
    fn from(e: Endpoint) -> Self {
        Self {
            id: e.id,
            facility: e.facility,
            url: e.url,
            events: e.events,
            created_at: e.created_at,
            secret: None,
        }
    }
}

/// `POST /api/v1/webhooks` → 201 with the secret (shown only here: the answer an
/// `Idempotency-Key` keeps for a retry has no secret, finding 13).
pub async fn create(
    State(state): State<AppState>,
    api: ApiUser,
    ApiJson(input): ApiJson<EndpointInput>,
) -> ApiResult<Response> {
    api.require(Area::Administration)?;
    let input = NewEndpoint {
        facility: input.facility,
        url: input.url,
        events: input.events,
    };
    let actor = Actor::user(&api.user, api.ip.as_deref());
    let loopback = &webhooks::destinations(&state.config);
    let now = state.clock.now();
    let (endpoint, secret) = webhooks::register(&state.db, &state.config.secrets, &input, loopback, actor, now).await?;
    let mut json = EndpointJson::from(endpoint);
    let kept = serde_json::to_vec(&json).map_err(|e| anyhow::anyhow!("serialising an endpoint: {e}"))?;
    json.secret = Some(secret);
    let mut response = (StatusCode::CREATED, Json(json)).into_response();
    response.extensions_mut().insert(KeepInstead(kept.into()));
    Ok(response)
}

/// `GET /api/v1/webhooks`: the live endpoints (without secrets).
pub async fn list(State(state): State<AppState>, api: ApiUser) -> ApiResult<Json<Vec<EndpointJson>>> {
    api.require(Area::Administration)?;
    let agency = Actor::user(&api.user, None).managed_agency();
    let all = crate::db::webhooks::list(&state.db, agency).await?;
    Ok(Json(all.into_iter().map(EndpointJson::from).collect()))
}

/// `DELETE /api/v1/webhooks/{id}` → 204; nothing more is sent to it.
pub async fn delete(State(state): State<AppState>, api: ApiUser, ApiPathId(id): ApiPathId) -> ApiResult<StatusCode> {
    api.require(Area::Administration)?;
    let actor = Actor::user(&api.user, api.ip.as_deref());
    webhooks::delete(&state.db, id, actor, state.clock.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}
