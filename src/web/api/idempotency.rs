//! `Idempotency-Key` on every `POST /api/v1/...` (decision 0025): a retry with the same key and
//! the same request from the same token gets the first response again and writes nothing; the
//! same key with another request gets 422 `idempotency_key_reused`. Concurrent retries wait for
//! the first to finish. Only a success is kept: a refused request (4xx, 5xx) frees its key and
//! leaves the database as it was, so its retry is checked again.
//!
//! The kept answer is sealed with the key file (decision 0033), holds no secret (a handler
//! whose answer carries one gives the copy to keep as [`KeepInstead`]), and is replayed only
//! to a caller whose role and facilities are still those it was given to (finding 13: an admin
//! demoted to officer must not get an admin's answer back).

use std::time::Duration;

use axum::body::{Body, to_bytes};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::auth::ApiUser;
use crate::auth::api::bearer;
use crate::auth::token::digest;
use crate::db::idempotency as keys;
use crate::error::{ApiError, AppError};
use crate::state::AppState;

/// The largest request body the API reads (axum's default for `Bytes`).
const BODY_LIMIT: usize = 2 * 1024 * 1024;
/// A running request renews its claim this often ...
const BEAT: Duration = Duration::from_secs(2);
/// ... so a claim not renewed for this long belongs to a request that can no longer finish (its
/// process died, or the database failed over under it): a retry takes it over.
const STALE_SECS: f64 = 7.0;

/// A response extension: the body to keep for a replay instead of the one sent (the sent one
/// carries a secret shown only once, e.g. a new webhook's signing secret).
#[derive(Clone)]
pub struct KeepInstead(pub axum::body::Bytes);

/// The caller's rights as far as any handler's checks go: the account's role and facilities
/// (the token already names the account).
fn rights(user: &crate::db::users::User) -> String {
    let mut facilities = user.facility_ids.clone();
    facilities.sort_unstable();
    let facilities: Vec<String> = facilities.iter().map(i64::to_string).collect();
    format!("{} {}", user.role.as_str(), facilities.join(","))
}

/// 1 to 255 printable ASCII characters.
pub fn valid_key(key: &str) -> bool {
    (1..=255).contains(&key.len()) && key.bytes().all(|b| (0x20..=0x7e).contains(&b))
}

pub async fn idempotency(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let Some(raw) = req.headers().get("idempotency-key") else {
        return next.run(req).await;
    };
    let key = match raw.to_str() {
        Ok(k) if valid_key(k) => k.to_string(),
        _ => {
            let message = "Idempotency-Key must be 1 to 255 printable characters";
            return ApiError(AppError::field("Idempotency-Key", message)).into_response();
        }
    };
    // Without a token the handler answers 401; nothing to remember.
    let Some(token) = bearer(req.headers()).map(digest) else {
        return next.run(req).await;
    };
    match remembered(&state, req, next, &token, &key).await {
        Ok(r) => r,
        Err(e) => ApiError(e).into_response(),
    }
}

