//! The layering rule (decision 0013), checked on the source text: which module of the crate
//! may import which, and that SQL is written only under `db/`. A deliberately broken tree in
//! `tests/fixtures/layering_broken` shows the check fails when a rule is broken.

use std::path::{Path, PathBuf};

/// The crates no pure rule may touch: databases, web, templates, I/O.
const IO_CRATES: &[&str] = &[
    "sqlx",
    "axum",
    "askama",
    "askama_web",
    "tower",
    "tower_http",
    "tower_sessions",
    "tokio",
    "reqwest",
    "lettre",
];

/// (layer, layers of the crate it may not import).
const FORBIDDEN: &[(&str, &[&str])] = &[
    ("db", &["services", "web", "auth", "alerts", "boot", "routes"]),
    ("services", &["web", "routes", "boot"]),
    ("alerts", &["web", "services", "routes", "boot"]),
    ("error", &["web", "routes"]),
    ("auth", &["web", "services", "routes", "boot"]),
];

/// Every top-level module of the crate (`src/lib.rs`); a test keeps the list true.
/// The layers that serve requests: none may run under the system scope (`db::scope`).
const NO_SYSTEM_SCOPE: &[&str] = &["web", "auth", "routes"];

const MODULES: &[&str] = &[
    "alerts", "auth", "boot", "clock", "config", "db", "domain", "error", "net", "routes", "secrets", "services",
    "state", "web",
];

/// Shared modules under everything that uses them: (module, the only modules of the crate it
/// may import; every other one in `MODULES` is forbidden).
const ONLY: &[(&str, &[&str])] = &[
    // The client's address and the trusted-proxy CIDRs, used by `config`, `auth` and `web`.
    ("net", &[]),
    ("config", &["net", "secrets"]),
    // Sealing and opening secrets with the key file (decision 0033): a leaf.
    ("secrets", &[]),
    // `AppState` holds the board's feed (`services::board::Feed`), installs the TLS provider
    // of `services::webhooks` and opens the accounts pool (`db::scope::accounts_pool`, decision
    // 0044); nothing else.
    ("state", &["clock", "config", "db", "services"]),
];

/// Files outside `db/` that may hold SQL: (file, how many lines of it, why). A query belongs in
/// `db/`; keep this list short, and the count exact, so a new statement here is a decision.
const SQL_ALLOWED: &[(&str, usize, &str)] = &[(
    "boot/database.rs",
    2,
    "creates the private cluster's database (does it exist? CREATE DATABASE) as the cluster's \
     superuser on the `postgres` maintenance database, before the app's pool and migrations exist",
)];

/// The functions of sqlx that take SQL text, when called (`(`) or given types (`::<`).
const SQL_FUNCTIONS: &[&str] = &[
    "query",
    "query_as",
    "query_scalar",
    "query_with",
    "query_as_with",
    "query_scalar_with",
    "raw_sql",
];

/// The words a string literal of SQL starts with (after optional whitespace), case-sensitive.
const SQL_WORDS: &[&str] = &["SELECT", "INSERT", "UPDATE", "DELETE", "WITH"];

/// Every `.rs` file under `root`, with its text.
fn read_tree(root: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                out.push((path.strip_prefix(root).unwrap().to_path_buf(), text));
            }
        }
    }
    out.sort();
    out
}

/// The module path of a file: `web/api/mod.rs` → [web, api]; `error.rs` → [error].
fn module_of(path: &Path) -> Vec<String> {
    let mut parts: Vec<String> = path.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let last = parts.pop().unwrap();
    let stem = last.trim_end_matches(".rs");
    if !matches!(stem, "mod" | "lib" | "main") {
        parts.push(stem.to_string());
    }
    parts
}

