//! Issue 26: the connection to PostgreSQL over TLS. A PostgreSQL started here with `ssl=on`
//! and a server certificate made here (`rcgen`) for the name `localhost` only, by a CA made
//! here: `sslmode=verify-full` with that CA as `sslrootcert` connects and every connection of
//! the app's pool is encrypted (`pg_stat_ssl`); another CA, or a host name the certificate does
//! not carry, is refused saying so. The real binary refuses a remote database without TLS at
//! once, and with `WSO_ALLOW_PLAINTEXT_DATABASE=true` starts, warns, and shows admins a banner.

use std::net::IpAddr;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection};
use wso_tracker::boot::DatabaseTarget;
use wso_tracker::boot::database::link_of;
use wso_tracker::config::Config;
use wso_tracker::domain::db_link::DbLink;

/// The TLS PostgreSQL of this test process (stopped when the process ends).
struct TlsCluster {
    port: u16,
    /// Its data directory, also its Unix socket's directory.
    data: PathBuf,
    /// The CA that signed the server's certificate.
    ca: PathBuf,
    /// A CA that signed nothing the server has.
    other_ca: PathBuf,
    /// This machine's address on its network, also listened on (plain text allowed from it
    /// alone), when it has one: a database that is "not this machine" to the app.
    lan: Option<IpAddr>,
}

static CLUSTER: OnceLock<TlsCluster> = OnceLock::new();

fn cluster() -> &'static TlsCluster {
    CLUSTER.get_or_init(|| {
        // PostgreSQL is asked to stop when the thread that started it ends: a thread that
        // lives as long as the process.
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            tx.send(start_tls_cluster()).unwrap();
            loop {
                std::thread::park();
            }
        });
        rx.recv().unwrap()
    })
}

/// `(uid, gid)` of the `postgres` user when we are root (PostgreSQL refuses to run as root).
fn run_as() -> Option<(u32, u32)> {
    if unsafe { libc::geteuid() } != 0 {
        return None;
    }
    let name = std::ffi::CString::new("postgres").unwrap();
    let pw = unsafe { libc::getpwnam(name.as_ptr()) };
    assert!(!pw.is_null(), "running as root without a `postgres` user");
    Some(unsafe { ((*pw).pw_uid, (*pw).pw_gid) })
}

fn write_private(path: &Path, text: &str, owner: Option<(u32, u32)>) {
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
    if let Some((uid, gid)) = owner {
        std::os::unix::fs::chown(path, Some(uid), Some(gid)).unwrap();
    }
}

