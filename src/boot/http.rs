//! The HTTP accept loop: at most `WSO_MAX_CONNECTIONS` connections at once (the next waits in
//! the kernel's backlog), and no connection holds its place for nothing:
//!
//! - its **first request** (HTTP/1 headers, or an HTTP/2 request after the preface; the
//!   protocol sniffing in between included) must arrive within [`Limits::first_request`]
//!   (`WSO_HTTP_FIRST_REQUEST_SECS`), or the connection is closed;
//! - with **no request in flight** (a response, streamed bodies included, finished and nothing
//!   new begun) it is closed after [`Limits::idle`] (`WSO_HTTP_IDLE_SECS`); over HTTP/1 a request
//!   head must also arrive within that long once begun (hyper's header-read timeout).
//!
//! These deadlines are kept here, around hyper's connection, for every protocol alike: hyper
//! times only HTTP/1's header reads, not the version sniffing nor HTTP/2 (a socket that sent
//! nothing, or half the HTTP/2 preface, used to stay open indefinitely, and 50 of them took
//! every place). A graceful stop lets requests in flight finish. The same loop serves the tests.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::time::Instant;
use tower::Layer;

use crate::config::Config;

/// How long a connection being closed (idle, or the server stopping with nothing in flight) may
/// take to say goodbye (an HTTP/2 GOAWAY) before it is dropped.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

/// The bounds of the accept loop.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Connections served at once (`WSO_MAX_CONNECTIONS`).
    pub max_connections: usize,
    /// From accept to the first request's head (`WSO_HTTP_FIRST_REQUEST_SECS`, default 10).
    pub first_request: Duration,
    /// With nothing in flight, until the connection is closed (`WSO_HTTP_IDLE_SECS`, default 60).
    pub idle: Duration,
}

impl Limits {
    pub fn of(config: &Config) -> Self {
        Self {
            max_connections: config.max_connections.max(1),
            first_request: config.http_first_request,
            idle: config.http_idle,
        }
    }
}

/// Serves `app` on `listener` until `shutdown` completes, then waits for the connections in
/// flight.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let max = limits.max_connections.clamp(1, Semaphore::MAX_PERMITS);
    let permits = Arc::new(Semaphore::new(max));
    let (stop, stopping) = watch::channel(false);
    let mut builder = auto::Builder::new(TokioExecutor::new());
    // A request head begun after a quiet spell must also arrive within the idle time (the
    // first one is bounded by the first-request deadline below, whichever ends sooner).
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.idle.max(limits.first_request));
    let builder = Arc::new(builder);
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => match permit {
                Ok(p) => p,
                Err(_) => break,
            },
            _ = &mut shutdown => break,
        };
        let (stream, peer): (_, SocketAddr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        // The peer's address goes into each request by wrapping the shared router, never by
        // `Router::layer` (which rebuilds every route: some 300 KB and 4,000 allocations per
        // connection, found with 1,000 open board streams).
        let activity = Arc::new(Activity::new());
        let service = TowerToHyperService::new(Tracked {
            inner: Layer::layer(&axum::Extension(ConnectInfo(peer)), app.clone()),
            activity: activity.clone(),
        });
        let builder = builder.clone();
        let mut stopping = stopping.clone();
        tokio::spawn(async move {
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            tokio::pin!(connection);
            // When the connection is being closed: dropped if still open (with nothing in
            // flight) after `CLOSE_GRACE`.
            let mut closing: Option<Instant> = None;
            let mut check = activity.deadline(limits);
            loop {
                tokio::select! {
                    ended = connection.as_mut() => {
                        if let Err(e) = ended {
                            tracing::debug!(error = %e, %peer, "connection ended with an error");
                        }
                        break;
                    }
                    _ = stopping.wait_for(|s| *s), if closing.is_none() => {
                        // A graceful stop: requests in flight finish, a silent connection goes.
                        connection.as_mut().graceful_shutdown();
                        closing = Some(Instant::now() + CLOSE_GRACE);
                    }
                    _ = tokio::time::sleep_until(check), if closing.is_none() => {
                        if activity.in_flight() == 0 && Instant::now() >= activity.deadline(limits) {
                            tracing::debug!(%peer, requests = activity.served(), "closing a silent connection");
                            connection.as_mut().graceful_shutdown();
                            closing = Some(Instant::now() + CLOSE_GRACE);
                        } else {
                            check = activity.deadline(limits);
                        }
                    }
                    _ = tokio::time::sleep_until(closing.unwrap_or_else(Instant::now)), if closing.is_some() => {
                        if activity.in_flight() == 0 {
                            break;
                        }
                        closing = Some(Instant::now() + CLOSE_GRACE);
                    }
                }
            }
            drop(permit);
        });
    }
    drop(listener);
    let _ = stop.send(true);
    // Every connection holds a permit until it ends: all of them back means all have ended.
    let _ = permits.acquire_many(max as u32).await;
    Ok(())
}

/// What a connection is doing: requests in flight (their response bodies included) and since
/// when it has had none.
struct Activity {
    started: Instant,
    in_flight: AtomicUsize,
    served: AtomicUsize,
    /// Milliseconds after `started` when the last request ended.
    quiet_since_ms: AtomicU64,
}

impl Activity {
    fn new() -> Self {
        Self {
            started: Instant::now(),
            in_flight: AtomicUsize::new(0),
            served: AtomicUsize::new(0),
            quiet_since_ms: AtomicU64::new(0),
        }
    }

    fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Acquire)
    }

    fn served(&self) -> usize {
        self.served.load(Ordering::Relaxed)
    }

    /// When the connection is due to close if nothing happens meanwhile (with a request in
    /// flight: one idle period from now, to look again).
    fn deadline(&self, limits: Limits) -> Instant {
        if self.in_flight() > 0 {
            return Instant::now() + limits.idle;
        }
        if self.served() == 0 {
            return self.started + limits.first_request;
        }
        self.started + Duration::from_millis(self.quiet_since_ms.load(Ordering::Acquire)) + limits.idle
    }

    fn begin(self: &Arc<Self>) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        self.served.fetch_add(1, Ordering::Relaxed);
        InFlight(self.clone())
    }
}

/// One request in flight, until its response body has been sent (or dropped).
struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        let ms = self.0.started.elapsed().as_millis() as u64;
        self.0.quiet_since_ms.fetch_max(ms, Ordering::AcqRel);
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The app's service, counting its requests in flight.
#[derive(Clone)]
struct Tracked<S> {
    inner: S,
    activity: Arc<Activity>,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S, R> tower::Service<Request<R>> for Tracked<S>
where
    S: tower::Service<Request<R>, Response = Response<Body>>,
    S::Future: Send + 'static,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = BoxFuture<Result<Response<Body>, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<R>) -> Self::Future {
        let guard = self.activity.begin();
        let response = self.inner.call(req);
        Box::pin(async move {
            let response = response.await?;
            Ok(response.map(|body| Body::new(Guarded { body, _guard: guard })))
        })
    }
}

/// A response body that keeps its request counted as in flight until it is sent or dropped.
struct Guarded {
    body: Body,
    _guard: InFlight,
}

impl http_body::Body for Guarded {
    type Data = <Body as http_body::Body>::Data;
    type Error = <Body as http_body::Body>::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}