/// The code without comments (doc comments may name any module).
fn code(text: &str) -> String {
    text.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A file's text as the SQL rule reads it: the code with comments and the insides of string and
/// character literals blanked (lines kept), and each string literal (raw or not) with its line.
fn lex(text: &str) -> (String, Vec<(usize, String)>) {
    let s: Vec<char> = text.chars().collect();
    let at = |i: usize, p: &str| p.chars().enumerate().all(|(k, c)| s.get(i + k) == Some(&c));
    let blank = |c: &char| if *c == '\n' { '\n' } else { ' ' };
    let (mut code, mut strings, mut i) = (String::new(), Vec::new(), 0);
    while i < s.len() {
        let ident_before = i > 0 && (s[i - 1].is_alphanumeric() || s[i - 1] == '_');
        let raw_prefix = match s[i] {
            'r' if !ident_before => 1,
            'b' | 'c' if !ident_before && s.get(i + 1) == Some(&'r') => 2,
            _ => 0,
        };
        let hashes = s[(i + raw_prefix).min(s.len())..]
            .iter()
            .take_while(|c| **c == '#')
            .count();
        if at(i, "//") {
            while i < s.len() && s[i] != '\n' {
                code.push(' ');
                i += 1;
            }
        } else if at(i, "/*") {
            let mut depth = 0;
            while i < s.len() {
                if at(i, "/*") || at(i, "*/") {
                    depth += if s[i] == '/' { 1 } else { -1 };
                    code.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    code.push(blank(&s[i]));
                    i += 1;
                }
            }
        } else if raw_prefix > 0 && s.get(i + raw_prefix + hashes) == Some(&'"') {
            let start = i + raw_prefix + hashes + 1;
            let close: String = std::iter::once('"').chain(std::iter::repeat_n('#', hashes)).collect();
            let end = (start..s.len()).find(|j| at(*j, &close)).unwrap_or(s.len());
            strings.push((code.matches('\n').count() + 1, s[start..end].iter().collect()));
            code.extend(&s[i..start]);
            code.extend(s[start..end].iter().map(blank));
            code.push_str(&close);
            i = end + close.len();
        } else if s[i] == '"' {
            let mut end = i + 1;
            while end < s.len() && s[end] != '"' {
                end += if s[end] == '\\' { 2 } else { 1 };
            }
            let end = end.min(s.len());
            strings.push((code.matches('\n').count() + 1, s[i + 1..end].iter().collect()));
            code.push('"');
            code.extend(s[i + 1..end].iter().map(blank));
            code.push('"');
            i = end + 1;
        } else if s[i] == '\'' && (s.get(i + 1) == Some(&'\\') || s.get(i + 2) == Some(&'\'')) {
            // A character literal (`'"'`, `'\''`), not a lifetime.
            let end = match s[i + 1] {
                '\\' => (i + 3..s.len()).find(|j| s[*j] == '\'').unwrap_or(s.len() - 1),
                _ => i + 2,
            };
            code.extend(s[i..=end].iter().map(blank));
            i = end + 1;
        } else {
            code.push(s[i]);
            i += 1;
        }
    }
    (code, strings)
}

/// Each line of a file that runs SQL, with what gave it away: a call of sqlx's query functions
/// (`sqlx::query(`, a bare `query_as::<`), a `query…!` macro, `QueryBuilder`, or a string
/// literal starting with a statement word. Method calls (`.query()` of a URI) and definitions
/// (`fn query(`) are not SQL.
fn sql_lines(text: &str) -> Vec<(usize, String)> {
    let (code, strings) = lex(text);
    let c: Vec<char> = code.chars().collect();
    let is_ident = |c: &char| c.is_alphanumeric() || *c == '_';
    let mut found: Vec<(usize, String)> = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < c.len() {
        if c[i] == '\n' {
            line += 1;
        }
        if !(c[i].is_alphabetic() || c[i] == '_') || (i > 0 && is_ident(&c[i - 1])) {
            i += 1;
            continue;
        }
        let word: String = c[i..].iter().take_while(|c| is_ident(c)).collect();
        let after: String = c[i + word.len()..].iter().take(3).collect();
        let before: String = c[i.saturating_sub(32)..i].iter().collect();
        let before = before.trim_end();
        let what = if word == "QueryBuilder" {
            Some(word.clone())
        } else if word.starts_with("query") && after.starts_with('!') && !after.starts_with("!=") {
            Some(format!("{word}!"))
        } else if SQL_FUNCTIONS.contains(&word.as_str()) && (after.starts_with('(') || after == "::<") {
            let last_word = |s: &str| s.rsplit(|c: char| !is_ident(&c)).next().unwrap_or("").to_string();
            let path = before.strip_suffix("::");
            let called = match path {
                Some(p) => last_word(p) == "sqlx",
                None => !before.ends_with('.') && last_word(before) != "fn",
            };
            let call = if after == "::<" { "::<" } else { "(" };
            called.then(|| format!("{}{word}{call}", if path.is_some() { "sqlx::" } else { "" }))
        } else {
            None
        };
        if let Some(what) = what {
            found.push((line, what));
        }
        i += word.len();
    }
    for (line, text) in strings {
        let body = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\\');
        let word = SQL_WORDS.iter().find(|w| {
            body.strip_prefix(**w)
                .is_some_and(|rest| rest.starts_with(|c: char| c.is_whitespace() || c == '\\'))
        });
        if let Some(word) = word {
            found.push((line, format!("a string \"{word} ...\"")));
        }
    }
    found.sort_by_key(|(line, _)| *line);
    found.dedup_by_key(|(line, _)| *line);
    found
}

/// The first segment after `crate::` (or each first segment of `crate::{a, b::c}`).
fn roots_after(rest: &str) -> Vec<String> {
    let ident = |s: &str| -> String { s.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect() };
    if let Some(group) = rest.strip_prefix('{') {
        let (mut depth, mut end) = (1, group.len());
        for (i, c) in group.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                end = i;
                break;
            }
        }
        let mut out = Vec::new();
        let (mut depth, mut start) = (0, 0);
        let inner = &group[..end];
        for (i, c) in inner.char_indices().chain([(inner.len(), ',')]) {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    out.push(ident(inner[start..i].trim()));
                    start = i + 1;
                }
                _ => {}
            }
        }
        out.into_iter().filter(|s| !s.is_empty()).collect()
    } else {
        // `use super::*` from a top-level file's inline module names no module.
        vec![ident(rest)].into_iter().filter(|s| !s.is_empty()).collect()
    }
}

