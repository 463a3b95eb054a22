//! Audit completeness (issue 27): every write route of `src/routes.rs` (pages and API, read
//! from the source as `write_matrix.rs` does), taken once successfully by an allowed caller,
//! leaves exactly its named audit action(s), by that caller, about the case (its `booking_id`)
//! or the object (a field of the entry's detail). A write route without a step here fails the
//! test, naming it.

use std::collections::{BTreeSet, HashMap};

use serde_json::{Value, json};
use wso_tracker::auth::totp;

use crate::helpers::{World, booking, http, warrant};
use crate::imports::HEADER;
use crate::write_matrix::{Router, routes_source, upload, write_routes};

/// What the audit entries are about.
enum About {
    /// Every entry carries this case's `booking_id`.
    Case(i64),
    /// An entry's detail (or the account services' `detail.detail`) has this field with this
    /// value.
    Detail(&'static str, Value),
    /// The caller's own account or session: the actor is the object.
    Own,
}

struct Run<'a> {
    w: &'a World,
    ids: HashMap<String, i64>,
    tokens: HashMap<&'static str, String>,
    clients: HashMap<&'static str, reqwest::Client>,
    covered: BTreeSet<(Router, String, String)>,
    failures: Vec<String>,
    steps: usize,
}

impl Run<'_> {
    async fn mark(&self) -> i64 {
        sqlx::query_scalar("SELECT coalesce(max(id), 0) FROM audit_log")
            .fetch_one(&self.w.app.db)
            .await
            .unwrap()
    }

    /// Sends a JSON request to the API as `caller`; returns the status and body.
    async fn send_api(&self, caller: &str, method: &str, path: &str, body: &Value) -> (u16, Value) {
        let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let r = http()
            .request(m, self.w.app.url(&format!("/api/v1{path}")))
            .bearer_auth(&self.tokens[caller])
            .json(body)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    /// One API step: `route` is the path as routed; `path` the concrete one.
    #[allow(clippy::too_many_arguments)]
    async fn api(
        &mut self,
        method: &str,
        route: &str,
        caller: &'static str,
        path: &str,
        body: Value,
        expected: &[&str],
        about: impl FnOnce(&Value) -> About,
    ) -> Value {
        let mark = self.mark().await;
        let (status, v) = self.send_api(caller, method, path, &body).await;
        let key = (Router::Api, method.to_string(), route.to_string());
        if !(200..300).contains(&status) {
            self.failures
                .push(format!("{method} /api/v1{path} as {caller}: {status} {v}"));
            return v;
        }
        let about = about(&v);
        self.check(key, caller, mark, expected, about).await;
        v
    }

    /// One page step: a form posted with the session's CSRF token.
    #[allow(clippy::too_many_arguments)]
    async fn page(
        &mut self,
        route: &str,
        caller: &'static str,
        path: &str,
        fields: &[(&str, &str)],
        expected: &[&str],
        about: About,
    ) -> String {
        let mark = self.mark().await;
        let r = self.w.app.post_form(&self.clients[caller], path, fields).await;
        let status = r.status().as_u16();
        let html = r.text().await.unwrap();
        self.page_result(route, caller, path, status, &html, mark, expected, about)
            .await;
        html
    }

    #[allow(clippy::too_many_arguments)]
    async fn page_result(
        &mut self,
        route: &str,
        caller: &'static str,
        path: &str,
        status: u16,
        html: &str,
        mark: i64,
        expected: &[&str],
        about: About,
    ) {
        let key = (Router::Pages, "post".to_string(), route.to_string());
        if !(200..400).contains(&status) || html.contains("There is a problem") {
            let start = html.find("There is a problem").unwrap_or(0);
            let excerpt: String = html[start..].chars().take(400).collect();
            self.failures
                .push(format!("POST {path} as {caller}: {status} {excerpt}"));
            return;
        }
        self.check(key, caller, mark, expected, about).await;
    }

    async fn check(&mut self, key: (Router, String, String), caller: &str, mark: i64, expected: &[&str], about: About) {
        self.steps += 1;
        let rows: Vec<(String, Option<i64>, Option<i64>, Value)> =
            sqlx::query_as("SELECT action, actor_id, booking_id, detail FROM audit_log WHERE id > $1 ORDER BY id")
                .bind(mark)
                .fetch_all(&self.w.app.db)
                .await
                .unwrap();
        let what = format!("{} {}", key.1.to_uppercase(), key.2);
        let actions: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
        if actions != expected {
            self.failures.push(format!(
                "{what} as {caller}: audited {actions:?}, expected {expected:?}"
            ));
        }
        let actor = self.ids[caller];
        for (action, actor_id, booking_id, detail) in &rows {
            if *actor_id != Some(actor) {
                self.failures.push(format!(
                    "{what}: {action} by actor {actor_id:?}, not {caller} ({actor})"
                ));
            }
            if let About::Case(case) = about
                && *booking_id != Some(case)
            {
                self.failures.push(format!(
                    "{what}: {action} about case {booking_id:?}, not {case}: {detail}"
                ));
            }
        }
        if let About::Detail(field, value) = &about {
            let names = |d: &Value| d[*field] == *value || d["detail"][*field] == *value;
            if !rows.is_empty() && !rows.iter().any(|r| names(&r.3)) {
                let details: Vec<_> = rows.iter().map(|r| r.3.to_string()).collect();
                self.failures
                    .push(format!("{what}: no entry has {field} = {value}: {details:?}"));
            }
        }
        self.covered.insert(key);
    }

    /// The id a query finds; -1 when it finds none (the step that needs it then fails).
    async fn id_of(&self, sql: &str) -> i64 {
        sqlx::query_scalar::<_, Option<i64>>(sql)
            .fetch_optional(&self.w.app.db)
            .await
            .unwrap()
            .flatten()
            .unwrap_or(-1)
    }
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap_or(-1)
}

