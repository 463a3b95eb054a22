//! The cross-agency matrix (issue 28): the people of another agency, DUR-SO (its officer,
//! supervisor, admin, and a liaison it granted its facility), aim every route at agency DEFAULT's
//! objects. Every write route of `src/routes.rs` (the authorization matrix's entries) and every
//! read route that names an object is refused with 403 or 404 (a facility named in a form or a
//! body: "there is no facility", 422), nothing is written, and no answer carries a name, a
//! booking number or another of DEFAULT's objects. Every list answers with DUR-SO's own rows only.
//! A route added without an entry (a write in the matrix, a read below) fails the test.

use std::collections::{BTreeSet, HashMap};

use serde_json::json;

use crate::helpers::{World, http};
use crate::write_matrix::{Body, Router, entry, fixture, routes_source, upload, write_routes};

/// DEFAULT's words no answer to DUR-SO may carry: the fixture's case, person, complainant,
/// webhook, display and a DEFAULT-only account.
/// (A word the request itself carries, e.g. a typed name shown back with a field error, is not a
/// leak and is not looked for in that answer.)
const SECRETS: [&str; 6] = [
    "WM-1",
    "A12-345-678",
    "A. Person",
    "hooks.example.org",
    "North wall",
    "rookie",
];

const CALLERS: [&str; 4] = ["dwso", "dsgt", "dadmin", "durice"];

/// Every GET route of a router with a path parameter (`{`), read from `routes.rs`.
fn read_routes_with_ids(source: &str) -> BTreeSet<(Router, String)> {
    let mut out = BTreeSet::new();
    for (router, marker) in [
        (Router::Pages, "let pages = Router::new()"),
        (Router::Api, "let api = Router::new()"),
    ] {
        let block = &source[source.find(marker).unwrap()..];
        let block = &block[..block.find(".fallback(").unwrap()];
        for call in block.split(".route(").skip(1) {
            let path = call.split('"').nth(1).unwrap().to_string();
            if path.contains('{') && call.contains("get(") {
                out.insert((router, path));
            }
        }
    }
    out
}

/// A read of one of DEFAULT's objects: the concrete path for a routed one.
fn read_entry(f: &crate::write_matrix::Fixture, router: Router, route: &str) -> Option<String> {
    let b = f.booking.to_string();
    let path = match (router, route) {
        (
            Router::Pages,
            "/bookings/{id}"
            | "/bookings/{id}/transfer-record"
            | "/bookings/{id}/release-record"
            | "/bookings/{id}/notice",
        ) => route.replace("{id}", &b),
        (Router::Pages, "/admin/users/{id}") => route.replace("{id}", &f.user.to_string()),
        (Router::Pages, "/imports/{id}") => route.replace("{id}", &f.draft.to_string()),
        (Router::Api, "/bookings/{id}" | "/bookings/{id}/audit") => route.replace("{id}", &b),
        (Router::Api, "/officers/{username}/eligibility") => route.replace("{username}", "wso1"),
        // Public by design (a facility's published aggregates, a display's secret address),
        // or static files: no object of another agency to refuse.
        (
            Router::Pages,
            "/public/{facility_code}"
            | "/display/{token}"
            | "/login/{agency_code}"
            | "/login/{agency_code}/sso"
            | "/login/{agency_code}/sso/callback",
        ) => {
            return Some(String::new());
        }
        _ => return None,
    };
    Some(path)
}

/// Reads that name DEFAULT's facility in the query: refused.
const NAMED_FACILITY: [(Router, &str); 12] = [
    (Router::Pages, "/reports/program?facility=RCDC&from=2026-11&to=2026-11"),
    (
        Router::Pages,
        "/reports/program.csv?facility=RCDC&from=2026-11&to=2026-11",
    ),
    (Router::Pages, "/reports/igsa?facility=RCDC&month=2026-11"),
    (Router::Pages, "/reports/igsa.csv?facility=RCDC&month=2026-11"),
    (
        Router::Pages,
        "/reports/compliance?facility=RCDC&from=2026-11&to=2026-11",
    ),
    (Router::Pages, "/complaints/notice?facility=RCDC"),
    (Router::Api, "/reports/program?facility=RCDC&from=2026-11&to=2026-11"),
    (Router::Api, "/reports/igsa?facility=RCDC&month=2026-11"),
    (Router::Api, "/reports/compliance?facility=RCDC&from=2026-11&to=2026-11"),
    (Router::Api, "/disclosures?facility=RCDC"),
    (Router::Api, "/reviews?facility=RCDC"),
    (Router::Api, "/interpreters?facility=RCDC"),
];

/// Lists: answered (200, or 403 for a role that may not open them) with nothing of DEFAULT's.
const LISTS: [(Router, &str); 22] = [
    (Router::Pages, "/"),
    (Router::Pages, "/bookings"),
    (Router::Pages, "/transfers/pending"),
    (Router::Pages, "/alerts"),
    (Router::Pages, "/roster"),
    (Router::Pages, "/agreement"),
    (Router::Pages, "/complaints"),
    (Router::Pages, "/admin/users"),
    (Router::Pages, "/admin/facilities"),
    (Router::Pages, "/admin/displays"),
    (Router::Pages, "/admin/webhooks"),
    (Router::Pages, "/admin/audit"),
    (Router::Pages, "/admin/audit.csv"),
    (Router::Api, "/audit"),
    (Router::Api, "/users"),
    (Router::Api, "/bookings"),
    (Router::Api, "/transfers/pending"),
    (Router::Api, "/complaints"),
    (Router::Api, "/disclosures"),
    (Router::Api, "/reviews"),
    (Router::Api, "/interpreters"),
    (Router::Api, "/webhooks"),
];

