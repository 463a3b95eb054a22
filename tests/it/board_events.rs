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
        Self::page_at(app, client, "/transfers/pending/events").await
    }

    /// The page's stream at `path` (with the page's filters in its query).
    pub async fn page_at(app: &TestApp, client: &reqwest::Client, path: &str) -> Events {
        let resp = client
            .get(app.url(path))
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
    assert_eq!(w.app.cut_listener().await, 1, "the one listener of the server was cut");
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
async fn the_held_board_costs_the_api_list_one_statement_and_the_page_two() {
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
    w.app.boards_held().await; // the first read started the listener, which reads every board
    let sent = w
        .app
        .statements_during(|| async {
            for _ in 0..10 {
                let (status, rows) = sgt.get("/transfers/pending").await;
                assert_eq!((status, numbers(&rows)), (200, vec!["RT-1", "RT-2"]));
                assert_eq!(rows[0]["citizenship_claim"], true);
            }
        })
        .await;
    assert_eq!(
        sent, 10,
        "the token with its user: one statement; the list with its flags: held in memory"
    );
    // Nor any other round trip: who asks is read on the accounts pool, whose connections need
    // no scope set as they are handed out (decision 0044).
    let trips = w
        .app
        .round_trips_during(|| async {
            for _ in 0..10 {
                assert_eq!(sgt.get("/transfers/pending").await.0, 200);
            }
        })
        .await;
    assert_eq!(trips, 10, "one round trip a request, the scope's setting included");

    let page = w.app.login("sgt").await;
    w.app.page(&page, "/transfers/pending").await;
    let sent = w
        .app
        .statements_during(|| async {
            for _ in 0..10 {
                let html = w.app.page(&page, "/transfers/pending").await;
                assert!(html.contains("RT-2") && html.contains("Claims U.S. citizenship"));
            }
        })
        .await;
    assert_eq!(
        sent, 20,
        "the session and the user; their unread alerts and the board held in memory (decisions 0043, 0045)"
    );
    let trips = w
        .app
        .round_trips_during(|| async {
            for _ in 0..10 {
                w.app.page(&page, "/transfers/pending").await;
            }
        })
        .await;
    assert_eq!(
        trips, 20,
        "no scope set: the session and the user are read on the accounts pool (decision 0044)"
    );
}

// ---- Issue 27: what ends a stream (a token revoked, a facility taken away) and what does not
// (a web sign-in locked by wrong passwords) ----

impl Events {
    /// Whether the server ends the stream (end of the body) within `within`, with no event
    /// before it (heartbeats aside). A timeout is not an end: `false`.
    pub async fn ends_within(&mut self, within: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if self.buf.contains("event:") {
                return false;
            }
            match tokio::time::timeout_at(deadline, self.resp.chunk()).await {
                Err(_) => return false,
                Ok(chunk) => match chunk.unwrap() {
                    Some(bytes) => self.buf.push_str(std::str::from_utf8(&bytes).unwrap()),
                    None => return true,
                },
            }
        }
    }
}

async fn user_id(w: &World, username: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
        .bind(username)
        .fetch_one(&w.app.db)
        .await
        .unwrap()
}

