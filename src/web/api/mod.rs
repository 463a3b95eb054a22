//! JSON API v1: bearer-token callers (jail systems, ICE-side tools, scripts).

pub mod agencies;
pub mod agreement;
pub mod audit;
pub mod bookings;
pub mod case_inputs;
pub mod claims;
pub mod complaints;
pub mod duties;
pub mod error;
pub mod idempotency;
pub mod json;
pub mod me;
pub mod officers;
pub mod openapi;
mod openapi_ops;
mod openapi_parts;
pub mod oversight;
pub mod pending_list;
pub mod pickup;
pub mod reports;
pub mod roster;
pub mod schema;
pub mod transfers;
pub mod views;
pub mod webhooks;

use serde::Deserialize;

use crate::db;
use crate::error::AppError;
use crate::services::Caller;
use crate::state::AppState;

/// Lists take `limit`: 100 unless given, 1 to 1000.
pub const PAGE_DEFAULT: i64 = 100;
pub const PAGE_MAX: i64 = 1000;

pub fn page_limit(limit: Option<i64>) -> Result<i64, AppError> {
    match limit {
        None => Ok(PAGE_DEFAULT),
        Some(n) if (1..=PAGE_MAX).contains(&n) => Ok(n),
        Some(_) => Err(AppError::field("limit", format!("limit is 1 to {PAGE_MAX}"))),
    }
}

/// A page of a list in id order: the items after `after`, at most `limit`, and the
/// `Link: <path?…&after=ID&limit=N>; rel="next"` header when more follow. `path_query` is the
/// request's own path and query without `after`/`limit`.
pub fn paged<T: serde::Serialize>(
    mut items: Vec<T>,
    id: impl Fn(&T) -> i64,
    after: Option<i64>,
    limit: i64,
    path_query: &str,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    items.sort_by_key(|i| id(i));
    let items: Vec<T> = items.into_iter().filter(|i| after.is_none_or(|a| id(i) > a)).collect();
    let more = items.len() as i64 > limit;
    let page: Vec<&T> = items.iter().take(limit as usize).collect();
    let next = page.last().filter(|_| more).map(|last| {
        let sep = if path_query.contains('?') { '&' } else { '?' };
        format!("<{path_query}{sep}after={}&limit={limit}>; rel=\"next\"", id(last))
    });
    let mut response = axum::Json(&page).into_response();
    if let Some(link) = next.and_then(|l| l.parse().ok()) {
        response.headers_mut().insert(axum::http::header::LINK, link);
    }
    response
}

/// `after` and `limit` as every paged list takes them.
#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Continue after this id (from the `Link: rel="next"` header).
    pub after: Option<i64>,
    /// 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

/// An optional date field: empty or absent is `None`.
pub fn optional_date(c: &mut crate::domain::input::Checker, field: &str, v: Option<&str>) -> Option<chrono::NaiveDate> {
    v.map(str::trim)
        .filter(|s| !s.is_empty())
        .and_then(|v| c.date(field, Some(v)))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FacilityQuery {
    /// One facility's code (default: every facility the caller may see).
    pub facility: Option<String>,
}

/// Facility ids the caller may read, narrowed to `?facility=` when given.
pub async fn facility_scope(
    state: &AppState,
    caller: &Caller<'_>,
    facility: Option<&str>,
) -> Result<Option<Vec<i64>>, AppError> {
    let mine = caller.facility_scope().map(<[i64]>::to_vec);
    match facility.filter(|f| !f.is_empty()) {
        None => Ok(mine),
        Some(code) => {
            let f = db::facilities::by_code(&state.db, code)
                .await?
                .ok_or(AppError::field("facility", "no such facility"))?;
            if mine.as_ref().is_some_and(|m| !m.contains(&f.id)) {
                return Err(AppError::forbidden());
            }
            Ok(Some(vec![f.id]))
        }
    }
}
