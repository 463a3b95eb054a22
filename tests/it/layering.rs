//! The layering rule (decision 0013), checked on the source text: which module of the crate
//! may import which. A deliberately broken tree in `tests/fixtures/layering_broken` shows the
//! check fails when a rule is broken.

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
    ("auth", &["services", "routes", "boot"]),
];

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
        vec![ident(rest)]
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

/// Every broken rule in a source tree, as "file: what".
fn violations(files: &[(PathBuf, String)]) -> Vec<String> {
    let mut out = Vec::new();
    for (path, text) in files {
        let module = module_of(path);
        let Some(layer) = module.first() else { continue };
        let (modules, externals) = imports(&module, text);
        let shown = path.display();
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
            "db/bookings.rs: db imports crate::services",
            "domain/case.rs: domain imports crate::db",
            "domain/case.rs: domain imports crate::error",
            "domain/case.rs: domain uses the I/O crate sqlx",
            "domain/types.rs: domain imports crate::web",
            "error.rs: error imports crate::web",
            "services/case.rs: services imports crate::web",
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
