//! The text check (issue 25, item 9): every page of every role (the accessibility walk,
//! `a11y.rs`, plus the pages its data adds here) is opened in real Chromium and its visible
//! text (`document.body.innerText`: what a person reads, no markup, no attribute, no form
//! field's value) must hold no raw code and no time without its zone.
//!
//! The rules, precisely:
//! - none of [`RAW`] appears as words of its own (compared case-insensitively, so "No no
//!   WSO…" counts; a code starting or ending with a letter or digit must not touch another
//!   there, so "11 hours" and "No notification" do not count). The API reference
//!   (`/api/docs`) is spared this rule only: the API's words are its subject;
//! - a time is one or two digits, `:`, two digits, optionally `:` and two more, not touching
//!   another digit or `:` on either side (so `127.0.0.1:9000` or a ratio is not a time). It
//!   must be followed, after at most one space, by a zone's abbreviation: two to five capital
//!   letters ([`ZONES`], e.g. EST, EDT, AKST, UTC, ChST) or chrono-tz's numeric form (`+03`,
//!   `-0930`). `22:05 EST` and `22:05:09 EDT` pass; `22:05`, `22:05 (EST)`, `22:05 in Eastern
//!   time` do not;
//! - the one exception: on `/admin/facilities` the "Time zone" field of the form that adds a
//!   facility, whose value being edited is the zone's IANA name (its hint gives an example),
//!   is left out of the text checked.

use chrono::Duration;
use serde_json::json;
use wso_tracker::alerts::check_deadlines;

use crate::a11y::{walk, world_with_every_page};
use crate::browser::browser;
use crate::helpers::{World, booking};

/// Codes that must never reach a reader (checked case-insensitively).
const RAW: [&str; 7] = [
    "bond_posted",
    "no_certification",
    "sex_offense",
    "America/",
    " UTC UTC",
    "1 hours",
    "no no",
];

/// The zone abbreviations a time may carry (what chrono-tz writes for the US zones, and UTC).
const ZONES: [&str; 20] = [
    "EST", "EDT", "CST", "CDT", "MST", "MDT", "PST", "PDT", "AKST", "AKDT", "HST", "HDT", "AST", "ADT", "SST", "ChST",
    "UTC", "GMT", "CET", "CEST",
];

/// Every time in `text` not followed by its zone, with a little context.
fn times_without_zone(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let digit = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    let mut found = Vec::new();
    let mut i = 0;
    while i < b.len() {
        // A run of one or two digits starting here, not preceded by a digit or ':'.
        let starts = digit(i) && (i == 0 || !(digit(i - 1) || b[i - 1] == b':'));
        if !starts {
            i += 1;
            continue;
        }
        let h = if digit(i + 1) { 2 } else { 1 };
        let mut end = i + h;
        if !(b.get(end) == Some(&b':') && digit(end + 1) && digit(end + 2)) {
            i += 1;
            continue;
        }
        end += 3;
        if b.get(end) == Some(&b':') && digit(end + 1) && digit(end + 2) {
            end += 3;
        }
        if digit(end) || b.get(end) == Some(&b':') {
            i = end;
            continue;
        }
        let rest = &text[end..];
        let rest = rest
            .strip_prefix(' ')
            .or_else(|| rest.strip_prefix('\u{a0}'))
            .unwrap_or(rest);
        let word: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '+' || *c == '-')
            .collect();
        let numeric = (word.starts_with('+') || word.starts_with('-'))
            && word.len() >= 3
            && word[1..].chars().all(|c| c.is_ascii_digit());
        if !(ZONES.contains(&word.as_str()) || numeric) {
            let from = text[..i].char_indices().rev().nth(30).map_or(0, |(p, _)| p);
            let to = text[end..].char_indices().nth(20).map_or(text.len(), |(p, _)| end + p);
            found.push(format!("`{}`", text[from..to].replace('\n', " ⏎ ")));
        }
        i = end;
    }
    found
}

