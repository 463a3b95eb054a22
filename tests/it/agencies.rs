//! Agencies (issue 28): one installation, several sheriff's offices, each sealed from the others;
//! an ICE liaison granted facilities by two of them; the operator who sees no case.

use serde_json::{Value, json};

use crate::helpers::{TestApp, World, booking, warrant};

/// The world's agency (DEFAULT: RCDC and WAKE, the admin `boss`, who is also the operator as a
/// single-agency install's first admin, and `wadmin`, its plain admin) and a second one, DUR-SO,
/// with DURH, its admin `dadmin` and a certified WSO `dwso`.
async fn two_agencies() -> World {
    let w = World::new().await;
    let app = &w.app;
    app.user("wadmin", "admin", &[]).await;
    app.second_agency(true).await;
    w
}

/// A case at `facility` on a WSO hold, served by `officer` at `served_at`.
pub async fn held(app: &TestApp, officer: &str, facility: &str, number: &str, served_at: &str) -> i64 {
    let api = app.api(officer).await;
    let mut b = booking(number);
    b["facility"] = json!(facility);
    let id = api.ok(201, "/bookings", b).await["id"].as_i64().unwrap();
    let doc = api
        .ok(201, &format!("/bookings/{id}/documents"), warrant("I-200", "W-1"))
        .await["id"]
        .clone();
    api.ok(
        200,
        &format!("/bookings/{id}/release-point"),
        json!({ "at": "2026-11-22T06:00:00Z", "reason": "bond_posted" }),
    )
    .await;
    api.ok(
        201,
        &format!("/bookings/{id}/service"),
        json!({ "document_id": doc, "at": served_at }),
    )
    .await;
    id
}

/// An admin's form for a new officer `dnew` at `facility`.
async fn new_officer_at(app: &TestApp, client: &reqwest::Client, facility: &str) -> reqwest::Response {
    let password = "a long enough passphrase here";
    let fields = [
        ("username", "dnew"),
        ("role", "officer"),
        ("facilities", facility),
        ("password", password),
    ];
    app.post_form(client, "/admin/users", &fields).await
}