/// This machine's address towards the network (no packet is sent), if it has one.
fn lan_address() -> Option<IpAddr> {
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    socket.connect("192.0.2.1:9").ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

fn start_tls_cluster() -> TlsCluster {
    let bin = wso_tracker::boot::cluster::find_bin_dir().expect("PostgreSQL server binaries");
    let owner = run_as();
    let root = std::env::temp_dir().join("wso-tracker-tls-tests");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).unwrap();
    remove_stale(&root);
    let dir = root.join(std::process::id().to_string());
    let _ = std::fs::remove_dir_all(&dir);
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o700)).unwrap();
    if let Some((uid, gid)) = owner {
        std::os::unix::fs::chown(&data, Some(uid), Some(gid)).unwrap();
    }
    let command = |program: &str| {
        let mut cmd = Command::new(bin.join(program));
        if let Some((uid, gid)) = owner {
            cmd.uid(uid).gid(gid);
        }
        cmd.process_group(0);
        cmd
    };
    let out = command("initdb")
        .arg("-D")
        .arg(&data)
        .args([
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "initdb: {}", String::from_utf8_lossy(&out.stderr));

    // The CA, the server's certificate for `localhost` only, and a CA that signed nothing here.
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "wso-tracker test CA");
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).unwrap();
    let server_key = rcgen::KeyPair::generate().unwrap();
    let mut server_params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    server_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "localhost");
    let server = server_params.signed_by(&server_key, &ca).unwrap();
    let other_key = rcgen::KeyPair::generate().unwrap();
    let mut other_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    other_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let other = other_params.self_signed(&other_key).unwrap();
    write_private(&data.join("server.crt"), &server.pem(), owner);
    write_private(&data.join("server.key"), &server_key.serialize_pem(), owner);
    let ca_path = dir.join("ca.pem");
    std::fs::write(&ca_path, ca.pem()).unwrap();
    let other_ca = dir.join("other-ca.pem");
    std::fs::write(&other_ca, other.pem()).unwrap();

    // Loopback only over TLS; plain text only from this machine's own network address.
    let lan = lan_address();
    let mut hba = "local all all trust\nhostssl all all 127.0.0.1/32 trust\n".to_string();
    let mut listen = "127.0.0.1".to_string();
    if let Some(ip) = lan {
        let bits = if ip.is_ipv4() { 32 } else { 128 };
        hba.push_str(&format!("host all all {ip}/{bits} trust\n"));
        listen.push_str(&format!(",{ip}"));
    }
    write_private(&data.join("pg_hba.conf"), &hba, owner);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let log = std::fs::File::create(dir.join("server.log")).unwrap();
    let mut cmd = command("postgres");
    cmd.arg("-D")
        .arg(&data)
        .arg("-k")
        .arg(&data)
        .arg("-p")
        .arg(port.to_string())
        .args(["-c", &format!("listen_addresses={listen}")])
        .args([
            "-c",
            "ssl=on",
            "-c",
            "ssl_cert_file=server.crt",
            "-c",
            "ssl_key_file=server.key",
        ])
        .args([
            "-c",
            "fsync=off",
            "-c",
            "synchronous_commit=off",
            "-c",
            "full_page_writes=off",
        ])
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log);
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGINT);
            Ok(())
        });
    }
    let mut child = cmd.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let ready = std::fs::read_to_string(data.join("postmaster.pid"))
            .is_ok_and(|p| p.lines().nth(7).map(str::trim) == Some("ready"));
        if ready {
            break;
        }
        if let Ok(Some(status)) = child.try_wait() {
            let log = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
            panic!("the TLS PostgreSQL exited ({status}): {log}");
        }
        assert!(Instant::now() < deadline, "the TLS PostgreSQL did not become ready");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::mem::forget(child); // stopped by PDEATHSIG with this thread's process
    TlsCluster {
        port,
        data,
        ca: ca_path,
        other_ca,
        lan,
    }
}

