//! Many sign-ins at once (issue 26, findings 2 and 10): the per-address throttle checks and
//! counts in one step, so concurrent failures from one address get at most the limit checked;
//! the pool of password-hashing threads answers every sign-in rightly under concurrency. (The
//! memory of a flood is measured by `benches/signin-flood`, not here.)

use std::sync::Arc;

use wso_tracker::config::Config;

use crate::helpers::{PASSWORD, TestApp, spawn_app, spawn_app_with};

/// `n` sign-in attempts released together by a barrier (each with its own client and form
/// token, fetched before); the statuses answered.
async fn at_once(app: &Arc<TestApp>, attempts: Vec<(String, String)>) -> Vec<(usize, u16)> {
    let barrier = Arc::new(tokio::sync::Barrier::new(attempts.len()));
    let mut tasks = tokio::task::JoinSet::new();
    for (i, (username, password)) in attempts.into_iter().enumerate() {
        let (app, barrier) = (app.clone(), barrier.clone());
        tasks.spawn(async move {
            let client = app.client();
            let csrf = app.csrf(&client, "/login").await;
            barrier.wait().await;
            let r = client
                .post(app.url("/login"))
                .form(&[("username", &username), ("password", &password), ("csrf_token", &csrf)])
                .send()
                .await
                .unwrap();
            (i, r.status().as_u16())
        });
    }
    let mut statuses = Vec::new();
    while let Some(r) = tasks.join_next().await {
        statuses.push(r.unwrap());
    }
    statuses.sort();
    statuses
}

async fn audited(app: &TestApp, action: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = $1")
        .bind(action)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn concurrent_failures_from_one_address_get_at_most_the_limit_checked() {
    let app = Arc::new(spawn_app().await); // 10 failures a minute per address
    let n = 40;
    let attempts = (0..n).map(|i| ("nobody".to_string(), format!("wrong {i}"))).collect();
    let statuses = at_once(&app, attempts).await;
    let refused = statuses.iter().filter(|(_, s)| *s == 401).count();
    let throttled = statuses.iter().filter(|(_, s)| *s == 429).count();
    assert_eq!(
        refused + throttled,
        n,
        "every attempt answered 401 or 429: {statuses:?}"
    );
    // Every checked attempt is audited `login_failed` (an unknown user: no lock gets in the way).
    let checked = audited(&app, "login_failed").await;
    assert_eq!(checked as usize, refused, "what was refused was checked");
    assert!(
        checked <= 10,
        "{checked} passwords checked against a limit of 10 a minute"
    );
    assert_eq!(checked, 10, "the limit is used, not less");
    assert_eq!(audited(&app, "login_throttled").await as usize, throttled);
}

#[tokio::test]
async fn sign_ins_at_once_are_all_answered_rightly_and_successes_do_not_count_as_failures() {
    let mut config = Config::for_tests();
    config.login_throttle_per_minute = 20;
    let app = Arc::new(spawn_app_with(config).await);
    for i in 0..10 {
        app.user(&format!("officer{i}"), "officer", &[]).await;
    }
    // Ten right passwords and ten wrong ones, all at once, through the two hashing threads.
    let mut attempts: Vec<(String, String)> = (0..10).map(|i| (format!("officer{i}"), PASSWORD.to_string())).collect();
    attempts.extend((0..10).map(|i| (format!("officer{i}"), format!("{PASSWORD}?"))));
    let statuses = at_once(&app, attempts).await;
    for (i, status) in &statuses {
        let want = if *i < 10 { 303 } else { 401 };
        assert_eq!(*status, want, "attempt {i} ({statuses:?})");
    }
    assert_eq!(audited(&app, "login").await, 10, "each right password signed in");
    assert_eq!(audited(&app, "login_failed").await, 10);
    // The ten sign-ins were not counted as failures: ten more failures pass the throttle (20),
    // the rest are refused unchecked.
    let more = at_once(&app, (0..15).map(|i| ("nobody".to_string(), format!("x{i}"))).collect()).await;
    let checked = more.iter().filter(|(_, s)| *s == 401).count();
    let throttled = more.iter().filter(|(_, s)| *s == 429).count();
    assert_eq!((checked, throttled), (10, 5), "{more:?}");
}
