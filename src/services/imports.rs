//! Importing bookings from a jail system's file (decision 0024): the command line and
//! `/imports` share this. One transaction for the whole file; bookings checked by the desk
//! form's rules, written in batches; a booking already at the facility is skipped (or
//! reported as a conflict when its facts differ), never changed; any invalid row and nothing
//! is written. Only the fields a booking has are ever held: the rest of the file is read past.

use std::collections::HashSet;
use std::io::BufRead;

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use sqlx::{PgConnection, PgPool};

use super::Caller;
use crate::db::{self, audit::NewEntry, facilities::Facility};
use crate::domain::booking::NewBooking;
use crate::domain::import::{self, Format, Kept, Problem, RawBooking, csv::CsvBookings, niem::NiemBookings};
use crate::domain::rules::Area;
use crate::error::{AppError, AppResult};

/// Bookings written per statement.
const BATCH: usize = 1000;
/// Problems and conflicts kept to show (all are counted).
const KEPT_PROBLEMS: usize = 100;
/// How long a web preview's draft lives.
pub const DRAFT_MINUTES: i64 = 60;

/// Who imports: a signed-in supervisor or admin, or the operator at the command line (audited
/// as the actor `import`).
#[derive(Clone, Copy)]
pub enum Importer<'a> {
    User(Caller<'a>),
    Cli,
}

#[derive(Clone, Copy, Debug)]
pub struct Options {
    pub format: Format,
    pub dry_run: bool,
    pub only_immigration_hold: bool,
}

#[derive(Debug, Default)]
pub struct Outcome {
    pub facility: String,
    pub format: &'static str,
    pub imported: u64,
    pub skipped: u64,
    /// Of the skipped: bookings without an immigration hold (`--only-immigration-hold`).
    pub not_held: u64,
    pub conflicts: u64,
    pub invalid: u64,
    /// The first problems, `line 14: date_of_birth: …`.
    pub problems: Vec<String>,
    pub conflict_list: Vec<String>,
    /// Whatever was found, nothing was written (a dry run, or an invalid row).
    pub written: bool,
    /// The bookings that would be created (kept only for a web preview).
    pub kept: Vec<Kept>,
}

impl Outcome {
    pub fn summary(&self) -> String {
        format!(
            "imported {}, skipped {}, conflicts {}, invalid {}",
            self.imported, self.skipped, self.conflicts, self.invalid
        )
    }
}

/// A reader of the format over `input`; a header or root problem is the first item.
pub fn read<'a>(
    format: Format,
    input: impl BufRead + Send + 'a,
) -> Box<dyn Iterator<Item = Result<RawBooking, Vec<Problem>>> + Send + 'a> {
    match format {
        Format::Csv => match CsvBookings::new(input) {
            Ok(rows) => Box::new(rows),
            Err(p) => Box::new(std::iter::once(Err(vec![p]))),
        },
        Format::Niem => Box::new(NiemBookings::new(input)),
    }
}

/// The facility, if the importer may import there: supervisors at their own, admins anywhere.
async fn facility_for(pool: &PgPool, who: Importer<'_>, code: &str) -> AppResult<Facility> {
    if let Importer::User(caller) = who {
        caller.require(Area::Oversight)?;
    }
    let facility = db::facilities::by_code(pool, code.trim())
        .await?
        .ok_or_else(|| AppError::field("facility", format!("there is no facility `{}`", code.trim())))?;
    if let Importer::User(caller) = who
        && !crate::domain::rules::covers(caller.user.role, &caller.user.facility_ids, facility.id)
    {
        return Err(AppError::Forbidden {
            code: "forbidden",
            message: format!("you are not assigned to {}", facility.code),
        });
    }
    Ok(facility)
}

/// Imports (or, dry, only reads and counts) the bookings of `rows` at the facility.
pub async fn import(
    pool: &PgPool,
    who: Importer<'_>,
    facility: &str,
    rows: impl Iterator<Item = Result<RawBooking, Vec<Problem>>> + Send,
    options: Options,
    keep: bool,
    now: DateTime<Utc>,
) -> AppResult<Outcome> {
    let facility = facility_for(pool, who, facility).await?;
    if options.only_immigration_hold && options.format == Format::Csv {
        return Err(AppError::field(
            "only_immigration_hold",
            "only a NIEM file says whether a booking carries an immigration hold (CSV has no such column)",
        ));
    }
    let mut tx = pool.begin().await?;
    let mut outcome = run(&mut tx, who, &facility, rows, options, keep, now).await?;
    if outcome.invalid == 0 && !options.dry_run {
        tx.commit().await?;
        outcome.written = true;
    } else {
        tx.rollback().await?;
        outcome.imported = if options.dry_run && outcome.invalid == 0 {
            outcome.imported
        } else {
            0
        };
    }
    Ok(outcome)
}