/// The crate modules a file reaches (`crate::x`, and `super::` paths that leave its layer)
/// and the external crates it names.
fn imports(module: &[String], text: &str) -> (Vec<String>, Vec<String>) {
    let code = code(text);
    let mut modules = Vec::new();
    for (i, _) in code.match_indices("crate::") {
        let before = code[..i].chars().last();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // e.g. `wso_tracker_crate::`
        }
        modules.extend(roots_after(&code[i + "crate::".len()..]));
    }
    for (i, _) in code.match_indices("super::") {
        if code[..i].ends_with("super::") {
            continue; // counted from the first `super::` of the path
        }
        let mut rest = &code[i..];
        let mut base = module.to_vec();
        while let Some(r) = rest.strip_prefix("super::") {
            base.pop();
            rest = r;
        }
        match base.first() {
            Some(layer) => modules.push(layer.clone()),
            None => modules.extend(roots_after(rest)),
        }
    }
    let externals = IO_CRATES
        .iter()
        .filter(|c| {
            code.match_indices(&format!("{c}::")).any(|(i, _)| {
                let before = code[..i].chars().last();
                !before.is_some_and(|b| b.is_alphanumeric() || b == '_' || b == ':')
            })
        })
        .map(|c| c.to_string())
        .collect();
    (modules, externals)
}

