//! The authorization matrix (issue 27): every write route of `src/routes.rs`, pages and API,
//! read from the source, has an entry below; a caller of another facility (and, where roles
//! matter, a role that may never take the step) is refused with the documented status (another
//! facility's case, complaint or officer: 404 as if it did not exist; a facility named in the
//! request that is not the caller's, or a role refused: 403), and nothing is written. A write
//! route added without an entry fails the test, naming it.

use std::collections::BTreeSet;

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::helpers::{World, booking, http, warrant};
use crate::imports::HEADER;

pub const WRITES: [&str; 4] = ["post", "put", "delete", "patch"];
const METHODS: [&str; 5] = ["get", "post", "put", "delete", "patch"];

/// Which router a route belongs to.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum Router {
    Pages,
    Api,
}

/// The (router, method, path) of every write route of `src/routes.rs`, read from its source:
/// the `.route(…)` calls of `let pages = Router::new()` and `let api = Router::new()`, each up
/// to its `.fallback(`.
pub fn write_routes(source: &str) -> BTreeSet<(Router, String, String)> {
    let mut routes = BTreeSet::new();
    for (router, marker) in [
        (Router::Pages, "let pages = Router::new()"),
        (Router::Api, "let api = Router::new()"),
    ] {
        let start = source.find(marker).unwrap_or_else(|| panic!("`{marker}` in routes.rs"));
        let block = &source[start..];
        let block = &block[..block.find(".fallback(").expect("the router's fallback")];
        for call in block.split(".route(").skip(1) {
            let path = call.split('"').nth(1).expect("a route's path").to_string();
            let handlers = &call[call.find(',').expect("a route's handlers")..];
            let mut found = false;
            for (i, _) in handlers.match_indices('(') {
                let word = handlers[..i]
                    .rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
                    .next()
                    .unwrap_or_default();
                if METHODS.contains(&word) {
                    found = true;
                    if WRITES.contains(&word) {
                        routes.insert((router, word.to_string(), path.clone()));
                    }
                }
            }
            assert!(found, "no method routed for {path}");
        }
    }
    routes
}

pub fn routes_source() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/routes.rs")).unwrap()
}

#[test]
fn the_route_reader_sees_both_routers_and_only_writes() {
    let source = "let pages = Router::new()\n.route(\"/a\", get(x::a).post(x::b))\n.route(\"/i\", get(i::show).post(i::up).layer(axum::extract::DefaultBodyLimit::max(1)))\n.fallback(|| 1);\n\
                  let api = Router::new()\n.route(\n\"/b/{id}\",\nget(x::b).post(x::c),\n)\n.route(\"/c\", put(x::d))\n.route(\"/d\", delete(x::e))\n.fallback(|| 1)";
    let found: Vec<_> = write_routes(source).into_iter().collect();
    let expected = vec![
        (Router::Pages, "post".to_string(), "/a".to_string()),
        (Router::Pages, "post".to_string(), "/i".to_string()),
        (Router::Api, "delete".to_string(), "/d".to_string()),
        (Router::Api, "post".to_string(), "/b/{id}".to_string()),
        (Router::Api, "put".to_string(), "/c".to_string()),
    ];
    assert_eq!(found, expected);
}

/// The RCDC objects the refused callers aim at.
pub struct Fixture {
    pub booking: i64,
    pub doc: i64,
    pub claim: i64,
    pub event: i64,
    pub complaint: i64,
    pub alert: i64,
    pub user: i64,
    pub token: i64,
    pub display: i64,
    pub draft: i64,
    pub webhook: i64,
}