fn remove_stale(root: &Path) {
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

impl TlsCluster {
    /// The superuser over the Unix socket (no TLS there): the tests' own look at the server.
    fn superuser(&self, database: &str) -> PgConnectOptions {
        PgConnectOptions::new()
            .socket(&self.data)
            .port(self.port)
            .username("postgres")
            .database(database)
            .disable_statement_logging()
    }

    /// A new empty database on this cluster.
    async fn database(&self) -> String {
        static N: AtomicUsize = AtomicUsize::new(0);
        let name = format!("tls_{}", N.fetch_add(1, Ordering::SeqCst));
        let mut conn = sqlx::PgConnection::connect_with(&self.superuser("postgres"))
            .await
            .unwrap();
        sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
        name
    }

    /// (connections to `database`, how many of them are encrypted), as the server sees them.
    async fn encrypted(&self, database: &str) -> (i64, i64) {
        let mut conn = sqlx::PgConnection::connect_with(&self.superuser("postgres"))
            .await
            .unwrap();
        let counts = sqlx::query_as(
            "SELECT count(*), count(*) FILTER (WHERE s.ssl) FROM pg_stat_activity a \
             JOIN pg_stat_ssl s USING (pid) WHERE a.datname = $1 AND a.backend_type = 'client backend'",
        )
        .bind(database)
        .fetch_one(&mut conn)
        .await
        .unwrap();
        conn.close().await.unwrap();
        counts
    }
}

fn config_for(url: String) -> Config {
    Config {
        database_url: Some(url),
        ..Config::for_tests()
    }
}

/// What preparing the database with `url` says when it fails.
async fn refusal(url: String) -> String {
    let target = DatabaseTarget::from_config(&config_for(url)).unwrap();
    let started = Instant::now();
    let e = target
        .prepare(wso_tracker::db::scope::RowScope::System)
        .await
        .expect_err("the connection should be refused");
    assert!(started.elapsed() < Duration::from_secs(10), "refused at once");
    format!("{e:#}")
}

#[tokio::test]
async fn verify_full_with_the_right_ca_connects_and_every_connection_of_the_pool_is_encrypted() {
    let c = cluster();
    let db = c.database().await;
    let url = format!(
        "postgres://postgres@localhost:{}/{db}?sslmode=verify-full&sslrootcert={}",
        c.port,
        c.ca.display()
    );
    let target = DatabaseTarget::from_config(&config_for(url.clone())).unwrap();
    assert_eq!(link_of("DATABASE_URL", &target.app, false), Ok(DbLink::Local));
    let pool = target
        .prepare(wso_tracker::db::scope::RowScope::System)
        .await
        .expect("verify-full with the right CA connects");
    // Several connections of the app's pool at once, each asked over itself.
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(pool.acquire().await.unwrap());
    }
    for conn in &mut held {
        let (ssl, version): (bool, Option<String>) =
            sqlx::query_as("SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
                .fetch_one(&mut **conn)
                .await
                .unwrap();
        assert!(ssl, "a pool connection is not encrypted");
        assert!(
            version.as_deref().is_some_and(|v| v.starts_with("TLSv1.")),
            "{version:?}"
        );
    }
    let (total, encrypted) = c.encrypted(&db).await;
    assert!(total >= 3, "{total} connections");
    assert_eq!(encrypted, total, "every connection to {db} is encrypted");
    drop(held);
    pool.close().await;
}

#[tokio::test]
async fn a_certificate_from_an_unknown_ca_is_refused_saying_so() {
    let c = cluster();
    let db = c.database().await;
    let e = refusal(format!(
        "postgres://postgres@localhost:{}/{db}?sslmode=verify-full&sslrootcert={}",
        c.port,
        c.other_ca.display()
    ))
    .await;
    assert!(e.contains("not signed by a CA in sslrootcert"), "{e}");
    assert!(e.contains("UnknownIssuer"), "the driver's own words too: {e}");
}

#[tokio::test]
async fn a_certificate_for_another_host_name_is_refused_saying_so() {
    let c = cluster();
    let db = c.database().await;
    // The certificate names `localhost`, not `127.0.0.1`.
    let e = refusal(format!(
        "postgres://postgres@127.0.0.1:{}/{db}?sslmode=verify-full&sslrootcert={}",
        c.port,
        c.ca.display()
    ))
    .await;
    assert!(e.contains("does not name the host 127.0.0.1"), "{e}");
    // verify-ca should check the CA only, but sqlx 0.8.6 with rustls 0.23.24 and later checks
    // the name too (sqlx issue #3793: its `NoHostnameTlsVerifier` misses rustls's newer
    // `NotValidForNameContext`): stricter than libpq, and what docs/deployment.md says.
    let e = refusal(format!(
        "postgres://postgres@127.0.0.1:{}/{db}?sslmode=verify-ca&sslrootcert={}",
        c.port,
        c.ca.display()
    ))
    .await;
    assert!(e.contains("does not name the host 127.0.0.1"), "{e}");
}

/// Runs the real binary with `args` and `env` (no private cluster) to its end: (exit code,
/// what it wrote, how long it took).
fn run_binary(args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String, Duration) {
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_wso-tracker"))
        .args(args)
        .env_remove("WSO_ALLOW_PLAINTEXT_DATABASE")
        .env_remove("DATABASE_OWNER_URL")
        .env_remove("PGSSLMODE")
        .env_remove("PGHOST")
        .env_remove("PGHOSTADDR")
        .env("WSO_DATA_DIR", std::env::temp_dir().join("wso-tracker-tls-no-cluster"))
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), text, started.elapsed())
}

