//! `GET /api/v1/audit` (admins): audit entries oldest first, filtered like `/admin/audit`, in
//! pages of `limit` (default 100, at most 1000) with a `Link: <…>; rel="next"` header.

use super::json::ApiQuery;
use axum::Json;
use axum::extract::State;
use axum::http::header::LINK;
use axum::response::{IntoResponse, Response};

use crate::auth::ApiUser;
use crate::db::audit_search::{self, Page};
use crate::domain::rules::Area;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::web::audit::AuditQuery;

pub async fn list(
    State(state): State<AppState>,
    api: ApiUser,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Response> {
    api.require(Area::Administration)?;
    let f = q.resolve(&state.db, &api.user).await?;
    let limit = super::page_limit(q.limit)?;
    let mut entries = audit_search::search(&state.db, &f, Page::After(q.after.unwrap_or(0)), limit + 1).await?;
    let more = entries.len() as i64 > limit;
    entries.truncate(limit as usize);
    let mut response = Json(&entries).into_response();
    if let (true, Some(last)) = (more, entries.last()) {
        let next = format!(
            "</api/v1/audit?{}&limit={limit}>; rel=\"next\"",
            q.with_cursor("after", last.id)
        );
        if let Ok(v) = next.parse() {
            response.headers_mut().insert(LINK, v);
        }
    }
    Ok(response)
}