/// Where `code` occurs in `text` as words of its own (case-insensitively): a code that starts
/// or ends with a letter or digit must not touch another one there ("11 hours" holds no
/// "1 hours", "No notification" no "no no").
fn find_code(text: &str, code: &str) -> Option<usize> {
    // ASCII case folding keeps every byte where it was.
    let lower = text.to_ascii_lowercase();
    let code = code.to_ascii_lowercase();
    let alnum = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let (first, last) = (alnum(code.chars().next()), alnum(code.chars().next_back()));
    lower.match_indices(&code).map(|(at, _)| at).find(|&at| {
        let before = lower[..at].chars().next_back();
        let after = lower[at + code.len()..].chars().next();
        let touches = (first && alnum(before)) || (last && alnum(after));
        !touches
    })
}

/// Every breach of the rules in one page's text. `codes`: whether the raw codes count (not on
/// the API reference, `/api/docs`, whose subject is the API's words themselves).
fn breaches(text: &str, codes: bool) -> Vec<String> {
    let mut found: Vec<String> = RAW
        .iter()
        .filter(|_| codes)
        .filter_map(|code| {
            let at = find_code(text, code)?;
            let from = text[..at].char_indices().rev().nth(30).map_or(0, |(p, _)| p);
            let to = text[at..].char_indices().nth(40).map_or(text.len(), |(p, _)| at + p);
            Some(format!("raw `{code}` in `{}`", text[from..to].replace('\n', " ⏎ ")))
        })
        .collect();
    found.extend(
        times_without_zone(text)
            .into_iter()
            .map(|t| format!("time without its zone: {t}")),
    );
    found
}

#[test]
fn the_time_rule_reads_as_documented() {
    assert!(times_without_zone("served 2026-11-22 04:00 EST · at 09:00:00 UTC, 5:07 AKST").is_empty());
    assert!(times_without_zone("server 127.0.0.1:9000 · ratio 3:1 · 2:30+03 · 10:00 +03").is_empty());
    assert_eq!(times_without_zone("deadline 2026-11-24 04:00").len(), 1);
    assert_eq!(
        times_without_zone("at 04:00:59 (EST) and 4:05 in Eastern time").len(),
        2
    );
    assert_eq!(breaches("No no WSO certification recorded", true).len(), 1);
    assert_eq!(breaches("1 hours left", true).len(), 1);
    assert_eq!(breaches("reason: bond_posted", true).len(), 1);
    assert_eq!(
        breaches("Reason: Bond posted · 11 hours left · No notification logged", true).len(),
        0
    );
}

