//! The test harness: one throwaway PostgreSQL for the whole test binary (or the server named by
//! `DATABASE_URL`), a fresh migrated database per test cloned from a template, and the real
//! app served over real HTTP on a free port with a settable clock.

use std::borrow::Cow;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::OnceLock;

use chrono::{TimeZone, Utc};
use reqwest::redirect::Policy;
use serde_json::{Value, json};
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgPool};
use wso_tracker::boot::cluster::{Durability, PrivateCluster};
use wso_tracker::clock::Clock;
use wso_tracker::config::Config;
use wso_tracker::db::scope::RowScope;
use wso_tracker::db::{MIGRATOR, roles};
use wso_tracker::services::accounts::{self, Actor, NewUser};
use wso_tracker::state::AppState;

pub const PASSWORD: &str = "correct horse battery staple";

/// The database roles of the tests (decision 0017): the owner migrates, the app is the server.
const OWNER_PASSWORD: &str = "test owner password";
const APP_PASSWORD: &str = "test app password";

struct Server {
    /// Options for the maintenance database; the test database name is set per test.
    admin: PgConnectOptions,
    /// A `DATABASE_URL` prefix for the CLI tests, e.g. `postgres://postgres@localhost/?host=/tmp/x`.
    url_base: (String, String),
    template: String,
}

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    // `WSO_TEST_LOG=warn` (any filter): the servers' logs on standard error, to see why a
    // test met a 500.
    if let Ok(filter) = std::env::var("WSO_TEST_LOG") {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_test_writer()
            .try_init();
    }
    // Initialised on its own thread: tests call this from inside their tokio runtime, which
    // cannot block on another runtime.
    SERVER.get_or_init(|| std::thread::spawn(init_server).join().expect("test database server"))
}

fn init_server() -> Server {
    {
        let (admin, url_base) = match std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty()) {
            Some(url) => {
                let options: PgConnectOptions = url.parse().expect("DATABASE_URL is a PostgreSQL URL");
                let (before, after) = split_db_url(&url);
                (options.database("postgres"), (before, after))
            }
            None => start_private_cluster(),
        };
        let template = format!("wso_test_template_{}", std::process::id());
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let mut conn = sqlx::PgConnection::connect_with(&admin)
                .await
                .expect("connect to test PostgreSQL");
            roles::ensure_role(&mut conn, roles::OWNER, OWNER_PASSWORD)
                .await
                .unwrap();
            roles::ensure_role(&mut conn, roles::APP, APP_PASSWORD).await.unwrap();
            sqlx::query(&format!("DROP DATABASE IF EXISTS {template}"))
                .execute(&mut conn)
                .await
                .unwrap();
            sqlx::query(&format!("CREATE DATABASE {template} OWNER {}", roles::OWNER))
                .execute(&mut conn)
                .await
                .unwrap();
            conn.close().await.unwrap();
            let owner = admin
                .clone()
                .database(&template)
                .username(roles::OWNER)
                .password(OWNER_PASSWORD);
            let pool = PgPoolOptions::new()
                .max_connections(1)
                .connect_with(owner)
                .await
                .unwrap();
            wso_tracker::db::migrate(&pool)
                .await
                .expect("migrations apply to an empty database");
            roles::grant_app(&pool, roles::APP).await.unwrap();
            pool.close().await;
            // For counting the statements a request sends (every test database inherits it).
            let superuser = admin.clone().database(&template);
            let mut conn = sqlx::PgConnection::connect_with(&superuser).await.unwrap();
            // In a schema of its own: the tests that list the app's tables see only those.
            sqlx::raw_sql("CREATE SCHEMA test_stats; CREATE EXTENSION pg_stat_statements SCHEMA test_stats")
                .execute(&mut conn)
                .await
                .expect(
                    "pg_stat_statements is loaded (the test cluster preloads it; set it up on DATABASE_URL's server)",
                );
            conn.close().await.unwrap();
        });
        Server {
            admin,
            url_base,
            template,
        }
    }
}

/// The owner's URL for a test database, given its app-role URL (for the CLI's migrations).
pub fn owner_url_for(app_url: &str) -> String {
    app_url.replace(
        &format!("{}:{}@", roles::APP, APP_PASSWORD.replace(' ', "%20")),
        &format!("{}:{}@", roles::OWNER, OWNER_PASSWORD.replace(' ', "%20")),
    )
}