#[tokio::test]
async fn every_successful_write_leaves_its_audit_action_by_its_actor_about_its_object() {
    let routes = write_routes(&routes_source());
    let w = World::new().await;
    let mut ids = HashMap::new();
    let users: Vec<(String, i64)> = sqlx::query_as("SELECT username, id FROM users")
        .fetch_all(&w.app.db)
        .await
        .unwrap();
    ids.extend(users);
    let mut run = Run {
        w: &w,
        ids,
        tokens: HashMap::new(),
        clients: HashMap::new(),
        covered: BTreeSet::new(),
        failures: Vec::new(),
        steps: 0,
    };
    for u in ["wso1", "sgt", "ice", "boss"] {
        run.tokens.insert(u, w.app.token(u).await);
        run.clients.insert(u, w.app.login(u).await);
    }
    api_case(&mut run).await;
    api_duties(&mut run).await;
    page_case(&mut run).await;
    page_duties(&mut run).await;
    page_admin(&mut run).await;
    page_account(&mut run).await;
    page_overdue(&mut run).await;
    // Where every account needs an authenticator: a server of its own.
    let mut config = wso_tracker::config::Config::for_tests();
    config.mfa_required = true;
    let mfa = World {
        app: crate::helpers::spawn_app_with(config).await,
    };
    mfa.app.facility("RCDC", "America/New_York", false).await;
    let mut second = Run {
        w: &mfa,
        ids: HashMap::new(),
        tokens: HashMap::new(),
        clients: HashMap::new(),
        covered: BTreeSet::new(),
        failures: Vec::new(),
        steps: 0,
    };
    page_mfa(&mut second).await;
    run.covered.append(&mut second.covered);
    run.failures.append(&mut second.failures);
    run.steps += second.steps;

    let missing: Vec<_> = routes.iter().filter(|k| !run.covered.contains(*k)).collect();
    let unknown: Vec<_> = run.covered.iter().filter(|k| !routes.contains(*k)).collect();
    assert!(
        run.failures.is_empty(),
        "{} failures:\n{}",
        run.failures.len(),
        run.failures.join("\n")
    );
    assert!(missing.is_empty(), "write routes with no audited step: {missing:?}");
    assert!(unknown.is_empty(), "steps for routes not in routes.rs: {unknown:?}");
    eprintln!(
        "audit matrix: {} write routes, {} steps checked",
        routes.len(),
        run.steps
    );
}