#[tokio::test]
async fn another_agency_reaches_nothing_of_this_one_by_any_route() {
    let w = World::new().await;
    let f = fixture(&w).await;
    let app = &w.app;
    app.second_agency(false).await;
    app.user("durice", "ice_liaison", &[]).await;
    app.api("dadmin")
        .await
        .ok(201, "/users/durice/facilities", json!({ "facility": "DURH" }))
        .await;

    let source = routes_source();
    let writes = write_routes(&source);
    let reads = read_routes_with_ids(&source);
    let missing: Vec<String> = reads
        .iter()
        .filter(|(r, p)| read_entry(&f, *r, p).is_none() && !p.starts_with("/static/"))
        .map(|(r, p)| format!("{r:?} GET {p}"))
        .collect();
    assert!(
        missing.is_empty(),
        "read routes with an id and no entry here: {missing:?}"
    );

    let mut clients = HashMap::new();
    let mut tokens = HashMap::new();
    for u in CALLERS {
        clients.insert(u, app.login(u).await);
        tokens.insert(u, app.token(u).await);
    }
    let api = http();
    let mut failures = Vec::new();
    let leaks = |body: &str, sent: &str| {
        SECRETS
            .iter()
            .filter(|s| body.contains(*s) && !sent.contains(*s))
            .copied()
            .collect::<Vec<_>>()
    };

    // Writes: refused, nothing written, nothing told.
    for (router, method, route) in &writes {
        let e = entry(&f, *router, method, route).expect("the authorization matrix has every write route");
        if matches!(e.body, Body::OwnOnly(_)) {
            continue;
        }
        let before = app.table_counts().await;
        let sent = match &e.body {
            Body::Json(v) => v.to_string(),
            Body::Form(fields) => format!("{fields:?}"),
            Body::Upload(_, csv) => csv.clone(),
            Body::OwnOnly(_) => String::new(),
        };
        for user in CALLERS {
            // An agency's admin adding a facility to its own agency, or changing its own
            // agency's settings, reaches nothing of DEFAULT's.
            if user == "dadmin"
                && [
                    "/admin/facilities",
                    "/admin/agency/mfa",
                    "/admin/agency/settings",
                    "/admin/agency/sso",
                    "/admin/agency/sso/disable",
                ]
                .contains(&route.as_str())
            {
                continue;
            }
            let (status, body) = match (&e.body, router) {
                (Body::Json(body), Router::Api) => {
                    let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
                    let r = api
                        .request(m, app.url(&format!("/api/v1{}", e.path)))
                        .bearer_auth(&tokens[user])
                        .json(body)
                        .send()
                        .await
                        .unwrap();
                    (r.status().as_u16(), r.text().await.unwrap())
                }
                (Body::Form(fields), Router::Pages) => {
                    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                    let r = app.post_form(&clients[user], &e.path, &fields).await;
                    (r.status().as_u16(), r.text().await.unwrap())
                }
                (Body::Upload(facility, csv), Router::Pages) => upload(&w, &clients[user], facility, csv.clone()).await,
                _ => panic!("{route}: a body of the wrong kind"),
            };
            // Answered as an object that does not exist: a facility named in a form or body, a
            // display (whose revocation answers 409 for an unknown id).
            let as_unknown = (status == 422 && body.contains("there is no facility"))
                || (status == 409 && body.contains("there is no live display"));
            if !(status == 403 || status == 404 || as_unknown) {
                failures.push(format!(
                    "{} {route} as {user}: {status} {}",
                    method.to_uppercase(),
                    &body[..body.len().min(200)]
                ));
            }
            let leaked = leaks(&body, &sent);
            if !leaked.is_empty() {
                failures.push(format!(
                    "{} {route} as {user}: the answer carries {leaked:?}",
                    method.to_uppercase()
                ));
            }
        }
        if app.table_counts().await != before {
            failures.push(format!(
                "{} {route}: a refused request wrote something",
                method.to_uppercase()
            ));
        }
    }

    // Reads of an object, and reads naming DEFAULT's facility: refused, nothing told.
    let mut refused_reads: Vec<(Router, String)> = reads
        .iter()
        .filter_map(|(r, p)| {
            read_entry(&f, *r, p)
                .filter(|path| !path.is_empty())
                .map(|path| (*r, path))
        })
        .collect();
    refused_reads.extend(NAMED_FACILITY.iter().map(|(r, p)| (*r, p.to_string())));
    let get = |user: &'static str, router: Router, path: String| {
        let (api, clients, tokens) = (&api, &clients, &tokens);
        async move {
            let r = match router {
                Router::Api => {
                    api.get(app.url(&format!("/api/v1{path}")))
                        .bearer_auth(&tokens[user])
                        .send()
                        .await
                }
                Router::Pages => clients[user].get(app.url(&path)).send().await,
            }
            .unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    for (router, path) in &refused_reads {
        for user in CALLERS {
            let (status, body) = get(user, *router, path.clone()).await;
            if !(status == 403 || status == 404) {
                failures.push(format!("GET {router:?} {path} as {user}: {status}"));
            }
            let leaked = leaks(&body, "");
            if !leaked.is_empty() {
                failures.push(format!(
                    "GET {router:?} {path} as {user}: the answer carries {leaked:?}"
                ));
            }
        }
    }
    // Lists: their own agency's rows only.
    for (router, path) in LISTS {
        for user in CALLERS {
            let (status, body) = get(user, router, path.to_string()).await;
            if !(status == 200 || status == 403) {
                failures.push(format!("GET {router:?} {path} as {user}: {status}"));
            }
            let leaked = leaks(&body, "");
            if !leaked.is_empty() {
                failures.push(format!("GET {router:?} {path} as {user}: the list carries {leaked:?}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