/// Confirms a web preview: the draft's bookings checked again and imported, in one
/// transaction that also removes the draft.
pub async fn confirm(pool: &PgPool, caller: Caller<'_>, draft_id: i64, now: DateTime<Utc>) -> AppResult<Outcome> {
    caller.require(Area::Oversight)?;
    let mut tx = pool.begin().await?;
    let draft = db::imports::take_draft(&mut *tx, draft_id, caller.user.id, now)
        .await?
        .ok_or(AppError::NotFound)?;
    let facility = db::facilities::all(&mut *tx)
        .await?
        .into_iter()
        .find(|f| f.id == draft.facility_id)
        .ok_or(AppError::NotFound)?;
    let facility = facility_for(pool, Importer::User(caller), &facility.code).await?;
    let kept: Vec<Kept> = serde_json::from_value(draft.bookings).map_err(|e| AppError::Internal(e.into()))?;
    // The draft kept only bookings that passed the preview's filter: each carries its hold.
    let held = draft.only_immigration_hold;
    let rows = kept.iter().enumerate().map(|(i, k)| {
        let mut raw = k.raw(i as u64 + 1);
        raw.immigration_hold = Some(held);
        Ok(raw)
    });
    let options = Options {
        format: Format::parse(&draft.format).map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?,
        dry_run: false,
        only_immigration_hold: held,
    };
    let mut outcome = run(&mut tx, Importer::User(caller), &facility, rows, options, false, now).await?;
    if outcome.invalid > 0 {
        tx.rollback().await?;
        outcome.imported = 0;
        return Ok(outcome);
    }
    tx.commit().await?;
    outcome.written = true;
    Ok(outcome)
}

/// A web preview: a dry run whose bookings to create are kept (allowed fields only) as a
/// draft of the user's for an hour. Returns the draft's id when there is something to confirm.
pub async fn preview(
    pool: &PgPool,
    caller: Caller<'_>,
    facility: &str,
    rows: impl Iterator<Item = Result<RawBooking, Vec<Problem>>> + Send,
    options: Options,
    now: DateTime<Utc>,
) -> AppResult<(Outcome, Option<i64>)> {
    let options = Options {
        dry_run: true,
        ..options
    };
    let mut outcome = import(pool, Importer::User(caller), facility, rows, options, true, now).await?;
    db::imports::purge_expired(pool, now).await?;
    if outcome.invalid > 0 || outcome.kept.is_empty() {
        return Ok((outcome, None));
    }
    let f = facility_for(pool, Importer::User(caller), facility).await?;
    let kept = serde_json::to_value(std::mem::take(&mut outcome.kept)).map_err(|e| AppError::Internal(e.into()))?;
    let expires = now + Duration::minutes(DRAFT_MINUTES);
    let id = db::imports::insert_draft(
        pool,
        caller.user.id,
        f.id,
        options.format.word(),
        options.only_immigration_hold,
        kept,
        now,
        expires,
    )
    .await?;
    Ok((outcome, Some(id)))
}