/// A case through the API, every step once.
async fn api_case(run: &mut Run<'_>) {
    let b = run
        .api(
            "post",
            "/bookings",
            "wso1",
            "/bookings",
            booking("AM-1"),
            &["booking_created"],
            |v| About::Case(id(v)),
        )
        .await;
    let c = id(&b);
    let case = move |_: &Value| About::Case(c);
    let p = |s: &str| format!("/bookings/{c}{s}");
    let docs = "/bookings/{id}/documents";
    let d1 = id(&run
        .api(
            "post",
            docs,
            "wso1",
            &p("/documents"),
            warrant("I-200", "W-1"),
            &["document_added"],
            case,
        )
        .await);
    let d2 = id(&run
        .api(
            "post",
            docs,
            "wso1",
            &p("/documents"),
            warrant("I-205", "W-2"),
            &["document_added"],
            case,
        )
        .await);
    let at = |m: u32| format!("2026-11-23T11:{m:02}:00Z");
    run.api(
        "post",
        "/bookings/{id}/documents/{doc_id}/withdraw",
        "wso1",
        &p(&format!("/documents/{d2}/withdraw")),
        json!({ "at": at(1), "by": "ERO duty officer" }),
        &["document_withdrawn"],
        case,
    )
    .await;
    run.api(
        "post",
        "/bookings/{id}/ice-notifications",
        "wso1",
        &p("/ice-notifications"),
        json!({ "at": at(2), "method": "phone", "contact": "ERO duty officer" }),
        &["ice_notified"],
        case,
    )
    .await;
    let claim = id(&run
        .api(
            "post",
            "/bookings/{id}/citizenship-claims",
            "wso1",
            &p("/citizenship-claims"),
            json!({ "at": at(3), "how": "said so at intake" }),
            &["citizenship_claim_recorded"],
            case,
        )
        .await);
    run.api(
        "post",
        "/bookings/{id}/citizenship-claims/{claim_id}/report",
        "wso1",
        &p(&format!("/citizenship-claims/{claim}/report")),
        json!({ "at": at(4), "method": "phone", "ice_contact": "ERO duty officer" }),
        &["citizenship_claim_reported"],
        case,
    )
    .await;
    run.api(
        "post",
        "/bookings/{id}/release-point",
        "wso1",
        &p("/release-point"),
        json!({ "at": at(5), "reason": "bond_posted" }),
        &["release_point_recorded"],
        case,
    )
    .await;
    run.api(
        "post",
        "/bookings/{id}/service",
        "wso1",
        &p("/service"),
        json!({ "document_id": d1, "at": at(6) }),
        &["warrant_served"],
        case,
    )
    .await;
    let first = run
        .id_of(&format!("SELECT min(id) FROM audit_log WHERE booking_id = {c}"))
        .await;
    run.api(
        "post",
        "/bookings/{id}/corrections",
        "wso1",
        &p("/corrections"),
        json!({ "event_id": first, "note": "the booking time was misread" }),
        &["correction_recorded"],
        case,
    )
    .await;
    run.api(
        "post",
        "/bookings/{id}/transfer",
        "ice",
        &p("/transfer"),
        json!({ "at": at(7), "receiving_officer": "Officer Ruiz" }),
        &["transferred"],
        case,
    )
    .await;
    // The release and the IGSA hold, each on a held case of its own.
    for (route, body, action) in [
        (
            "/bookings/{id}/release",
            json!({ "at": at(8), "reason": "other", "note": "charges dropped" }),
            "released",
        ),
        ("/bookings/{id}/igsa-hold", json!({ "at": at(8) }), "igsa_hold_started"),
    ] {
        sqlx::query("UPDATE facilities SET igsa = true WHERE code = 'RCDC'")
            .execute(&run.w.app.admin_db)
            .await
            .unwrap();
        let held = run.w.served(&format!("AM-{}", &action[..1].to_uppercase())).await;
        let path = route.replace("{id}", &held.to_string());
        run.api("post", route, "sgt", &path, body, &[action], |_| About::Case(held))
            .await;
    }
    // ICE's pickup plan (issue 31): planned by the liaison, withdrawn by the supervisor.
    let held = run.w.served("AM-PICKUP").await;
    let (route, path) = ("/bookings/{id}/pickup-plan", format!("/bookings/{held}/pickup-plan"));
    let plan = json!({ "planned_at": "2026-11-23T23:00:00Z" });
    run.api("put", route, "ice", &path, plan, &["pickup_planned"], |_| {
        About::Case(held)
    })
    .await;
    let done = &["pickup_plan_withdrawn"];
    run.api("delete", route, "sgt", &path, json!({}), done, |_| About::Case(held))
        .await;
}

/// The facility's duties, the roster, the public page and webhooks through the API.
async fn api_duties(run: &mut Run<'_>) {
    let i = run
        .api(
            "post",
            "/interpreters",
            "sgt",
            "/interpreters",
            json!({ "facility": "RCDC", "name": "Ana Ruiz", "languages": "Spanish" }),
            &["interpreter_added"],
            |v| About::Detail("interpreter_id", v["id"].clone()),
        )
        .await;
    let _ = i;
    let c = run
        .api(
            "post",
            "/complaints",
            "wso1",
            "/complaints",
            json!({ "facility": "RCDC", "received_at": "2026-11-20T10:00:00Z", "complainant": "A. Person",
                    "officers": ["wso1"], "summary": "Rude" }),
            &["complaint_recorded"],
            |v| About::Detail("complaint_id", v["id"].clone()),
        )
        .await;
    let cid = c["id"].clone();
    let cp = format!("/complaints/{cid}");
    run.api(
        "post",
        "/complaints/{id}/ice-notified",
        "wso1",
        &format!("{cp}/ice-notified"),
        json!({ "at": "2026-11-23T11:00:00Z", "method": "e-mail", "ice_contact": "OPR" }),
        &["complaint_sent_to_ice"],
        |_| About::Detail("complaint_id", cid.clone()),
    )
    .await;
    run.api(
        "post",
        "/complaints/{id}/outcome",
        "sgt",
        &format!("{cp}/outcome"),
        json!({ "at": "2026-11-23T11:30:00Z", "summary": "Unfounded" }),
        &["complaint_outcome_recorded"],
        |_| About::Detail("complaint_id", cid.clone()),
    )
    .await;
    run.api(
        "post",
        "/disclosures",
        "sgt",
        "/disclosures",
        json!({ "facility": "RCDC", "what": "figures", "recipient": "a newspaper", "requested_on": "2026-11-01",
                "clearance_requested_on": "2026-11-02", "cleared_on": "2026-11-04", "released_on": "2026-11-05" }),
        &["disclosure_recorded"],
        |v| About::Detail("disclosure_id", v["id"].clone()),
    )
    .await;
    run.api(
        "post",
        "/reviews",
        "sgt",
        "/reviews",
        json!({ "facility": "RCDC", "held_on": "2026-06-01", "attendees": "sheriff, ICE field office" }),
        &["annual_review_recorded"],
        |v| About::Detail("review_id", v["id"].clone()),
    )
    .await;
    let officer = |u: &str| About::Detail("username", json!(u));
    let steps: [(&str, &str, Value, &str); 7] = [
        (
            "/officers/{username}/certification",
            "rookie",
            json!({ "certified_on": "2026-01-01", "expires_on": "2027-12-31" }),
            "certification_recorded",
        ),
        (
            "/officers/{username}/exam",
            "rookie",
            json!({ "taken_on": "2025-11-01", "score": 80 }),
            "exam_recorded",
        ),
        (
            "/officers/{username}/credentials",
            "rookie",
            json!({ "form_70_006_number": "70-006-1", "issued_on": "2026-01-10" }),
            "credentials_issued",
        ),
        (
            "/officers/{username}/credentials/returned",
            "rookie",
            json!({ "on": "2026-11-23" }),
            "credentials_returned",
        ),
        (
            "/officers/{username}/withdrawal",
            "rookie",
            json!({ "received_on": "2026-11-20", "effective_on": "2026-12-01" }),
            "withdrawal_recorded",
        ),
        (
            "/officers/{username}/departure-notice",
            "rookie",
            json!({ "given_on": "2026-11-23", "departs_on": "2026-11-30" }),
            "departure_notice_recorded",
        ),
        (
            "/officers/{username}/certification/revoke",
            "rookie",
            json!({ "reason": "credentials withdrawn" }),
            "certification_revoked",
        ),
    ];
    for (route, who, body, action) in steps {
        let path = route.replace("{username}", who);
        run.api("post", route, "sgt", &path, body, &[action], |_| officer(who))
            .await;
    }
    run.api(
        "put",
        "/facilities/{code}/public",
        "boss",
        "/facilities/RCDC/public",
        json!({ "enabled": true }),
        &["public_page_enabled"],
        |_| About::Detail("facility", json!("RCDC")),
    )
    .await;
    run.api(
        "post",
        "/users/{username}/facilities",
        "boss",
        "/users/ice2/facilities",
        json!({ "facility": "RCDC" }),
        &["facility_granted"],
        |_| About::Detail("username", json!("ice2")),
    )
    .await;
    run.api(
        "delete",
        "/users/{username}/facilities/{code}",
        "boss",
        "/users/ice2/facilities/RCDC",
        json!({}),
        &["facility_revoked"],
        |_| About::Detail("facility", json!("RCDC")),
    )
    .await;
    let hook = run
        .api(
            "post",
            "/webhooks",
            "boss",
            "/webhooks",
            json!({ "facility": "RCDC", "url": "https://hooks.example.org/a", "events": ["warrant.served"] }),
            &["webhook_registered"],
            |v| About::Detail("webhook_id", v["id"].clone()),
        )
        .await;
    let hid = hook["id"].clone();
    run.api(
        "delete",
        "/webhooks/{id}",
        "boss",
        &format!("/webhooks/{hid}"),
        json!({}),
        &["webhook_deleted"],
        |_| About::Detail("webhook_id", hid.clone()),
    )
    .await;
}