async fn remembered(
    state: &AppState,
    req: Request,
    next: Next,
    token: &[u8; 32],
    key: &str,
) -> Result<Response, AppError> {
    let (mut parts, body) = req.into_parts();
    // Only a caller the handler would accept now is answered from a key (a revoked token, a
    // disabled account: the handler's 401).
    let caller = match ApiUser::from_request_parts(&mut parts, state).await {
        Ok(caller) => caller,
        Err(_) => return Ok(next.run(Request::from_parts(parts, body)).await),
    };
    let rights = rights(&caller.user);
    parts.extensions.insert(caller); // the handler's, not looked up again
    let bytes = to_bytes(body, BODY_LIMIT).await.map_err(|e| AppError::BadRequest {
        message: format!("cannot read the request body: {e}"),
        field: None,
    })?;
    let mut h = Sha256::new();
    h.update(parts.method.as_str());
    h.update(b" ");
    h.update(parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or(""));
    h.update(b"\n");
    h.update(&bytes);
    let request_hash: [u8; 32] = h.finalize().into();

    // A retry waits for the first request at most 4/5 of the request timeout (then 409, retry
    // later), or until the first request's heartbeat stops.
    let wait = Duration::from_secs(state.config.request_timeout_secs * 4 / 5);
    let waited_since = tokio::time::Instant::now();
    let claim = uuid::Uuid::new_v4();
    loop {
        let now = state.clock.now();
        if keys::claim(&state.db, token, key, &request_hash, claim, now).await? {
            break;
        }
        let Some(stored) = keys::get(&state.db, &state.config.secrets, token, key).await? else {
            continue; // freed by a failed first request meanwhile: claim it
        };
        if stored.request_hash != request_hash {
            return Err(AppError::Rule {
                code: "idempotency_key_reused",
                message: "this Idempotency-Key was used for a different request (method, path or body)".into(),
                field: Some("Idempotency-Key".into()),
            });
        }
        if let Some(status) = stored.status {
            return match (stored.body, stored.caller) {
                (Some(body), Some(given_to)) if given_to == rights => Ok(replay(status, stored.content_type, body)),
                _ => Err(AppError::Forbidden {
                    code: "idempotency_caller_changed",
                    message:
                        "this Idempotency-Key was answered to this account with another role or other facilities: \
                              the answer is not replayed"
                            .into(),
                }),
            };
        }
        if keys::take_over(&state.db, token, key, STALE_SECS, claim, now).await? {
            break;
        }
        if waited_since.elapsed() > wait {
            return Err(AppError::Conflict {
                code: "idempotency_key_in_progress",
                message: "a request with this Idempotency-Key is still being processed; retry later".into(),
            });
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Renewed while the handler runs, and only then: dropped with this future (a timeout, a
    // client gone), the claim goes stale and a retry takes it over.
    let heartbeat = AbortOnDrop({
        let (db, token, key) = (state.db.clone(), *token, key.to_string());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(BEAT).await;
                let _ = keys::beat(&db, &token, &key, claim).await;
            }
        })
    });
    let response = next.run(Request::from_parts(parts, Body::from(bytes))).await;
    drop(heartbeat);
    let status = response.status();
    if !(status.is_success() || status.is_redirection()) {
        // A refused request leaves nothing behind: its retry is checked again. (If the database
        // is away the claim stays until it is stale; the answer is the refusal either way.)
        if let Err(e) = keys::release(&state.db, token, key, claim).await {
            tracing::warn!(error = %e, "could not free an idempotency key");
        }
        return Ok(response);
    }
    let (mut parts, body) = response.into_parts();
    let body = to_bytes(body, usize::MAX)
        .await
        .map_err(|e| anyhow::anyhow!("reading a response: {e}"))?;
    let kept = parts
        .extensions
        .remove::<KeepInstead>()
        .map_or_else(|| body.clone(), |k| k.0);
    let content_type = parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    // The write is done: its answer goes to the client even if it cannot be kept (a retry
    // would then run again once the claim is stale; decision 0025).
    let code = status.as_u16() as i16;
    let secrets = &state.config.secrets;
    if let Err(e) = keys::complete(
        &state.db,
        secrets,
        token,
        key,
        claim,
        code,
        content_type,
        &kept,
        &rights,
    )
    .await
    {
        tracing::warn!(error = %e, "could not keep the answer of an idempotency key");
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    Ok(Response::from_parts(parts, Body::from(body)))
}

/// A task that ends when its owner is dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn replay(status: i16, content_type: Option<String>, body: Vec<u8>) -> Response {
    let status = StatusCode::from_u16(status as u16).unwrap_or(StatusCode::OK);
    let mut r = (status, body).into_response();
    if let Some(ct) = content_type.and_then(|c| HeaderValue::from_str(&c).ok()) {
        r.headers_mut().insert(header::CONTENT_TYPE, ct);
    }
    r.headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    r
}
