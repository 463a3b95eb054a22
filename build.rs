//! `sqlx::migrate!()` embeds `migrations/` at compile time, but on stable Rust Cargo does not
//! know the macro read that directory: without this, a new migration file is left out of the
//! binary until some source file changes.
//!
//! Also the commit the binary was built from, for `wso-tracker --version`: `WSO_COMMIT` when
//! the builder sets it (a package built outside a checkout), else the checkout's `HEAD`, else
//! "unknown".
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-env-changed=WSO_COMMIT");
    for path in [".git/HEAD", ".git/refs/heads", ".git/packed-refs"] {
        if std::path::Path::new(path).exists() {
            println!("cargo:rerun-if-changed={path}");
        }
    }
    let commit = std::env::var("WSO_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .or_else(|| {
            Command::new("git")
                .args(["rev-parse", "--short=12", "HEAD"])
                .output()
                .ok()
                .filter(|o| o.status.success())
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
                .filter(|c| !c.is_empty())
        });
    println!(
        "cargo:rustc-env=WSO_COMMIT={}",
        commit.unwrap_or_else(|| "unknown".into())
    );
}