/// A case through its page's forms (times are New York's, EST: UTC−5).
async fn page_case(run: &mut Run<'_>) {
    let sgt = run.tokens["sgt"].clone();
    let _ = sgt;
    let mark = run.mark().await;
    let fields = [
        ("facility", "RCDC"),
        ("booking_number", "PM-1"),
        ("last_name", "Roe"),
        ("first_name", "Maria"),
        ("date_of_birth", "1985-02-14"),
        ("booked_at", "2026-11-23T06:15"),
        ("charges[0].description", "Driving while impaired"),
        ("charges[0].category", "dwi"),
    ];
    let r = run.w.app.post_form(&run.clients["wso1"], "/bookings", &fields).await;
    let (status, html) = (r.status().as_u16(), r.text().await.unwrap());
    let c = run
        .id_of("SELECT coalesce(max(id), -1) FROM bookings WHERE booking_number = 'PM-1'")
        .await;
    run.page_result(
        "/bookings",
        "wso1",
        "/bookings",
        status,
        &html,
        mark,
        &["booking_created"],
        About::Case(c),
    )
    .await;
    let p = |s: &str| format!("/bookings/{c}{s}");
    let docs = "/bookings/{id}/documents";
    let doc = |n: &'static str| {
        [
            ("kind", "I-200"),
            ("number", n),
            ("a_number", "A12-345-678"),
            ("issued_at", "2026-11-23T05:00"),
            ("received_at", "2026-11-23T06:00"),
        ]
    };
    run.page(
        docs,
        "wso1",
        &p("/documents"),
        &doc("W-1"),
        &["document_added"],
        About::Case(c),
    )
    .await;
    run.page(
        docs,
        "wso1",
        &p("/documents"),
        &doc("W-2"),
        &["document_added"],
        About::Case(c),
    )
    .await;
    let doc_id = |n: &str| format!("SELECT id FROM ice_documents WHERE booking_id = {c} AND number = '{n}'");
    let (d1, d2) = (run.id_of(&doc_id("W-1")).await, run.id_of(&doc_id("W-2")).await);
    run.page(
        "/bookings/{id}/documents/{doc_id}/withdraw",
        "wso1",
        &p(&format!("/documents/{d2}/withdraw")),
        &[("at", "2026-11-23T06:21"), ("by", "ERO duty officer")],
        &["document_withdrawn"],
        About::Case(c),
    )
    .await;
    run.page(
        "/bookings/{id}/ice-notifications",
        "wso1",
        &p("/ice-notifications"),
        &[
            ("at", "2026-11-23T06:22"),
            ("method", "phone"),
            ("contact", "ERO duty officer"),
        ],
        &["ice_notified"],
        About::Case(c),
    )
    .await;
    run.page(
        "/bookings/{id}/citizenship-claims",
        "wso1",
        &p("/citizenship-claims"),
        &[("at", "2026-11-23T06:23"), ("how", "said so")],
        &["citizenship_claim_recorded"],
        About::Case(c),
    )
    .await;
    let claim = run
        .id_of(&format!(
            "SELECT max(id) FROM citizenship_claims WHERE booking_id = {c}"
        ))
        .await;
    run.page(
        "/bookings/{id}/citizenship-claims/{claim_id}/report",
        "wso1",
        &p(&format!("/citizenship-claims/{claim}/report")),
        &[
            ("at", "2026-11-23T06:24"),
            ("method", "phone"),
            ("ice_contact", "ERO duty officer"),
        ],
        &["citizenship_claim_reported"],
        About::Case(c),
    )
    .await;
    run.page(
        "/bookings/{id}/release-point",
        "wso1",
        &p("/release-point"),
        &[("at", "2026-11-23T06:25"), ("reason", "bond_posted")],
        &["release_point_recorded"],
        About::Case(c),
    )
    .await;
    let d1 = d1.to_string();
    run.page(
        "/bookings/{id}/service",
        "wso1",
        &p("/service"),
        &[("document_id", &d1), ("at", "2026-11-23T06:26")],
        &["warrant_served"],
        About::Case(c),
    )
    .await;
    let first = run
        .id_of(&format!("SELECT min(id) FROM audit_log WHERE booking_id = {c}"))
        .await
        .to_string();
    run.page(
        "/bookings/{id}/corrections",
        "wso1",
        &p("/corrections"),
        &[("event_id", &first), ("note", "misread")],
        &["correction_recorded"],
        About::Case(c),
    )
    .await;
    run.page(
        "/bookings/{id}/transfer",
        "ice",
        &p("/transfer"),
        &[
            ("at", "2026-11-23T06:27"),
            ("receiving_officer", "Officer Ruiz"),
            ("confirm", "yes"),
        ],
        &["transferred"],
        About::Case(c),
    )
    .await;
    for (route, fields, action) in [
        (
            "/bookings/{id}/release",
            vec![
                ("at", "2026-11-23T06:08"),
                ("reason", "other"),
                ("note", "dropped"),
                ("confirm", "yes"),
            ],
            "released",
        ),
        (
            "/bookings/{id}/igsa-hold",
            vec![("at", "2026-11-23T06:08"), ("confirm", "yes")],
            "igsa_hold_started",
        ),
    ] {
        let held = run.w.served(&format!("PM-{}", route.len())).await;
        let path = route.replace("{id}", &held.to_string());
        run.page(route, "sgt", &path, &fields, &[action], About::Case(held))
            .await;
    }
    // The shift handed over (issue 31).
    let fields = [
        ("facility", "RCDC"),
        ("from", "2026-11-22 07:00"),
        ("to", "2026-11-22 19:00"),
        ("received_by", "sgt"),
    ];
    let about = About::Detail("received_by", json!("sgt"));
    run.page("/handover", "wso1", "/handover", &fields, &["shift_handed_over"], about)
        .await;
    // The served person's notice, given in Spanish (issue 31).
    let served = run.w.served("PM-NOTICE").await;
    let path = format!("/bookings/{served}/notice/given");
    run.page(
        "/bookings/{id}/notice/given",
        "sgt",
        &path,
        &[("lang", "es")],
        &["notice_given"],
        About::Case(served),
    )
    .await;
    // ICE's pickup plan on the case page (issue 31).
    let held = run.w.served("PM-PICKUP").await;
    let path = format!("/bookings/{held}/pickup-plan");
    let fields = [("planned_at", "2026-11-23T18:00")];
    run.page(
        "/bookings/{id}/pickup-plan",
        "ice",
        &path,
        &fields,
        &["pickup_planned"],
        About::Case(held),
    )
    .await;
    let (route, path) = ("/bookings/{id}/pickup-plan/withdraw", format!("{path}/withdraw"));
    run.page(route, "sgt", &path, &[], &["pickup_plan_withdrawn"], About::Case(held))
        .await;
    // An alert of the last case, acknowledged alone and then with the rest.
    // (acknowledge all leaves what needs action: its alert is one that does not).
    for (route, kind) in [
        ("/alerts/{id}/ack", "deadline_passed"),
        ("/alerts/ack", "deadline_at_service"),
    ] {
        let action = "alert_acknowledged";
        let alert: i64 = sqlx::query_scalar(
            "INSERT INTO alerts (dedupe_key, kind, booking_id, facility_id, raised_at, title, body)
             SELECT $1, $2, b.id, b.facility_id, now(), 'Past the limit', 'Release'
             FROM bookings b WHERE b.booking_number = 'AM-R' RETURNING id",
        )
        .bind(route)
        .bind(kind)
        .fetch_one(&run.w.app.admin_db)
        .await
        .unwrap();
        let (path, fields) = if route == "/alerts/ack" {
            ("/alerts/ack".to_string(), vec![("id", alert.to_string())])
        } else {
            (format!("/alerts/{alert}/ack"), vec![])
        };
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        run.page(
            route,
            "sgt",
            &path,
            &fields,
            &[action],
            About::Detail("alert_id", json!(alert)),
        )
        .await;
    }
}

