//! `/admin/audit`: the audit log searched by actor, action, case, facility and time, 100 entries
//! a page back to the oldest, and the same as CSV (`/admin/audit.csv`). The API's
//! `GET /api/v1/audit` (`web/api/audit.rs`) reads the same search.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

use crate::auth::CurrentUser;
use crate::db::audit_search::{self, AuditFilter, Found, Page};
use crate::domain::input::FieldError;
use crate::domain::rules::Area;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::layout::Layout;
use crate::web::{csv as csv_out, reports::exported};

pub const PAGE: i64 = 100;
/// The most rows one CSV download carries (narrow the filter for more).
pub const CSV_MAX: i64 = 100_000;

/// The filter as the page, the CSV and the API receive it.
#[derive(Deserialize, Default, Clone, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Who (a username).
    pub actor: Option<String>,
    /// The action, e.g. `record_viewed`.
    pub action: Option<String>,
    /// A case (its booking id).
    #[param(value_type = Option<i64>)]
    pub booking: Option<String>,
    /// A case by its booking number, as the jail knows it (of any facility unless `facility`
    /// narrows it; an unknown number is refused, field `booking_number`).
    pub booking_number: Option<String>,
    /// A facility's code: entries about its cases.
    pub facility: Option<String>,
    /// Recorded from: a date (UTC, inclusive) or an RFC 3339 time.
    pub from: Option<String>,
    /// Recorded up to: a date (UTC, inclusive) or an RFC 3339 time.
    pub to: Option<String>,
    /// The page (`/admin/audit`) only.
    #[param(ignore)]
    pub before: Option<i64>,
    /// Continue after this entry (from the `Link: rel="next"` header).
    pub after: Option<i64>,
    /// 1 to 1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

fn text(v: &Option<String>) -> Option<String> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

/// A `from`/`to` bound: a date (`2026-11-01`, midnight UTC) or an RFC 3339 time.
fn bound(field: &str, v: &Option<String>, end: bool) -> AppResult<Option<DateTime<Utc>>> {
    let Some(v) = text(v) else { return Ok(None) };
    let years = |d: NaiveDate| crate::domain::input::in_years(d).map_err(|m| AppError::field(field, m));
    if let Ok(t) = DateTime::parse_from_rfc3339(&v) {
        years(t.date_naive())?;
        return Ok(Some(t.with_timezone(&Utc)));
    }
    let d = NaiveDate::parse_from_str(&v, "%Y-%m-%d")
        .map_err(|_| AppError::field(field, "use a date like 2026-11-01 or an RFC 3339 time"))?;
    let d = years(d)?;
    let d = if end { d.succ_opt().unwrap_or(d) } else { d };
    Ok(Some(d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()))
}

impl AuditQuery {
    pub fn filter(&self) -> AppResult<AuditFilter> {
        let booking_id = match text(&self.booking) {
            Some(b) => Some(
                b.parse()
                    .map_err(|_| AppError::field("booking", "a booking id is a number"))?,
            ),
            None => None,
        };
        Ok(AuditFilter {
            actor: text(&self.actor),
            action: text(&self.action),
            booking_id,
            booking_number: text(&self.booking_number),
            facility: text(&self.facility).map(|f| f.to_uppercase()),
            from: bound("from", &self.from, false)?,
            to: bound("to", &self.to, true)?,
            seen_by: None,
        })
    }

    /// The filter, limited to the entries `reader` may read (`domain::tenancy::audit_reader`), a
    /// booking number checked against the reader's bookings: an unknown one is a field error (as
    /// a wrong id is), never an empty list that looks like "no entries".
    pub async fn resolve(&self, db: &sqlx::PgPool, reader: &crate::db::users::User) -> AppResult<AuditFilter> {
        let mut f = self.filter()?;
        let (agency_id, operator) =
            crate::domain::tenancy::audit_reader(reader.role, reader.operator, reader.agency_id);
        f.seen_by = Some(audit_search::AuditScope {
            facility_ids: reader.facility_ids.clone(),
            agency_id,
            operator,
        });
        if let Some(n) = &f.booking_number
            && !audit_search::booking_number_known(db, n, f.facility.as_deref(), &reader.facility_ids).await?
        {
            let at = f.facility.as_deref().map(|c| format!(" at {c}")).unwrap_or_default();
            return Err(AppError::field(
                "booking_number",
                format!("no booking has the number {n}{at}: check the number as it is on the booking"),
            ));
        }
        Ok(f)
    }

