//! An installation from before agencies (issue 28) upgrades with every account keeping what it
//! could do: its facilities and staff in one agency, DEFAULT; its first admin also the operator;
//! a liaison keeping its facilities as grants.

use wso_tracker::db::{self, MIGRATOR};
use wso_tracker::domain::Role;
use wso_tracker::domain::tenancy::{self, Granter};

use crate::helpers::database_before;

/// The migration that brought agencies.
const AGENCIES: i64 = 21;

#[tokio::test]
async fn a_single_agency_database_migrates_with_every_account_keeping_what_it_could_do() {
    let pool = database_before(AGENCIES).await;
    let hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";
    sqlx::query(
        "INSERT INTO facilities (code, name, timezone, igsa, created_at)
         VALUES ('RCDC', 'Rockingham', 'America/New_York', false, now()), ('WAKE', 'Wake', 'America/New_York', true, now());
         ",
    )
    .execute(&pool)
    .await
    .unwrap();
    for (username, role) in [
        ("boss", "admin"),
        ("wso1", "officer"),
        ("sgt", "supervisor"),
        ("ice", "ice_liaison"),
        ("boss2", "admin"),
    ] {
        sqlx::query("INSERT INTO users (username, role, password_hash, created_at) VALUES ($1, $2, $3, now())")
            .bind(username)
            .bind(role)
            .bind(hash)
            .execute(&pool)
            .await
            .unwrap();
    }
    sqlx::query(
        "INSERT INTO user_facilities (user_id, facility_id)
         SELECT u.id, f.id FROM users u, facilities f
          WHERE (u.username IN ('wso1', 'sgt') AND f.code = 'RCDC') OR (u.username = 'ice' AND f.code IN ('RCDC', 'WAKE'))",
    )
    .execute(&pool)
    .await
    .unwrap();

    MIGRATOR
        .run(&pool)
        .await
        .expect("the agencies migration on a database with data");

    let user = |name: &'static str| {
        let pool = pool.clone();
        async move { db::users::by_username(&pool, name).await.unwrap().unwrap() }
    };
    let (boss, boss2, wso1, sgt, ice) = (
        user("boss").await,
        user("boss2").await,
        user("wso1").await,
        user("sgt").await,
        user("ice").await,
    );
    let default: i64 = sqlx::query_scalar("SELECT id FROM agencies WHERE code = 'DEFAULT'")
        .fetch_one(&pool)
        .await
        .unwrap();
    // Admins: their agency's every facility, as before every facility; the first also operates.
    for admin in [&boss, &boss2] {
        assert_eq!((admin.role, admin.agency_id), (Role::Admin, Some(default)));
        assert_eq!(admin.facilities, ["RCDC", "WAKE"], "{}", admin.username);
    }
    assert!(boss.operator && tenancy::may_operate(boss.role, boss.operator).is_ok());
    assert!(!boss2.operator && tenancy::may_operate(boss2.role, boss2.operator).is_err());
    // Staff: their agency, their facilities.
    for (u, role) in [(&wso1, Role::Officer), (&sgt, Role::Supervisor)] {
        assert_eq!(
            (u.role, u.agency_id, u.facilities.clone()),
            (role, Some(default), vec!["RCDC".to_string()])
        );
    }
    // The liaison: no agency, both facilities kept as grants.
    assert_eq!(
        (ice.agency_id, ice.facilities.clone()),
        (None, vec!["RCDC".to_string(), "WAKE".to_string()])
    );
    // And each admin still manages every account it managed.
    let granter = |u: &db::users::User| Granter::Account {
        role: u.role,
        operator: u.operator,
        agency: u.agency_id,
    };
    for admin in [&boss, &boss2] {
        for u in [&wso1, &sgt, &ice, &boss2] {
            assert!(
                tenancy::manages(granter(admin), (u.role, u.operator), u.agency_id, &u.facility_agencies),
                "{} manages {}",
                admin.username,
                u.username
            );
        }
    }
    // The operator is the operator's (or the command line's) to manage: another admin resetting
    // its password would take over the installation.
    let operator = (boss.role, boss.operator);
    assert!(!tenancy::manages(
        granter(&boss2),
        operator,
        boss.agency_id,
        &boss.facility_agencies
    ));
    let facilities: Vec<(String, i64)> = sqlx::query_as("SELECT code, agency_id FROM facilities ORDER BY code")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(
        facilities,
        [("RCDC".to_string(), default), ("WAKE".to_string(), default)]
    );
}