/// Duties, the roster and imports through their pages.
async fn page_duties(run: &mut Run<'_>) {
    let latest = |t: &str| format!("SELECT coalesce(max(id), -1) FROM {t}");
    let mark = run.mark().await;
    let fields = [
        ("facility", "RCDC"),
        ("received_at", "2026-11-20T10:00"),
        ("complainant", "B. Person"),
        ("officers", "wso1"),
        ("summary", "Rude"),
    ];
    let r = run.w.app.post_form(&run.clients["wso1"], "/complaints", &fields).await;
    let (status, html) = (r.status().as_u16(), r.text().await.unwrap());
    let cid = run.id_of(&latest("complaints")).await;
    let about = || About::Detail("complaint_id", json!(cid));
    run.page_result(
        "/complaints",
        "wso1",
        "/complaints",
        status,
        &html,
        mark,
        &["complaint_recorded"],
        about(),
    )
    .await;
    run.page(
        "/complaints/{id}/ice-notified",
        "wso1",
        &format!("/complaints/{cid}/ice-notified"),
        &[("at", "2026-11-23T06:00"), ("method", "e-mail"), ("ice_contact", "OPR")],
        &["complaint_sent_to_ice"],
        about(),
    )
    .await;
    run.page(
        "/complaints/{id}/outcome",
        "sgt",
        &format!("/complaints/{cid}/outcome"),
        &[("at", "2026-11-23T06:30"), ("summary", "Unfounded")],
        &["complaint_outcome_recorded"],
        about(),
    )
    .await;
    // (route, fields, action, the detail's id field, the table it is an id of)
    let pages = [
        (
            "/agreement/interpreters",
            vec![("facility", "RCDC"), ("name", "Luis Ruiz"), ("languages", "Spanish")],
            "interpreter_added",
            "interpreter_id",
            "interpreters",
        ),
        (
            "/agreement/disclosures",
            vec![
                ("facility", "RCDC"),
                ("what", "figures"),
                ("recipient", "a newspaper"),
                ("requested_on", "2026-11-01"),
                ("clearance_requested_on", "2026-11-02"),
                ("cleared_on", "2026-11-04"),
                ("released_on", "2026-11-05"),
            ],
            "disclosure_recorded",
            "disclosure_id",
            "disclosures",
        ),
        (
            "/agreement/reviews",
            vec![
                ("facility", "RCDC"),
                ("held_on", "2026-07-01"),
                ("attendees", "sheriff"),
            ],
            "annual_review_recorded",
            "review_id",
            "annual_reviews",
        ),
    ];
    for (route, fields, action, field, table) in pages {
        let mark = run.mark().await;
        let r = run.w.app.post_form(&run.clients["sgt"], route, &fields).await;
        let (status, html) = (r.status().as_u16(), r.text().await.unwrap());
        let id = run.id_of(&latest(table)).await;
        run.page_result(
            route,
            "sgt",
            route,
            status,
            &html,
            mark,
            &[action],
            About::Detail(field, json!(id)),
        )
        .await;
    }
    let officer = About::Detail("username", json!("rookie"));
    run.page(
        "/roster/certifications",
        "sgt",
        "/roster/certifications",
        &[
            ("username", "rookie"),
            ("certified_on", "2026-01-01"),
            ("expires_on", "2027-12-31"),
        ],
        &["certification_recorded"],
        officer,
    )
    .await;
    run.page(
        "/roster/facts",
        "sgt",
        "/roster/facts",
        &[
            ("username", "wso1"),
            ("fact", "departure"),
            ("given_on", "2026-11-23"),
            ("departs_on", "2026-12-30"),
        ],
        &["departure_notice_recorded"],
        About::Detail("username", json!("wso1")),
    )
    .await;
    run.page(
        "/roster/revocations",
        "sgt",
        "/roster/revocations",
        &[("username", "rookie"), ("reason", "withdrawn"), ("confirm", "yes")],
        &["certification_revoked"],
        About::Detail("username", json!("rookie")),
    )
    .await;
    let csv = format!("{HEADER}\nIM-1,Doe,Jane,1990-04-30,2026-11-20 08:00,DWI,dwi\n");
    let mark = run.mark().await;
    let (status, html) = upload(run.w, &run.clients["sgt"], "RCDC", csv).await;
    // A preview writes a draft, nothing of the audit.
    run.page_result(
        "/imports",
        "sgt",
        "/imports",
        status,
        &html,
        mark,
        &[],
        About::Detail("none", Value::Null),
    )
    .await;
    let draft = run.id_of(&latest("import_drafts")).await;
    run.page(
        "/imports/{id}/confirm",
        "sgt",
        &format!("/imports/{draft}/confirm"),
        &[],
        // The imported booking's own entry, then the import's.
        &["booking_created", "bookings_imported"],
        About::Detail("facility", json!("RCDC")),
    )
    .await;
}