/// `postgres://u@h:p/` with another user and password.
fn with_user(base: &str, user: &str, password: &str) -> String {
    let enc = |s: &str| s.replace(' ', "%20");
    let (scheme, rest) = base.split_once("://").unwrap();
    let host = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    format!("{scheme}://{}:{}@{host}", enc(user), enc(password))
}

/// `postgres://u@h:p/db?x` → ("postgres://u@h:p/", "?x")
fn split_db_url(url: &str) -> (String, String) {
    let (main, query) = url
        .split_once('?')
        .map(|(m, q)| (m, format!("?{q}")))
        .unwrap_or((url, String::new()));
    let scheme_end = main.find("://").map(|i| i + 3).unwrap_or(0);
    let slash = main[scheme_end..]
        .find('/')
        .map(|i| i + scheme_end)
        .unwrap_or(main.len());
    (format!("{}/", &main[..slash]), query)
}

/// Started on a thread that lives as long as the test process: PostgreSQL is told to shut
/// down when that thread (so, the process) ends.
fn start_private_cluster() -> (PgConnectOptions, (String, String)) {
    let root = std::env::temp_dir().join("wso-tracker-tests");
    remove_stale_clusters(&root);
    let dir = root.join(std::process::id().to_string());
    let (tx, rx) = std::sync::mpsc::channel();
    let d = dir.clone();
    std::thread::spawn(move || {
        let cluster = PrivateCluster::start(&d, Durability::Throwaway);
        let ok = cluster
            .as_ref()
            .map(|c| c.connect_options("postgres"))
            .map_err(|e| e.to_string());
        tx.send(ok).unwrap();
        let _keep = cluster;
        loop {
            std::thread::park();
        }
    });
    let options = rx
        .recv()
        .unwrap()
        .unwrap_or_else(|e| panic!("cannot start the test PostgreSQL: {e}"));
    let url = (
        "postgres://postgres@localhost/".to_string(),
        format!("?host={}", dir.display()),
    );
    (options, url)
}

