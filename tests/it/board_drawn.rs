//! The board's rows are drawn once and kept with the held row (decision 0043's addendum): the
//! page's HTML of a running clock once per minute of its countdown, stage, notice and pickup
//! flag; the API's JSON once per change of the booking. Kept drawings must never show a time
//! that has passed: the clock is moved second by second across each boundary and every answer
//! must say what the time says. A supervisor's "Release now" form carries their own CSRF token,
//! never another's.

use crate::helpers::{World, t};

/// The `<tr>` of booking `id` on the page.
fn row_of(html: &str, id: i64) -> &str {
    let at = html
        .find(&format!("data-booking=\"{id}\""))
        .unwrap_or_else(|| panic!("booking {id} on the board"));
    let start = html[..at].rfind("<tr").expect("the row begins");
    let end = start + html[start..].find("</tr>").expect("the row ends");
    &html[start..end]
}

#[tokio::test]
async fn a_kept_row_says_what_the_time_says_at_every_second() {
    let w = World::new().await;
    w.app.user("sgt2", "supervisor", &["RCDC"]).await;
    // Served 2026-11-22 09:00Z: the deadline is 2026-11-24 09:00Z, no notice to ICE logged,
    // no pickup planned.
    let id = w.served("D-1").await;
    w.app.boards_held().await;
    let api = w.as_("ice").await;
    let page = |client: &reqwest::Client| {
        let client = client.clone();
        let app = &w.app;
        async move { row_of(&app.page(&client, "/transfers/pending").await, id).to_string() }
    };
    let seconds_left = || async {
        let (status, rows) = api.get("/transfers/pending").await;
        assert_eq!(status, 200);
        rows[0]["seconds_remaining"].as_i64().unwrap()
    };

    // (time, what the row must say, its stage's class)
    let moments = [
        ("2026-11-23T12:00:00Z", "21 h 00 min left", "stage-ok"),
        ("2026-11-23T12:00:01Z", "20 h 59 min left", "stage-ok"),
        ("2026-11-23T12:01:00Z", "20 h 59 min left", "stage-ok"),
        ("2026-11-23T12:01:01Z", "20 h 58 min left", "stage-ok"),
        ("2026-11-23T20:59:59Z", "12 h 00 min left", "stage-ok"),
        ("2026-11-23T21:00:00Z", "12 h 00 min left", "stage-12h"),
        ("2026-11-24T05:00:00Z", "4 h 00 min left", "stage-4h"),
        ("2026-11-24T08:00:01Z", "59 min left", "stage-1h"),
        ("2026-11-24T08:59:59Z", "0 min left", "stage-1h"),
    ];
    for (at, says, class) in moments {
        let now = t(at);
        w.app.clock.set(now);
        // Signed in afresh: a session idle for hours has ended.
        let ice = w.app.login("ice").await;
        for _ in 0..2 {
            // Asked twice: the second answer is the kept drawing.
            let row = page(&ice).await;
            assert!(row.contains(says), "at {at} the row says {says:?}: {row}");
            assert!(
                row.contains(&format!("class=\"{class}\"")),
                "at {at} the row is {class}: {row}"
            );
            assert_eq!(
                seconds_left().await,
                (t("2026-11-24T09:00:00Z") - now).num_seconds(),
                "at {at}"
            );
        }
    }

    // The pickup flag comes with the time alone (no pickup planned, the deadline near).
    let ice = w.app.login("ice").await;
    let flagged = page(&ice).await;
    assert!(
        flagged.contains("pickup-flag"),
        "no pickup planned an hour before the deadline: {flagged}"
    );

    // A planned pickup missed: its flag comes a second after the planned time, within one
    // minute of the countdown and one stage (only the pickup part of the moment changes).
    w.app.clock.set(t("2026-11-24T06:00:00Z"));
    let planned = serde_json::json!({ "planned_at": "2026-11-24T06:10:30Z", "officer": "Deportation Officer Ruiz" });
    let (status, body) = api.http_put(&format!("/bookings/{id}/pickup-plan"), planned).await;
    assert_eq!(status, 200, "{body}");
    w.app.clock.set(t("2026-11-24T06:10:30Z"));
    let ice = w.app.login("ice").await;
    for _ in 0..2 {
        let row = page(&ice).await;
        assert!(
            row.contains("ICE pickup") && !row.contains("pickup-flag"),
            "planned, not yet missed: {row}"
        );
    }
    w.app.clock.set(t("2026-11-24T06:10:31Z"));
    let row = page(&ice).await;
    assert!(
        row.contains("pickup-flag"),
        "a second past the planned pickup, it is missed: {row}"
    );

    // At the deadline: release required. Each supervisor's form holds their own token, the
    // liaison has none, and asking again changes none of it.
    w.app.clock.set(t("2026-11-24T09:00:00Z"));
    let (sgt, sgt2, ice) = (
        w.app.login("sgt").await,
        w.app.login("sgt2").await,
        w.app.login("ice").await,
    );
    for _ in 0..2 {
        for (client, who) in [(&sgt, "sgt"), (&sgt2, "sgt2")] {
            let token = w.app.csrf(client, "/transfers/pending").await;
            let row = page(client).await;
            assert!(
                row.contains("Release required") && row.contains("overdue by 0 min"),
                "{row}"
            );
            assert!(row.contains("Release now"), "{who} may release: {row}");
            assert!(row.contains(&token), "{who}'s form carries {who}'s own token: {row}");
        }
        let row = page(&ice).await;
        assert!(
            row.contains("Release required") && !row.contains("Release now"),
            "{row}"
        );
        assert!(!row.contains("csrf"), "the liaison's row carries no form: {row}");
    }
    let (a, b) = (
        w.app.csrf(&sgt, "/transfers/pending").await,
        w.app.csrf(&sgt2, "/transfers/pending").await,
    );
    assert_ne!(a, b, "two sessions, two tokens");
    assert!(!page(&sgt2).await.contains(&a), "sgt2 never sees sgt's token");
}