/// The administrator's pages.
async fn page_admin(run: &mut Run<'_>) {
    // Required, then not again (the rest of the run signs in without an authenticator).
    for required in ["true", "false"] {
        run.page(
            "/admin/agency/mfa",
            "boss",
            "/admin/agency/mfa",
            &[("required", required)],
            &["agency_settings_changed"],
            About::Detail("agency", json!("DEFAULT")),
        )
        .await;
    }
    run.page(
        "/admin/agency/settings",
        "boss",
        "/admin/agency/settings",
        &[
            ("record_name", "Rockingham County Sheriff's Office"),
            ("mail_sender_name", "Rockingham County Sheriff"),
            ("alert_hours_left", "24,8,2"),
        ],
        &[
            "agency_settings_changed",
            "agency_settings_changed",
            "agency_settings_changed",
        ],
        About::Detail("agency", json!("DEFAULT")),
    )
    .await;
    run.page(
        "/admin/agency/sso",
        "boss",
        "/admin/agency/sso",
        &[
            ("issuer", "https://login.example.org/tenant/v2.0"),
            ("client_id", "wso-tracker"),
            ("client_secret", "a-client-secret"),
            ("name", "County Login"),
            ("mfa_claim", "amr=mfa"),
            ("domains", "county.example.org"),
        ],
        &["sso_configured"],
        About::Detail("agency", json!("DEFAULT")),
    )
    .await;
    // Sending a person to that provider by their e-mail's domain writes nothing.
    let mark = run.mark().await;
    let anonymous = run.w.app.client();
    let csrf = run.w.app.csrf(&anonymous, "/login").await;
    let r = anonymous
        .post(run.w.app.url("/login/sso"))
        .form(&[("email", "jdoe@county.example.org"), ("csrf_token", &csrf)])
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    run.page_result(
        "/login/sso",
        "boss",
        "/login/sso",
        status,
        "",
        mark,
        &[],
        About::Detail("none", Value::Null),
    )
    .await;
    run.page(
        "/admin/agency/sso/disable",
        "boss",
        "/admin/agency/sso/disable",
        &[],
        &["sso_disabled"],
        About::Detail("agency", json!("DEFAULT")),
    )
    .await;
    let newbie = || About::Detail("username", json!("newbie"));
    run.page(
        "/admin/users",
        "boss",
        "/admin/users",
        &[
            ("username", "newbie"),
            ("full_name", "New Officer"),
            ("role", "officer"),
            ("email", "newbie@county.example.org"),
            ("facilities", "RCDC"),
            ("password", "a long enough password 123"),
        ],
        &["user_created"],
        newbie(),
    )
    .await;
    let uid = run
        .id_of("SELECT coalesce(max(id), -1) FROM users WHERE username = 'newbie'")
        .await;
    run.ids.insert("newbie".into(), uid);
    let u = |s: &str| format!("/admin/users/{uid}{s}");
    run.page(
        "/admin/users/{id}",
        "boss",
        &u(""),
        &[
            ("role", "supervisor"),
            ("full_name", "New Sergeant"),
            ("facilities", "RCDC"),
        ],
        &["user_updated"],
        newbie(),
    )
    .await;
    sqlx::query("UPDATE users SET locked_at = now(), locked_until = now() + interval '1 day' WHERE id = $1")
        .bind(uid)
        .execute(&run.w.app.admin_db)
        .await
        .unwrap();
    let steps: [(&str, &str, &str); 5] = [
        ("/admin/users/{id}/unlock", "", "account_unlocked"),
        ("/admin/users/{id}/disable", "/disable", "account_disabled"),
        ("/admin/users/{id}/enable", "/enable", "account_enabled"),
        ("/admin/users/{id}/reset-password", "/reset-password", "password_reset"),
        ("/admin/users/{id}/tokens", "/tokens", "token_created"),
    ];
    for (route, suffix, action) in steps {
        let suffix = if route.ends_with("/unlock") { "/unlock" } else { suffix };
        run.page(route, "boss", &u(suffix), &[("confirm", "yes")], &[action], newbie())
            .await;
    }
    let token = run.id_of("SELECT max(id) FROM api_tokens").await;
    run.page(
        "/admin/tokens/{id}/revoke",
        "boss",
        &format!("/admin/tokens/{token}/revoke"),
        &[("confirm", "yes")],
        &["token_revoked"],
        About::Detail("token_id", json!(token)),
    )
    .await;
    run.page(
        "/admin/facilities",
        "boss",
        "/admin/facilities",
        &[
            ("code", "NEWF"),
            ("name", "New Facility"),
            ("timezone", "America/Chicago"),
        ],
        &["facility_created"],
        About::Detail("code", json!("NEWF")),
    )
    .await;
    run.page(
        "/admin/facilities/{code}/settings",
        "boss",
        "/admin/facilities/NEWF/settings",
        &[("contact", "Desk 555-0100"), ("agreement_start_on", "2020-03-01")],
        &["facility_settings_changed"],
        About::Detail("facility", json!("NEWF")),
    )
    .await;
    run.page(
        "/admin/facilities/{code}/public",
        "boss",
        "/admin/facilities/NEWF/public",
        &[("enabled", "true"), ("confirm", "yes")],
        &["public_page_enabled"],
        About::Detail("facility", json!("NEWF")),
    )
    .await;
    run.page(
        "/admin/displays",
        "boss",
        "/admin/displays",
        &[("facility", "RCDC"), ("name", "North wall")],
        &["display_created"],
        About::Detail("facility", json!("RCDC")),
    )
    .await;
    let display = run.id_of("SELECT max(id) FROM displays").await;
    run.page(
        "/admin/displays/{id}/revoke",
        "boss",
        &format!("/admin/displays/{display}/revoke"),
        &[("confirm", "yes")],
        &["display_revoked"],
        About::Detail("display_id", json!(display)),
    )
    .await;
    run.page(
        "/admin/webhooks",
        "boss",
        "/admin/webhooks",
        &[
            ("facility", "RCDC"),
            ("url", "https://hooks.example.org/p"),
            ("events", "warrant.served"),
        ],
        &["webhook_registered"],
        About::Detail("facility", json!("RCDC")),
    )
    .await;
}

