//! CSV downloads: every cell neutralised against formula injection (a cell starting with `=`,
//! `+`, `-`, `@`, tab or carriage return gets a leading `'`, so a spreadsheet shows it as text),
//! and the writers of the report and audit CSVs.

use std::borrow::Cow;

use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::db::audit_search::Found;
use crate::error::{AppError, AppResult};
use crate::services::reports::{IgsaReport, ProgramReport};

/// A cell as a spreadsheet may safely open it.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

/// A CSV being written; every cell goes through [`neutralise`].
pub struct Csv(csv::Writer<Vec<u8>>);

impl Csv {
    pub fn new() -> Self {
        Csv(csv::Writer::from_writer(Vec::new()))
    }

    pub fn record<I, S>(&mut self, cells: I) -> Result<(), csv::Error>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let cells: Vec<String> = cells.into_iter().map(|c| neutralise(c.as_ref()).into_owned()).collect();
        self.0.write_record(&cells)
    }

    pub fn finish(self) -> AppResult<String> {
        let bytes = self
            .0
            .into_inner()
            .map_err(|e| AppError::Internal(anyhow::anyhow!("csv: {e}")))?;
        String::from_utf8(bytes).map_err(|e| AppError::Internal(e.into()))
    }
}

impl Default for Csv {
    fn default() -> Self {
        Self::new()
    }
}

/// A download named `name`.
pub fn respond(name: &str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        body,
    )
        .into_response()
}

/// The report as CSV: `period,figure,value` rows (`total` or `YYYY-MM`), the same figures as
/// the JSON.
pub fn program(r: &ProgramReport) -> AppResult<String> {
    let mut w = Csv::new();
    let mut row = |period: &str, figure: &str, value: String| w.record([period, figure, &value]);
    let csv_err = |e: csv::Error| AppError::Internal(e.into());
    row("facility", "facility", r.facility.clone()).map_err(csv_err)?;
    row("period", "from", r.from.to_string()).map_err(csv_err)?;
    row("period", "to", r.to.to_string()).map_err(csv_err)?;
    let s = &r.stats;
    let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    for (figure, value) in [
        ("people_with_ice_documents", s.people_with_ice_documents.to_string()),
        ("with_detainer", s.with_detainer.to_string()),
        ("with_warrant", s.with_warrant.to_string()),
        ("with_both", s.with_both.to_string()),
        ("served", s.served.to_string()),
        ("transferred", s.transferred.to_string()),
        ("released_at_limit", s.released_at_limit.to_string()),
        ("released_other", s.released_other.to_string()),
        ("igsa_holds", s.igsa_holds.to_string()),
        ("still_held", s.still_held.to_string()),
        ("over_detained", s.over_detained.to_string()),
        ("over_detained_seconds_total", s.over_detained_seconds_total.to_string()),
        (
            "median_service_to_transfer_seconds",
            opt(s.median_service_to_transfer_seconds),
        ),
        (
            "longest_service_to_transfer_seconds",
            opt(s.longest_service_to_transfer_seconds),
        ),
    ] {
        row("total", figure, value).map_err(csv_err)?;
    }
    for (category, n) in &s.charges_by_category {
        row("total", &format!("charges.{category}"), n.to_string()).map_err(csv_err)?;
    }
    for m in &s.by_month {
        for (figure, value) in [
            ("people_with_ice_documents", m.people_with_ice_documents),
            ("served", m.served),
            ("transferred", m.transferred),
            ("released_at_limit", m.released_at_limit),
            ("released_other", m.released_other),
            ("igsa_holds", m.igsa_holds),
            ("still_held", m.still_held),
        ] {
            row(&m.month, figure, value.to_string()).map_err(csv_err)?;
        }
    }
    w.finish()
}

pub fn igsa(r: &IgsaReport) -> AppResult<String> {
    let mut w = Csv::new();
    let e = |e: csv::Error| AppError::Internal(e.into());
    w.record([
        "facility",
        "month",
        "booking_id",
        "booking_number",
        "name",
        "held_from",
        "held_until",
        "days",
        "daily_rate_cents",
        "amount_cents",
    ])
    .map_err(e)?;
    let rate = r.daily_rate_cents.map(|c| c.to_string()).unwrap_or_default();
    for row in &r.rows {
        w.record([
            r.facility.as_str(),
            r.month.as_str(),
            &row.booking_id.to_string(),
            &row.booking_number,
            &row.name,
            &row.held_from.to_rfc3339(),
            &row.held_until.map(|t| t.to_rfc3339()).unwrap_or_default(),
            &row.days.to_string(),
            &rate,
            &row.amount_cents.map(|c| c.to_string()).unwrap_or_default(),
        ])
        .map_err(e)?;
    }
    w.record([
        r.facility.as_str(),
        r.month.as_str(),
        "total",
        "",
        "",
        "",
        "",
        &r.total_days.to_string(),
        &rate,
        &r.total_cents.map(|c| c.to_string()).unwrap_or_default(),
    ])
    .map_err(e)?;
    w.finish()
}

/// Audit entries, one per row, with their chain hash.
pub fn audit(entries: &[Found]) -> AppResult<String> {
    let mut w = Csv::new();
    let e = |e: csv::Error| AppError::Internal(e.into());
    w.record([
        "id",
        "at",
        "recorded_at",
        "actor",
        "action",
        "booking_id",
        "facility",
        "address",
        "detail",
        "hash",
    ])
    .map_err(e)?;
    for f in entries {
        w.record([
            f.id.to_string(),
            f.at.to_rfc3339(),
            f.recorded_at.to_rfc3339(),
            f.actor.clone().unwrap_or_default(),
            f.action.clone(),
            f.booking_id.map(|b| b.to_string()).unwrap_or_default(),
            f.facility.clone().unwrap_or_default(),
            f.address.clone().unwrap_or_default(),
            f.detail.to_string(),
            f.hash.clone(),
        ])
        .map_err(e)?;
    }
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text() {
        for hostile in ["=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert!(neutralise(hostile).starts_with('\''), "{hostile}");
        }
        assert_eq!(neutralise("Ramírez"), "Ramírez");
        assert_eq!(neutralise(""), "");
    }
}