/// A case served at WAKE (booked by its officer, served by its supervisor); its id.
async fn served_at_wake(w: &World, number: &str) -> i64 {
    let other = w.as_("other").await;
    let mut wake = crate::helpers::booking(number);
    wake["facility"] = json!("WAKE");
    let id = other.ok(201, "/bookings", wake).await["id"].as_i64().unwrap();
    let doc = other
        .ok(
            201,
            &format!("/bookings/{id}/documents"),
            crate::helpers::warrant("I-200", &format!("W-{number}")),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    other
        .ok(
            200,
            &format!("/bookings/{id}/release-point"),
            json!({ "at": "2026-11-22T08:00:00Z", "reason": "bond_posted" }),
        )
        .await;
    w.as_("wakesgt")
        .await
        .ok(
            201,
            &format!("/bookings/{id}/service"),
            json!({ "document_id": doc, "at": "2026-11-22T09:00:00Z" }),
        )
        .await;
    id
}

#[tokio::test]
async fn a_revoked_token_stream_is_closed_and_another_token_stream_goes_on() {
    use wso_tracker::services::identity;
    let w = World::new().await;
    let now = w.app.clock.now();
    let (revoked_id, revoked) =
        identity::create_token(&w.app.db, "sgt", None, wso_tracker::services::accounts::Actor::CLI, now)
            .await
            .unwrap();
    let kept = w.app.token("sgt").await;
    let mut doomed = Events::api(&w.app, &revoked).await;
    let mut going_on = Events::api(&w.app, &kept).await;
    assert_eq!(doomed.expect().await.0, "board");
    assert_eq!(going_on.expect().await.0, "board");

    let boss = w.app.login("boss").await;
    let r = w
        .app
        .post_form(
            &boss,
            &format!("/admin/tokens/{revoked_id}/revoke"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(r.status(), 303, "revoked");

    // The revoked token's stream is told, then ended, within a few seconds (not at the next
    // heartbeat or at the token's expiry).
    let (name, data) = doomed
        .next(Duration::from_secs(3))
        .await
        .expect("an event within 3 s of the revocation");
    assert_eq!(name, "closed", "the revoked token's stream is closed: {data}");
    assert!(doomed.ends_within(Duration::from_secs(2)).await, "and then ended");

    // The same person's other token is not revoked: its stream goes on and follows changes.
    let id = w.served("RV-1").await;
    loop {
        let (name, row) = going_on.expect().await;
        assert_ne!(name, "closed", "another token of the same person is not revoked");
        if name == "entered" {
            assert_eq!(row["booking_id"].as_i64(), Some(id));
            break;
        }
    }
}

#[tokio::test]
async fn a_stream_stops_carrying_a_facility_taken_away_from_its_person() {
    let w = World::new().await;
    w.app.user("both", "supervisor", &["RCDC", "WAKE"]).await;
    let rcdc = w.served("FG-R1").await;
    let wake = served_at_wake(&w, "FG-W1").await;
    let mut stream = Events::api(&w.app, &w.app.token("both").await).await;
    let (name, board) = stream.expect().await;
    assert_eq!(name, "board");
    let mut ids: Vec<i64> = board
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["booking_id"].as_i64().unwrap())
        .collect();
    ids.sort();
    assert_eq!(ids, [rcdc, wake], "both facilities at first");

    // The admin edits the person: RCDC only.
    let both = user_id(&w, "both").await;
    let boss = w.app.login("boss").await;
    let r = w
        .app
        .post_form(
            &boss,
            &format!("/admin/users/{both}"),
            &[("role", "supervisor"), ("full_name", ""), ("facilities", "RCDC")],
        )
        .await;
    assert_eq!(r.status(), 303, "updated");
    let facilities: Vec<String> = sqlx::query_scalar(
        "SELECT f.code FROM user_facilities uf JOIN facilities f ON f.id = uf.facility_id WHERE uf.user_id = $1",
    )
    .bind(both)
    .fetch_all(&w.app.db)
    .await
    .unwrap();
    assert_eq!(facilities, ["RCDC"]);

    // The stream sends the board again, as the person may now see it: WAKE's row is gone.
    let (name, board) = stream.expect().await;
    assert_eq!(name, "board", "the board is sent again when the grant changes");
    assert_eq!(numbers(&board), ["FG-R1"], "WAKE's row no longer carried");

    // A change at WAKE is not carried any more; one at RCDC still is.
    served_at_wake(&w, "FG-W2").await;
    assert_eq!(
        stream.next(Duration::from_millis(1500)).await,
        None,
        "nothing about the facility taken away"
    );
    let id = w.served("FG-R2").await;
    let (name, row) = stream.expect().await;
    assert_eq!((name.as_str(), row["booking_id"].as_i64()), ("entered", Some(id)));
}

#[tokio::test]
async fn a_page_stream_goes_on_when_its_person_web_sign_in_is_locked() {
    let w = World::new().await;
    let sgt = w.app.login("sgt").await;
    let mut stream = Events::page(&w.app, &sgt).await;
    assert_eq!(stream.expect().await, ("board".to_string(), json!([])));

    // Five wrong passwords from somewhere else lock sgt's web sign-in.
    let stranger = w.app.client();
    for _ in 0..5 {
        let r = w.app.try_login(&stranger, "sgt", "not the password").await;
        assert_ne!(r.status(), 303);
    }
    let locked: Option<chrono::DateTime<chrono::Utc>> =
        sqlx::query_scalar("SELECT locked_until FROM users WHERE username = 'sgt'")
            .fetch_one(&w.app.db)
            .await
            .unwrap();
    assert!(
        locked.is_some_and(|until| until > w.app.clock.now()),
        "the sign-in is locked"
    );

    // The open stream (its session was signed in before) stays open and keeps following the
    // board: the lock's notification may send the board again, never `closed`.
    let id = w.served("LK-1").await;
    held_on_the_board(&mut stream, id, "LK-1").await;
    // And later changes too: another service.
    let second = w.served("LK-2").await;
    held_on_the_board(&mut stream, second, "LK-2").await;
}

/// Reads a page stream until `id` enters its pending list (through the list of those awaiting
/// service first); `closed` fails.
async fn held_on_the_board(stream: &mut Events, id: i64, number: &str) {
    loop {
        let (name, row) = stream.expect().await;
        assert_ne!(name, "closed", "a lock does not end an open stream");
        if name == "entered" && row["list"] == "pending" && row["booking_id"].as_i64() == Some(id) {
            assert!(row["html"].as_str().unwrap().contains(number));
            return;
        }
    }
}