/// The caller's own account: password, other sessions, sign-out and sign-in.
async fn page_account(run: &mut Run<'_>) {
    let me = || About::Own;
    let other = run.w.app.login("ice").await;
    let _ = other;
    run.page(
        "/account/sessions/end-others",
        "ice",
        "/account/sessions/end-others",
        &[],
        &["session_revoked"],
        me(),
    )
    .await;
    let new = "another long password 456";
    run.page(
        "/account/password",
        "ice",
        "/account/password",
        &[
            ("current_password", crate::helpers::PASSWORD),
            ("new_password", new),
            ("new_password_confirm", new),
        ],
        &["password_changed"],
        me(),
    )
    .await;
    run.page("/logout", "ice", "/logout", &[], &["logout"], me()).await;
    let mark = run.mark().await;
    let client = run.w.app.client();
    let r = run.w.app.try_login(&client, "ice", new).await;
    let status = r.status().as_u16();
    run.page_result("/login", "ice", "/login", status, "", mark, &["login"], me())
        .await;
}

/// The board's one button, on a hold past its limit (last: the clock jumps ahead a day).
async fn page_overdue(run: &mut Run<'_>) {
    let held = run.w.served("PM-NOW").await;
    run.w.app.clock.set(crate::helpers::t("2026-11-24T09:30:00Z"));
    let sgt = run.w.app.login("sgt").await;
    run.clients.insert("sgt", sgt);
    run.page(
        "/bookings/{id}/release-now",
        "sgt",
        &format!("/bookings/{held}/release-now"),
        &[("confirm", "yes")],
        &["released"],
        About::Case(held),
    )
    .await;
}

