//! The notice for the detained person (issue 31), in a language they read: Fluent files, English
//! and Spanish shipped in the binary (`templates/notice/*.ftl`), each replaceable (or joined by
//! another language) by a file `LANG.ftl` in `WSO_NOTICE_DIR`, read at each request so that a
//! county's reviewed text is used without a rebuild. A message missing from a language (or
//! unreadable) falls back to English, logged once per language and message.

use std::collections::{BTreeSet, HashSet};
use std::path::Path;
use std::sync::{Mutex, OnceLock};

use fluent_bundle::{FluentArgs, FluentBundle, FluentResource};

/// The languages shipped, with their text.
const SHIPPED: [(&str, &str); 2] = [
    ("en", include_str!("../../templates/notice/en.ftl")),
    ("es", include_str!("../../templates/notice/es.ftl")),
];

/// The notice's messages, in the order printed; `notice-igsa` only where an IGSA applies.
pub const MESSAGES: [&str; 8] = [
    "notice-title",
    "notice-served",
    "notice-deadline",
    "notice-release",
    "notice-igsa",
    "notice-rights",
    "notice-contact",
    "notice-given",
];

/// What the notice says of the case (already in the facility's local time).
pub struct Facts<'a> {
    pub facility: &'a str,
    pub booking: &'a str,
    pub served: &'a str,
    pub deadline: &'a str,
    pub contact: &'a str,
    pub igsa: bool,
}

/// The notice in one language: each message's text, in order.
pub struct Rendered {
    pub lang: String,
    pub lines: Vec<(&'static str, String)>,
}

/// The languages offered: those shipped and those with a file in `dir`.
pub fn languages(dir: Option<&Path>) -> Vec<String> {
    let mut all: BTreeSet<String> = SHIPPED.iter().map(|(l, _)| l.to_string()).collect();
    if let Some(entries) = dir.and_then(|d| std::fs::read_dir(d).ok()) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if let Some(lang) = name.strip_suffix(".ftl").filter(|l| is_language_tag(l)) {
                all.insert(lang.to_string());
            }
        }
    }
    all.into_iter().collect()
}

/// A plain language tag (`en`, `es`, `pt-BR`): never a path.
fn is_language_tag(s: &str) -> bool {
    !s.is_empty() && s.len() <= 12 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// The text of `lang`: the file in `dir` when there is one, else the shipped one.
fn source(dir: Option<&Path>, lang: &str) -> Option<String> {
    if !is_language_tag(lang) {
        return None;
    }
    if let Some(text) = dir.and_then(|d| std::fs::read_to_string(d.join(format!("{lang}.ftl"))).ok()) {
        return Some(text);
    }
    SHIPPED.iter().find(|(l, _)| *l == lang).map(|(_, t)| t.to_string())
}

fn bundle(lang: &str, text: String) -> FluentBundle<FluentResource> {
    let resource = FluentResource::try_new(text).unwrap_or_else(|(partial, errors)| {
        once(lang, "(file)", || tracing::warn!(lang, errors = ?errors, "notice: the Fluent file has errors; the messages it could read are used, the rest in English"));
        partial
    });
    let id = lang.parse().unwrap_or_default();
    let mut b = FluentBundle::new(vec![id]);
    // Plain text for HTML: no Unicode isolation marks around the values.
    b.set_use_isolating(false);
    let _ = b.add_resource(resource);
    b
}

/// Runs `log` the first time `(lang, key)` is met in this process.
fn once(lang: &str, key: &str, log: impl FnOnce()) {
    static SEEN: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    let fresh = SEEN
        .get_or_init(Default::default)
        .lock()
        .map(|mut s| s.insert(format!("{lang} {key}")))
        .unwrap_or(false);
    if fresh {
        log();
    }
}

fn format(b: &FluentBundle<FluentResource>, key: &str, args: &FluentArgs) -> Option<String> {
    let pattern = b.get_message(key)?.value()?;
    let mut errors = vec![];
    let text = b.format_pattern(pattern, Some(args), &mut errors).to_string();
    errors.is_empty().then_some(text)
}

/// The notice in `lang` (`None`: not a language offered).
pub fn render(dir: Option<&Path>, lang: &str, facts: &Facts<'_>) -> Option<Rendered> {
    let own = bundle(lang, source(dir, lang)?);
    let english = bundle("en", source(dir, "en").unwrap_or_else(|| SHIPPED[0].1.to_string()));
    // The last resort: the shipped English (a county's own English file may lack a message).
    let shipped = bundle("en", SHIPPED[0].1.to_string());
    let mut args = FluentArgs::new();
    for (k, v) in [
        ("facility", facts.facility),
        ("booking", facts.booking),
        ("served", facts.served),
        ("deadline", facts.deadline),
        ("contact", facts.contact),
    ] {
        args.set(k, v.to_string());
    }
    let lines = MESSAGES
        .iter()
        .filter(|k| facts.igsa || **k != "notice-igsa")
        .map(|&key| {
            let text = format(&own, key, &args).unwrap_or_else(|| {
                once(lang, key, || {
                    tracing::warn!(lang, key, "notice: message missing in this language; English is used")
                });
                format(&english, key, &args)
                    .or_else(|| format(&shipped, key, &args))
                    .unwrap_or_default()
            });
            (key, text)
        })
        .collect();
    Some(Rendered {
        lang: lang.to_string(),
        lines,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> Facts<'static> {
        Facts {
            facility: "Rockingham",
            booking: "B-1",
            served: "2026-11-22 04:00 EST",
            deadline: "2026-11-24 04:00 EST",
            contact: "(910) 555-0100",
            igsa: false,
        }
    }

    #[test]
    fn both_shipped_languages_have_every_message_and_name_the_deadline() {
        for lang in ["en", "es"] {
            let r = render(None, lang, &facts()).unwrap();
            assert_eq!(
                r.lines.len(),
                MESSAGES.len() - 1,
                "{lang}: no IGSA line without an IGSA"
            );
            let deadline = &r.lines.iter().find(|(k, _)| *k == "notice-deadline").unwrap().1;
            assert!(deadline.contains("2026-11-24 04:00 EST"), "{lang}: {deadline}");
            assert!(!deadline.contains('\u{2068}'), "no isolation marks");
        }
        let es = render(None, "es", &facts()).unwrap();
        assert!(es.lines[0].1.starts_with("Aviso"), "{}", es.lines[0].1);
    }

    #[test]
    fn an_unknown_language_or_a_path_is_not_offered() {
        assert!(render(None, "fr", &facts()).is_none());
        assert!(render(None, "../etc/passwd", &facts()).is_none());
        assert_eq!(languages(None), ["en", "es"]);
    }
}