fn remove_stale_clusters(root: &PathBuf) {
    let Ok(entries) = std::fs::read_dir(root) else { return };
    for e in entries.flatten() {
        let alive = e
            .file_name()
            .to_str()
            .and_then(|p| p.parse::<i32>().ok())
            .is_some_and(|pid| unsafe { libc::kill(pid, 0) == 0 });
        if !alive {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

pub struct TestApp {
    pub addr: SocketAddr,
    /// The test's pool as the app role, seeing every agency's rows (row-level security's
    /// system scope): for setting up and checking.
    pub db: PgPool,
    /// The server's own pool, as `wso-tracker serve` makes it (no rows without a scope).
    pub served: PgPool,
    /// The database's superuser, for tests that play an insider with every right.
    pub admin_db: PgPool,
    pub clock: Clock,
    /// `DATABASE_URL` of this test's database, for running the CLI against it.
    pub database_url: String,
    /// The server's board feed, with the boards it holds in memory (decision 0043).
    pub board: std::sync::Arc<wso_tracker::services::board::Feed>,
    stop: std::sync::Arc<tokio::sync::Notify>,
    /// The test database's name.
    name: String,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Config::for_tests()).await
}

/// A new, empty database owned by the owner role, nothing migrated: what [`database_before`]
/// starts from. The owner's pool.
pub async fn empty_database() -> PgPool {
    let server = server();
    let name = format!("wso_test_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect_with(&server.admin).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name} OWNER {}", roles::OWNER))
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    let owner = server
        .admin
        .clone()
        .database(&name)
        .username(roles::OWNER)
        .password(OWNER_PASSWORD);
    // The owner, as the command line connects to migrate: the server's own work.
    wso_tracker::db::scope::pool_options(RowScope::System)
        .max_connections(2)
        .connect_with(owner)
        .await
        .unwrap()
}

/// The one fixture of an older schema: a new database with this build's migrations before
/// `version` applied (the embedded ones, filtered), as the owner. The schema of the previous
/// release (tests/it/upgrade.rs: v0.1.0, migrations up to 0028) or of an installation from
/// before a migration that moves data (tests/it/agencies_migration.rs). The test fills it, runs
/// the rest of the migrations, and checks what they did. The owner's pool.
pub async fn database_before(version: i64) -> PgPool {
    let pool = empty_database().await;
    let earlier = Migrator {
        migrations: Cow::Owned(
            MIGRATOR
                .migrations
                .iter()
                .filter(|m| m.version < version)
                .cloned()
                .collect(),
        ),
        ignore_missing: false,
        locking: true,
        no_tx: false,
    };
    earlier
        .run(&pool)
        .await
        .unwrap_or_else(|e| panic!("the schema before migration {version}: {e}"));
    pool
}

/// The app on a database that [`database_before`] made and the test has since migrated to this
/// build's schema: the app role granted its rights (as `wso-tracker serve` does after migrating),
/// then served like [`spawn_app`]'s, on `clock`. Its `database_url` runs the CLI or a server
/// process (tests/it/process.rs) on that database.
pub async fn serve_migrated(owner: &PgPool, clock: Clock) -> TestApp {
    roles::grant_app(owner, roles::APP)
        .await
        .expect("the app role's rights on the migrated database");
    let name = owner
        .connect_options()
        .get_database()
        .expect("a test database's name")
        .to_string();
    serve_database(name, Config::for_tests(), clock).await
}

/// A server with its own configuration (e.g. other alert thresholds).
pub async fn spawn_app_with(config: Config) -> TestApp {
    let server = server();
    let name = format!("wso_test_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect_with(&server.admin).await.unwrap();
    sqlx::query(&format!(
        "CREATE DATABASE {name} TEMPLATE {} OWNER {}",
        server.template,
        roles::OWNER
    ))
    .execute(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();
    let clock = Clock::manual(Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap());
    serve_database(name, config, clock).await
}

/// A server process on the test database `name` (the app role, its own pool and listener).
async fn serve_database(name: String, config: Config, clock: Clock) -> TestApp {
    let server = server();
    let superuser = server.admin.clone().database(&name).disable_statement_logging();
    let app_role = wso_tracker::db::with_settings(superuser.clone().username(roles::APP).password(APP_PASSWORD));
    // The test's own view as the app role: every agency's rows (row-level security's system
    // scope), for setting up and checking; the server gets a pool of its own (`serve_pools`).
    let db = wso_tracker::db::scope::pool_options(RowScope::System)
        .max_connections(10)
        .connect_with(app_role)
        .await
        .unwrap();
    let admin_db = PgPoolOptions::new()
        .max_connections(2)
        .connect_with(superuser)
        .await
        .unwrap();

    let url = |user: &str, password: &str| {
        let base = with_user(&server.url_base.0, user, password);
        format!("{base}{name}{}", server.url_base.1)
    };
    serve_pools(db, admin_db, url(roles::APP, APP_PASSWORD), name, config, clock).await
}

/// A server process on given pools (the app role's and a superuser's), e.g. on a cluster of
/// the test's own that it stops and starts (tests/it/failover.rs).
pub async fn serve_pools(
    db: PgPool,
    admin_db: PgPool,
    database_url: String,
    name: String,
    config: Config,
    clock: Clock,
) -> TestApp {
    // The server's pool, as `wso-tracker serve` makes it: a connection sees no agency's rows
    // unless the request (or the server's own work) that takes it sets a scope.
    let served = wso_tracker::db::scope::pool_options(RowScope::Nothing)
        .max_connections(10)
        .connect_lazy_with((*db.connect_options()).clone());
    let state = AppState::new(served.clone(), clock.clone(), config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let limits = wso_tracker::boot::http::Limits::of(&state.config);
    let feed = state.board.clone();
    let board = state.board.clone();
    let app = wso_tracker::routes::app(state);
    let stop = std::sync::Arc::new(tokio::sync::Notify::new());
    let stopped = stop.clone();
    tokio::spawn(async move {
        let shutdown = async move {
            stopped.notified().await;
            feed.close();
        };
        wso_tracker::boot::http::serve(listener, app, limits, shutdown)
            .await
            .unwrap();
    });
    TestApp {
        addr,
        db,
        served,
        admin_db,
        database_url,
        clock,
        board,
        stop,
        name,
    }
}

impl TestApp {
    /// How many statements the server (the app role) sends to this test's database while
    /// `f()` runs, counted by PostgreSQL (pg_stat_statements), the row scope's `set_config`
    /// aside: the fewest of three runs. A cost paid by every request shows in every run; a
    /// connection the pools open in the background, or a read moved to the main pool because
    /// a busy machine was slow to hand out an accounts connection (decision 0044), shows in one.
    pub async fn statements_during<F, Fut>(&self, f: F) -> i64
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = ()>,
    {
        self.fewest_during(f, "AND query NOT LIKE 'SELECT set_config(%'").await
    }

    /// Every statement the server sends while `f()` runs, the row scope's `set_config`
    /// included (each is a round trip of its own): the fewest of three runs, as above.
    pub async fn round_trips_during<F, Fut>(&self, f: F) -> i64
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = ()>,
    {
        self.fewest_during(f, "").await
    }

    async fn fewest_during<F, Fut>(&self, f: F, except: &str) -> i64
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = ()>,
    {
        let mut fewest = i64::MAX;
        for _ in 0..3 {
            fewest = fewest.min(self.counted_during(f(), except).await);
        }
        fewest
    }

    async fn counted_during<F: std::future::Future<Output = ()>>(&self, f: F, except: &str) -> i64 {
        let count = || async {
            sqlx::query_scalar::<_, i64>(&format!(
                "SELECT coalesce(sum(calls), 0)::bigint FROM test_stats.pg_stat_statements
                 WHERE userid = (SELECT oid FROM pg_roles WHERE rolname = 'wso_app')
                   AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) {except}"
            ))
            .fetch_one(&self.admin_db)
            .await
            .unwrap()
        };
        let before = count().await;
        f.await;
        count().await - before
    }

    /// A second server process on the same database (same clock), as in a deployment with
    /// several app servers.
    pub async fn another_server(&self) -> TestApp {
        serve_database(self.name.clone(), Config::for_tests(), self.clock.clone()).await
    }

    /// Returns once this server's listener has heard every change committed before the call,
    /// as a write through this server does before it answers: what the test wrote behind the
    /// server's back (psql, the CLI of another process) then shows on its next page at once.
    pub async fn caught_up(&self) {
        self.board.held.caught_up(&self.served).await;
    }

    /// Ends the connection the server's board listener holds (as a restart or a failover would):
    /// notifications committed before it reconnects never reach it. How many connections were
    /// cut (one per listening server process on this database).
    pub async fn cut_listener(&self) -> usize {
        let cut: Vec<bool> = sqlx::query_scalar(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname = current_database() AND query LIKE 'LISTEN%'",
        )
        .fetch_all(&self.admin_db)
        .await
        .unwrap();
        cut.into_iter().filter(|c| *c).count()
    }

    /// Waits (up to 10 s) until the server holds every board in memory, starting its listener
    /// if no board was read yet.
    pub async fn boards_held(&self) {
        self.board.start(&self.served).await.expect("the board listener starts");
        for _ in 0..200 {
            if self.board.held.snapshot().is_some() {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the server does not hold its boards after 10 s");
    }

    /// Stops serving (as when the server goes down): new connections are refused.
    pub fn stop_serving(&self) {
        self.stop.notify_one();
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// A browser-like client: keeps cookies, does not follow redirects (tests check them).
    pub fn client(&self) -> reqwest::Client {
        http_builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .build()
            .unwrap()
    }

    pub async fn facility(&self, code: &str, tz: &str, igsa: bool) {
        let name = format!("{code} Detention Center");
        accounts::create_facility(&self.db, (code, &name), (tz, igsa), None, Actor::CLI, self.clock.now())
            .await
            .unwrap();
    }

    /// An agency (a sheriff's office) of the installation, as `wso-tracker agency add` makes it.
    pub async fn agency(&self, code: &str, state: &str) {
        let name = format!("{code} Sheriff's Office");
        wso_tracker::services::agencies::create(&self.db, (code, &name), (state, None), Actor::CLI, self.clock.now())
            .await
            .unwrap();
    }

    /// A facility of `agency` (once the installation has several agencies).
    pub async fn facility_of(&self, agency: &str, code: &str, tz: &str) {
        let name = format!("{code} Detention Center");
        accounts::create_facility(
            &self.db,
            (code, &name),
            (tz, false),
            Some(agency),
            Actor::CLI,
            self.clock.now(),
        )
        .await
        .unwrap();
    }

    /// A second agency beside the world's DEFAULT: DUR-SO (NC) with its facility DURH, its admin
    /// `dadmin`, an officer `dwso` and a supervisor `dsgt` (both WSO-certified when `certified`).
    pub async fn second_agency(&self, certified: bool) {
        self.agency("DUR-SO", "NC").await;
        self.facility_of("DUR-SO", "DURH", "America/New_York").await;
        self.user_of("dadmin", "admin", &["DUR-SO"], &[]).await;
        self.user_of("dwso", "officer", &["DUR-SO"], &["DURH"]).await;
        self.user_of("dsgt", "supervisor", &["DUR-SO"], &["DURH"]).await;
        if certified {
            let dadmin = self.api("dadmin").await;
            for who in ["dsgt", "dwso"] {
                let body = json!({ "certified_on": "2026-01-05", "expires_on": "2027-12-31" });
                dadmin.ok(201, &format!("/officers/{who}/certification"), body).await;
            }
        }
    }

    pub async fn user(&self, username: &str, role: &str, facilities: &[&str]) -> i64 {
        self.user_of(username, role, &[], facilities).await
    }

    /// An account of `agencies` (an officer's, supervisor's or admin's one agency; the agencies
    /// an oversight account sees; none for a liaison or the operator).
    pub async fn user_of(&self, username: &str, role: &str, agencies: &[&str], facilities: &[&str]) -> i64 {
        let input = NewUser {
            full_name: None,
            username: username.into(),
            role: role.into(),
            email: Some(format!("{username}@county.example.org")),
            facilities: facilities.iter().map(|f| f.to_string()).collect(),
            agencies: agencies.iter().map(|f| f.to_string()).collect(),
            password: PASSWORD.into(),
            api_only: false,
        };
        accounts::create_user(&self.db, input, Actor::CLI, self.clock.now())
            .await
            .unwrap()
    }

    /// An API token acting as `username`.
    pub async fn token(&self, username: &str) -> String {
        wso_tracker::services::identity::create_token(&self.db, username, None, Actor::CLI, self.clock.now())
            .await
            .unwrap()
            .1
    }

    /// Signs in through the login form; returns the signed-in client.
    pub async fn login(&self, username: &str) -> reqwest::Client {
        let client = self.client();
        let r = self.try_login(&client, username, PASSWORD).await;
        assert_eq!(r.status(), 303, "sign-in of {username} should redirect");
        client
    }

    pub async fn try_login(&self, client: &reqwest::Client, username: &str, password: &str) -> reqwest::Response {
        let csrf = self.csrf(client, "/login").await;
        client
            .post(self.url("/login"))
            .form(&[("username", username), ("password", password), ("csrf_token", &csrf)])
            .send()
            .await
            .unwrap()
    }

    /// The HTML of `path` as `client` sees it.
    pub async fn page(&self, client: &reqwest::Client, path: &str) -> String {
        client.get(self.url(path)).send().await.unwrap().text().await.unwrap()
    }

    /// Every page of a paged API list from `path` (`/api/v1/…`), following `Link: rel="next"`;
    /// each page must answer 200.
    pub async fn all_pages(&self, token: &str, path: &str) -> Vec<Vec<serde_json::Value>> {
        let mut url = self.url(path);
        let mut pages = Vec::new();
        loop {
            let r = http().get(&url).bearer_auth(token).send().await.unwrap();
            assert_eq!(r.status(), 200, "{url}");
            let next = r.headers().get("link").map(|l| l.to_str().unwrap().to_string());
            pages.push(r.json().await.unwrap());
            match next {
                Some(l) => url = self.url(&l[1..l.find('>').unwrap()]),
                None => return pages,
            }
        }
    }

    /// The CSRF token from the form on `path`.
    pub async fn csrf(&self, client: &reqwest::Client, path: &str) -> String {
        let html = client.get(self.url(path)).send().await.unwrap().text().await.unwrap();
        csrf_in(&html).unwrap_or_else(|| panic!("no csrf_token on {path}"))
    }

    /// Posts a form with the CSRF token of `path` added.
    pub async fn post_form(&self, client: &reqwest::Client, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let csrf = self.csrf(client, "/").await;
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf_token", &csrf));
        client.post(self.url(path)).form(&all).send().await.unwrap()
    }

    /// The audit log's actions, oldest first.
    pub async fn audit_actions(&self) -> Vec<String> {
        sqlx::query_scalar("SELECT action FROM audit_log ORDER BY id")
            .fetch_all(&self.db)
            .await
            .unwrap()
    }

    /// Row counts of every table of ours, to show a refused request changed nothing. A refusal
    /// is itself audited (`access_denied`, with its chain head): those are not counted.
    pub async fn table_counts(&self) -> Vec<(String, i64)> {
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT table_name::text FROM information_schema.tables
             WHERE table_schema = 'public' AND table_name NOT IN ('_sqlx_migrations', 'audit_head') ORDER BY 1",
        )
        .fetch_all(&self.db)
        .await
        .unwrap();
        let mut counts = Vec::new();
        for table in tables {
            let filter = if table == "audit_log" {
                " WHERE action <> 'access_denied'"
            } else {
                ""
            };
            let n: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}{filter}"))
                .fetch_one(&self.db)
                .await
                .unwrap();
            counts.push((table, n));
        }
        counts
    }
}

pub fn csrf_in(html: &str) -> Option<String> {
    let start = html.find("name=\"csrf_token\" value=\"")? + "name=\"csrf_token\" value=\"".len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_string())
}

/// The navigation's count of unread alerts on a page ("Alerts (3 …"; none shown: 0).
pub fn unread_shown(html: &str) -> i64 {
    html.split("Alerts (")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .map_or(0, |n| n.parse().unwrap())
}

/// A random order a test can repeat: seeded from `WSO_TEST_SEED` when set, else at random, and
/// the seed printed under the test's name.
pub fn seeded_rng(test: &str) -> rand::rngs::StdRng {
    use rand::SeedableRng;
    let seed: u64 = std::env::var("WSO_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    eprintln!("{test} seed {seed} (WSO_TEST_SEED={seed} repeats this order)");
    rand::rngs::StdRng::seed_from_u64(seed)
}

/// A JSON API client acting with one user's token.
pub struct Api<'a> {
    pub app: &'a TestApp,
    token: String,
    http: reqwest::Client,
}

impl TestApp {
    pub async fn api(&self, username: &str) -> Api<'_> {
        Api {
            app: self,
            token: self.token(username).await,
            http: http(),
        }
    }
}

impl Api<'_> {
    /// The same token, sent to another server on the same database.
    pub fn on<'b>(&self, app: &'b TestApp) -> Api<'b> {
        Api {
            app,
            token: self.token.clone(),
            http: http(),
        }
    }

    pub async fn get(&self, path: &str) -> (u16, serde_json::Value) {
        let r = self
            .http
            .get(self.app.url(&format!("/api/v1{path}")))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(serde_json::Value::Null))
    }

    pub async fn post(&self, path: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
        let r = self
            .http
            .post(self.app.url(&format!("/api/v1{path}")))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(serde_json::Value::Null))
    }

    pub async fn http_put(&self, path: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
        let r = self
            .http
            .put(self.app.url(&format!("/api/v1{path}")))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(serde_json::Value::Null))
    }

    pub async fn http_delete(&self, path: &str) -> u16 {
        let r = self
            .http
            .delete(self.app.url(&format!("/api/v1{path}")))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        r.status().as_u16()
    }

    /// Posts and insists on `status`, returning the body.
    pub async fn ok(&self, status: u16, path: &str, body: serde_json::Value) -> serde_json::Value {
        let (s, v) = self.post(path, body).await;
        assert_eq!(s, status, "POST {path}: {v}");
        v
    }
}