/// Where an authenticator is required: enrolment, a sign-in with a code, an admin's reset.
async fn page_mfa(run: &mut Run<'_>) {
    let app = &run.w.app;
    app.user("jdoe", "officer", &["RCDC"]).await;
    app.user("root", "admin", &[]).await;
    for (u, id) in sqlx::query_as::<_, (String, i64)>("SELECT username, id FROM users")
        .fetch_all(&app.db)
        .await
        .unwrap()
    {
        run.ids.insert(u, id);
    }
    let (root, _) = enrol(run, "root").await;
    run.clients.insert("root", root);
    let (_, secret) = enrol(run, "jdoe").await;
    run.w.app.clock.advance(chrono::Duration::seconds(30));
    let client = run.w.app.client();
    let r = run.w.app.try_login(&client, "jdoe", crate::helpers::PASSWORD).await;
    assert_eq!(r.headers()["location"], "/login/mfa", "the code is asked for");
    let mark = run.mark().await;
    let csrf = run.w.app.csrf(&client, "/login/mfa").await;
    let code = totp::code_at(&secret, run.w.app.clock.now().timestamp()).unwrap();
    let r = client
        .post(run.w.app.url("/login/mfa"))
        .form(&[("code", code.as_str()), ("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    run.page_result(
        "/login/mfa",
        "jdoe",
        "/login/mfa",
        status,
        "",
        mark,
        &["login"],
        About::Own,
    )
    .await;
    let id = run.ids["jdoe"];
    run.page(
        "/admin/users/{id}/reset-mfa",
        "root",
        &format!("/admin/users/{id}/reset-mfa"),
        &[("confirm", "yes")],
        &["mfa_reset"],
        About::Detail("username", json!("jdoe")),
    )
    .await;
}

/// Enrols `username` at its first sign-in (the enrolment audited); returns the signed-in
/// client and the secret.
async fn enrol(run: &mut Run<'_>, username: &'static str) -> (reqwest::Client, String) {
    let app = &run.w.app;
    let client = app.client();
    let r = app.try_login(&client, username, crate::helpers::PASSWORD).await;
    assert_eq!(r.headers()["location"], "/account/mfa/setup", "{username} enrols first");
    let html = app.page(&client, "/account/mfa/setup").await;
    let secret = secret_in(&html);
    let csrf = crate::helpers::csrf_in(&html).unwrap();
    let code = totp::code_at(&secret, app.clock.now().timestamp()).unwrap();
    let mark = run.mark().await;
    let r = client
        .post(app.url("/account/mfa/setup"))
        .form(&[("code", code.as_str()), ("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let html = r.text().await.unwrap();
    run.page_result(
        "/account/mfa/setup",
        username,
        "/account/mfa/setup",
        status,
        &html,
        mark,
        // The enrolment completes the sign-in it interrupted.
        &["mfa_enrolled", "login"],
        About::Own,
    )
    .await;
    (client, secret)
}

/// The secret shown on the enrolment page, in `id="totp-secret"`.
fn secret_in(html: &str) -> String {
    let start = html.find(r#"id="totp-secret""#).expect("the secret is shown");
    let rest = &html[start..];
    let open = rest.find('>').unwrap() + 1;
    let close = rest.find('<').unwrap();
    rest[open..close].trim().to_string()
}
