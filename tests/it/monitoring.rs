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
    assert!(ok && said.contains("SUCCESS: 9 rules found"), "{said}");
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
