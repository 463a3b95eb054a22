//! The page and the API answer alike (issue 24): for every step of a case (the rulebook's own
//! list, `Step::ALL`: a new step does not compile here until its form and its API call are
//! named), every kind of viewer and every state of the case, the API accepts the step exactly
//! when the case page offers its form. The matrix is generated, never written case by case; a
//! refusal must also leave the case as it was.

use serde_json::{Value, json};

use wso_tracker::domain::rules::Step;

use crate::helpers::{Api, TestApp, booking, spawn_app, t, warrant};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Booked,
    AwaitingService,
    /// Awaiting service, and the person's claim of U.S. citizenship not yet reported to ICE.
    AwaitingServiceClaimUnreported,
    OnHold,
    /// On a WSO hold an hour past its deadline (2026-11-24T09:00Z): tried at 10:00Z, with each
    /// step's time at the deadline's second (a pickup or an IGSA hold that happened in time,
    /// entered late).
    OnHoldOverdue,
    IgsaHold,
    Released,
    Transferred,
}

/// (The overdue hold last: the app clock only moves forward.)
const STATES: [State; 8] = [
    State::Booked,
    State::AwaitingService,
    State::AwaitingServiceClaimUnreported,
    State::OnHold,
    State::IgsaHold,
    State::Released,
    State::Transferred,
    State::OnHoldOverdue,
];

/// The viewers: a certified WSO, an uncertified officer, a supervisor (certified), the ICE
/// liaison and the admin of the case's facility, and a certified officer of another facility.
const VIEWERS: [&str; 6] = ["wso", "rookie", "sgt", "ice", "boss", "other"];

/// A case built for a trial, with the ids its steps name.
struct Case {
    id: i64,
    doc: i64,
    claim: Option<i64>,
    first_event: i64,
}

struct World {
    app: TestApp,
}

impl World {
    async fn new() -> Self {
        let app = spawn_app().await;
        app.facility("RCDC", "America/New_York", true).await;
        app.facility("WAKE", "America/New_York", false).await;
        app.user("wso", "officer", &["RCDC"]).await;
        app.user("rookie", "officer", &["RCDC"]).await;
        app.user("sgt", "supervisor", &["RCDC"]).await;
        app.user("ice", "ice_liaison", &["RCDC"]).await;
        app.user("boss", "admin", &[]).await;
        app.user("other", "officer", &["WAKE"]).await;
        let boss = app.api("boss").await;
        for wso in ["wso", "sgt", "other"] {
            let path = format!("/officers/{wso}/certification");
            boss.ok(
                201,
                &path,
                json!({ "certified_on": "2026-01-05", "expires_on": "2027-12-31" }),
            )
            .await;
        }
        World { app }
    }

    /// A case in `state` (the clock stands at 2026-11-23T12:00Z); with `claim`, an unreported
    /// citizenship claim recorded while the case was still open.
    async fn case_in(&self, state: State, number: &str, claim: bool) -> Case {
        let (wso, sgt, ice) = (
            self.app.api("wso").await,
            self.app.api("sgt").await,
            self.app.api("ice").await,
        );
        let b = wso.ok(201, "/bookings", booking(number)).await;
        let id = b["id"].as_i64().unwrap();
        let doc = wso
            .ok(201, &format!("/bookings/{id}/documents"), warrant("I-200", "W-1"))
            .await;
        let doc = doc["id"].as_i64().unwrap();
        let path = |p: &str| format!("/bookings/{id}/{p}");
        let mut claim_id = None;
        let record_claim = async |claim_id: &mut Option<i64>| {
            if claim {
                let c = wso
                    .ok(
                        201,
                        &path("citizenship-claims"),
                        json!({ "at": "2026-11-21T12:00:00Z", "how": "said so" }),
                    )
                    .await;
                *claim_id = c["id"].as_i64();
            }
        };
        if state != State::Booked {
            let rp = json!({ "at": "2026-11-22T08:00:00Z", "reason": "bond_posted" });
            wso.ok(200, &path("release-point"), rp).await;
        }
        if matches!(
            state,
            State::OnHold | State::OnHoldOverdue | State::IgsaHold | State::Transferred
        ) {
            let service = json!({ "document_id": doc, "at": "2026-11-22T09:00:00Z" });
            wso.ok(201, &path("service"), service).await;
        }
        record_claim(&mut claim_id).await;
        let at = "2026-11-22T10:00:00Z";
        match state {
            State::IgsaHold => {
                sgt.ok(200, &path("igsa-hold"), json!({ "at": at })).await;
            }
            State::Released => {
                let release = json!({ "at": at, "reason": "other", "note": "charges dropped" });
                sgt.ok(200, &path("release"), release).await;
            }
            State::Transferred => {
                let pickup = json!({ "at": at, "receiving_officer": "Officer Ruiz" });
                ice.ok(200, &path("transfer"), pickup).await;
            }
            _ => {}
        }
        let (_, b) = wso.get(&format!("/bookings/{id}")).await;
        let first_event = b["events"][0]["id"].as_i64().expect("the case's first event");
        Case {
            id,
            doc,
            claim: claim_id,
            first_event,
        }
    }
}