/// Every broken rule in a source tree, as "file: what" (SQL outside `db/` as "file:line: what").
fn violations(files: &[(PathBuf, String)]) -> Vec<String> {
    let mut out = Vec::new();
    for (path, text) in files {
        let module = module_of(path);
        let shown = path.display();
        if module.first().is_none_or(|m| m != "db") {
            let sql = sql_lines(text);
            let allowed = SQL_ALLOWED.iter().find(|(file, ..)| Path::new(file) == path);
            if let Some((_, n, _)) = allowed.filter(|(_, n, _)| *n != sql.len()) {
                let found = sql.len();
                out.push(format!(
                    "{shown}: {found} lines of SQL outside db/, the allow-list says {n}"
                ));
            }
            if allowed.is_none_or(|(_, n, _)| *n != sql.len()) {
                for (line, what) in sql {
                    out.push(format!("{shown}:{line}: SQL outside db/: {what}"));
                }
            }
        }
        let Some(layer) = module.first() else { continue };
        // Row-level security's system scope (every agency's rows) is the server's own work: no
        // request path may take it (decision 0036).
        if NO_SYSTEM_SCOPE.contains(&layer.as_str()) {
            let code = code(text);
            for (i, line) in code.lines().enumerate() {
                if line.contains("scope::system") || line.contains("RowScope::System") {
                    out.push(format!("{shown}:{}: {layer} takes the system scope", i + 1));
                }
            }
        }
        let (modules, externals) = imports(&module, text);
        if layer == "domain" {
            for m in modules.iter().filter(|m| *m != "domain") {
                out.push(format!("{shown}: domain imports crate::{m}"));
            }
            for c in &externals {
                out.push(format!("{shown}: domain uses the I/O crate {c}"));
            }
        }
        for (from, to) in FORBIDDEN {
            if layer == from {
                for m in modules.iter().filter(|m| to.contains(&m.as_str())) {
                    out.push(format!("{shown}: {from} imports crate::{m}"));
                }
            }
        }
        for (from, may) in ONLY {
            if layer == from {
                let forbidden =
                    |m: &&String| MODULES.contains(&m.as_str()) && m.as_str() != *from && !may.contains(&m.as_str());
                for m in modules.iter().filter(forbidden) {
                    out.push(format!("{shown}: {from} imports crate::{m}"));
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

fn root(dir: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(dir)
}

#[test]
fn the_source_keeps_the_layering_rule() {
    let files = read_tree(&root("src"));
    assert!(
        files.len() > 50,
        "the check reads the whole tree ({} files)",
        files.len()
    );
    let broken = violations(&files);
    assert!(broken.is_empty(), "layering broken:\n{}", broken.join("\n"));
}

#[test]
fn the_module_list_and_the_sql_allow_list_are_true() {
    let files = read_tree(&root("src"));
    let mut modules: Vec<String> = files
        .iter()
        .filter_map(|(path, _)| module_of(path).first().cloned())
        .collect();
    modules.sort();
    modules.dedup();
    assert_eq!(modules, MODULES, "MODULES lists every top-level module of the crate");
    for (file, n, _) in SQL_ALLOWED {
        let text = files
            .iter()
            .find(|(path, _)| Path::new(file) == path)
            .map(|(_, text)| text);
        let found = text.map(|t| sql_lines(t).len()).unwrap_or(0);
        assert_eq!(found, *n, "{file}: the SQL allow-list is out of date");
    }
}

#[test]
fn no_source_file_is_over_400_lines() {
    let long: Vec<String> = read_tree(&root("src"))
        .into_iter()
        .filter(|(_, text)| text.lines().count() > 400)
        .map(|(path, text)| format!("{}: {} lines", path.display(), text.lines().count()))
        .collect();
    assert!(long.is_empty(), "split these files:\n{}", long.join("\n"));
}

#[test]
fn the_check_fails_on_a_tree_that_breaks_each_rule() {
    let broken = violations(&read_tree(&root("tests/fixtures/layering_broken/src")));
    assert_eq!(
        broken,
        vec![
            "alerts/watcher.rs: alerts imports crate::services",
            "alerts/watcher.rs: alerts imports crate::web",
            "auth/session.rs: auth imports crate::web",
            "boot/database.rs: 3 lines of SQL outside db/, the allow-list says 2",
            "boot/database.rs:11: SQL outside db/: sqlx::query(",
            "boot/database.rs:4: SQL outside db/: sqlx::query_scalar(",
            "boot/database.rs:9: SQL outside db/: sqlx::query(",
            "config.rs: config imports crate::services",
            "config.rs: config imports crate::web",
            "db/bookings.rs: db imports crate::services",
            "domain/case.rs: domain imports crate::db",
            "domain/case.rs: domain imports crate::error",
            "domain/case.rs: domain uses the I/O crate sqlx",
            "domain/types.rs: domain imports crate::web",
            "error.rs: error imports crate::web",
            "net.rs: net imports crate::config",
            "services/case.rs: services imports crate::web",
            "services/claims.rs:13: SQL outside db/: sqlx::query_as::<",
            "services/claims.rs:18: SQL outside db/: QueryBuilder",
            "services/claims.rs:8: SQL outside db/: sqlx::query(",
            "state.rs: state imports crate::auth",
            "state.rs: state imports crate::routes",
            "web/reports.rs:13: SQL outside db/: a string \"WITH ...\"",
            "web/reports.rs:18: web takes the system scope",
            "web/reports.rs:7: SQL outside db/: a string \"SELECT ...\"",
        ]
    );
}

#[test]
fn imports_are_read_through_groups_and_super_paths() {
    let m = |s: &str| module_of(Path::new(s));
    let (modules, _) = imports(
        &m("web/api/bookings.rs"),
        "use crate::{db::{self, x}, domain};\nuse super::super::auth;",
    );
    assert_eq!(modules, vec!["db", "domain", "web"]);
    let (modules, externals) = imports(
        &m("domain/case.rs"),
        "// crate::web in a comment\nuse super::types::Status;",
    );
    assert_eq!((modules, externals), (vec!["domain".to_string()], vec![]));
    let (_, externals) = imports(&m("domain/x.rs"), "#[derive(sqlx::Type)]\nstruct A;");
    assert_eq!(externals, vec!["sqlx"]);
}

#[test]
fn sql_is_found_in_code_not_in_comments_methods_or_words() {
    let lines = |text: &str| {
        sql_lines(text)
            .into_iter()
            .map(|(l, w)| format!("{l}: {w}"))
            .collect::<Vec<_>>()
    };
    let text = r##"let q = uri.query().unwrap_or_default(); // sqlx::query("SELECT 1")
/* sqlx::query_as("SELECT 1") /* nested */ "SELECT 2" */
fn query(x: &str) {}
let url = "http://example.org/"; let quote = '"'; let n = "DELETE";
let a = sqlx::query_as::<_, (i64,)>(SQL);
let b = query!("x");
let c = r#"
    WITH recent AS (SELECT 1)"#;
let d = "select lower case";
let e = "\
    UPDATE bookings SET x = 1";
let f = ops.query::<Q>(&[]).path_and_query(); let g = "Selected ";
let h = sqlx::query_scalar(&sql);
"##;
    assert_eq!(
        lines(text),
        vec![
            "5: sqlx::query_as::<",
            "6: query!",
            "7: a string \"WITH ...\"",
            "10: a string \"UPDATE ...\"",
            "13: sqlx::query_scalar(",
        ]
    );
}
