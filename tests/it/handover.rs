//! The shift handover (issue 31): its lists equal a hand-built fixture at a shift boundary, its
//! period follows a daylight-saving change, the handover is recorded (audited) by the jail's
//! staff only, and thirty lines print on one Letter page in a real Chromium.

use chrono::NaiveTime;
use serde_json::json;
use wso_tracker::domain::handover::Period;
use wso_tracker::services::handover::{self, Item};

use crate::helpers::{Api, World, t};

/// A case at RCDC served at `served` (its point of release an hour before).
async fn served_at(w: &World, wso: &Api<'_>, number: &str, served: &str) -> i64 {
    let (id, doc) = w.booked_with_warrant(wso, number).await;
    let point = (t(served) - chrono::Duration::hours(1)).to_rfc3339();
    wso.ok(
        200,
        &format!("/bookings/{id}/release-point"),
        json!({ "at": point, "reason": "bond_posted" }),
    )
    .await;
    wso.ok(
        201,
        &format!("/bookings/{id}/service"),
        json!({ "document_id": doc, "at": served }),
    )
    .await;
    id
}

async fn rcdc(w: &World) -> wso_tracker::db::facilities::Facility {
    wso_tracker::db::facilities::by_code(&w.app.db, "RCDC")
        .await
        .unwrap()
        .unwrap()
}

fn item(at: &str, about: &str, what: &str, late: bool) -> Item {
    Item {
        at: t(at),
        about: Some(about.into()),
        what: what.into(),
        late,
    }
}