fn usernames(users: &Value) -> Vec<String> {
    users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_fresh_install_has_one_agency_holding_every_facility_and_its_first_admin_operates() {
    let w = World::new().await;
    let agencies: Vec<(String, i64)> = sqlx::query_as(
        "SELECT a.code, count(f.id) FROM agencies a LEFT JOIN facilities f ON f.agency_id = a.id GROUP BY a.code",
    )
    .fetch_all(&w.app.db)
    .await
    .unwrap();
    assert_eq!(agencies, [("DEFAULT".to_string(), 2)]);
    let (status, list) = w.as_("boss").await.get("/agencies").await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(
        list,
        json!([{ "code": "DEFAULT", "name": "Sheriff's Office", "state": null, "timezone": null, "facilities": 2, "mfa_required": false, "record_name": null, "mail_sender_name": null, "alert_hours_left": null, "system_use_notice": null }])
    );
    for who in ["wso1", "sgt", "ice"] {
        assert_eq!(w.as_(who).await.get("/agencies").await.0, 403, "{who}");
    }
    // `--agency` may be left out while there is one agency; staff belong to it.
    let (agency,): (Option<String>,) = sqlx::query_as(
        "SELECT a.code FROM users u LEFT JOIN agencies a ON a.id = u.agency_id WHERE u.username = 'wso1'",
    )
    .fetch_one(&w.app.db)
    .await
    .unwrap();
    assert_eq!(agency.as_deref(), Some("DEFAULT"));
}

#[tokio::test]
async fn an_agency_admin_sees_and_changes_only_its_own_agency() {
    let w = two_agencies().await;
    let app = &w.app;
    let durh = held(app, "dwso", "DURH", "D-1", "2026-11-22T09:00:00Z").await;
    let rcdc = w.served("R-1").await;

    let dadmin = app.api("dadmin").await;
    let (_, users) = dadmin.get("/users").await;
    assert_eq!(usernames(&users), ["dadmin", "dwso", "dsgt"], "in id order");
    assert_eq!(dadmin.get(&format!("/bookings/{durh}")).await.0, 200);
    assert_eq!(
        dadmin.get(&format!("/bookings/{rcdc}")).await.0,
        404,
        "another agency's case does not exist"
    );
    let (_, list) = dadmin.get("/bookings").await;
    let ids: Vec<i64> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [durh]);
    let (_, pending) = dadmin.get("/transfers/pending").await;
    assert_eq!(pending.as_array().unwrap().len(), 1, "{pending}");

    let wadmin = app.api("wadmin").await;
    let (_, users) = wadmin.get("/users").await;
    let names = usernames(&users);
    assert!(
        names.contains(&"wso1".to_string()) && names.contains(&"ice".to_string()),
        "{names:?}"
    );
    assert!(!names.iter().any(|n| n.starts_with('d')), "{names:?}");
    assert_eq!(wadmin.get(&format!("/bookings/{durh}")).await.0, 404);

    // Changing the other agency: refused as if it did not exist, nothing written.
    let client = app.login("dadmin").await;
    let before = app.table_counts().await;
    let (status, _) = dadmin
        .http_put("/facilities/RCDC/public", json!({ "enabled": true }))
        .await;
    assert_eq!(status, 404);
    let (status, _) = dadmin
        .post("/users/wso1/facilities", json!({ "facility": "DURH" }))
        .await;
    assert_eq!(
        status, 404,
        "an officer of another agency is not dadmin's to grant anything"
    );
    let (status, body) = dadmin
        .post("/users/dwso/facilities", json!({ "facility": "RCDC" }))
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("facility")),
        "{body}"
    );
    assert!(!body.to_string().contains("DEFAULT"), "{body}");
    let wso1: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'wso1'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(
        client
            .get(app.url(&format!("/admin/users/{wso1}")))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let csrf = app.csrf(&client, "/admin/users").await;
    let r = client
        .post(app.url(&format!("/admin/users/{wso1}/disable")))
        .form(&[("csrf_token", csrf.as_str()), ("confirm", "yes")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // A new officer naming another agency's facility: the facility "does not exist".
    let r = new_officer_at(app, &client, "RCDC").await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("there is no facility `RCDC`"));
    assert_eq!(app.table_counts().await, before, "nothing written by any refusal");

    // Its own agency: the new officer belongs to DUR-SO without naming it.
    let r = new_officer_at(app, &client, "DURH").await;
    assert_eq!(r.status(), 303);
    let (agency,): (String,) =
        sqlx::query_as("SELECT a.code FROM users u JOIN agencies a ON a.id = u.agency_id WHERE u.username = 'dnew'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(agency, "DUR-SO");
}

#[tokio::test]
async fn a_liaison_granted_by_two_agencies_picks_up_in_both_and_loses_one_at_once() {
    let w = two_agencies().await;
    let app = &w.app;
    app.user("fieldice", "ice_liaison", &[]).await;
    let rcdc = w.served("R-1").await; // deadline 2026-11-24 09:00Z
    let durh = held(app, "dwso", "DURH", "D-1", "2026-11-22T07:00:00Z").await; // 07:00Z: sooner
    let later = held(app, "dwso", "DURH", "D-2", "2026-11-22T10:00:00Z").await;

    let (wadmin, dadmin) = (app.api("wadmin").await, app.api("dadmin").await);
    let granted = wadmin
        .ok(201, "/users/fieldice/facilities", json!({ "facility": "RCDC" }))
        .await;
    assert_eq!(
        granted,
        json!({ "username": "fieldice", "facility": "RCDC", "granted": true })
    );
    let again = wadmin
        .ok(200, "/users/fieldice/facilities", json!({ "facility": "RCDC" }))
        .await;
    assert_eq!(again["granted"], false);
    dadmin
        .ok(201, "/users/fieldice/facilities", json!({ "facility": "DURH" }))
        .await;
    // Each agency grants only its own facilities.
    let (status, _) = dadmin
        .post("/users/fieldice/facilities", json!({ "facility": "WAKE" }))
        .await;
    assert_eq!(status, 422);

    let ice = app.api("fieldice").await;
    let (_, pending) = ice.get("/transfers/pending").await;
    let order: Vec<i64> = pending
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["booking_id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        order,
        [durh, rcdc, later],
        "one board across both agencies, soonest deadline first"
    );
    let (_, only_durham) = ice.get("/transfers/pending?agency=DUR-SO").await;
    let order: Vec<i64> = only_durham
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["booking_id"].as_i64().unwrap())
        .collect();
    assert_eq!(order, [durh, later], "filtered by agency");
    let (status, e) = ice.get("/transfers/pending?agency=NOPE").await;
    assert_eq!((status, e["error"]["field"].as_str()), (422, Some("agency")));
    for id in [durh, rcdc] {
        let b = ice
            .ok(
                200,
                &format!("/bookings/{id}/transfer"),
                json!({ "at": "2026-11-23T11:00:00Z", "receiving_officer": "SDDO Rivera" }),
            )
            .await;
        assert_eq!(b["status"], "transferred");
    }

    // An open stream of the liaison's board, before the grant is taken back.
    let mut stream = crate::board_events::Events::api(app, &app.token("fieldice").await).await;
    let (name, board) = stream.expect().await;
    assert_eq!(
        (name.as_str(), board.as_array().unwrap().len()),
        ("board", 1),
        "{board}"
    );

    // DUR-SO takes its facility back: its cases leave the liaison's view at once.
    let r = app
        .client()
        .delete(app.url("/api/v1/users/fieldice/facilities/DURH"))
        .bearer_auth(app.token("dadmin").await)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let (name, board) = stream.expect().await;
    assert_eq!(name, "board", "the board is sent again when the grant changes");
    assert_eq!(board, json!([]), "the stream drops DURH's case");
    assert_eq!(ice.get(&format!("/bookings/{later}")).await.0, 404);
    let (_, pending) = ice.get("/transfers/pending").await;
    assert_eq!(pending, json!([]), "the RCDC case was picked up; DURH's are gone");
    let r = app
        .client()
        .delete(app.url("/api/v1/users/fieldice/facilities/DURH"))
        .bearer_auth(app.token("dadmin").await)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "not granted any more");
    let grants: Vec<(String, String)> = sqlx::query_as(
        "SELECT action, actor FROM audit_log WHERE action IN ('facility_granted', 'facility_revoked') ORDER BY id",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    let expected = [
        ("facility_granted", "wadmin"),
        ("facility_granted", "dadmin"),
        ("facility_revoked", "dadmin"),
    ];
    assert_eq!(grants, expected.map(|(a, b)| (a.to_string(), b.to_string())));
}

#[tokio::test]
async fn the_operator_sees_agencies_and_no_case() {
    let w = two_agencies().await;
    let app = &w.app;
    let id = w.served("R-1").await;
    app.user("host", "operator", &[]).await;
    let host = app.api("host").await;
    let (status, list) = host.get("/agencies").await;
    assert_eq!(status, 200);
    assert_eq!(
        list,
        json!([
            { "code": "DEFAULT", "name": "Sheriff's Office", "state": null, "timezone": null, "facilities": 2, "mfa_required": false, "record_name": null, "mail_sender_name": null, "alert_hours_left": null, "system_use_notice": null },
            { "code": "DUR-SO", "name": "DUR-SO Sheriff's Office", "state": "NC", "timezone": null, "facilities": 1, "mfa_required": false, "record_name": null, "mail_sender_name": null, "alert_hours_left": null, "system_use_notice": null },
        ])
    );
    for path in [
        format!("/bookings/{id}"),
        "/bookings".to_string(),
        "/transfers/pending".to_string(),
        "/audit".to_string(),
        "/reports/program?facility=RCDC&from=2026-11&to=2026-11".to_string(),
    ] {
        let (status, body) = host.get(&path).await;
        assert_eq!(status, 403, "{path}: {body}");
        assert!(!body.to_string().contains("Doe"), "{path}: {body}");
    }
    let (status, _) = host
        .post(
            &format!("/bookings/{id}/transfer"),
            json!({ "at": "2026-11-23T11:00:00Z", "receiving_officer": "x" }),
        )
        .await;
    assert_eq!(status, 403);
    // The operator's page: each agency's usage in counts, no case.
    let client = app.login("host").await;
    let r = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(
        r.headers()["location"],
        "/agencies",
        "the operator lands on the agencies"
    );
    let page = app.page(&client, "/agencies").await;
    let row = page
        .split("<th scope=\"row\" class=\"mono\">DEFAULT</th>")
        .nth(1)
        .unwrap();
    let row = row.split("</tr>").next().unwrap();
    let cells: Vec<&str> = row
        .split("<td class=\"mono\">")
        .skip(1)
        .map(|c| c.split('<').next().unwrap())
        .collect();
    assert_eq!(
        cells,
        ["2", "7", "0", "1", "0", "1"],
        "facilities, staff (liaisons belong to no agency), sign-ins, clocks, past deadline, bookings"
    );
    assert!(
        !page.contains("R-1") && !page.contains("Doe"),
        "no case on the operator's page"
    );
    assert_eq!(
        app.api("wadmin").await.get("/agencies").await.0,
        403,
        "an agency's admin is no operator"
    );
    assert_eq!(app.api("dadmin").await.get("/agencies").await.0, 403);
}

async fn user_id(app: &TestApp, username: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
        .bind(username)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn no_admin_reaches_past_its_agency_through_the_operator_or_a_role_change() {
    let w = two_agencies().await;
    let app = &w.app;
    let rcdc = w.served("R-1").await;

    // The operator (DEFAULT's first admin) is not another DEFAULT admin's to reset: whoever
    // could reset it would become the operator.
    let boss_id = user_id(app, "boss").await;
    let wadmin = app.login("wadmin").await;
    let path = format!("/admin/users/{boss_id}/reset-password");
    let r = app.post_form(&wadmin, &path, &[("confirm", "yes")]).await;
    assert_eq!(r.status(), 404);
    let boss = app.login("boss").await; // its password unchanged

    // The operator's flag opens no other agency: no display for DURH, DUR-SO's people unlisted.
    let r = app
        .post_form(&boss, "/admin/displays", &[("facility", "DURH"), ("name", "Wall")])
        .await;
    assert!(r.text().await.unwrap().contains("there is no facility `DURH`"));
    let displays: i64 = sqlx::query_scalar("SELECT count(*) FROM displays")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(displays, 0);
    assert!(!app.page(&boss, "/admin/users").await.contains("dwso"));

    // A liaison shared by both agencies, made an officer by DUR-SO, keeps none of DEFAULT's
    // facilities (and so none of its cases).
    app.user("fieldice", "ice_liaison", &[]).await;
    let grant = |f: &str| json!({ "facility": f });
    app.api("wadmin")
        .await
        .ok(201, "/users/fieldice/facilities", grant("RCDC"))
        .await;
    app.api("dadmin")
        .await
        .ok(201, "/users/fieldice/facilities", grant("DURH"))
        .await;
    let fid = user_id(app, "fieldice").await;
    let dadmin = app.login("dadmin").await;
    let fields = [("role", "officer"), ("full_name", ""), ("facilities", "DURH")];
    let r = app.post_form(&dadmin, &format!("/admin/users/{fid}"), &fields).await;
    assert_eq!(r.status(), 303);
    let (agency, facilities): (Option<String>, Vec<String>) = sqlx::query_as(
        "SELECT (SELECT code FROM agencies WHERE id = u.agency_id),
                ARRAY(SELECT f.code FROM user_facilities uf JOIN facilities f ON f.id = uf.facility_id
                       WHERE uf.user_id = u.id ORDER BY f.code)
         FROM users u WHERE u.id = $1",
    )
    .bind(fid)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(
        (agency.as_deref(), facilities),
        (Some("DUR-SO"), vec!["DURH".to_string()])
    );
    assert_eq!(app.api("fieldice").await.get(&format!("/bookings/{rcdc}")).await.0, 404);
    // And the database refuses the state outright.
    let e = sqlx::query(
        "INSERT INTO user_facilities (user_id, facility_id) SELECT $1, id FROM facilities WHERE code = 'RCDC'",
    )
    .bind(fid)
    .execute(&app.db)
    .await
    .unwrap_err();
    assert!(e.to_string().contains("another agency"), "{e}");
}

#[tokio::test]
async fn an_admin_s_roster_is_its_agency_s_officers_assigned_to_a_facility_or_not() {
    let w = two_agencies().await;
    let app = &w.app;
    app.user_of("nofac", "officer", &["DEFAULT"], &[]).await; // at no facility yet
    let wadmin = app.login("wadmin").await;
    assert!(app.page(&wadmin, "/roster").await.contains("nofac"));
    let dadmin = app.login("dadmin").await;
    assert!(!app.page(&dadmin, "/roster").await.contains("nofac"));
    let body = json!({ "certified_on": "2026-01-05", "expires_on": "2027-12-31" });
    let (status, _) = app
        .api("dadmin")
        .await
        .post("/officers/nofac/certification", body.clone())
        .await;
    assert_eq!(status, 404, "another agency's officer does not exist for DUR-SO");
    app.api("wadmin")
        .await
        .ok(201, "/officers/nofac/certification", body)
        .await;

    // A liaison shared by both agencies is listed to each with that agency's facilities only.
    app.user("fieldice", "ice_liaison", &["RCDC", "DURH"]).await;
    let users = app.page(&dadmin, "/admin/users").await;
    let row = users.split("fieldice").nth(1).unwrap().split("</tr>").next().unwrap();
    assert!(row.contains("DURH") && !row.contains("RCDC"), "{row}");
}
