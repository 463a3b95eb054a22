//! The pushed board (issue 15): server-sent events from PostgreSQL notifications, read here by a
//! real HTTP client from the real server.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{TestApp, World};

/// A client end of a board stream.
pub struct Events {
    resp: reqwest::Response,
    buf: String,
}

impl Events {
    /// `GET /api/v1/transfers/pending/events` with a token.
    pub async fn api(app: &TestApp, token: &str) -> Events {
        let resp = crate::helpers::http()
            .get(app.url("/api/v1/transfers/pending/events"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        Self::from(resp).await
    }

    /// `GET /transfers/pending/events` as a page's `EventSource` asks for it.
    pub async fn page(app: &TestApp, client: &reqwest::Client) -> Events {
        let resp = client
            .get(app.url("/transfers/pending/events"))
            .header("accept", "text/event-stream")
            .send()
            .await
            .unwrap();
        Self::from(resp).await
    }

    async fn from(resp: reqwest::Response) -> Events {
        if resp.status() != 200 {
            panic!(
                "the stream did not open: {} {}",
                resp.status(),
                resp.text().await.unwrap()
            );
        }
        let kind = resp.headers()["content-type"].to_str().unwrap().to_string();
        assert_eq!(kind, "text/event-stream");
        assert_eq!(
            resp.headers()["x-accel-buffering"],
            "no",
            "proxies pass events on at once"
        );
        Events {
            resp,
            buf: String::new(),
        }
    }

    /// The next event (name, data), skipping heartbeats; `None` when the server ended the
    /// stream or nothing came `within`.
    pub async fn next(&mut self, within: Duration) -> Option<(String, Value)> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            while let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let (mut name, mut data) = (None, String::new());
                for line in block.lines() {
                    if let Some(n) = line.strip_prefix("event:") {
                        name = Some(n.trim().to_string());
                    } else if let Some(d) = line.strip_prefix("data:") {
                        data.push_str(d.trim_start());
                    }
                }
                if let Some(name) = name {
                    return Some((name, serde_json::from_str(&data).unwrap()));
                }
            }
            let chunk = tokio::time::timeout_at(deadline, self.resp.chunk()).await.ok()?;
            match chunk.unwrap() {
                Some(bytes) => self.buf.push_str(std::str::from_utf8(&bytes).unwrap()),
                None => return None,
            }
        }
    }

    /// The next event, which must come within 5 s.
    pub async fn expect(&mut self) -> (String, Value) {
        self.next(Duration::from_secs(5)).await.expect("an event within 5 s")
    }
}