#[tokio::test]
async fn the_handover_lists_what_comes_due_and_what_happened_as_built_by_hand() {
    let w = World::new().await;
    // 10:00 in New York (EST): the day shift runs 07:00–19:00 (12:00Z–00:00Z); the next shift
    // ends 2026-11-23 07:00 (12:00Z).
    w.app.clock.set(t("2026-11-22T15:00:00Z"));
    let wso = w.as_("wso1").await;
    // H-1: served in this shift, ICE not told, then a citizenship claim.
    let h1 = served_at(&w, &wso, "H-1", "2026-11-22T13:00:00Z").await;
    let claim = json!({ "at": "2026-11-22T14:30:00Z", "how": "said so at intake" });
    wso.ok(201, &format!("/bookings/{h1}/citizenship-claims"), claim).await;
    // H-2: served yesterday, told, its pickup planned for the night.
    let h2 = served_at(&w, &wso, "H-2", "2026-11-21T03:00:00Z").await;
    let told = json!({ "at": "2026-11-21T03:30:00Z", "method": "phone", "contact": "ERO", "kind": "post_service" });
    wso.ok(201, &format!("/bookings/{h2}/ice-notifications"), told).await;
    let (s, _) = w
        .as_("ice")
        .await
        .http_put(
            &format!("/bookings/{h2}/pickup-plan"),
            json!({ "planned_at": "2026-11-23T01:00:00Z" }),
        )
        .await;
    assert_eq!(s, 200);
    // H-3: served yesterday morning, picked up in this shift.
    let h3 = w.served("H-3").await;
    let pickup = json!({ "at": "2026-11-22T14:00:00Z", "receiving_officer": "Officer Ruiz" });
    w.as_("ice")
        .await
        .ok(200, &format!("/bookings/{h3}/transfer"), pickup)
        .await;
    // H-4: past its deadline since 09:30 (14:30Z), ICE never told: a person held past the limit.
    served_at(&w, &wso, "H-4", "2026-11-20T14:30:00Z").await;
    // An officer whose certification expires within 30 days.
    w.app.user("soon", "officer", &["RCDC"]).await;
    let cert = json!({ "certified_on": "2025-12-10", "expires_on": "2026-12-10" });
    w.as_("sgt").await.ok(201, "/officers/soon/certification", cert).await;
    // An officer who renewed: the old grant ends soon, the new one in 2027. Not listed.
    w.app.user("renewed", "officer", &["RCDC"]).await;
    let old = json!({ "certified_on": "2025-12-01", "expires_on": "2026-12-01" });
    w.as_("sgt").await.ok(201, "/officers/renewed/certification", old).await;
    let new = json!({ "certified_on": "2026-11-01", "expires_on": "2027-11-01" });
    w.as_("sgt").await.ok(201, "/officers/renewed/certification", new).await;

    let h = handover::read(&w.app.db, rcdc(&w).await, None, t("2026-11-22T15:00:00Z"), &[12, 4, 1])
        .await
        .unwrap();
    let period = Period {
        from: t("2026-11-22T12:00:00Z"),
        to: t("2026-11-23T00:00:00Z"),
        due_until: t("2026-11-23T12:00:00Z"),
    };
    assert_eq!(h.period, period);
    assert_eq!(
        h.due,
        vec![
            item("2026-11-20T15:30:00Z", "H-4", "Notify ICE of the service", true),
            item("2026-11-22T14:00:00Z", "H-1", "Notify ICE of the service", true),
            item(
                "2026-11-22T14:30:00Z",
                "H-4",
                "Clock: 48-hour deadline PASSED: release required",
                true
            ),
            item(
                "2026-11-22T15:00:00Z",
                "H-2",
                "Clock: 12 hours left on the 48-hour clock",
                false
            ),
            item(
                "2026-11-22T15:30:00Z",
                "H-1",
                "Report the citizenship claim to ICE",
                false
            ),
            item(
                "2026-11-22T23:00:00Z",
                "H-2",
                "Clock: 4 hours left on the 48-hour clock",
                false
            ),
            item("2026-11-23T01:00:00Z", "H-2", "ICE pickup planned", false),
            item(
                "2026-11-23T02:00:00Z",
                "H-2",
                "Clock: 1 hour left on the 48-hour clock",
                false
            ),
            item(
                "2026-11-23T03:00:00Z",
                "H-2",
                "Clock: 48-hour deadline PASSED: release required",
                false
            ),
            // Its last valid day, 2026-12-10 in New York (midnight EST is 05:00Z).
            item(
                "2026-12-10T05:00:00Z",
                "soon",
                "WSO certification expires after 2026-12-10",
                false
            ),
        ]
    );
    assert_eq!(
        h.happened,
        vec![
            item(
                "2026-11-22T13:00:00Z",
                "H-1",
                "Warrant served: 48-hour clock started",
                false
            ),
            item("2026-11-22T14:00:00Z", "H-3", "Transferred to ICE", false),
        ]
    );
    // At the boundary's second the next shift begins: H-1's service is no longer this shift's.
    let next = handover::read(&w.app.db, rcdc(&w).await, None, t("2026-11-23T00:00:00Z"), &[12, 4, 1])
        .await
        .unwrap();
    assert_eq!(next.period.from, t("2026-11-23T00:00:00Z"));
    assert!(next.happened.is_empty(), "{:?}", next.happened);

    // The page shows the same, in New York time.
    let officer = w.app.login("wso1").await;
    let page = w.app.page(&officer, "/handover?facility=RCDC").await;
    let at = |s: &str| page.find(s).unwrap_or_else(|| panic!("{s} in the page"));
    assert!(at("2026-11-22 09:00 EST") < at("2026-11-22 10:00 EST"), "in time order");
    assert!(page.contains("⚠ OVERDUE: Notify ICE of the service"));

    // Handed over to the supervisor: audited; never to oneself, nor by ICE's liaison.
    let form = [
        ("facility", "RCDC"),
        ("from", "2026-11-22 07:00"),
        ("to", "2026-11-22 19:00"),
        ("received_by", "sgt"),
    ];
    let r = w.app.post_form(&officer, "/handover", &form).await;
    assert_eq!(r.status(), 303);
    let detail: serde_json::Value =
        sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = 'shift_handed_over'")
            .fetch_one(&w.app.admin_db)
            .await
            .unwrap();
    assert_eq!(
        (detail["handed_over_by"].as_str(), detail["received_by"].as_str()),
        (Some("wso1"), Some("sgt"))
    );
    assert_eq!(detail["from"], "2026-11-22T12:00:00Z");
    let mut own = form;
    own[3].1 = "wso1";
    assert_eq!(w.app.post_form(&officer, "/handover", &own).await.status(), 422);
    let ice = w.app.login("ice").await;
    let r = ice.get(w.app.url("/handover?facility=RCDC")).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let other = w.app.login("other").await;
    let r = other.get(w.app.url("/handover?facility=RCDC")).send().await.unwrap();
    assert_eq!(r.status(), 403, "another facility's officer");
}

