//! The alert rules in deploy/monitoring (issue 30, in part) are valid Prometheus rules, and each
//! fires on a series that should page and stays quiet on one that should not
//! (`promtool test rules`; Debian's `prometheus` package ships promtool, installed by `.ci/run`).

use std::process::Command;

fn promtool(args: &[&str]) -> (bool, String) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/monitoring");
    let o = Command::new(std::env::var("PROMTOOL").unwrap_or_else(|_| "promtool".into()))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("promtool (apt-get install prometheus): {e}"));
    let said = String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);
    (o.status.success(), said)
}

#[test]
fn the_alert_rules_are_valid_and_each_fires_when_it_should_and_only_then() {
    let (ok, said) = promtool(&["check", "rules", "wso-tracker.rules.yml"]);
    assert!(ok && said.contains("SUCCESS: 12 rules found"), "{said}");
    let (ok, said) = promtool(&["test", "rules", "wso-tracker.rules.test.yml"]);
    assert!(ok && said.contains("SUCCESS"), "{said}");
    // Every rule has its tests and its runbook paragraph.
    let rules = include_str!("../../deploy/monitoring/wso-tracker.rules.yml");
    let tests = include_str!("../../deploy/monitoring/wso-tracker.rules.test.yml");
    let runbook = include_str!("../../docs/operations.md");
    for name in rules.lines().filter_map(|l| l.trim().strip_prefix("- alert: ")) {
        assert!(tests.contains(&format!("alertname: {name}")), "{name} has no test");
        assert!(
            runbook.contains(&format!("### {name}")),
            "{name} has no runbook paragraph in docs/operations.md"
        );
    }
}

#[test]
fn the_dashboard_matches_its_schema_and_queries_only_metrics_the_server_exports() {
    // JSON Schema validation by jsonschema-rs, which the Schemathesis venv of `.ci/run` holds.
    let python = concat!(env!("CARGO_MANIFEST_DIR"), "/target/schemathesis-venv/bin/python");
    let o = Command::new(python)
        .args([
            "-c",
            "import json, jsonschema_rs; \
             jsonschema_rs.validate(json.load(open('dashboard.schema.json')), json.load(open('wso-tracker.dashboard.json'))); \
             print('valid')",
        ])
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/monitoring"))
        .output()
        .unwrap_or_else(|e| panic!("{python} (run .ci/run, which makes the Schemathesis venv): {e}"));
    let said = String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success() && said.contains("valid"), "{said}");
    // Each metric a panel queries is one docs/operations.md lists (the server's contract).
    let dashboard: serde_json::Value =
        serde_json::from_str(include_str!("../../deploy/monitoring/wso-tracker.dashboard.json")).unwrap();
    let documented = include_str!("../../docs/operations.md");
    let panels = dashboard["panels"].as_array().unwrap();
    assert!(panels.len() >= 8, "the panels an on-call person opens first");
    for target in panels.iter().flat_map(|p| p["targets"].as_array().unwrap()) {
        let expr = target["expr"].as_str().unwrap();
        for word in expr.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
            if let Some(name) = word.strip_prefix("wso_") {
                let base = ["_bucket", "_sum", "_count"]
                    .iter()
                    .find_map(|s| name.strip_suffix(s))
                    .unwrap_or(name);
                assert!(documented.contains(&format!("`wso_{base}`")), "wso_{base} in {expr}");
            }
        }
    }
}