    /// The query string of this filter with another cursor.
    pub fn with_cursor(&self, cursor: &str, id: i64) -> String {
        let mut parts: Vec<String> = [
            ("actor", &self.actor),
            ("action", &self.action),
            ("booking", &self.booking),
            ("booking_number", &self.booking_number),
            ("facility", &self.facility),
            ("from", &self.from),
            ("to", &self.to),
        ]
        .iter()
        .filter_map(|(k, v)| text(v).map(|v| format!("{k}={}", urlencode(&v))))
        .collect();
        parts.push(format!("{cursor}={id}"));
        parts.join("&")
    }
}

pub fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/audit.html")]
pub struct AuditPage {
    layout: Layout,
    q: AuditQuery,
    entries: Vec<Found>,
    older: Option<String>,
    newer: Option<String>,
    csv: String,
    /// The filter's errors (the page is shown again with them, the filters kept).
    errors: Vec<FieldError>,
    /// One zone for every time on the page: the facilities' zone when they share one, else UTC.
    tz: Tz,
    zone: String,
    /// The case of the old `booking` (id) filter, by its number.
    case_number: Option<String>,
}

impl AuditPage {
    /// An entry's time with seconds, in the page's zone, with the zone's abbreviation.
    fn when(&self, t: &DateTime<Utc>) -> String {
        t.with_timezone(&self.tz).format("%Y-%m-%d %H:%M:%S %Z").to_string()
    }

    /// The entry's detail as "Label: value" lines, its times in the page's zone.
    fn detail(&self, e: &Found) -> Vec<String> {
        crate::web::detail::lines(&e.detail, self.tz, &[])
    }

    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

/// The zone the audit page writes its times in: the facilities' one when they share it (a
/// county's jails), else UTC.
async fn page_zone(state: &AppState) -> AppResult<Tz> {
    let zones: std::collections::BTreeSet<&'static str> = crate::db::facilities::all(&state.db)
        .await?
        .iter()
        .map(|f| f.tz().name())
        .collect();
    Ok(match zones.into_iter().collect::<Vec<_>>()[..] {
        [one] => one.parse().unwrap_or(chrono_tz::UTC),
        _ => chrono_tz::UTC,
    })
}

pub async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<AuditQuery>,
) -> AppResult<Response> {
    user.require(Area::Administration)?;
    let tz = page_zone(&state).await?;
    let case_number = match q.booking.as_deref().map(str::trim).and_then(|b| b.parse::<i64>().ok()) {
        Some(id) => crate::db::bookings::numbers(&state.db, &[id]).await?.remove(&id),
        None => None,
    };
    let mut page = AuditPage {
        layout: Layout::new(&state, &user, "Audit log", "audit").await?,
        q: q.clone(),
        entries: vec![],
        older: None,
        newer: None,
        csv: q.with_cursor("limit", CSV_MAX),
        errors: vec![],
        tz,
        zone: crate::domain::local_time::zone_name(tz),
        case_number,
    };
    let f = match q.resolve(&state.db, &user.user).await {
        Ok(f) => f,
        Err(AppError::Validation(errors)) => {
            page.errors = errors;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
        Err(e) => return Err(e),
    };
    // Newest first; "older" pages go back to the first entry ever written.
    let (mut entries, newest_first) = match q.after {
        Some(after) => (
            audit_search::search(&state.db, &f, Page::After(after), PAGE + 1).await?,
            false,
        ),
        None => (
            audit_search::search(&state.db, &f, Page::Before(q.before.unwrap_or(i64::MAX)), PAGE + 1).await?,
            true,
        ),
    };
    let more = entries.len() as i64 > PAGE;
    entries.truncate(PAGE as usize);
    if !newest_first {
        entries.reverse();
    }
    let (first, last) = (entries.first().map(|e| e.id), entries.last().map(|e| e.id));
    page.older = match (newest_first && more) || (!newest_first && last.is_some()) {
        true => last.map(|id| q.with_cursor("before", id)),
        false => None,
    };
    page.newer = match (q.before.is_some() && newest_first) || (!newest_first && more) {
        true => first.map(|id| q.with_cursor("after", id)),
        false => None,
    };
    page.entries = entries;
    Ok(page.into_response())
}

pub async fn csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<AuditQuery>,
    RawQuery(raw): RawQuery,
) -> AppResult<Response> {
    user.require(Area::Administration)?;
    let f = q.resolve(&state.db, &user.user).await?;
    let entries = audit_search::search(&state.db, &f, Page::After(q.after.unwrap_or(0)), CSV_MAX).await?;
    let body = csv_out::audit(&entries)?;
    let name = "audit.csv";
    exported(&state, &user, name, raw).await?;
    Ok(csv_out::respond(name, body))
}
