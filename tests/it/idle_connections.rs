//! Connections that send nothing, half an HTTP/2 preface, or go quiet after a request cannot
//! hold the server's places (issue 26, finding 1): every connection has a deadline for its first
//! request and an idle deadline, whatever its protocol.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use wso_tracker::config::Config;

use crate::helpers::spawn_app_with;

/// Four places, a first request within 1 s, 3 s of idleness.
fn small_server() -> Config {
    let mut config = Config::for_tests();
    config.max_connections = 4;
    config.http_first_request = Duration::from_secs(1);
    config.http_idle = Duration::from_secs(3);
    config
}

/// Reads (and discards) until the server closes the connection; how long that took from `since`.
/// Fails if it is still open after `limit`.
async fn closed(s: &mut TcpStream, since: Instant, limit: Duration, what: &str) -> Duration {
    let mut buf = [0u8; 1024];
    let left = limit.saturating_sub(since.elapsed());
    tokio::time::timeout(left, async {
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{what}: still open after {limit:?}"));
    since.elapsed()
}

/// The HTTP/2 client preface (RFC 9113 §3.4) and an empty SETTINGS frame.
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00";

#[tokio::test]
async fn silent_sockets_are_closed_and_cannot_hold_every_place() {
    let app = spawn_app_with(small_server()).await;
    let opened = Instant::now();
    // As many sockets as places: one says nothing, one half the HTTP/2 preface, one the whole
    // preface and its settings and then nothing, one half an HTTP/1 request head.
    let sends: [(&str, &[u8]); 4] = [
        ("silent", b""),
        ("half an HTTP/2 preface", b"PRI * HTTP/2.0\r\n"),
        ("an HTTP/2 preface, no request", H2_PREFACE),
        ("half an HTTP/1 head", b"GET /healthz HTTP/1.1\r\nHost: x\r\n"),
    ];
    let mut sockets = Vec::new();
    for (what, bytes) in sends {
        let mut s = TcpStream::connect(app.addr).await.unwrap();
        s.write_all(bytes).await.unwrap();
        sockets.push((what, s));
    }
    // The places are taken; a real client still gets its answer within a few seconds.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let client = crate::helpers::http_builder()
        .timeout(Duration::from_secs(6))
        .build()
        .unwrap();
    let asked = Instant::now();
    let r = client
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("/healthz answers while silent sockets wait");
    assert_eq!(r.status(), 200);
    assert!(
        asked.elapsed() < Duration::from_secs(4),
        "answered in {:?}",
        asked.elapsed()
    );
    // Each silent socket was closed at the first-request deadline (1 s), give or take.
    for (what, s) in &mut sockets {
        let after = closed(s, opened, Duration::from_secs(4), what).await;
        assert!(
            after >= Duration::from_millis(900),
            "{what}: closed too soon, after {after:?}"
        );
    }
}

#[tokio::test]
async fn a_connection_quiet_after_its_request_is_closed_after_the_idle_time() {
    let app = spawn_app_with(small_server()).await;
    let mut s = TcpStream::connect(app.addr).await.unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut buf = [0u8; 4096];
    let n = s.read(&mut buf).await.unwrap();
    assert!(
        buf[..n].starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&buf[..n])
    );
    let answered = Instant::now();
    // Kept for the idle time (3 s), not only the first-request deadline (1 s)…
    let after = closed(&mut s, answered, Duration::from_secs(6), "idle keep-alive").await;
    assert!(
        after >= Duration::from_millis(2500),
        "an answered connection is kept for the idle time, closed after {after:?}"
    );
    // …and a second request on a fresh connection within it is served.
    let mut s = TcpStream::connect(app.addr).await.unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let n = s.read(&mut buf).await.unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut rest = Vec::new();
    s.read_to_end(&mut rest).await.unwrap();
    assert!(
        rest.starts_with(b"HTTP/1.1 200"),
        "a second request within the idle time is served"
    );
}

#[tokio::test]
async fn a_streamed_response_is_not_idle() {
    // A response whose body is still being sent keeps its connection, however long.
    let mut config = small_server();
    config.http_idle = Duration::from_secs(1);
    let w = crate::helpers::World::with_config(config).await;
    let token = w.app.token("sgt").await;
    let mut s = TcpStream::connect(w.app.addr).await.unwrap();
    let head =
        format!("GET /api/v1/transfers/pending/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\r\n");
    s.write_all(head.as_bytes()).await.unwrap();
    let mut buf = [0u8; 4096];
    let n = s.read(&mut buf).await.unwrap();
    assert!(
        buf[..n].starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&buf[..n])
    );
    let open = tokio::time::timeout(Duration::from_secs(3), async {
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await;
    assert!(open.is_err(), "the stream was cut after the idle time");
}