/// Reads every row, checks it, and (unless dry or something is invalid) writes the new
/// bookings in batches, each audited as `booking_created`; then one `bookings_imported`.
async fn run(
    conn: &mut PgConnection,
    who: Importer<'_>,
    facility: &Facility,
    rows: impl Iterator<Item = Result<RawBooking, Vec<Problem>>>,
    options: Options,
    keep: bool,
    now: DateTime<Utc>,
) -> AppResult<Outcome> {
    let mut out = Outcome {
        facility: facility.code.clone(),
        format: options.format.word(),
        ..Outcome::default()
    };
    let mut seen: HashSet<String> = HashSet::new();
    let mut batch: Vec<(import::Position, NewBooking)> = Vec::with_capacity(BATCH);
    for row in rows {
        let checked = row.and_then(|raw| {
            if options.only_immigration_hold && raw.immigration_hold != Some(true) {
                return Ok(None);
            }
            let b = import::check(&raw, &facility.code, facility.tz(), now)?;
            // The CSV reader refuses a number that comes back itself; a NIEM batch is checked here.
            if options.format == Format::Niem && !seen.insert(b.booking_number.clone()) {
                let message = format!("booking {} appears twice in the file", b.booking_number);
                return Err(vec![Problem::new(raw.at, "booking_number", message)]);
            }
            Ok(Some((raw.at, b)))
        });
        match checked {
            Ok(Some(b)) => batch.push(b),
            Ok(None) => {
                out.skipped += 1;
                out.not_held += 1;
            }
            Err(problems) => {
                out.invalid += 1;
                for p in problems {
                    if out.problems.len() < KEPT_PROBLEMS {
                        out.problems.push(p.to_string());
                    }
                }
            }
        }
        if batch.len() == BATCH {
            flush(conn, who, facility, &mut batch, &mut out, options, keep, now).await?;
        }
    }
    flush(conn, who, facility, &mut batch, &mut out, options, keep, now).await?;
    if out.invalid == 0 && !options.dry_run {
        let detail = json!({
            "facility": facility.code, "format": options.format.word(), "imported": out.imported,
            "skipped": out.skipped, "conflicts": out.conflicts, "invalid": out.invalid,
            "only_immigration_hold": options.only_immigration_hold,
        });
        db::audit::record(&mut *conn, entry(who, "bookings_imported", now, detail)).await?;
    }
    Ok(out)
}

fn entry<'a>(who: Importer<'a>, action: &'a str, now: DateTime<Utc>, detail: Value) -> NewEntry<'a> {
    let (actor_id, actor, ip) = match who {
        Importer::User(c) => (Some(c.user.id), Some(c.user.username.as_str()), c.ip.map(str::to_owned)),
        Importer::Cli => (None, Some("import"), None),
    };
    NewEntry {
        at: now,
        recorded_at: now,
        actor_id,
        actor,
        action,
        ip,
        detail,
        booking_id: None,
    }
}

/// Sorts a batch into skipped, conflicts and new; writes the new ones when this import writes.
#[allow(clippy::too_many_arguments)]
async fn flush(
    conn: &mut PgConnection,
    who: Importer<'_>,
    facility: &Facility,
    batch: &mut Vec<(import::Position, NewBooking)>,
    out: &mut Outcome,
    options: Options,
    keep: bool,
    now: DateTime<Utc>,
) -> AppResult<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let numbers: Vec<String> = batch.iter().map(|(_, b)| b.booking_number.clone()).collect();
    let stored = db::imports::existing(&mut *conn, facility.id, &numbers).await?;
    let mut new = Vec::new();
    for (at, b) in batch.iter() {
        match stored.get(&b.booking_number) {
            None => new.push(b),
            Some(s) => {
                let differs = import::differences(b, s);
                if differs.is_empty() {
                    out.skipped += 1;
                } else {
                    out.conflicts += 1;
                    if out.conflict_list.len() < KEPT_PROBLEMS {
                        out.conflict_list.push(format!(
                            "{at}: booking {} is already at {} with other facts ({}): not changed",
                            b.booking_number,
                            facility.code,
                            differs.join(", ")
                        ));
                    }
                }
            }
        }
    }
    out.imported += new.len() as u64;
    if keep {
        out.kept.extend(new.iter().map(|b| Kept::of(b)));
    }
    if !new.is_empty() && !options.dry_run && out.invalid == 0 {
        let by = match who {
            Importer::User(c) => Some(c.user.id),
            Importer::Cli => None,
        };
        let ids = db::imports::insert(&mut *conn, facility.id, &new, by, now)
            .await
            .map_err(|e| {
                super::duplicate(
                    e,
                    "a booking of this file was created meanwhile: run the import again".into(),
                )
            })?;
        let rows: Vec<(DateTime<Utc>, Option<i64>, Value)> = new
            .iter()
            .zip(ids)
            .map(|(b, id)| (b.booked_at, Some(id), b.created_detail(&facility.code)))
            .collect();
        db::audit::record_many(&mut *conn, entry(who, "booking_created", now, Value::Null), &rows).await?;
    }
    batch.clear();
    Ok(())
}
