//! Real headless Chromium driven through chromedriver (Debian packages `chromium` and
//! `chromium-driver`, installed by `.ci/run`).

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

use crate::helpers::{PASSWORD, TestApp, spawn_app};

/// A chromedriver process, killed when dropped.
pub struct Browser {
    driver: Child,
    pub client: Client,
    _profile: PathGuard,
}

struct PathGuard(std::path::PathBuf);
impl Drop for PathGuard {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Drop for Browser {
    /// Kills chromedriver and every Chromium process it started (they share its process group):
    /// a Chromium left behind keeps running the page's timers and loads the machine.
    fn drop(&mut self) {
        unsafe { libc::kill(-(self.driver.id() as i32), libc::SIGKILL) };
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

pub async fn browser() -> Browser {
    launch(None).await
}

/// A browser whose pages are exactly `width`×`height` CSS pixels, as on a phone (Chromium's
/// device emulation: a desktop window cannot be narrower than about 500 px).
pub async fn phone(width: u32, height: u32) -> Browser {
    launch(Some(serde_json::json!({
        "deviceMetrics": { "width": width, "height": height, "pixelRatio": 1.0, "touch": true, "mobile": true }
    })))
    .await
}

async fn launch(emulation: Option<serde_json::Value>) -> Browser {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let driver_bin = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
    let driver = Command::new(&driver_bin)
        .arg(format!("--port={port}"))
        // Its own process group, so that dropping the browser ends Chromium too.
        .process_group(0)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {driver_bin} (apt-get install chromium chromium-driver): {e}"));
    let profile = std::env::temp_dir().join(format!("wso-chrome-{}", uuid::Uuid::new_v4().simple()));
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), "chrome".into());
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-dev-shm-usage", "--window-size=1280,900",
                     format!("--user-data-dir={}", profile.display())]
        }),
    );
    if let Some(metrics) = emulation {
        caps["goog:chromeOptions"]["mobileEmulation"] = metrics;
    }
    let url = format!("http://127.0.0.1:{port}");
    let mut last_err = String::new();
    for _ in 0..100 {
        match ClientBuilder::new(HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(client) => {
                return Browser {
                    driver,
                    client,
                    _profile: PathGuard(profile),
                };
            }
            Err(e) => last_err = e.to_string(),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not start: {last_err}");
}

impl Browser {
    pub async fn sign_in(&self, app: &TestApp, username: &str) {
        let c = &self.client;
        c.goto(&app.url("/login")).await.unwrap();
        c.find(Locator::Css("input[name=username]"))
            .await
            .unwrap()
            .send_keys(username)
            .await
            .unwrap();
        c.find(Locator::Css("input[name=password]"))
            .await
            .unwrap()
            .send_keys(PASSWORD)
            .await
            .unwrap();
        c.find(Locator::Css("button[type=submit]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        c.wait().for_element(Locator::Css("header .user-box")).await.unwrap();
    }
}

#[tokio::test]
async fn an_officer_signs_in_and_sees_the_dashboard() {
    let app = spawn_app().await;
    app.facility("RCDC", "America/New_York", false).await;
    app.user("jdoe", "officer", &["RCDC"]).await;
    let b = browser().await;
    b.sign_in(&app, "jdoe").await;
    let h1 = b.client.find(Locator::Css("h1")).await.unwrap().text().await.unwrap();
    assert_eq!(h1, "Dashboard");
    let user_box = b
        .client
        .find(Locator::Css(".user-box"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(user_box.contains("jdoe") && user_box.contains("Officer"), "{user_box}");
    // The stylesheet loaded under the strict CSP (a styled header is not transparent).
    let bg = b
        .client
        .execute(
            "return getComputedStyle(document.querySelector('header.site-header')).backgroundColor",
            vec![],
        )
        .await
        .unwrap();
    assert_ne!(bg.as_str(), Some("rgba(0, 0, 0, 0)"));
    // Signing out returns to the login page.
    b.client
        .find(Locator::Css(".user-box button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.client
        .wait()
        .for_element(Locator::Css("input[name=password]"))
        .await
        .unwrap();
    assert!(b.client.source().await.unwrap().contains("You have been signed out."));
    b.client.clone().close().await.unwrap();
}

impl Browser {
    /// Sets a form control's value (date and time inputs take keys by locale; this does not).
    pub async fn set(&self, selector: &str, value: &str) {
        let found = self
            .client
            .execute(
                "const e = document.querySelector(arguments[0]); if (!e) return false; e.value = arguments[1]; return true;",
                vec![selector.into(), value.into()],
            )
            .await
            .unwrap();
        assert_eq!(found, serde_json::Value::Bool(true), "no element {selector}");
    }

    /// Types `text` into the field as a person does (WebDriver key input). Focus lands on the
    /// field's first part (a click would land on whichever part is under the pointer).
    pub async fn keys(&self, css: &str, text: &str) {
        let c = &self.client;
        let e = c.find(Locator::Css(css)).await.unwrap();
        c.execute("document.querySelector(arguments[0]).focus()", vec![css.into()])
            .await
            .unwrap();
        e.send_keys(text).await.unwrap();
    }

    /// Clears the field, then types `text` into it.
    pub async fn retype(&self, css: &str, text: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap()
            .clear()
            .await
            .unwrap();
        self.keys(css, text).await;
    }

    pub async fn click(&self, selector: &str) {
        self.client
            .find(Locator::Css(selector))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }

    /// Waits until the element's text contains `needle` (a click may still be loading the
    /// next page, whose elements replace the old ones), and returns that text.
    pub async fn wait_text(&self, selector: &str, needle: &str) -> String {
        let mut last = String::new();
        for _ in 0..150 {
            if let Ok(e) = self.client.find(Locator::Css(selector)).await
                && let Ok(text) = e.text().await
            {
                if text.contains(needle) {
                    return text;
                }
                last = text;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{selector} never contained {needle:?}; last: {last:?}");
    }

    /// How the open board follows changes: `open` (its event stream), `polling`.
    pub async fn board_stream(&self) -> String {
        let js = "return document.getElementById('board').getAttribute('data-stream') || '';";
        let v = self.client.execute(js, vec![]).await.unwrap();
        v.as_str().unwrap_or_default().to_string()
    }

    /// A warrant served elsewhere (case `number`) shows on the open board within `within`,
    /// without a reload (a mark left on the page survives); returns the booking's id.
    pub async fn served_appears_in_place(&self, w: &crate::helpers::World, number: &str, within: Duration) -> i64 {
        self.client
            .execute("window.sameDocument = true;", vec![])
            .await
            .unwrap();
        let started = std::time::Instant::now();
        let new = w.served(number).await;
        let cell = format!("a[href='/bookings/{new}']");
        while self.client.find_all(Locator::Css(&cell)).await.unwrap().is_empty() {
            assert!(
                started.elapsed() < within,
                "{number} was not on the board within {within:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let same = self
            .client
            .execute("return window.sameDocument === true;", vec![])
            .await
            .unwrap();
        assert_eq!(same, serde_json::json!(true), "the page was not reloaded");
        new
    }

    /// With `WSO_SCREENSHOTS=DIR`, saves the page as `DIR/<name>.png` (for looking, not asserting).
    pub async fn snap(&self, name: &str) {
        if let Ok(dir) = std::env::var("WSO_SCREENSHOTS") {
            let png = self.client.screenshot().await.unwrap();
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(std::path::Path::new(&dir).join(format!("{name}.png")), png).unwrap();
        }
    }

    pub async fn sign_out(&self) {
        self.click(".user-box button").await;
        self.client
            .wait()
            .for_element(Locator::Css("input[name=password]"))
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn a_case_walks_from_booking_to_transfer_in_the_browser() {
    let w = crate::helpers::World::new().await;
    let b = browser().await;

    // The WSO books the person.
    b.sign_in(&w.app, "wso1").await;
    b.client.goto(&w.app.url("/bookings/new")).await.unwrap();
    b.snap("booking-form").await;
    b.set("#booking-booking_number", "2026-4711").await;
    b.set("#booking-last_name", "Doe").await;
    b.set("#booking-first_name", "Jane").await;
    b.set("#booking-date_of_birth", "1991-07-04").await;
    b.set("#booking-booked_at", "2026-11-23T05:30").await;
    b.set("[name='charges[0].description']", "Driving while impaired").await;
    b.set("[name='charges[0].category']", "dwi").await;
    b.click("form[action='/bookings'] button[type=submit]").await;
    b.wait_text("h1", "Doe, Jane #2026-4711").await;

    // An I-200 arrives.
    b.set("#document-kind", "I-200").await;
    b.set("#document-number", "W-2026-88").await;
    b.set("#document-a_number", "A123456789").await;
    b.set("#document-issued_at", "2026-11-23T06:00").await;
    b.set("#document-received_at", "2026-11-23T06:30").await;
    b.click("#document button[type=submit]").await;
    b.wait_text(".flash", "ICE document recorded").await;
    b.wait_text("#documents + table", "A123-456-789").await;

    // Criminal custody ends; the WSO serves the warrant at once.
    b.set("#release_point-at", "2026-11-23T06:45").await;
    b.set("#release_point-reason", "charges_dismissed").await;
    b.click("#release-point button[type=submit]").await;
    b.wait_text(".flash", "Point of release of DOE, Jane (#2026-4711) recorded")
        .await;
    b.set("#serve-at", "2026-11-23T06:50").await;
    b.click("#serve button[type=submit]").await;
    b.wait_text("section.clock", "2026-11-25 06:50 EST").await;
    b.snap("case-on-hold").await;
    b.sign_out().await;

    // ICE's liaison finds the person on the board and confirms the pickup.
    b.sign_in(&w.app, "ice").await;
    b.client.goto(&w.app.url("/transfers/pending")).await.unwrap();
    b.client
        .find(Locator::LinkText("2026-4711"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.set("#transfer-receiving_officer", "SDDO Rivera").await;
    // No time is preset on a step that ends custody: the liaison chooses "Now".
    assert_eq!(
        b.client
            .find(Locator::Css("#transfer-at"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("")
    );
    b.click("#transfer-at-now").await;
    b.click("#transfer button[type=submit]").await;
    // A confirmation names the person and the consequence before anything is written.
    b.wait_text("h1", "Hand DOE, Jane (#2026-4711) over to ICE?").await;
    b.snap("confirm-transfer").await;
    let (_, case) = w.as_("sgt").await.get("/bookings?q=2026-4711").await;
    assert_eq!(case[0]["status"], "wso_hold", "nothing written before the confirmation");
    b.click("form button.danger[type=submit]").await;
    b.wait_text(".flash", "Transfer of DOE, Jane (#2026-4711) to ICE custody recorded")
        .await;
    b.wait_text(".lead", "transferred to ICE").await;
    b.snap("case-transferred").await;

    let (_, case) = w.as_("sgt").await.get("/bookings?q=2026-4711").await;
    assert_eq!(case[0]["status"], "transferred");
    assert_eq!(case[0]["custody_deadline"], "2026-11-25T11:50:00Z");
    b.client.clone().close().await.unwrap();
}

#[tokio::test]
async fn the_board_counts_down_a_pickup_disappears_and_a_new_hold_appears_pushed() {
    let w = crate::helpers::World::new().await;
    let stays = w.served("LIVE-1").await;
    let leaves = w.served("LIVE-2").await;
    let b = browser().await;
    b.sign_in(&w.app, "sgt").await;
    b.client.goto(&w.app.url("/transfers/pending")).await.unwrap();
    let cell = format!("a[href='/bookings/{stays}']");
    b.client.wait().for_element(Locator::Css(&cell)).await.unwrap();
    b.snap("live-board").await;
    let remaining = "tr:first-child [data-deadline]";
    let first = b.wait_text(remaining, "left").await;
    // The countdown shows seconds and moves every second.
    let mut later = first.clone();
    for _ in 0..30 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        later = b.wait_text(remaining, "left").await;
        if later != first {
            break;
        }
    }
    assert_ne!(first, later, "the countdown did not move");
    assert!(
        first.starts_with("21 h 00 min 00 s left") || first.starts_with("20 h 59 min"),
        "{first}"
    );

    // ICE picks one person up through the API; the open board drops the row by itself.
    let started = std::time::Instant::now();
    w.as_("ice")
        .await
        .ok(
            200,
            &format!("/bookings/{leaves}/transfer"),
            serde_json::json!({ "at": "2026-11-23T11:00:00Z", "receiving_officer": "X" }),
        )
        .await;
    let gone = format!("a[href='/bookings/{leaves}']");
    loop {
        let present = b.client.find_all(Locator::Css(&gone)).await.unwrap();
        if present.is_empty() {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "the pickup was still on the board after 5 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        !b.client.find_all(Locator::Css(&cell)).await.unwrap().is_empty(),
        "the other case stays"
    );

    // A warrant is served elsewhere: the new hold appears on the open board within 2 s, pushed
    // (no reload: a mark left on the page survives), in deadline order, and counts down.
    let new = b.served_appears_in_place(&w, "LIVE-3", Duration::from_secs(2)).await;
    assert_eq!(b.board_stream().await, "open", "the board listens to its event stream");
    let order = b
        .client
        .execute(
            "return Array.from(document.querySelectorAll('[data-list=pending] tr[data-booking]')).map(r => r.dataset.booking);",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        order,
        serde_json::json!([stays.to_string(), new.to_string()]),
        "deadline order"
    );
    let counter = format!("tr[data-booking='{new}'] [data-deadline]");
    let first = b.wait_text(&counter, "left").await;
    let mut later = first.clone();
    for _ in 0..30 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        later = b.wait_text(&counter, "left").await;
        if later != first {
            break;
        }
    }
    assert_ne!(first, later, "the new row's countdown runs");
    let stat = b.wait_text("[data-stage-count='stage-ok']", "").await;
    assert_eq!(stat, "2", "the counts follow the rows");
    b.client.clone().close().await.unwrap();
}

#[tokio::test]
async fn a_citizenship_claim_recorded_in_the_browser_flags_the_case_on_the_board() {
    let w = crate::helpers::World::new().await;
    let id = w.served("FLAG-1").await;
    let b = browser().await;
    b.sign_in(&w.app, "wso1").await;
    b.client.goto(&w.app.url(&format!("/bookings/{id}"))).await.unwrap();
    // Not the next step of a hold: it waits behind "Other actions".
    b.click("details.other-actions > summary").await;
    b.set("#claim-how", "Told the intake officer he was born in Texas")
        .await;
    b.set("#claim-document", "none shown").await;
    b.click("#claim button[type=submit]").await;
    b.wait_text(".flash", "Citizenship claim recorded").await;
    let flag = b.wait_text(".claim-flag", "Not yet reported to ICE").await;
    assert!(
        flag.contains("Claims to be a U.S. citizen") && flag.contains("2026-11-23 08:00 EST"),
        "{flag}"
    );
    b.sign_out().await;

    b.sign_in(&w.app, "sgt").await;
    b.client.goto(&w.app.url("/transfers/pending")).await.unwrap();
    let row = b.wait_text("tbody tr", "FLAG-1").await;
    assert!(row.contains("Claims U.S. citizenship"), "{row}");
    b.snap("board-with-claim").await;
    b.client.clone().close().await.unwrap();
}

#[tokio::test]
async fn an_officer_enrols_an_authenticator_in_the_browser_and_signs_in_with_a_code() {
    let mut config = wso_tracker::config::Config::for_tests();
    config.mfa_required = true;
    let app = crate::helpers::spawn_app_with(config).await;
    app.user("jdoe", "officer", &[]).await;
    let b = browser().await;
    let c = &b.client;
    let type_into = |css: &'static str, text: String| async move {
        c.find(Locator::Css(css)).await.unwrap().send_keys(&text).await.unwrap();
    };
    let submit = || async {
        c.find(Locator::Css("button[type=submit]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    };
    c.goto(&app.url("/login")).await.unwrap();
    type_into("input[name=username]", "jdoe".into()).await;
    type_into("input[name=password]", PASSWORD.into()).await;
    submit().await;
    // The enrolment page: a QR code and the key as text.
    let secret = c
        .wait()
        .for_element(Locator::Id("totp-secret"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(c.find(Locator::Css(".qr svg")).await.is_ok(), "the QR code is drawn");
    let code = wso_tracker::auth::totp::code_at(secret.trim(), app.clock.now().timestamp()).unwrap();
    type_into("input[name=code]", code).await;
    submit().await;
    c.wait().for_element(Locator::Css(".recovery-code")).await.unwrap();
    assert_eq!(c.find_all(Locator::Css(".recovery-code")).await.unwrap().len(), 10);
    c.find(Locator::LinkText("Continue"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait().for_element(Locator::Css("header .user-box")).await.unwrap();

    // Signed out, then in again with the next code.
    c.find(Locator::Css(".user-box button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("input[name=username]"))
        .await
        .unwrap();
    type_into("input[name=username]", "jdoe".into()).await;
    type_into("input[name=password]", PASSWORD.into()).await;
    submit().await;
    c.wait().for_element(Locator::Css("input[name=code]")).await.unwrap();
    app.clock.advance(chrono::Duration::seconds(30));
    let code = wso_tracker::auth::totp::code_at(secret.trim(), app.clock.now().timestamp()).unwrap();
    type_into("input[name=code]", code).await;
    submit().await;
    c.wait().for_element(Locator::Css("header .user-box")).await.unwrap();
    let h1 = c.find(Locator::Css("h1")).await.unwrap().text().await.unwrap();
    assert_eq!(h1, "Dashboard");
}

#[tokio::test]
async fn an_officer_books_by_typing_and_choosing_as_a_person_does() {
    let w = crate::helpers::World::new().await;
    let b = browser().await;
    b.sign_in(&w.app, "wso1").await;
    let c = &b.client;
    c.goto(&w.app.url("/bookings/new")).await.unwrap();
    b.keys("#booking-booking_number", "KEY-1").await;
    b.keys("#booking-last_name", "Peña").await;
    b.keys("#booking-first_name", "José").await;
    // The date of birth is a date input: keys go in segment by segment, as a person types
    // (en-US: month, day, year). Times are written as every page writes them, 24-hour.
    b.keys("#booking-date_of_birth", "02141985").await;
    b.retype("#booking-booked_at", "2026-11-23 06:15").await;
    b.keys("#booking-charges\\[0\\]\\.description", "Possession of a firearm")
        .await;
    // The category is chosen from its list.
    c.find(Locator::Css("#booking-charges\\[0\\]\\.category"))
        .await
        .unwrap()
        .select_by_value("weapons")
        .await
        .unwrap();
    c.find(Locator::Css("form button[type=submit].primary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait_text("h1", "KEY-1").await;
    let (born, booked, category): (String, String, String) = sqlx::query_as(
        "SELECT b.date_of_birth::text, to_char(b.booked_at AT TIME ZONE 'America/New_York', 'YYYY-MM-DD HH24:MI'), c.category
         FROM bookings b JOIN charges c ON c.booking_id = b.id WHERE b.booking_number = 'KEY-1'",
    )
    .fetch_one(&w.app.db)
    .await
    .unwrap();
    assert_eq!(born, "1985-02-14");
    assert_eq!(booked, "2026-11-23 06:15", "typed in the facility's time");
    assert_eq!(category, "weapons");
}

#[tokio::test]
async fn an_officer_records_a_warrant_on_a_case_by_typing_and_choosing() {
    let w = crate::helpers::World::new().await;
    let wso = w.as_("wso1").await;
    let b_json = wso.ok(201, "/bookings", crate::helpers::booking("KEY-2")).await;
    let id = b_json["id"].as_i64().unwrap();
    let b = browser().await;
    b.sign_in(&w.app, "wso1").await;
    let c = &b.client;
    c.goto(&w.app.url(&format!("/bookings/{id}"))).await.unwrap();
    // The kind is chosen from its list (the first entry is the detainer).
    c.find(Locator::Css("#document-kind"))
        .await
        .unwrap()
        .select_by_value("I-200")
        .await
        .unwrap();
    b.keys("#document-number", "W-77").await;
    b.keys("#document-a_number", "123456789").await;
    // Times typed as the pages write them (24-hour); the received time replaces the preset now.
    b.keys("#document-issued_at", "2026-11-22 21:30").await;
    b.retype("#document-received_at", "2026-11-22 22:00").await;
    c.find(Locator::Css("#document button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait_text("#documents + table", "W-77").await;
    let (kind, a_number, issued, received): (String, String, String, String) = sqlx::query_as(
        "SELECT kind::text, a_number,
                to_char(issued_at AT TIME ZONE 'America/New_York', 'YYYY-MM-DD HH24:MI'),
                to_char(received_at AT TIME ZONE 'America/New_York', 'YYYY-MM-DD HH24:MI')
         FROM ice_documents WHERE booking_id = $1",
    )
    .bind(id)
    .fetch_one(&w.app.db)
    .await
    .unwrap();
    assert_eq!(kind, "I-200", "the chosen kind, not the list's first entry");
    assert_eq!(a_number, "123456789");
    assert_eq!(issued, "2026-11-22 21:30", "typed in the facility's time (PM)");
    assert_eq!(
        received, "2026-11-22 22:00",
        "the preset time was replaced by the typed one"
    );
}

#[tokio::test]
async fn a_refused_service_brings_its_errors_into_view_and_focus() {
    let w = crate::helpers::World::new().await;
    let wso = w.as_("wso1").await;
    let (id, _) = w.booked_with_warrant(&wso, "FOCUS-1").await;
    wso.ok(
        200,
        &format!("/bookings/{id}/release-point"),
        serde_json::json!({ "at": "2026-11-22T08:00:00Z", "reason": "bond_posted" }),
    )
    .await;
    let b = browser().await;
    b.sign_in(&w.app, "wso1").await;
    let c = &b.client;
    c.goto(&w.app.url(&format!("/bookings/{id}"))).await.unwrap();
    // Served before the point of release: refused.
    b.set("#serve-at", "2026-11-21T09:00").await;
    b.click("#serve button[type=submit]").await;
    b.wait_text("#serve .error-summary", "There is a problem").await;
    b.snap("serve-refused").await;
    let seen = c
        .execute(
            "const s = document.querySelector('#serve .error-summary');
             const r = s.getBoundingClientRect();
             const field = document.querySelector('#serve-at');
             return [document.activeElement === s, r.top >= 0 && r.bottom <= window.innerHeight,
                     field.getAttribute('aria-invalid'), field.getAttribute('aria-describedby'),
                     location.hash];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        seen,
        serde_json::json!([true, true, "true", "serve-at-error", "#serve"]),
        "the summary has focus and is on screen; the field is marked and linked to its message"
    );
}

#[tokio::test]
async fn the_wall_display_updates_by_itself_and_says_so_when_it_cannot() {
    use wso_tracker::services::{accounts::Actor, displays};
    let w = crate::helpers::World::new().await;
    let (_, path) = displays::create(&w.app.db, "RCDC", None, Actor::CLI, w.app.clock.now())
        .await
        .unwrap();
    let b = browser().await;
    let c = &b.client;
    // A 1920×1080 screen: the page gets the whole of it (the window's frame added back).
    c.set_window_size(1920, 1080).await.unwrap();
    let frame = c
        .execute("return window.outerHeight - window.innerHeight", vec![])
        .await
        .unwrap()
        .as_u64()
        .unwrap_or(0) as u32;
    c.set_window_size(1920, 1080 + frame).await.unwrap();
    c.goto(&w.app.url(&path)).await.unwrap();
    b.wait_text(".wall-table", "No running custody clocks").await;
    b.wait_text(".wall-updated", "updated 07:00:00").await;

    // A warrant served elsewhere appears without a reload, and its countdown runs.
    w.served("WALL-1").await;
    b.wait_text(".wall-table", "WALL-1").await;
    b.snap("display").await;
    let countdown = || async {
        c.find(Locator::Css("[data-deadline]"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    // (The test's clock stands still, so each refresh sets the countdown back to the same
    // second: sample for a while rather than once.)
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..12 {
        seen.insert(countdown().await);
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(seen.len() >= 2, "the countdown runs by the second: {seen:?}");
    let size: f64 = c
        .execute(
            "return parseFloat(getComputedStyle(document.querySelector('.wall-table td')).fontSize)",
            vec![],
        )
        .await
        .unwrap()
        .as_f64()
        .unwrap();
    assert!(size >= 32.0, "readable across a room at 1920 px: {size}px");

    // The server stops: within 15 s (plus a refresh) the screen says it is not updating, and
    // the countdown stops pretending.
    w.app.stop_serving();
    let mut banner = String::new();
    for _ in 0..300 {
        banner = c
            .execute(
                "const s = document.getElementById('stale'); return s && !s.hidden ? s.textContent : '';",
                vec![],
            )
            .await
            .unwrap()
            .as_str()
            .unwrap()
            .to_string();
        if !banner.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(banner.contains("Not updating — last data from"), "{banner:?}");
    b.snap("display-stale").await;
    let frozen = countdown().await;
    for _ in 0..6 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert_eq!(countdown().await, frozen, "no countdown on data that may be old");
    }
    let greyed = c
        .execute("return document.body.classList.contains('stale')", vec![])
        .await
        .unwrap();
    assert_eq!(greyed, serde_json::Value::Bool(true));
}

#[tokio::test]
async fn a_form_sent_after_the_session_ended_comes_back_with_what_was_typed() {
    let w = crate::helpers::World::new().await;
    let b = browser().await;
    b.sign_in(&w.app, "wso1").await;
    let c = &b.client;
    c.goto(&w.app.url("/bookings/new")).await.unwrap();
    b.set("#booking-booking_number", "GONE-1").await;
    b.set("#booking-last_name", "Núñez").await;
    b.set("#booking-first_name", "María").await;
    b.set("#booking-date_of_birth", "1988-03-02").await;
    b.set("[name='charges[0].description']", "Possession of a firearm")
        .await;
    b.set("[name='charges[0].category']", "weapons").await;
    // The officer is called away; the session ends while the form is open.
    w.app.clock.advance(chrono::Duration::minutes(45));
    b.click("form[action='/bookings'] button[type=submit]").await;
    b.wait_text("main", "Your session ended before the form was sent").await;
    c.find(Locator::Css("input[name=username]"))
        .await
        .unwrap()
        .send_keys("wso1")
        .await
        .unwrap();
    c.find(Locator::Css("input[name=password]"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    b.click("button[type=submit]").await;
    b.wait_text(".flash", "What you typed is back in the form").await;
    let values = c
        .execute(
            "return ['#booking-booking_number', '#booking-last_name', '#booking-first_name', '#booking-date_of_birth',
                     '#booking-charges\\\\[0\\\\]\\\\.category'].map(s => document.querySelector(s).value)",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        values,
        serde_json::json!(["GONE-1", "Núñez", "María", "1988-03-02", "weapons"])
    );
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM bookings")
        .fetch_one(&w.app.db)
        .await
        .unwrap();
    assert_eq!(stored, 0, "nothing was sent by itself");
}