fn numbers(rows: &Value) -> Vec<&str> {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| r["booking_number"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn a_stream_starts_with_the_board_then_follows_service_claim_stage_and_pickup() {
    let w = World::new().await;
    let held = w.served("EV-1").await; // deadline 2026-11-24 09:00Z: 21 h left at 12:00Z
    let sgt = w.app.token("sgt").await;
    let mut stream = Events::api(&w.app, &sgt).await;

    // On connect: the whole board, exactly as the list says it.
    let (name, board) = stream.expect().await;
    assert_eq!(name, "board");
    assert_eq!(numbers(&board), ["EV-1"]);
    let (_, list) = w.as_("sgt").await.get("/transfers/pending").await;
    assert_eq!(board, list, "the board event carries the list's rows, field for field");
    assert_eq!(board[0]["stage"], "more_than_12h");

    // A warrant served at another facility: nothing for RCDC's supervisor.
    let other = w.as_("other").await;
    let mut wake = crate::helpers::booking("WK-1");
    wake["facility"] = json!("WAKE");
    let wk = other.ok(201, "/bookings", wake).await["id"].as_i64().unwrap();
    let doc = other
        .ok(
            201,
            &format!("/bookings/{wk}/documents"),
            crate::helpers::warrant("I-200", "W-9"),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    other
        .ok(
            200,
            &format!("/bookings/{wk}/release-point"),
            json!({ "at": "2026-11-23T10:00:00Z", "reason": "bond_posted" }),
        )
        .await;

    // A service at RCDC: the case enters the board.
    let second = w.served("EV-2").await;
    let (name, row) = stream.expect().await;
    assert_eq!((name.as_str(), row["booking_id"].as_i64()), ("entered", Some(second)));
    assert_eq!(row["citizenship_claim"], false);

    // A citizenship claim: the row changes, flagged.
    w.as_("wso1")
        .await
        .ok(
            201,
            &format!("/bookings/{second}/citizenship-claims"),
            json!({ "at": "2026-11-23T11:00:00Z", "how": "said so at intake" }),
        )
        .await;
    let (name, row) = stream.expect().await;
    assert_eq!((name.as_str(), row["booking_id"].as_i64()), ("changed", Some(second)));
    assert_eq!(row["citizenship_claim"], true);

    // Time passes (the app's clock): both rows cross into the last 12 hours, pushed by the
    // clock alone, soonest deadline first.
    w.app
        .clock
        .advance(chrono::Duration::hours(9) + chrono::Duration::seconds(1));
    for id in [held, second] {
        let (name, row) = stream.expect().await;
        assert_eq!((name.as_str(), row["booking_id"].as_i64()), ("changed", Some(id)));
        assert_eq!(row["stage"], "within_12h");
    }

    // ICE picks the first one up: it leaves the board.
    w.as_("ice")
        .await
        .ok(
            200,
            &format!("/bookings/{held}/transfer"),
            json!({ "at": "2026-11-23T21:00:00Z", "receiving_officer": "SDDO Rivera" }),
        )
        .await;
    let (name, row) = stream.expect().await;
    assert_eq!(name, "left");
    assert_eq!(row, json!({ "booking_id": held }));

    // WAKE's case is served too; RCDC's stream says nothing of it.
    w.as_("wakesgt")
        .await
        .ok(
            201,
            &format!("/bookings/{wk}/service"),
            json!({ "document_id": doc, "at": "2026-11-23T20:00:00Z" }),
        )
        .await;
    assert_eq!(
        stream.next(Duration::from_millis(1500)).await,
        None,
        "nothing about another facility"
    );
}

#[tokio::test]
async fn a_liaison_stream_carries_only_what_its_list_shows() {
    let w = World::new().await;
    w.served("LI-1").await;
    let mut stream = Events::api(&w.app, &w.app.token("ice2").await).await;
    let (name, board) = stream.expect().await;
    assert_eq!(
        (name.as_str(), board),
        ("board", json!([])),
        "WAKE's liaison sees no RCDC case"
    );
    w.served("LI-2").await;
    assert_eq!(stream.next(Duration::from_millis(1500)).await, None);
}

#[tokio::test]
async fn a_change_made_through_one_server_reaches_a_stream_held_on_another() {
    let w = World::new().await;
    let second_server = w.app.another_server().await;
    let mut stream = Events::api(&second_server, &w.app.token("sgt").await).await;
    assert_eq!(stream.expect().await.0, "board");
    let id = w.served("TWO-1").await; // through the first server
    let (name, row) = stream.expect().await;
    assert_eq!((name.as_str(), row["booking_id"].as_i64()), ("entered", Some(id)));
}

#[tokio::test]
async fn after_the_database_connection_is_lost_the_stream_resumes_with_a_full_board() {
    let w = World::new().await;
    let mut stream = Events::api(&w.app, &w.app.token("sgt").await).await;
    assert_eq!(stream.expect().await, ("board".to_string(), json!([])));
    // What a database restart does to the listener: its connection is cut. A change made
    // while it is away must not be lost.
    let cut: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND query LIKE 'LISTEN%'",
    )
    .fetch_all(&w.app.admin_db)
    .await
    .unwrap();
    assert_eq!(cut, [true], "the one listener of the server was cut");
    w.served("BACK-1").await;
    // Either the change arrives as an event (reconnected first) or within the full board.
    let mut seen = vec![];
    while let Some((name, data)) = stream.next(Duration::from_secs(5)).await {
        seen.push(name.clone());
        if name == "board" {
            assert_eq!(numbers(&data), ["BACK-1"]);
            return;
        }
    }
    panic!("no full board after the reconnection; events seen: {seen:?}");
}

#[tokio::test]
async fn a_page_stream_ends_when_the_session_expires_and_is_not_activity() {
    let w = World::new().await;
    w.served("PG-1").await;
    let sgt = w.app.login("sgt").await;
    let mut stream = Events::page(&w.app, &sgt).await;
    let (name, board) = stream.expect().await;
    assert_eq!(name, "board");
    assert_eq!(board[0]["list"], "pending");
    assert!(
        board[0]["html"].as_str().unwrap().contains("PG-1"),
        "the page's rows carry their HTML"
    );
    // 29 minutes of an open stream and nothing else: then the idle limit (30) ends the session.
    w.app.clock.advance(chrono::Duration::minutes(29));
    assert_eq!(stream.next(Duration::from_millis(1500)).await, None);
    w.app.clock.advance(chrono::Duration::minutes(2));
    let (name, _) = stream.expect().await;
    assert_eq!(name, "closed");
    assert_eq!(stream.next(Duration::from_secs(2)).await, None, "the stream ended");
    let page = sgt.get(w.app.url("/transfers/pending")).send().await.unwrap();
    assert_eq!(page.status(), 303, "the stream did not keep the session alive");
}

#[tokio::test]
async fn a_disabled_account_stream_is_closed() {
    let w = World::new().await;
    let mut stream = Events::api(&w.app, &w.app.token("sgt").await).await;
    assert_eq!(stream.expect().await.0, "board");
    let sgt_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'sgt'")
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    let boss = w.app.login("boss").await;
    let r = w
        .app
        .post_form(&boss, &format!("/admin/users/{sgt_id}/disable"), &[("confirm", "yes")])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(stream.expect().await.0, "closed");
    assert_eq!(stream.next(Duration::from_secs(2)).await, None);
}

#[tokio::test]
async fn the_api_list_costs_two_statements_and_the_page_three() {
    let w = World::new().await;
    let first = w.served("RT-1").await;
    w.served("RT-2").await;
    w.as_("wso1")
        .await
        .ok(
            201,
            &format!("/bookings/{first}/citizenship-claims"),
            json!({ "at": "2026-11-23T11:00:00Z", "how": "said so at intake" }),
        )
        .await;
    let sgt = w.as_("sgt").await;
    sgt.get("/transfers/pending").await; // the token's use is recorded (at most once a minute)
    let sent = w
        .app
        .statements_during(async {
            for _ in 0..10 {
                let (status, rows) = sgt.get("/transfers/pending").await;
                assert_eq!((status, numbers(&rows)), (200, vec!["RT-1", "RT-2"]));
                assert_eq!(rows[0]["citizenship_claim"], true);
            }
        })
        .await;
    assert_eq!(
        sent, 20,
        "the token with its user: one statement; the list with its flags: one"
    );

    let page = w.app.login("sgt").await;
    w.app.page(&page, "/transfers/pending").await;
    let sent = w
        .app
        .statements_during(async {
            for _ in 0..10 {
                let html = w.app.page(&page, "/transfers/pending").await;
                assert!(html.contains("RT-2") && html.contains("Claims U.S. citizenship"));
            }
        })
        .await;
    assert_eq!(
        sent, 30,
        "the session, the user with unread alerts, the board with its lists"
    );
}