/// The form a step posts to on the case page.
fn form_action(step: Step, c: &Case) -> String {
    let id = c.id;
    match step {
        Step::Document => format!("/bookings/{id}/documents#document"),
        Step::Withdraw => format!("/bookings/{id}/documents/{}/withdraw", c.doc),
        Step::Notification => format!("/bookings/{id}/ice-notifications#notification"),
        Step::Claim => format!("/bookings/{id}/citizenship-claims#claim"),
        Step::ReportClaim => format!("/bookings/{id}/citizenship-claims/{}/report", c.claim.unwrap()),
        Step::ReleasePoint => format!("/bookings/{id}/release-point#release-point"),
        Step::Serve => format!("/bookings/{id}/service#serve"),
        Step::Transfer => format!("/bookings/{id}/transfer#transfer"),
        Step::Release => format!("/bookings/{id}/release#release"),
        Step::Igsa => format!("/bookings/{id}/igsa-hold#igsa"),
        Step::Correct => format!("/bookings/{id}/corrections#correction"),
        Step::PlanPickup => format!("/bookings/{id}/pickup-plan#pickup-plan"),
    }
}

/// The step through the API, with an input a form would send for a step at `now`.
fn api_call(step: Step, c: &Case, now: &str) -> (String, Value) {
    let id = c.id;
    match step {
        Step::Document => (format!("/bookings/{id}/documents"), warrant("I-205", "W-2")),
        Step::Withdraw => (
            format!("/bookings/{id}/documents/{}/withdraw", c.doc),
            json!({ "at": now, "by": "ERO duty officer" }),
        ),
        Step::Notification => (
            format!("/bookings/{id}/ice-notifications"),
            json!({ "at": now, "method": "phone", "contact": "ERO duty officer" }),
        ),
        Step::Claim => (
            format!("/bookings/{id}/citizenship-claims"),
            json!({ "at": now, "how": "said so at intake" }),
        ),
        Step::ReportClaim => (
            format!("/bookings/{id}/citizenship-claims/{}/report", c.claim.unwrap()),
            json!({ "at": now, "method": "phone", "ice_contact": "ERO duty officer" }),
        ),
        Step::ReleasePoint => (
            format!("/bookings/{id}/release-point"),
            json!({ "at": now, "reason": "bond_posted" }),
        ),
        Step::Serve => (
            format!("/bookings/{id}/service"),
            json!({ "document_id": c.doc, "at": now }),
        ),
        Step::Transfer => (
            format!("/bookings/{id}/transfer"),
            json!({ "at": now, "receiving_officer": "Officer Ruiz" }),
        ),
        Step::Release => (
            format!("/bookings/{id}/release"),
            json!({ "at": now, "reason": "other", "note": "charges dropped" }),
        ),
        Step::Igsa => (format!("/bookings/{id}/igsa-hold"), json!({ "at": now })),
        Step::Correct => (
            format!("/bookings/{id}/corrections"),
            json!({ "event_id": c.first_event, "note": "the booking time was misread" }),
        ),
        // A plan is for a time to come: `attempt` sets `planned_at` an hour after the app clock.
        Step::PlanPickup => (
            format!("/bookings/{id}/pickup-plan"),
            json!({ "officer": "Officer Ruiz" }),
        ),
    }
}

/// Whether the case page shows `viewer` the step's form (a page they may not see offers nothing).
async fn offered(w: &World, pages: &[reqwest::Client], viewer: usize, step: Step, c: &Case) -> bool {
    let r = pages[viewer]
        .get(w.app.url(&format!("/bookings/{}", c.id)))
        .send()
        .await
        .unwrap();
    if r.status() != 200 {
        // A case the viewer may not see is a 404, as if it did not exist (issue 26).
        assert_eq!(r.status(), 404, "{} on case {}", VIEWERS[viewer], c.id);
        return false;
    }
    let html = r.text().await.unwrap();
    html.contains(&format!("action=\"{}", form_action(step, c)))
}