/// What makes the texts of the issue appear: a released case (its point of release "bond
/// posted"), a charge of the category "sex offense", a clock with under an hour left and its
/// alert, an officer with no certification on the compliance report (`rookie`), the audit log
/// of one case.
async fn more_to_read(w: &World) -> Vec<(Option<&'static str>, Vec<String>)> {
    let wso = w.as_("wso1").await;
    let sgt = w.as_("sgt").await;
    // Released: served two days before now, released by the supervisor when the clock ran out.
    let mut b = booking("PT-1");
    b["charges"] = json!([{ "description": "Indecent exposure", "category": "sex_offense" }]);
    let released = wso.ok(201, "/bookings", b).await["id"].as_i64().unwrap();
    let doc = wso
        .ok(
            201,
            &format!("/bookings/{released}/documents"),
            crate::helpers::warrant("I-200", "W-9"),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    wso.ok(
        200,
        &format!("/bookings/{released}/release-point"),
        json!({ "at": "2026-11-21T09:00:00Z", "reason": "bond_posted" }),
    )
    .await;
    wso.ok(
        201,
        &format!("/bookings/{released}/service"),
        json!({ "document_id": doc, "at": "2026-11-21T10:00:00Z" }),
    )
    .await;
    sgt.ok(
        200,
        &format!("/bookings/{released}/release"),
        json!({ "at": "2026-11-23T10:00:00Z", "reason": "clock_expired" }),
    )
    .await;
    // Under an hour left: served 2026-11-21 12:30Z, deadline 2026-11-23 12:30Z (now 12:00Z).
    let (close, doc) = w.booked_with_warrant(&wso, "PT-2").await;
    wso.ok(
        200,
        &format!("/bookings/{close}/release-point"),
        json!({ "at": "2026-11-21T12:00:00Z", "reason": "sentence_complete" }),
    )
    .await;
    wso.ok(
        201,
        &format!("/bookings/{close}/service"),
        json!({ "document_id": doc, "at": "2026-11-21T12:30:00Z" }),
    )
    .await;
    let now = w.app.clock.now();
    check_deadlines(
        &w.app.db,
        now - Duration::seconds(1),
        &[12, 4, 1],
        "wso@county.example.org",
    )
    .await
    .unwrap();
    let released = format!("/bookings/{released}");
    let close = format!("/bookings/{close}");
    vec![
        (Some("wso1"), vec![released.clone(), close.clone(), "/alerts".into()]),
        (
            Some("sgt"),
            vec![
                released,
                close,
                "/alerts".into(),
                "/reports/program?facility=RCDC&from=2026-11-01&to=2026-11-30".into(),
                "/reports/compliance?facility=RCDC&from=2026-11-01&to=2026-11-30".into(),
            ],
        ),
        (
            Some("boss"),
            vec![
                "/admin/audit?booking_number=PT-1".into(),
                "/admin/audit?action=released".into(),
            ],
        ),
    ]
}

#[tokio::test]
async fn no_page_of_any_role_shows_a_raw_code_or_a_time_without_its_zone() {
    let (w, mut pages) = world_with_every_page().await;
    pages.extend(more_to_read(&w).await);
    let b = browser().await;
    let mut found = Vec::new();
    let mut views = 0;
    walk(&b, &w.app, &pages, async |who, path| {
        b.client.goto(&w.app.url(path)).await.unwrap();
        let text = b
            .client
            .execute(
                "const skip = location.pathname === '/admin/facilities'
                     ? document.querySelector('form[action=\"/admin/facilities\"] #timezone')?.closest('.field')
                     : null;
                 const text = document.body.innerText;
                 return skip ? text.replace(skip.innerText, '') : text;",
                vec![],
            )
            .await
            .unwrap();
        let text = text.as_str().unwrap_or_default();
        views += 1;
        // To read what was checked: WSO_PAGE_TEXT=dir writes each page's text there.
        if let Ok(dir) = std::env::var("WSO_PAGE_TEXT") {
            let name: String = format!("{}{path}", who.unwrap_or("anonymous"))
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect();
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(std::path::Path::new(&dir).join(format!("{name}.txt")), text).unwrap();
        }
        found.extend(
            breaches(text, path != "/api/docs")
                .into_iter()
                .map(|f| format!("{} {path}: {f}", who.unwrap_or("anonymous"))),
        );
    })
    .await;
    assert!(views >= 45, "{views} pages read");
    assert!(found.is_empty(), "{} findings:\n{}", found.len(), found.join("\n"));
}

#[tokio::test]
async fn the_reports_end_today_where_the_facilities_are_even_in_the_evening() {
    let w = World::new().await;
    // 22:00 EST on 23 November: already the 24th in UTC.
    w.app.clock.set(crate::helpers::t("2026-11-24T03:00:00Z"));
    let sgt = w.as_("sgt").await;
    for path in [
        "/reports/program",
        "/reports/program?facility=RCDC",
        "/reports/compliance?facility=RCDC",
    ] {
        let (s, r) = sgt.get(path).await;
        assert_eq!(s, 200, "{path}: {r}");
        assert_eq!(r["to"], "2026-11-23", "{path}");
    }
}
