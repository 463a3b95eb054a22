//! The middleware that resolves the client's address once per request (`crate::net`: the TCP
//! peer, or — only when that peer is one of `WSO_TRUSTED_PROXIES` — the last address in
//! `X-Forwarded-For` that is not itself a trusted proxy).

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::net::{ClientAddr, resolve};
use crate::state::AppState;

/// Middleware: resolves the client's address once per request and puts it in the request's
/// extensions as a [`ClientAddr`].
pub async fn client_address(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let forwarded = request.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok());
    let addr = resolve(peer, forwarded, &state.config.trusted_proxies);
    request.extensions_mut().insert(ClientAddr(addr));
    next.run(request).await
}
