//! An audit entry's detail (a JSON object, `docs/api.md`) in words for people: one
//! "Label: value" per field, labels in words, the enumerated words by their labels
//! ("Reason: Bond posted"), times in the facility's zone with its abbreviation, an A-number as
//! `A201-555-019`. The case timeline and `/admin/audit` show it; the API and the CSV keep the
//! JSON.

use chrono::Utc;
use chrono_tz::Tz;
use serde_json::Value;

use crate::domain::anumber::ANumber;
use crate::domain::types::{ChargeCategory, DocumentKind, NotificationKind, ReleasePointReason, ReleaseReason, Status};

/// Labels that are not just the key in words.
const LABELS: [(&str, &str); 14] = [
    ("a_number", "A-number"),
    ("corrects_event_id", "Corrects entry"),
    ("corrects", "Corrected entry"),
    ("ice_contact", "ICE contact"),
    ("ice_due_at", "Due at ICE"),
    ("igsa", "IGSA"),
    ("igsa_daily_rate_cents", "IGSA daily rate"),
    ("mfa", "Second factor"),
    ("url", "URL"),
    ("booking_id", "Case"),
    ("over_detained_seconds", "Held past the limit"),
    ("retry_after_seconds", "Retry after"),
    ("reported_to_ice_at", "Reported to ICE at"),
    ("timezone", "Time zone"),
];

/// A key in words: `withdrawn_by` → "Withdrawn by", `token_id` → "Token record" (a row's id,
/// not a number people know).
pub fn label(key: &str) -> String {
    if let Some((_, l)) = LABELS.iter().find(|(k, _)| *k == key) {
        return (*l).to_string();
    }
    let key = key
        .strip_suffix("_id")
        .map_or_else(|| key.to_string(), |k| format!("{k}_record"));
    let words: Vec<String> = key
        .split('_')
        .filter(|w| !w.is_empty())
        .map(|w| match w {
            "ice" => "ICE".to_string(),
            "igsa" => "IGSA".to_string(),
            "api" => "API".to_string(),
            "ip" => "IP".to_string(),
            w => w.to_string(),
        })
        .collect();
    capital(&words.join(" "))
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A word that is a code (`bond_posted`, `in_custody`): lower-case letters and digits joined by
/// underscores.
fn is_code(s: &str) -> bool {
    s.contains('_')
        && s.split('_')
            .all(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()))
}

/// An enumerated word of `key` by its label, if it is one.
fn word_label(key: &str, s: &str) -> Option<String> {
    let l = match key {
        "reason" | "late_reason" => s
            .parse::<ReleasePointReason>()
            .map(|r| r.label())
            .or_else(|_| s.parse::<ReleaseReason>().map(|r| r.label()))
            .ok()
            .or((s == "no_active_warrant").then_some("no active warrant"))?,
        "kind" => s
            .parse::<DocumentKind>()
            .map(|k| k.label())
            .or_else(|_| s.parse::<NotificationKind>().map(|k| k.label()))
            .ok()?,
        "status" => s.parse::<Status>().ok()?.label(),
        "category" => s.parse::<ChargeCategory>().ok()?.label(),
        "role" => s.parse::<crate::domain::role::Role>().ok()?.label(),
        "corrects" => return crate::web::case_view::action_label(s).map(str::to_string),
        _ => return None,
    };
    Some(capital(l))
}

/// One value in words (`key` says what it is).
pub fn value(key: &str, v: &Value, tz: Tz) -> String {
    match v {
        Value::Null => "—".into(),
        Value::Bool(b) => if *b { "yes" } else { "no" }.into(),
        Value::Number(n) => match (key, n.as_i64()) {
            (k, Some(s)) if k.ends_with("_seconds") => crate::web::forms::duration_words(s),
            ("igsa_daily_rate_cents", Some(c)) => format!("${}.{:02}", c / 100, c % 100),
            _ => n.to_string(),
        },
        Value::String(s) => {
            if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
                return crate::clock::local_time(t.with_timezone(&Utc), tz);
            }
            if key == "a_number"
                && let Ok(a) = ANumber::parse(s)
            {
                return a.to_string();
            }
            if key == "timezone"
                && let Ok(z) = s.parse::<Tz>()
            {
                return crate::domain::local_time::zone_name(z);
            }
            if let Some(l) = word_label(key, s) {
                return l;
            }
            if is_code(s) {
                capital(&s.replace('_', " "))
            } else {
                s.clone()
            }
        }
        Value::Array(items) => {
            let each: Vec<String> = items.iter().map(|i| value(key, i, tz)).collect();
            if each.is_empty() {
                "none".into()
            } else {
                each.join(", ")
            }
        }
        Value::Object(map) => {
            // A charge: "Indecent exposure (Sex offense)".
            if let (Some(Value::String(d)), Some(c)) = (map.get("description"), map.get("category")) {
                return format!("{d} ({})", value("category", c, tz));
            }
            lines(v, tz, &[]).join(", ")
        }
    }
}

/// Each field of `detail` (an object) but those of `skip` and the empty ones, as
/// "Label: value".
pub fn lines(detail: &Value, tz: Tz, skip: &[&str]) -> Vec<String> {
    let Some(map) = detail.as_object() else {
        return match detail {
            Value::Null => vec![],
            v => vec![value("", v, tz)],
        };
    };
    map.iter()
        .filter(|(k, v)| !v.is_null() && !skip.contains(&k.as_str()))
        .map(|(k, v)| format!("{}: {}", label(k), value(k, v, tz)))
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono_tz::America::New_York as NY;
    use serde_json::json;

    use super::*;

    #[test]
    fn a_case_event_reads_as_words() {
        let d = json!({ "reason": "bond_posted", "note": null, "active_warrant": true, "status": "in_custody",
                        "a_number": "201555019", "at": "2026-11-22T09:00:00Z", "over_detained_seconds": 3720,
                        "kind": "I-200", "corrects_event_id": 19, "corrects": "warrant_served" });
        assert_eq!(
            lines(&d, NY, &[]),
            [
                "A-number: A201-555-019",
                "Active warrant: yes",
                "At: 2026-11-22 04:00 EST",
                "Corrected entry: Warrant served: custody clock started",
                "Corrects entry: 19",
                "Kind: I-200 warrant of arrest",
                "Held past the limit: 1 h 02 min",
                "Reason: Bond posted",
                "Status: In custody",
            ]
        );
    }

    #[test]
    fn other_entries_read_as_words_too() {
        let d = json!({ "code": "RCDC", "timezone": "America/New_York", "igsa": false, "via": "cli",
                        "token_id": 4, "role": "ice_liaison", "view": "transfer_record",
                        "charges": [{ "category": "sex_offense", "description": "Indecent exposure" }] });
        let l = lines(&d, NY, &[]);
        assert!(l.contains(&"Time zone: Eastern time (EST/EDT)".to_string()), "{l:?}");
        assert!(l.contains(&"Token record: 4".to_string()), "{l:?}");
        assert!(l.contains(&"View: Transfer record".to_string()), "{l:?}");
        assert!(
            l.contains(&"Charges: Indecent exposure (Sex offense)".to_string()),
            "{l:?}"
        );
        assert!(l.contains(&"IGSA: no".to_string()), "{l:?}");
        assert!(l.iter().all(|l| !l.contains('_') && !l.contains("America/")), "{l:?}");
        assert!(
            l.iter().any(|l| l.starts_with("Role: ") && !l.contains("ice_liaison")),
            "{l:?}"
        );
    }
}
