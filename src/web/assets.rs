//! `/static/*`: the stylesheet and scripts, compiled into the binary so it serves them from any
//! working directory (decision 0018). Pages link them as `/static/NAME?v=HASH`; a versioned
//! link may be cached for a year, and an unversioned one is revalidated by its ETag. The icon is
//! `favicon.svg` (linked by pages) and `favicon.ico`, also served at `/favicon.ico`.

use axum::extract::{Path, RawQuery};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

#[derive(rust_embed::Embed)]
#[folder = "static/"]
struct Static;

/// The first 16 hex digits of the file's SHA-256: changes whenever the file does.
fn version(name: &str) -> Option<String> {
    Static::get(name).map(|f| crate::auth::token::to_hex(&f.metadata.sha256_hash()[..8]))
}

/// The link a page uses for an embedded asset, e.g. `/static/app.css?v=1a2b…`.
pub fn href(name: &str) -> String {
    match version(name) {
        Some(v) => format!("/static/{name}?v={v}"),
        None => format!("/static/{name}"),
    }
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        _ => "application/octet-stream",
    }
}

pub async fn serve(Path(name): Path<String>, RawQuery(query): RawQuery, headers: HeaderMap) -> Response {
    respond(&name, query.as_deref(), &headers)
}

/// `/favicon.ico`, which browsers and tools ask for by themselves (pages also link
/// `favicon.svg`): the embedded icon, revalidated by its ETag like any unversioned asset.
pub async fn favicon(headers: HeaderMap) -> Response {
    respond("favicon.ico", None, &headers)
}

fn respond(name: &str, query: Option<&str>, headers: &HeaderMap) -> Response {
    let Some(file) = Static::get(name) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let version = crate::auth::token::to_hex(&file.metadata.sha256_hash()[..8]);
    let etag = format!("\"{version}\"");
    let versioned = query == Some(&format!("v={version}"));
    let cache = if versioned {
        "public, max-age=31536000, immutable"
    } else {
        "public, no-cache"
    };
    let mut out = HeaderMap::new();
    out.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    out.insert(
        header::ETAG,
        HeaderValue::from_str(&etag).expect("hex is a header value"),
    );
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if unchanged {
        return (StatusCode::NOT_MODIFIED, out).into_response();
    }
    out.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type(name)));
    (out, file.data.into_owned()).into_response()
}