#[tokio::test]
async fn the_night_of_a_daylight_saving_change_is_one_shift_of_thirteen_hours() {
    let w = World::new().await;
    // 2026-11-01 02:00 EDT falls back to 01:00 EST: the night shift 19:00 EDT–07:00 EST.
    let h = handover::read(&w.app.db, rcdc(&w).await, None, t("2026-11-01T06:00:00Z"), &[12, 4, 1])
        .await
        .unwrap();
    assert_eq!(
        (h.period.from, h.period.to),
        (t("2026-10-31T23:00:00Z"), t("2026-11-01T12:00:00Z"))
    );
    assert_eq!(h.period.due_until, t("2026-11-02T00:00:00Z"));
    // A facility's own shifts (the command line).
    let o = crate::cli::run(
        &w.app.database_url,
        &["facility", "shifts", "RCDC", "06:00,14:00,22:00"],
        "",
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let starts: Vec<NaiveTime> = sqlx::query_scalar("SELECT shift_starts FROM facilities WHERE code = 'RCDC'")
        .fetch_one(&w.app.admin_db)
        .await
        .unwrap();
    assert_eq!(starts.len(), 3);
    let h = handover::read(&w.app.db, rcdc(&w).await, None, t("2026-11-22T15:00:00Z"), &[12, 4, 1])
        .await
        .unwrap();
    assert_eq!(
        (h.period.from, h.period.to),
        (t("2026-11-22T11:00:00Z"), t("2026-11-22T19:00:00Z"))
    );
    let o = crate::cli::run(&w.app.database_url, &["facility", "shifts", "RCDC", "7am"], "");
    assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains("7am"));
}

#[tokio::test]
async fn thirty_lines_of_a_handover_print_on_one_letter_page() {
    let w = World::new().await;
    // Eight holds served 36 to 43 hours before 15:00Z: each reaches 12, 4 and 1 hours left and
    // its deadline before the next shift ends (32 lines), and none is told to ICE (8 more).
    w.app.clock.set(t("2026-11-22T15:00:00Z"));
    let wso = w.as_("wso1").await;
    for i in 0..8 {
        let served = t("2026-11-21T03:00:00Z") - chrono::Duration::hours(i);
        served_at(&w, &wso, &format!("P-{i}"), &served.to_rfc3339()).await;
    }
    let h = handover::read(&w.app.db, rcdc(&w).await, None, t("2026-11-22T15:00:00Z"), &[12, 4, 1])
        .await
        .unwrap();
    assert!(h.due.len() >= 30, "{} lines", h.due.len());
    let b = crate::browser::browser().await;
    b.sign_in(&w.app, "wso1").await;
    b.client.goto(&w.app.url("/handover?facility=RCDC")).await.unwrap();
    b.snap("handover").await;
    let config = fantoccini::wd::PrintConfiguration::builder()
        .size(fantoccini::wd::PrintSize::US_LETTER)
        .build()
        .unwrap();
    let pdf = b.client.print(config).await.unwrap();
    let text = String::from_utf8_lossy(&pdf);
    let pages = text.matches("/Type /Page").count() - text.matches("/Type /Pages").count();
    assert_eq!(pages, 1, "{} lines on {pages} pages", h.due.len() + h.happened.len());
}
