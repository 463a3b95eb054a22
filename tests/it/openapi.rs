//! The OpenAPI document (decision 0023) against the router: every route of `/api/v1` in
//! `src/routes.rs` is documented with its methods, nothing else is, every documented operation
//! answers on the running server, and `/api/docs` shows every operation.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::helpers::{World, spawn_app};

const METHODS: [&str; 5] = ["get", "post", "put", "delete", "patch"];

/// The (method, path) of every route of the API router, read from the source of `routes.rs`
/// (the block `let api = Router::new() … .fallback(`), independently of the document.
pub fn routed(source: &str) -> BTreeSet<(String, String)> {
    let start = source
        .find("let api = Router::new()")
        .expect("the API router in routes.rs");
    let block = &source[start..];
    let block = &block[..block.find(".fallback(").expect("the API router's fallback")];
    let mut routes = BTreeSet::new();
    for call in block.split(".route(").skip(1) {
        let path = call.split('"').nth(1).expect("a route's path").to_string();
        let handlers = &call[call.find(',').expect("a route's handlers")..];
        let mut found = false;
        for (i, _) in handlers.match_indices('(') {
            let before = &handlers[..i];
            let word = before
                .rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
                .next()
                .unwrap_or_default();
            if METHODS.contains(&word) {
                routes.insert((word.to_string(), path.clone()));
                found = true;
            }
        }
        assert!(found, "no method routed for {path}");
    }
    routes
}

/// The (method, path under /api/v1) of every operation of the document.
pub fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    let mut ops = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        let path = path
            .strip_prefix("/api/v1")
            .unwrap_or_else(|| panic!("{path} is outside /api/v1"));
        for method in METHODS {
            if item.get(method).is_some() {
                ops.insert((method.to_string(), path.to_string()));
            }
        }
    }
    ops
}

fn routes_source() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/routes.rs")).unwrap()
}

#[test]
fn the_route_reader_sees_a_route_added_or_a_method_chained() {
    let source = "let api = Router::new()\n.route(\"/a\", get(x::a))\n.route(\n\"/b/{id}\",\nget(x::b).post(x::c),\n)\n.route(\"/c\", put(x::d))\n.fallback(|| 1)";
    let found = routed(source);
    let expected: BTreeSet<(String, String)> = [("get", "/a"), ("get", "/b/{id}"), ("post", "/b/{id}"), ("put", "/c")]
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(found, expected);
}

#[tokio::test]
async fn every_api_route_is_documented_and_every_documented_operation_is_routed() {
    let app = spawn_app().await;
    let response = app.client().get(app.url("/api/v1/openapi.json")).send().await.unwrap();
    assert_eq!(response.status(), 200, "the document needs no token");
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let doc: Value = response.json().await.expect("the document is JSON");
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1."),
        "{}",
        doc["openapi"]
    );

    let routed = routed(&routes_source());
    let documented = documented(&doc);
    assert!(
        routed.len() >= 40,
        "only {} API routes read from routes.rs",
        routed.len()
    );
    let undocumented: Vec<_> = routed.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&routed).collect();
    assert!(undocumented.is_empty(), "routed but not documented: {undocumented:?}");
    assert!(unrouted.is_empty(), "documented but not routed: {unrouted:?}");

    // Each documented operation exists on the running server: without a token it answers 401
    // (as documented), never 404 or 405; the document itself answers 200.
    for (method, path) in &documented {
        let concrete = path
            .replace("{username}", "wso1")
            .replace("{code}", "RCDC")
            .replace("{id}", "1")
            .replace("{doc_id}", "1")
            .replace("{claim_id}", "1");
        let url = app.url(&format!("/api/v1{concrete}"));
        let request = match method.as_str() {
            "get" => app.client().get(url),
            "post" => app.client().post(url).json(&serde_json::json!({})),
            "put" => app.client().put(url).json(&serde_json::json!({})),
            "delete" => app.client().delete(url),
            other => panic!("unexpected method {other}"),
        };
        let status = request.send().await.unwrap().status().as_u16();
        let op = &doc["paths"][format!("/api/v1{path}")][method.as_str()];
        let public = op["security"].as_array().is_some_and(|s| s.is_empty());
        let expected = if public { 200 } else { 401 };
        assert_eq!(status, expected, "{method} {path}");
        assert!(
            public || op["responses"]["401"].is_object(),
            "{method} {path} does not document its 401"
        );
    }
}

/// The served OpenAPI document.
async fn document(app: &crate::helpers::TestApp) -> Value {
    let response = app.client().get(app.url("/api/v1/openapi.json")).send().await.unwrap();
    response.json().await.unwrap()
}

#[tokio::test]
async fn every_operation_names_its_errors_its_types_and_the_idempotency_key_of_posts() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    let error = &doc["components"]["schemas"]["ErrorDetail"]["properties"];
    for field in ["code", "message", "field", "errors"] {
        assert!(error[field].is_object(), "the error shape lacks {field}");
    }
    let status = &doc["components"]["schemas"]["Status"]["enum"];
    assert_eq!(
        status,
        &serde_json::json!(["in_custody", "wso_hold", "igsa_hold", "transferred", "released"])
    );
    for (method, path) in documented(&doc) {
        let op = &doc["paths"][format!("/api/v1{path}")][method.as_str()];
        let responses = op["responses"].as_object().unwrap();
        assert!(
            responses.keys().any(|s| s.starts_with('2')),
            "{method} {path}: no success answer"
        );
        if method == "post" {
            let key = op["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["name"] == "Idempotency-Key")
                .unwrap_or_else(|| panic!("{method} {path}: no Idempotency-Key"));
            assert_eq!(key["in"], "header");
            assert_eq!(key["required"], false);
            assert_eq!(key["schema"]["maxLength"], 255);
            assert!(responses.contains_key("422"), "{method} {path}: no 422");
            assert!(op["requestBody"]["content"]["application/json"]["schema"]["$ref"].is_string());
        }
        if path.contains('{') {
            assert!(responses.contains_key("404"), "{method} {path}: no 404");
        }
    }
}

#[tokio::test]
async fn the_reference_page_shows_every_operation_without_a_sign_in() {
    let w = World::new().await;
    let app = &w.app;
    let doc = document(app).await;
    let response = app.client().get(app.url("/api/docs")).send().await.unwrap();
    assert_eq!(response.status(), 200, "the reference is public");
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    let html = response.text().await.unwrap();
    assert!(!html.contains("<script"), "the reference needs no script");
    for (method, path) in documented(&doc) {
        let op = &doc["paths"][format!("/api/v1{path}")][method.as_str()];
        let id = op["operationId"].as_str().unwrap();
        assert!(
            html.contains(&format!("id=\"op-{id}\"")),
            "{method} {path} is not on the page"
        );
        assert!(
            html.contains(&format!("{}</span> <code>/api/v1{path}</code>", method.to_uppercase())),
            "{method} {path} is not titled on the page"
        );
    }
    for name in doc["components"]["schemas"].as_object().unwrap().keys() {
        assert!(
            html.contains(&format!("id=\"schema-{name}\"")),
            "schema {name} is not on the page"
        );
    }
    // The enumerated words are spelled out.
    for word in [
        "wso_hold",
        "I-247A",
        "bond_posted",
        "clock_expired",
        "ice_liaison",
        "within_4h",
    ] {
        assert!(html.contains(&format!("<code>{word}</code>")), "{word}");
    }
}
