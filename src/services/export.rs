//! Leaving (issue 28; docs/agencies.md): everything of one agency written out as JSON Lines,
//! one file per table, with a manifest of counts, checksums and the audit chain's state, then
//! read back and checked. `wso-tracker agency export CODE --out DIR`.

use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::PgPool;

use crate::db;
use crate::error::{AppError, AppResult};
use crate::services::accounts::Actor;

#[derive(Debug, Serialize)]
pub struct TableFile {
    pub table: String,
    pub file: String,
    pub rows: usize,
    pub sha256: String,
}

#[derive(Debug, Serialize)]
pub struct Manifest {
    pub agency: String,
    pub exported_at: DateTime<Utc>,
    pub format: &'static str,
    pub tables: Vec<TableFile>,
    /// The installation's audit chain when the export was made: `intact` with its head, or
    /// where it breaks. The agency's entries in `audit_log.jsonl` carry their chain hashes.
    pub audit_chain: serde_json::Value,
    /// The installation's own tables, not exported (sessions, tokens, deliveries, …).
    pub not_exported: Vec<&'static str>,
}

fn io(what: &str, path: &Path, e: std::io::Error) -> AppError {
    AppError::Internal(anyhow::anyhow!("{what} {}: {e}", path.display()))
}

/// Writes the agency `code` into the new directory `out` and checks what was written.
pub async fn agency(
    pool: &PgPool,
    code: &str,
    out: &Path,
    actor: Actor<'_>,
    now: DateTime<Utc>,
) -> AppResult<Manifest> {
    let agency = db::agencies::by_code(pool, code.trim())
        .await?
        .ok_or_else(|| AppError::field("agency", format!("there is no agency `{}`", code.trim())))?;
    if out.exists() {
        return Err(AppError::field(
            "out",
            format!(
                "{} exists already: name a directory that does not exist yet",
                out.display()
            ),
        ));
    }
    // Records of people: readable by the exporting account alone.
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(out)
        .map_err(|e| io("creating", out, e))?;
    let mut tables = Vec::new();
    // One snapshot: every file of the export is of the same moment.
    let mut tx = pool.begin().await?;
    db::read_snapshot(&mut tx).await?;
    for part in db::export::parts() {
        let rows = db::export::rows(&mut *tx, &part, agency.id).await?;
        let mut text = String::with_capacity(rows.iter().map(|r| r.len() + 1).sum());
        for r in &rows {
            text.push_str(r);
            text.push('\n');
        }
        let file = format!("{}.jsonl", part.table);
        let path: PathBuf = out.join(&file);
        write_private(&path, text.as_bytes())?;
        tables.push(TableFile {
            table: part.table.to_string(),
            file,
            rows: rows.len(),
            sha256: crate::services::audit::hex(&Sha256::digest(text.as_bytes())),
        });
    }
    tx.commit().await?;
    // The agency's own chain as verified just after the snapshot (a few entries may have joined
    // since: the head covers the exported entries either way, being later in the same chain).
    // Entries from before the agency had a chain (decision 0037) are in the installation's.
    let audit_chain = match crate::services::audit::verify(pool, agency.id, &crate::services::audit::Verified::START)
        .await?
    {
        Ok(v) => {
            json!({ "chain": agency.code, "state": "intact", "entries": v.seq, "head": crate::services::audit::hex(&v.head) })
        }
        Err(broken) => json!({ "state": "broken", "at": broken.to_string() }),
    };
    let manifest = Manifest {
        agency: agency.code.clone(),
        exported_at: now,
        format: "JSON Lines: one JSON object per row, the table's columns by name; secrets left out",
        tables,
        audit_chain,
        not_exported: db::export::NOT_EXPORTED.to_vec(),
    };
    let path = out.join("manifest.json");
    let text = serde_json::to_string_pretty(&manifest).map_err(|e| AppError::Internal(e.into()))?;
    write_private(&path, text.as_bytes())?;
    check(out)?;
    let counts: serde_json::Map<String, serde_json::Value> = manifest
        .tables
        .iter()
        .map(|t| (t.table.clone(), json!(t.rows)))
        .collect();
    let detail = json!({ "agency": agency.code, "out": out.display().to_string(), "rows": counts });
    db::audit::record(pool, actor.entry("agency_exported", now, detail)).await?;
    Ok(manifest)
}

/// Writes a new file readable by its owner alone (0600).
fn write_private(path: &Path, bytes: &[u8]) -> AppResult<()> {
    use std::io::Write;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .and_then(|mut f| f.write_all(bytes))
        .map_err(|e| io("writing", path, e))
}

/// Reads an export back: every file of the manifest is there, holds as many JSON objects as the
/// manifest says, one per line, and has its checksum.
pub fn check(dir: &Path) -> AppResult<()> {
    let path = dir.join("manifest.json");
    let text = std::fs::read_to_string(&path).map_err(|e| io("reading", &path, e))?;
    let manifest: serde_json::Value = serde_json::from_str(&text).map_err(|e| AppError::Internal(e.into()))?;
    let bad = |m: String| AppError::Internal(anyhow::anyhow!("the export in {} does not check: {m}", dir.display()));
    for t in manifest["tables"]
        .as_array()
        .ok_or_else(|| bad("no tables in the manifest".into()))?
    {
        let file = t["file"].as_str().ok_or_else(|| bad("a table without a file".into()))?;
        let path = dir.join(file);
        let text = std::fs::read_to_string(&path).map_err(|e| io("reading", &path, e))?;
        let lines: Vec<&str> = text.lines().collect();
        if Some(lines.len() as u64) != t["rows"].as_u64() {
            return Err(bad(format!(
                "{file} has {} rows, the manifest says {}",
                lines.len(),
                t["rows"]
            )));
        }
        if lines
            .iter()
            .any(|l| !serde_json::from_str::<serde_json::Value>(l).is_ok_and(|v| v.is_object()))
        {
            return Err(bad(format!("{file} has a line that is not a JSON object")));
        }
        if Some(crate::services::audit::hex(&Sha256::digest(text.as_bytes())).as_str()) != t["sha256"].as_str() {
            return Err(bad(format!("{file} does not have the manifest's checksum")));
        }
    }
    Ok(())
}
