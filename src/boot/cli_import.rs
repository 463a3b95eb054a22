//! `wso-tracker import bookings FILE --facility CODE [--format csv|niem] [--dry-run]
//! [--only-immigration-hold]` (docs/imports.md).

use std::io::{BufReader, IsTerminal, Read};
use std::path::PathBuf;

use anyhow::Context;
use chrono::{DateTime, Utc};
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use sqlx::PgPool;

use crate::domain::import::Format;
use crate::services::imports::{self, Importer, Options};

#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// Import bookings from a jail system's CSV or NIEM (OJBC Booking Reporting) file: one
    /// transaction; bookings already there are skipped, never changed; any invalid row and
    /// nothing is imported (exit status 1).
    Bookings {
        file: PathBuf,
        /// The facility the bookings are at (its code).
        #[arg(long)]
        facility: String,
        /// csv or niem [default: from the file's extension, .csv or .xml].
        #[arg(long)]
        format: Option<String>,
        /// Read and check everything, write nothing, print what would happen.
        #[arg(long)]
        dry_run: bool,
        /// NIEM only: import only bookings whose br-ext:DetentiontImmigrationHoldIndicator is
        /// true; the others are counted as skipped.
        #[arg(long)]
        only_immigration_hold: bool,
    },
}

/// Counts the bytes read, for the progress bar.
struct Counted<R> {
    inner: R,
    bar: ProgressBar,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bar.inc(n as u64);
        Ok(n)
    }
}

/// What an import that could not start says last: it always ends with the summary line.
const NOTHING: &str = "imported 0, skipped 0, conflicts 0, invalid 0";

/// Runs the import; an error (exit status 1) when any row was invalid.
pub async fn run(pool: &PgPool, command: ImportCommand, now: DateTime<Utc>) -> anyhow::Result<()> {
    let started = run_import(pool, command, now).await;
    if let Err((e, false)) = started {
        println!("{NOTHING}");
        return Err(e);
    }
    started.map_err(|(e, _)| e)
}

/// The import; on error, whether the summary line was already printed.
async fn run_import(pool: &PgPool, command: ImportCommand, now: DateTime<Utc>) -> Result<(), (anyhow::Error, bool)> {
    let not_started = |e: anyhow::Error| (e, false);
    let ImportCommand::Bookings {
        file,
        facility,
        format,
        dry_run,
        only_immigration_hold,
    } = command;
    let format = match format {
        Some(f) => Format::parse(&f).map_err(|e| anyhow::anyhow!("format: {e}")),
        None => Format::guess(&file.to_string_lossy()).map_err(anyhow::Error::msg),
    }
    .map_err(not_started)?;
    let opened = std::fs::File::open(&file)
        .with_context(|| format!("file: cannot open {}", file.display()))
        .map_err(not_started)?;
    let size = opened.metadata().map(|m| m.len()).unwrap_or(0);
    // Only on a terminal: a captured stderr gets no bar and no escape codes.
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(size);
        bar.set_style(
            ProgressStyle::with_template("{spinner} {bar:40} {bytes}/{total_bytes} {elapsed} (eta {eta})")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let input = BufReader::with_capacity(
        256 * 1024,
        Counted {
            inner: opened,
            bar: bar.clone(),
        },
    );
    let options = Options {
        format,
        dry_run,
        only_immigration_hold,
    };
    let rows = imports::read(format, input);
    let outcome = imports::import(pool, Importer::Cli, &facility, rows, options, false, now)
        .await
        .map_err(super::cli::one_line);
    bar.finish_and_clear();
    let outcome = outcome.map_err(not_started)?;
    for p in &outcome.problems {
        eprintln!("{p}");
    }
    if outcome.invalid as usize > outcome.problems.len() {
        eprintln!("(only the first {} problems are shown)", outcome.problems.len());
    }
    for c in &outcome.conflict_list {
        eprintln!("conflict: {c}");
    }
    if outcome.not_held > 0 {
        println!("skipped {} without an immigration hold", outcome.not_held);
    }
    if dry_run && outcome.invalid == 0 {
        println!("dry run: nothing was written; the import would do this:");
    }
    println!("{}", outcome.summary());
    if outcome.invalid > 0 {
        return Err((
            anyhow::anyhow!("{} invalid: nothing was imported", outcome.invalid),
            true,
        ));
    }
    if !outcome.written && !dry_run {
        return Err((anyhow::anyhow!("the import was not written"), true));
    }
    Ok(())
}