pub async fn fixture(w: &World) -> Fixture {
    let wso = w.as_("wso1").await;
    let (booking, doc) = w.booked_with_warrant(&wso, "WM-1").await;
    let claim = wso
        .ok(
            201,
            &format!("/bookings/{booking}/citizenship-claims"),
            json!({ "at": "2026-11-23T11:00:00Z", "how": "said so at intake" }),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let event: i64 = sqlx::query_scalar("SELECT min(id) FROM audit_log WHERE booking_id = $1")
        .bind(booking)
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    let complaint = wso
        .ok(
            201,
            "/complaints",
            json!({ "facility": "RCDC", "received_at": "2026-11-20T10:00:00Z", "complainant": "A. Person",
                    "officers": ["wso1"], "summary": "Rude" }),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let alert: i64 = sqlx::query_scalar(
        "INSERT INTO alerts (dedupe_key, kind, booking_id, facility_id, raised_at, title, body)
         SELECT 'wm-1', 'deadline_passed', b.id, b.facility_id, now(), 'Past the limit', 'Release'
         FROM bookings b WHERE b.id = $1 RETURNING id",
    )
    .bind(booking)
    .fetch_one(&w.app.admin_db)
    .await
    .unwrap();
    let user: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'rookie'")
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    w.app.token("rookie").await;
    let token: i64 = sqlx::query_scalar("SELECT max(id) FROM api_tokens")
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    let boss = w.app.login("boss").await;
    let r = w
        .app
        .post_form(
            &boss,
            "/admin/displays",
            &[("facility", "RCDC"), ("name", "North wall")],
        )
        .await;
    assert!(
        r.status().is_success() || r.status().is_redirection(),
        "display: {}",
        r.status()
    );
    let display: i64 = sqlx::query_scalar("SELECT max(id) FROM displays")
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    let sgt = w.app.login("sgt").await;
    let csv = format!("{HEADER}\nWM-9,Doe,Jane,1990-04-30,2026-11-20 08:00,DWI,dwi\n");
    let (status, html) = upload(w, &sgt, "RCDC", csv).await;
    assert_eq!(status, 200, "{html}");
    let start = html.find("action=\"/imports/").expect("a confirm form") + "action=\"/imports/".len();
    let draft = html[start..start + html[start..].find('/').unwrap()].parse().unwrap();
    let webhook = w
        .as_("boss")
        .await
        .ok(
            201,
            "/webhooks",
            json!({ "facility": "RCDC", "url": "https://hooks.example.org/wso", "events": ["warrant.served"] }),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    Fixture {
        booking,
        doc,
        claim,
        event,
        complaint,
        alert,
        user,
        token,
        display,
        draft,
        webhook,
    }
}

pub async fn upload(w: &World, client: &reqwest::Client, facility: &str, csv: String) -> (u16, String) {
    let csrf = w.app.csrf(client, "/").await;
    let form = Form::new()
        .text("csrf_token", csrf)
        .text("facility", facility.to_string())
        .text("format", "auto")
        .part("file", Part::bytes(csv.into_bytes()).file_name("b.csv"));
    let r = client.post(w.app.url("/imports")).multipart(form).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// How a valid request to a route is made.
pub enum Body {
    Json(Value),
    Form(Vec<(&'static str, String)>),
    /// `/imports`: a CSV file for a facility.
    Upload(&'static str, String),
    /// Acts only on the caller's own session or account: no other facility's or person's
    /// object can be named, so there is no one to refuse (the reason is given).
    OwnOnly(&'static str),
}

/// One row of the matrix: the concrete path, the body, and each refused caller with the status.
pub struct Entry {
    pub path: String,
    pub body: Body,
    pub refused: Vec<(&'static str, u16)>,
}

fn form(fields: &[(&'static str, &str)]) -> Body {
    Body::Form(fields.iter().map(|(k, v)| (*k, v.to_string())).collect())
}

/// Another facility's staff, each answered `status`.
fn others(status: u16) -> Vec<(&'static str, u16)> {
    vec![("other", status), ("wakesgt", status), ("ice2", status)]
}

/// Another facility's staff on one of its cases through `router`. A role that may never take
/// the step is refused for that (403) before the case is looked up on the API; the page looks
/// the case up first (404). `officer_may`: whether an officer may take the step at all.
fn case_others(router: Router, officer_may: bool) -> Vec<(&'static str, u16)> {
    match router {
        Router::Pages => others(404),
        Router::Api => vec![
            ("other", if officer_may { 404 } else { 403 }),
            ("wakesgt", 404),
            ("ice2", 403),
        ],
    }
}

fn with(mut v: Vec<(&'static str, u16)>, more: &[(&'static str, u16)]) -> Vec<(&'static str, u16)> {
    v.extend_from_slice(more);
    v
}

/// Everyone but an admin: staff of both facilities are refused admin work.
fn not_admins() -> Vec<(&'static str, u16)> {
    ["wso1", "sgt", "ice", "wakesgt"].iter().map(|u| (*u, 403)).collect()
}

/// The matrix. `None`: the route has no entry (the test then fails, naming it).
pub fn entry(f: &Fixture, router: Router, method: &str, path: &str) -> Option<Entry> {
    let b = f.booking;
    let case = |p: &str| p.replace("{id}", &b.to_string());
    let e = |path: String, body: Body, refused: Vec<(&'static str, u16)>| Some(Entry { path, body, refused });
    let own = |why| e(path.to_string(), Body::OwnOnly(why), vec![]);
    let at = "2026-11-23T06:30"; // New York, on a page
    let at_utc = "2026-11-23T11:30:00Z";
    use Router::*;
    match (router, method, path) {
        (Pages, "post", "/login") => own("signs in as the account whose password is given"),
        (Pages, "post", "/logout") => own("ends the caller's own session"),
        (Pages, "post", "/login/mfa") => own("the second step of the caller's own sign-in"),
        (Pages, "post", "/login/sso") => {
            own("sends the caller to the provider of their e-mail's agency; writes nothing")
        }
        (Pages, "post", "/account/mfa/setup") => own("the caller's own authenticator"),
        (Pages, "post", "/account/password") => own("the caller's own password"),
        (Pages, "post", "/account/sessions/end-others") => own("the caller's own sessions"),
        (Pages, "post", "/bookings") => e(
            "/bookings".into(),
            form(&[
                ("facility", "RCDC"),
                ("booking_number", "WM-P"),
                ("last_name", "Doe"),
                ("first_name", "Maria"),
                ("date_of_birth", "1985-02-14"),
                ("booked_at", "2026-11-23T06:15"),
                ("charges[0].description", "Driving while impaired"),
                ("charges[0].category", "dwi"),
            ]),
            with(others(403), &[("ice", 403)]),
        ),
        (_, "post", "/bookings/{id}/documents") => {
            let body = match router {
                Pages => form(&[
                    ("kind", "I-205"),
                    ("number", "W-2"),
                    ("a_number", "A12-345-678"),
                    ("issued_at", "2026-11-23T05:00"),
                    ("received_at", "2026-11-23T06:00"),
                ]),
                Api => Body::Json(warrant("I-205", "W-2")),
            };
            e(
                case(path),
                body,
                with(
                    case_others(router, true),
                    &[("ice", if router == Pages { 404 } else { 403 })],
                ),
            )
        }
        (_, "post", "/bookings/{id}/documents/{doc_id}/withdraw") => {
            let p = case(path).replace("{doc_id}", &f.doc.to_string());
            let body = match router {
                Pages => form(&[("at", at), ("by", "ERO duty officer")]),
                Api => Body::Json(json!({ "at": at_utc, "by": "ERO duty officer" })),
            };
            e(p, body, case_others(router, true))
        }
        (_, "post", "/bookings/{id}/ice-notifications") => {
            let body = match router {
                Pages => form(&[("at", at), ("method", "phone"), ("contact", "ERO duty officer")]),
                Api => Body::Json(json!({ "at": at_utc, "method": "phone", "contact": "ERO duty officer" })),
            };
            e(case(path), body, case_others(router, true))
        }
        (_, "post", "/bookings/{id}/citizenship-claims") => {
            let body = match router {
                Pages => form(&[("at", at), ("how", "said so")]),
                Api => Body::Json(json!({ "at": at_utc, "how": "said so" })),
            };
            e(case(path), body, case_others(router, true))
        }
        (_, "post", "/bookings/{id}/citizenship-claims/{claim_id}/report") => {
            let p = case(path).replace("{claim_id}", &f.claim.to_string());
            let body = match router {
                Pages => form(&[("at", at), ("method", "phone"), ("ice_contact", "ERO duty officer")]),
                Api => Body::Json(json!({ "at": at_utc, "method": "phone", "ice_contact": "ERO duty officer" })),
            };
            e(p, body, case_others(router, true))
        }
        (_, "post", "/bookings/{id}/release-point") => {
            let body = match router {
                Pages => form(&[("at", at), ("reason", "bond_posted")]),
                Api => Body::Json(json!({ "at": at_utc, "reason": "bond_posted" })),
            };
            e(case(path), body, case_others(router, true))
        }
        (_, "post", "/bookings/{id}/service") => {
            let doc = f.doc.to_string();
            let body = match router {
                Pages => form(&[("document_id", &doc), ("at", at)]),
                Api => Body::Json(json!({ "document_id": f.doc, "at": at_utc })),
            };
            e(case(path), body, case_others(router, true))
        }
        (_, "post", "/bookings/{id}/transfer") => {
            let body = match router {
                Pages => form(&[("at", at), ("receiving_officer", "Officer Ruiz"), ("confirm", "yes")]),
                Api => Body::Json(json!({ "at": at_utc, "receiving_officer": "Officer Ruiz" })),
            };
            // The liaison of another facility may take a pickup, just not of this case: 404.
            let mut refused = with(case_others(router, false), &[("wso1", 403)]);
            refused[2].1 = 404;
            e(case(path), body, refused)
        }
        (_, "post", "/bookings/{id}/release") => {
            let body = match router {
                Pages => form(&[("at", at), ("reason", "other"), ("note", "dropped"), ("confirm", "yes")]),
                Api => Body::Json(json!({ "at": at_utc, "reason": "other", "note": "dropped" })),
            };
            e(case(path), body, with(case_others(router, false), &[("wso1", 403)]))
        }
        (_, "post", "/bookings/{id}/igsa-hold") => {
            let body = match router {
                Pages => form(&[("at", at), ("confirm", "yes")]),
                Api => Body::Json(json!({ "at": at_utc })),
            };
            e(case(path), body, with(case_others(router, false), &[("wso1", 403)]))
        }
        // The shift handover (issue 31): the jail's staff of the facility.
        (Pages, "post", "/handover") => e(
            path.into(),
            form(&[
                ("facility", "RCDC"),
                ("from", "2026-11-22 07:00"),
                ("to", "2026-11-22 19:00"),
                ("received_by", "sgt"),
            ]),
            with(others(403), &[("ice", 403)]),
        ),
        // The served person's notice, given (issue 31): the jail's staff of the facility.
        (Pages, "post", "/bookings/{id}/notice/given") => {
            e(case(path), form(&[("lang", "en")]), with(others(404), &[("ice", 404)]))
        }
        // ICE's pickup plan (issue 31): the facility's liaison or supervisor; another facility's
        // liaison may plan, just not this case (404), an officer never (403).
        (Pages, "post", "/bookings/{id}/pickup-plan") | (Api, "put", "/bookings/{id}/pickup-plan") => {
            let body = match router {
                Pages => form(&[("planned_at", "2026-11-23T18:00")]),
                Api => Body::Json(json!({ "planned_at": "2026-11-23T23:00:00Z" })),
            };
            let mut refused = with(case_others(router, false), &[("wso1", 403)]);
            refused[2].1 = 404;
            e(case(path), body, refused)
        }
        (Pages, "post", "/bookings/{id}/pickup-plan/withdraw") | (Api, "delete", "/bookings/{id}/pickup-plan") => {
            let body = match router {
                Pages => form(&[]),
                Api => Body::Json(json!({})),
            };
            let mut refused = with(case_others(router, false), &[("wso1", 403)]);
            refused[2].1 = 404;
            e(case(path), body, refused)
        }
        (_, "post", "/bookings/{id}/corrections") => {
            let event = f.event.to_string();
            let body = match router {
                Pages => form(&[("event_id", &event), ("note", "misread")]),
                Api => Body::Json(json!({ "event_id": f.event, "note": "misread" })),
            };
            e(case(path), body, case_others(router, true))
        }
        (Pages, "post", "/bookings/{id}/release-now") => e(
            case(path),
            form(&[("confirm", "yes")]),
            with(others(404), &[("wso1", 403)]),
        ),
        (_, "post", "/complaints") => {
            let body = match router {
                Pages => form(&[
                    ("facility", "RCDC"),
                    ("received_at", "2026-11-20T10:00"),
                    ("complainant", "B. Person"),
                    ("officers", "wso1"),
                    ("summary", "Rude"),
                ]),
                Api => Body::Json(json!({ "facility": "RCDC", "received_at": "2026-11-20T10:00:00Z",
                                          "complainant": "B. Person", "officers": ["wso1"], "summary": "Rude" })),
            };
            e(path.into(), body, others(403))
        }
        (_, "post", "/complaints/{id}/ice-notified") => {
            let p = path.replace("{id}", &f.complaint.to_string());
            let body = match router {
                Pages => form(&[("at", at), ("method", "e-mail"), ("ice_contact", "OPR")]),
                Api => Body::Json(json!({ "at": at_utc, "method": "e-mail", "ice_contact": "OPR" })),
            };
            e(p, body, vec![("other", 404), ("wakesgt", 404), ("ice2", 403)])
        }
        (_, "post", "/complaints/{id}/outcome") => {
            let p = path.replace("{id}", &f.complaint.to_string());
            let body = match router {
                Pages => form(&[("at", at), ("summary", "Unfounded")]),
                Api => Body::Json(json!({ "at": at_utc, "summary": "Unfounded" })),
            };
            e(
                p,
                body,
                vec![("other", 403), ("wakesgt", 404), ("ice2", 403), ("wso1", 403)],
            )
        }
        (Pages, "post", "/agreement/interpreters") | (Api, "post", "/interpreters") => {
            let body = match router {
                Pages => form(&[("facility", "RCDC"), ("name", "Ana Ruiz"), ("languages", "Spanish")]),
                Api => Body::Json(json!({ "facility": "RCDC", "name": "Ana Ruiz", "languages": "Spanish" })),
            };
            e(path.into(), body, with(others(403), &[("wso1", 403)]))
        }
        (Pages, "post", "/agreement/disclosures") | (Api, "post", "/disclosures") => {
            let body = match router {
                Pages => form(&[
                    ("facility", "RCDC"),
                    ("what", "figures"),
                    ("recipient", "a newspaper"),
                    ("requested_on", "2026-11-01"),
                    ("clearance_requested_on", "2026-11-02"),
                    ("cleared_on", "2026-11-04"),
                    ("released_on", "2026-11-05"),
                ]),
                Api => Body::Json(
                    json!({ "facility": "RCDC", "what": "figures", "recipient": "a newspaper",
                    "requested_on": "2026-11-01", "clearance_requested_on": "2026-11-02",
                    "cleared_on": "2026-11-04", "released_on": "2026-11-05" }),
                ),
            };
            e(path.into(), body, with(others(403), &[("wso1", 403)]))
        }
        (Pages, "post", "/agreement/reviews") | (Api, "post", "/reviews") => {
            let body = match router {
                Pages => form(&[
                    ("facility", "RCDC"),
                    ("held_on", "2026-06-01"),
                    ("attendees", "sheriff"),
                ]),
                Api => Body::Json(json!({ "facility": "RCDC", "held_on": "2026-06-01", "attendees": "sheriff" })),
            };
            e(path.into(), body, with(others(403), &[("wso1", 403)]))
        }
        (Pages, "post", "/alerts/ack") => own("acknowledges the alerts the caller sees, and only those"),
        (Pages, "post", "/alerts/{id}/ack") => e(
            path.replace("{id}", &f.alert.to_string()),
            form(&[]),
            // Another facility's alert is behind the wall (row-level security): not found, as
            // one that does not exist.
            vec![("wakesgt", 404), ("ice2", 404)],
        ),
        (Pages, "post", "/roster/certifications") => e(
            path.into(),
            form(&[
                ("username", "rookie"),
                ("certified_on", "2026-01-01"),
                ("expires_on", "2027-12-31"),
            ]),
            vec![("wakesgt", 404), ("wso1", 403), ("ice", 403)],
        ),
        (Pages, "post", "/roster/revocations") => e(
            path.into(),
            form(&[("username", "wso1"), ("reason", "withdrawn"), ("confirm", "yes")]),
            vec![("wakesgt", 404), ("wso1", 403), ("ice", 403)],
        ),
        (Pages, "post", "/roster/facts") => e(
            path.into(),
            form(&[
                ("username", "rookie"),
                ("fact", "exam"),
                ("taken_on", "2025-11-01"),
                ("score", "80"),
            ]),
            vec![("wakesgt", 404), ("wso1", 403), ("ice", 403)],
        ),
        (Api, "post", "/officers/{username}/certification") => e(
            path.replace("{username}", "rookie"),
            Body::Json(json!({ "certified_on": "2026-01-01", "expires_on": "2027-12-31" })),
            vec![("wakesgt", 404), ("wso1", 403), ("ice", 403)],
        ),
        (Api, "post", "/officers/{username}/certification/revoke") => e(
            path.replace("{username}", "wso1"),
            Body::Json(json!({ "reason": "withdrawn" })),
            vec![("wakesgt", 404), ("wso1", 403), ("ice", 403)],
        ),
        (Api, "post", "/officers/{username}/exam") => e(
            path.replace("{username}", "rookie"),
            Body::Json(json!({ "taken_on": "2025-11-01", "score": 80 })),
            vec![("wakesgt", 404), ("wso1", 403), ("ice", 403)],
        ),
        (Api, "post", "/officers/{username}/credentials") => e(
            path.replace("{username}", "wso1"),
            Body::Json(json!({ "form_70_006_number": "70-006-1", "issued_on": "2026-01-10" })),
            vec![("wakesgt", 404), ("wso1", 403), ("ice", 403)],
        ),
        (Api, "post", "/officers/{username}/credentials/returned") => e(
            path.replace("{username}", "wso1"),
            Body::Json(json!({ "on": "2026-11-23" })),
            vec![("wakesgt", 404), ("wso1", 403), ("ice", 403)],
        ),
        (Api, "post", "/officers/{username}/withdrawal") => e(
            path.replace("{username}", "wso1"),
            Body::Json(json!({ "received_on": "2026-11-20", "effective_on": "2026-12-01" })),
            vec![("wakesgt", 404), ("wso1", 403), ("ice", 403)],
        ),
        (Api, "post", "/officers/{username}/departure-notice") => e(
            path.replace("{username}", "wso1"),
            Body::Json(json!({ "given_on": "2026-11-23", "departs_on": "2026-11-30" })),
            vec![("wakesgt", 404), ("wso1", 403), ("ice", 403)],
        ),
        (Api, "post", "/bookings") => e(
            path.into(),
            Body::Json(booking("WM-A")),
            with(others(403), &[("ice", 403)]),
        ),
        (Api, "put", "/facilities/{code}/public") => e(
            path.replace("{code}", "RCDC"),
            Body::Json(json!({ "enabled": true })),
            vec![("wakesgt", 403), ("wso1", 403), ("ice", 403)],
        ),
        (Api, "post", "/webhooks") => e(
            path.into(),
            Body::Json(
                json!({ "facility": "RCDC", "url": "https://hooks.example.org/b", "events": ["warrant.served"] }),
            ),
            not_admins(),
        ),
        // A liaison's grants (issue 28): the world is one agency, so the refusals are roles.
        (Api, "post", "/users/{username}/facilities") => e(
            path.replace("{username}", "ice2"),
            Body::Json(json!({ "facility": "RCDC" })),
            not_admins(),
        ),
        (Api, "delete", "/users/{username}/facilities/{code}") => e(
            path.replace("{username}", "ice").replace("{code}", "RCDC"),
            Body::Json(json!({})),
            not_admins(),
        ),
        (Api, "delete", "/webhooks/{id}") => e(
            path.replace("{id}", &f.webhook.to_string()),
            Body::Json(json!({})),
            not_admins(),
        ),
        (Pages, "post", "/admin/agency/mfa") => e(path.into(), form(&[("required", "true")]), not_admins()),
        (Pages, "post", "/admin/agency/sso") => e(
            path.into(),
            form(&[
                ("issuer", "https://login.example.org/tenant/v2.0"),
                ("client_id", "wso-tracker"),
                ("client_secret", "a-client-secret"),
                ("mfa_claim", "amr=mfa"),
            ]),
            not_admins(),
        ),
        (Pages, "post", "/admin/agency/sso/disable") => e(path.into(), form(&[]), not_admins()),
        (Pages, "post", "/admin/agency/settings") => e(
            path.into(),
            form(&[
                ("record_name", "Rockingham County Sheriff's Office"),
                ("mail_sender_name", "Rockingham County Sheriff"),
                ("alert_hours_left", "24,8,2"),
            ]),
            not_admins(),
        ),
        (Pages, "post", "/admin/users") => e(
            path.into(),
            form(&[
                ("username", "newbie"),
                ("full_name", "New Officer"),
                ("role", "officer"),
                ("email", "newbie@county.example.org"),
                ("facilities", "RCDC"),
                ("password", "a long enough password 123"),
            ]),
            not_admins(),
        ),
        (Pages, "post", p) if p.starts_with("/admin/users/{id}") => e(
            p.replace("{id}", &f.user.to_string()),
            form(&[("role", "supervisor"), ("facilities", "RCDC"), ("confirm", "yes")]),
            not_admins(),
        ),
        (Pages, "post", "/admin/tokens/{id}/revoke") => e(
            path.replace("{id}", &f.token.to_string()),
            form(&[("confirm", "yes")]),
            not_admins(),
        ),
        (Pages, "post", "/admin/facilities") => e(
            path.into(),
            form(&[
                ("code", "NEWF"),
                ("name", "New Facility"),
                ("timezone", "America/New_York"),
            ]),
            not_admins(),
        ),
        (Pages, "post", "/admin/facilities/{code}/settings") => {
            e(path.replace("{code}", "RCDC"), form(&[("igsa", "on")]), not_admins())
        }
        (Pages, "post", "/admin/facilities/{code}/public") => e(
            path.replace("{code}", "RCDC"),
            form(&[("enabled", "true"), ("confirm", "yes")]),
            not_admins(),
        ),
        (Pages, "post", "/admin/displays") => e(
            path.into(),
            form(&[("facility", "RCDC"), ("name", "South wall")]),
            not_admins(),
        ),
        (Pages, "post", "/admin/displays/{id}/revoke") => e(
            path.replace("{id}", &f.display.to_string()),
            form(&[("confirm", "yes")]),
            not_admins(),
        ),
        (Pages, "post", "/admin/webhooks") => e(
            path.into(),
            form(&[
                ("facility", "RCDC"),
                ("url", "https://hooks.example.org/c"),
                ("events", "warrant.served"),
            ]),
            not_admins(),
        ),
        (Pages, "post", "/imports") => e(
            path.into(),
            Body::Upload(
                "RCDC",
                format!("{HEADER}\nWM-8,Roe,Rick,1980-01-01,2026-11-21 09:00,Theft,property\n"),
            ),
            vec![("wakesgt", 403), ("wso1", 403), ("ice", 403)],
        ),
        (Pages, "post", "/imports/{id}/confirm") => e(
            path.replace("{id}", &f.draft.to_string()),
            form(&[]),
            vec![("wakesgt", 404), ("wso1", 403), ("ice", 403)],
        ),
        _ => None,
    }
}

/// Every write route has an entry; each refused caller gets its status and writes nothing.
#[tokio::test]
async fn every_write_route_refuses_another_facility_and_the_wrong_role_and_writes_nothing() {
    let routes = write_routes(&routes_source());
    assert!(routes.len() >= 70, "only {} write routes read", routes.len());
    let w = World::new().await;
    let f = fixture(&w).await;

    let missing: Vec<_> = routes
        .iter()
        .filter(|(r, m, p)| entry(&f, *r, m, p).is_none())
        .collect();
    assert!(
        missing.is_empty(),
        "write routes without an entry in the matrix: {missing:?}"
    );

    let users = ["other", "wakesgt", "ice2", "wso1", "ice", "sgt"];
    let mut clients = std::collections::HashMap::new();
    let mut tokens = std::collections::HashMap::new();
    for u in users {
        clients.insert(u, w.app.login(u).await);
        tokens.insert(u, w.app.token(u).await);
    }
    let api = http();
    let mut failures = Vec::new();
    let (mut trials, mut own) = (0, Vec::new());
    for (router, method, route) in &routes {
        let entry = entry(&f, *router, method, route).unwrap();
        if let Body::OwnOnly(why) = entry.body {
            own.push(format!("{route}: {why}"));
            continue;
        }
        assert!(!entry.refused.is_empty(), "{route}: nobody refused");
        let before = w.app.table_counts().await;
        // Another facility's case or complaint answers as one that does not exist: the same
        // status for the same caller on an id that is nobody's.
        let missing = (route.starts_with("/bookings/{id}") || route.starts_with("/complaints/{id}")).then(|| {
            route
                .replace("{id}", "999999")
                .replace("{doc_id}", &f.doc.to_string())
                .replace("{claim_id}", &f.claim.to_string())
        });
        for (user, expected) in &entry.refused {
            let send = |path: String| {
                let (w, api, clients, tokens) = (&w, &api, &clients, &tokens);
                let (body, method, route) = (&entry.body, method.clone(), route.clone());
                async move {
                    match (body, router) {
                        (Body::Json(body), Router::Api) => {
                            let url = w.app.url(&format!("/api/v1{path}"));
                            let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
                            api.request(m, url)
                                .bearer_auth(&tokens[user])
                                .json(body)
                                .send()
                                .await
                                .unwrap()
                                .status()
                                .as_u16()
                        }
                        (Body::Form(fields), Router::Pages) => {
                            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                            w.app.post_form(&clients[user], &path, &fields).await.status().as_u16()
                        }
                        (Body::Upload(facility, csv), Router::Pages) => {
                            upload(w, &clients[user], facility, csv.clone()).await.0
                        }
                        _ => panic!("{route}: a body of the wrong kind for its router"),
                    }
                }
            };
            let status = send(entry.path.clone()).await;
            trials += 1;
            let shown = |path: &str| {
                format!(
                    "{} {}{path} as {user}",
                    method.to_uppercase(),
                    if *router == Router::Api { "/api/v1" } else { "" },
                )
            };
            if status != *expected {
                failures.push(format!("{}: {status}, expected {expected}", shown(&entry.path)));
            }
            // (Staff of RCDC itself may know which of its cases exist.)
            let outsider = ["other", "wakesgt", "ice2"].contains(user);
            if let Some(path) = missing.as_ref().filter(|_| outsider) {
                let nobodys = send(path.clone()).await;
                trials += 1;
                if nobodys != status {
                    failures.push(format!(
                        "{}: {nobodys}, but {status} on RCDC's (it should look as if it did not exist)",
                        shown(path)
                    ));
                }
            }
        }
        let after = w.app.table_counts().await;
        if after != before {
            let changed: Vec<_> = before
                .iter()
                .zip(&after)
                .filter(|(b, a)| b != a)
                .map(|(b, a)| format!("{} {}→{}", b.0, b.1, a.1))
                .collect();
            failures.push(format!("{method} {route}: refused callers wrote: {changed:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!(
        "write matrix: {} write routes, {trials} refusals checked, {} acting only on the caller's own account: {own:?}",
        routes.len(),
        own.len()
    );
}