#[test]
fn the_server_and_the_commands_refuse_a_remote_database_without_tls_at_once() {
    let remote = "postgres://wso_app:secret@db.county.example/wso_tracker";
    for (args, env, named) in [
        (
            vec!["serve", "--bind", "127.0.0.1:0"],
            vec![("DATABASE_URL", remote)],
            "DATABASE_URL",
        ),
        (vec!["migrate"], vec![("DATABASE_URL", remote)], "DATABASE_URL"),
        (
            vec!["audit", "head"],
            vec![(
                "DATABASE_URL",
                "postgres://wso_app:secret@10.20.30.40/wso_tracker?sslmode=prefer",
            )],
            "DATABASE_URL",
        ),
        (
            vec!["migrate"],
            vec![
                ("DATABASE_URL", "postgres://wso_app@localhost/wso_tracker"),
                (
                    "DATABASE_OWNER_URL",
                    "postgres://wso_owner@db.county.example/wso_tracker",
                ),
            ],
            "DATABASE_OWNER_URL",
        ),
    ] {
        let (code, text, took) = run_binary(&args, &env);
        assert!(code.is_some_and(|c| c != 0), "{args:?}: exit {code:?}: {text}");
        assert!(
            text.contains(&format!("{named} names the host")) && text.contains("without TLS"),
            "{args:?}: {text}"
        );
        assert!(
            text.contains("sslmode=verify-full") && text.contains("WSO_ALLOW_PLAINTEXT_DATABASE=true"),
            "{args:?}: {text}"
        );
        assert!(
            !text.contains("connecting to PostgreSQL"),
            "refused before connecting: {text}"
        );
        assert!(took < Duration::from_secs(5), "{args:?} took {took:?}");
    }
    // A value that is neither true nor false is not taken as either.
    let (code, text, _) = run_binary(
        &["migrate"],
        &[("DATABASE_URL", remote), ("WSO_ALLOW_PLAINTEXT_DATABASE", "maybe")],
    );
    assert!(
        code.is_some_and(|c| c != 0) && text.contains("WSO_ALLOW_PLAINTEXT_DATABASE must be true or false"),
        "{text}"
    );
}

#[tokio::test]
async fn with_the_override_the_server_starts_in_plain_text_warns_and_tells_admins() {
    wso_tracker::services::webhooks::install_crypto(); // reqwest's TLS provider, as the app's
    let c = cluster();
    let Some(lan) = c.lan else {
        eprintln!("this machine has no network address besides loopback: the override's start is not tried");
        return;
    };
    let db = c.database().await;
    let host = match lan {
        IpAddr::V4(ip) => ip.to_string(),
        IpAddr::V6(ip) => format!("[{ip}]"),
    };
    let url = format!("postgres://postgres@{host}:{}/{db}?sslmode=disable", c.port);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let log = std::env::temp_dir().join(format!("wso-tls-override-{}.log", std::process::id()));
    let file = std::fs::File::create(&log).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_wso-tracker"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env_remove("DATABASE_OWNER_URL")
        .env("DATABASE_URL", &url)
        .env("WSO_ALLOW_PLAINTEXT_DATABASE", "true")
        .env("WSO_MFA_REQUIRED", "false")
        .stdout(Stdio::from(file.try_clone().unwrap()))
        .stderr(Stdio::from(file))
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let mut up = false;
    for _ in 0..120 {
        if crate::helpers::http()
            .get(format!("{base}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    if !up {
        let _ = child.kill();
        panic!("the server did not start with the override: {text}");
    }
    assert!(
        text.contains(&format!("DATABASE_URL reaches {host} without TLS")),
        "the start warns: {text}"
    );
    // Really plain text, as asked.
    let (total, encrypted) = c.encrypted(&db).await;
    assert!(
        total >= 1 && encrypted == 0,
        "{total} connections, {encrypted} encrypted"
    );
    // The first admin's printed password; every page shows admins the banner.
    let password = text
        .split("with the password")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the first admin's password")
        .to_string();
    // Redirects followed: the first admin may be sent to choose a new password first, a page
    // with the same banners.
    let client = crate::helpers::http_builder().cookie_store(true).build().unwrap();
    let form = client
        .get(format!("{base}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = crate::helpers::csrf_in(&form).unwrap();
    let page = client
        .post(format!("{base}/login"))
        .form(&[("username", "admin"), ("password", &password), ("csrf_token", &csrf)])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Database connection: DATABASE_URL reaches") && page.contains("sslmode=verify-full"),
        "{page}"
    );
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_file(&log);
}
