//! Board streams per account are bounded (`WSO_STREAMS_PER_USER`): one account cannot hold a
//! server's memory with endless tabs or a runaway tool. Past the bound the stream is refused
//! with 429, and an open board page then falls back to polling, and says so.

use std::time::Duration;

use wso_tracker::config::Config;

use crate::board_events::Events;
use crate::browser::browser;
use crate::helpers::World;

async fn world_with_streams_per_user(n: usize) -> World {
    World::with_config(Config {
        streams_per_user: n,
        ..Config::for_tests()
    })
    .await
}

#[tokio::test]
async fn an_account_holds_at_most_its_streams_and_a_closed_one_frees_its_place() {
    let w = world_with_streams_per_user(2).await;
    let token = w.app.token("sgt").await;
    let first = Events::api(&w.app, &token).await;
    let _second = Events::api(&w.app, &token).await;
    let third = crate::helpers::http()
        .get(w.app.url("/api/v1/transfers/pending/events"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(third.status(), 429);
    assert!(third.headers().contains_key("retry-after"));
    let body: serde_json::Value = third.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_many_streams", "{body}");
    // Another account is not affected.
    let mut other = Events::api(&w.app, &w.app.token("ice").await).await;
    assert_eq!(other.expect().await.0, "board");
    // A client that goes away gives its place back.
    drop(first);
    let started = std::time::Instant::now();
    loop {
        let again = crate::helpers::http()
            .get(w.app.url("/api/v1/transfers/pending/events"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        if again.status() == 200 {
            break;
        }
        assert_eq!(again.status(), 429);
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the closed stream's place was not given back within 20 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn a_board_refused_its_stream_polls_and_says_so() {
    let w = world_with_streams_per_user(1).await;
    w.served("POLL-1").await;
    // The supervisor's one stream is taken by a tool.
    let _tool = Events::api(&w.app, &w.app.token("sgt").await).await;
    let b = browser().await;
    b.sign_in(&w.app, "sgt").await;
    b.client.goto(&w.app.url("/transfers/pending")).await.unwrap();
    let note = b.wait_text("[data-live-note]", "every 4 seconds").await;
    assert!(note.contains("Live updates are not available"), "{note}");
    assert_eq!(b.board_stream().await, "polling");
    // Still current: a hold served elsewhere appears without a reload, by the next poll.
    b.served_appears_in_place(&w, "POLL-2", Duration::from_secs(10)).await;
    b.client.clone().close().await.unwrap();
}