pub fn t(s: &str) -> chrono::DateTime<Utc> {
    chrono::DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

// ---- The world most case tests start from ----

/// RCDC (New York time, no IGSA) with a certified WSO, an uncertified officer, a supervisor
/// and an ICE liaison; WAKE next door with its own officer and liaison.
pub struct World {
    pub app: TestApp,
}

impl World {
    pub async fn new() -> Self {
        Self::with_config(Config::for_tests()).await
    }

    pub async fn with_config(config: Config) -> Self {
        let app = spawn_app_with(config).await;
        app.facility("RCDC", "America/New_York", false).await;
        app.facility("WAKE", "America/New_York", true).await;
        app.user("wso1", "officer", &["RCDC"]).await;
        app.user("rookie", "officer", &["RCDC"]).await;
        app.user("sgt", "supervisor", &["RCDC"]).await;
        app.user("ice", "ice_liaison", &["RCDC"]).await;
        app.user("other", "officer", &["WAKE"]).await;
        app.user("wakesgt", "supervisor", &["WAKE"]).await;
        app.user("ice2", "ice_liaison", &["WAKE"]).await;
        app.user("boss", "admin", &[]).await;
        let sgt = app.api("sgt").await;
        sgt.ok(
            201,
            "/officers/wso1/certification",
            json!({ "certified_on": "2026-01-05", "expires_on": "2027-12-31" }),
        )
        .await;
        let boss = app.api("boss").await;
        for supervisor in ["sgt", "wakesgt"] {
            let path = format!("/officers/{supervisor}/certification");
            boss.ok(
                201,
                &path,
                json!({ "certified_on": "2026-01-05", "expires_on": "2027-12-31" }),
            )
            .await;
        }
        World { app }
    }

    pub async fn as_(&self, username: &str) -> Api<'_> {
        self.app.api(username).await
    }

    /// A booking at RCDC with one I-200 warrant; returns (booking id, document id).
    pub async fn booked_with_warrant(&self, officer: &Api<'_>, number: &str) -> (i64, i64) {
        let b = officer.ok(201, "/bookings", booking(number)).await;
        let id = b["id"].as_i64().unwrap();
        let d = officer
            .ok(201, &format!("/bookings/{id}/documents"), warrant("I-200", "W-1"))
            .await;
        (id, d["id"].as_i64().unwrap())
    }

    /// Booked, warrant received, point of release at 2026-11-22 08:00Z, served at 09:00Z
    /// (deadline 2026-11-24 09:00Z).
    pub async fn served(&self, number: &str) -> i64 {
        let wso = self.as_("wso1").await;
        let (id, doc) = self.booked_with_warrant(&wso, number).await;
        wso.ok(
            200,
            &format!("/bookings/{id}/release-point"),
            json!({ "at": "2026-11-22T08:00:00Z", "reason": "bond_posted" }),
        )
        .await;
        wso.ok(
            201,
            &format!("/bookings/{id}/service"),
            json!({ "document_id": doc, "at": "2026-11-22T09:00:00Z" }),
        )
        .await;
        id
    }
}

pub fn booking(number: &str) -> Value {
    json!({
        "facility": "RCDC", "booking_number": number, "last_name": "Doe", "first_name": "John",
        "date_of_birth": "1990-04-30", "booked_at": "2026-11-20T08:00:00-05:00",
        "charges": [{ "description": "Driving while impaired", "category": "dwi" },
                    { "description": "Driving with a revoked licence", "category": "traffic" }]
    })
}

pub fn warrant(kind: &str, number: &str) -> Value {
    json!({ "kind": kind, "number": number, "a_number": "A12-345-678",
            "issued_at": "2026-11-20T10:00:00-05:00", "received_at": "2026-11-20T11:00:00-05:00" })
}

/// An HTTP client for the tests. reqwest here is built with rustls and no provider of its own
/// (the app's webhook client chooses aws-lc-rs): the process's provider is installed first, so
/// a test that starts no app in this process cannot meet "no provider set".
pub fn http() -> reqwest::Client {
    http_builder().build().unwrap()
}

/// [`http`]'s builder.
pub fn http_builder() -> reqwest::ClientBuilder {
    wso_tracker::services::webhooks::install_crypto();
    reqwest::Client::builder()
}
