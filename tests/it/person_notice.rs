//! The served person's notice (issue 31): printed in English or Spanish with the deadline in the
//! facility's zone, for the jail's staff once a warrant was served; the language given is
//! recorded and audited; a county's own Fluent file is used without a rebuild, a message missing
//! from it falls back to English and is logged once.

use crate::helpers::World;
use crate::process::Server;

#[tokio::test]
async fn the_notice_names_the_deadline_in_the_facility_s_zone_in_english_and_spanish() {
    let w = World::new().await;
    let id = w.served("NT-1").await; // served 2026-11-22T09:00Z: deadline 2026-11-24T09:00Z, 04:00 in New York
    let officer = w.app.login("wso1").await;
    let en = w.app.page(&officer, &format!("/bookings/{id}/notice?lang=en")).await;
    assert!(
        en.contains("ICE must take you into its custody by 2026-11-24 04:00 EST."),
        "{en}"
    );
    assert!(en.contains("<html lang=\"en\">") && en.contains("the jail must release you"));
    let es = w.app.page(&officer, &format!("/bookings/{id}/notice?lang=es")).await;
    assert!(es.contains("<html lang=\"es\">"), "{es}");
    assert!(
        es.contains("ICE debe tomarle bajo su custodia a más tardar el 2026-11-24 04:00 EST."),
        "{es}"
    );
    assert!(!es.contains("ICE must take you"), "all Spanish");
    // The case page offers both and records which was given.
    let case = w.app.page(&officer, &format!("/bookings/{id}")).await;
    assert!(case.contains(&format!("/bookings/{id}/notice?lang=es")));
    let r = w
        .app
        .post_form(&officer, &format!("/bookings/{id}/notice/given"), &[("lang", "es")])
        .await;
    assert_eq!(r.status(), 303);
    let given: Vec<serde_json::Value> =
        sqlx::query_scalar("SELECT detail FROM audit_log WHERE booking_id = $1 AND action = 'notice_given'")
            .bind(id)
            .fetch_all(&w.app.admin_db)
            .await
            .unwrap();
    assert_eq!(given.len(), 1);
    assert_eq!(given[0]["lang"], "es");
    let r = w
        .app
        .post_form(&officer, &format!("/bookings/{id}/notice/given"), &[("lang", "xx")])
        .await;
    assert_eq!(r.status(), 422, "an unknown language is refused, naming it");
}

#[tokio::test]
async fn only_the_facility_s_staff_print_it_and_only_after_a_service() {
    let w = World::new().await;
    let id = w.served("NT-2").await;
    let path = format!("/bookings/{id}/notice?lang=en");
    let status = |who: &'static str, path: String| {
        let w = &w;
        async move {
            let c = w.app.login(who).await;
            c.get(w.app.url(&path)).send().await.unwrap().status().as_u16()
        }
    };
    assert_eq!(status("sgt", path.clone()).await, 200);
    assert_eq!(
        status("ice", path.clone()).await,
        403,
        "a liaison sees the case, not the jail's notice"
    );
    assert_eq!(status("other", path.clone()).await, 404, "another facility's officer");
    assert_eq!(status("wso1", format!("/bookings/{id}/notice?lang=fr")).await, 422);
    let wso = w.as_("wso1").await;
    let (booked, _) = w.booked_with_warrant(&wso, "NT-3").await;
    assert_eq!(
        status("wso1", format!("/bookings/{booked}/notice")).await,
        409,
        "nothing served yet"
    );
}

#[tokio::test]
async fn a_county_s_own_fluent_file_is_used_without_a_rebuild_and_a_missing_message_falls_back_once() {
    let w = World::new().await;
    let id = w.served("NT-4").await;
    let dir = std::env::temp_dir().join(format!("wso-notice-{}-{id}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // The county's Spanish: its own title, and no `notice-rights` at all.
    let shipped = include_str!("../../templates/notice/es.ftl");
    let own: String = shipped
        .lines()
        .filter(|l| !l.starts_with("notice-rights"))
        .map(|l| {
            if l.starts_with("notice-title") {
                "notice-title = Aviso del condado".to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(dir.join("es.ftl"), own).unwrap();
    let env = [("WSO_NOTICE_DIR", dir.to_str().unwrap()), ("WSO_LOG_FORMAT", "json")];
    let server = Server::start(&w, &env).await;
    let officer = server.login(&w, "wso1").await;
    let path = format!("/bookings/{id}/notice?lang=es");
    for _ in 0..2 {
        let page = server.page(&officer, &path).await;
        assert!(page.contains("<h1>Aviso del condado</h1>"), "the county's file: {page}");
        assert!(
            page.contains("You may ask for an interpreter."),
            "the missing message in English"
        );
    }
    // Changed again while the server runs: the next request reads it.
    let changed = std::fs::read_to_string(dir.join("es.ftl"))
        .unwrap()
        .replace("Aviso del condado", "Aviso revisado");
    std::fs::write(dir.join("es.ftl"), changed).unwrap();
    assert!(server.page(&officer, &path).await.contains("<h1>Aviso revisado</h1>"));
    // A language added by adding a file.
    std::fs::write(dir.join("pt.ftl"), "notice-title = Aviso em português\n").unwrap();
    let pt = server.page(&officer, &format!("/bookings/{id}/notice?lang=pt")).await;
    assert!(
        pt.contains("<h1>Aviso em português</h1>") && pt.contains("ICE must take you"),
        "{pt}"
    );
    let log = server.stop();
    let warned = log
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|l| l["message"].as_str().is_some_and(|m| m.contains("message missing")))
        .filter(|l| l["lang"] == "es" && l["key"] == "notice-rights")
        .count();
    assert_eq!(warned, 1, "logged once: {log}");
    let _ = std::fs::remove_dir_all(dir);
}