/// The state of a case as the API shows it to its facility's supervisor, and its count of
/// entries in the audit log other than reads and refusals (to show a refusal changed nothing).
async fn snapshot(w: &World, sgt: &Api<'_>, id: i64) -> (Value, i64) {
    let (status, mut b) = sgt.get(&format!("/bookings/{id}")).await;
    assert_eq!(status, 200);
    b.as_object_mut().unwrap().remove("events");
    let written: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE booking_id = $1 AND action NOT IN ('record_viewed', 'access_denied')",
    )
    .bind(id)
    .fetch_one(&w.app.admin_db)
    .await
    .unwrap();
    (b, written)
}

/// The step through the API as viewer `v`; a refusal must leave the case as it was.
async fn attempt(w: &World, api: &Api<'_>, sgt: &Api<'_>, (step, at): (Step, &str), case: &Case) -> (u16, Value) {
    let before = snapshot(w, sgt, case.id).await;
    let (path, mut body) = api_call(step, case, at);
    let (status, answer) = if step == Step::PlanPickup {
        let planned = w.app.clock.now() + chrono::Duration::hours(1);
        body["planned_at"] = json!(planned.to_rfc3339());
        api.http_put(&path, body).await
    } else {
        api.post(&path, body).await
    };
    if !(200..300).contains(&status) {
        assert!([403, 404, 409, 422].contains(&status), "{step:?}: {status} {answer}");
        assert_eq!(
            snapshot(w, sgt, case.id).await,
            before,
            "a refusal of {step:?} changed the case"
        );
    }
    (status, answer)
}

#[tokio::test]
async fn the_api_accepts_a_step_exactly_when_the_case_page_offers_it() {
    let w = World::new().await;
    let mut pages = Vec::new();
    let mut apis = Vec::new();
    for v in VIEWERS {
        pages.push(w.app.login(v).await);
        apis.push(w.app.api(v).await);
    }
    let sgt = w.app.api("sgt").await;
    let mut disagreements = Vec::new();
    let mut accepted = std::collections::HashSet::new();
    let (mut trials, mut n) = (0, 0);
    for state in STATES {
        let at = if state == State::OnHoldOverdue {
            w.app.clock.set(t("2026-11-24T10:00:00Z"));
            // Signed in again: an hour's jump of the clock ends idle sessions.
            pages.clear();
            for v in VIEWERS {
                pages.push(w.app.login(v).await);
            }
            "2026-11-24T09:00:00Z"
        } else {
            "2026-11-23T12:00:00Z"
        };
        for step in Step::ALL {
            let claim = step == Step::ReportClaim || state == State::AwaitingServiceClaimUnreported;
            let mut fresh = async || {
                n += 1;
                w.case_in(state, &format!("R-{n}"), claim).await
            };
            // One case for the viewers refused; a fresh one for each accepted step.
            let mut shared = fresh().await;
            for (v, viewer) in VIEWERS.iter().enumerate() {
                trials += 1;
                let offers = offered(&w, &pages, v, step, &shared).await;
                let (status, answer) = if offers {
                    attempt(&w, &apis[v], &sgt, (step, at), &fresh().await).await
                } else {
                    attempt(&w, &apis[v], &sgt, (step, at), &shared).await
                };
                let ok = (200..300).contains(&status);
                if ok {
                    accepted.insert(format!("{step:?}"));
                }
                if ok != offers {
                    disagreements.push(format!(
                        "{step:?} by {viewer} on a case {state:?}: page {}, API {status} {}",
                        if offers { "offers it" } else { "does not offer it" },
                        answer["error"]["code"]
                    ));
                }
                if ok && !offers {
                    // Accepted though not offered: the shared case changed; start again.
                    shared = fresh().await;
                }
            }
        }
    }
    assert_eq!(trials, STATES.len() * Step::ALL.len() * VIEWERS.len());
    assert!(
        disagreements.is_empty(),
        "the page and the API disagree:\n{}",
        disagreements.join("\n")
    );
    // The matrix is not empty on either side: every step is accepted somewhere.
    assert_eq!(accepted.len(), Step::ALL.len(), "steps never accepted: {accepted:?}");
}
