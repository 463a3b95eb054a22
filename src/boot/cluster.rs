//! A private PostgreSQL cluster started from the system's server binaries.
//!
//! When `DATABASE_URL` is unset, `wso-tracker` (and the test suite) run PostgreSQL themselves:
//! `initdb` once into a data directory, then `postgres` as a child process listening only on a
//! Unix socket inside that directory (no TCP port, so no clashes and no network exposure).
//! PostgreSQL refuses to run as root, so when we are root it runs as the `postgres` system user.
//!
//! Several processes may share one cluster (the server and a CLI command): whoever finds it
//! already running connects to it; only the process that started it stops it.

use std::fs;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sqlx::postgres::PgConnectOptions;

/// Why a private cluster could not be started; each message is one sentence for the operator.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error(
        "PostgreSQL server binaries (initdb, postgres) were not found in WSO_PG_BINDIR, on PATH or in /usr/lib/postgresql/*/bin: install them (Debian/Ubuntu: `apt-get install postgresql`) or set DATABASE_URL to an existing server"
    )]
    BinariesNotFound,
    #[error(
        "running as root, but there is no `postgres` system user to run PostgreSQL as: install the Debian/Ubuntu `postgresql` package or set DATABASE_URL"
    )]
    NoPostgresUser,
    #[error(
        "the data directory {0} is not reachable by the `postgres` user (a parent directory is not world-executable): choose another directory with WSO_DATA_DIR or set DATABASE_URL"
    )]
    NotTraversable(PathBuf),
    #[error("{0}")]
    Failed(String),
}

/// Tuning for the cluster: the server keeps full durability; throwaway test clusters do not,
/// and load `pg_stat_statements` (tests count the statements a request sends).
#[derive(Clone, Copy, Debug)]
pub enum Durability {
    Full,
    Throwaway,
}

pub struct PrivateCluster {
    data_dir: PathBuf,
    child: Option<Child>,
}

struct RunAs {
    uid: u32,
    gid: u32,
}

impl PrivateCluster {
    /// Starts (or joins) the cluster in `data_dir`, creating it on first use.
    pub fn start(data_dir: &Path, durability: Durability) -> Result<Self, ClusterError> {
        let bin = find_bin_dir().ok_or(ClusterError::BinariesNotFound)?;
        let run_as = run_as()?;
        fs::create_dir_all(data_dir).map_err(|e| fail(format!("cannot create {}: {e}", data_dir.display())))?;
        let data_dir = data_dir
            .canonicalize()
            .map_err(|e| fail(format!("cannot resolve {}: {e}", data_dir.display())))?;
        if let Some(r) = &run_as {
            check_traversable(&data_dir)?;
            chown(&data_dir, r)?;
        }
        fs::set_permissions(&data_dir, fs::Permissions::from_mode(0o700))
            .map_err(|e| fail(format!("cannot set permissions on {}: {e}", data_dir.display())))?;

        if !data_dir.join("PG_VERSION").exists() {
            init(&bin, &data_dir, run_as.as_ref())?;
        }
        if is_running(&data_dir) {
            wait_ready(&data_dir, None)?;
            return Ok(Self { data_dir, child: None });
        }
        let child = spawn(&bin, &data_dir, run_as.as_ref(), durability)?;
        let mut cluster = Self {
            data_dir,
            child: Some(child),
        };
        let dir = cluster.data_dir.clone();
        wait_ready(&dir, cluster.child.as_mut())?;
        Ok(cluster)
    }

    /// Connection options for `database` over the cluster's Unix socket.
    pub fn connect_options(&self, database: &str) -> PgConnectOptions {
        PgConnectOptions::new()
            .socket(&self.data_dir)
            .username("postgres")
            .database(database)
    }

    /// Whether this process started the cluster (and so will stop it).
    pub fn owned(&self) -> bool {
        self.child.is_some()
    }

    /// Stops the cluster if this process started it: a "fast" shutdown, which rolls back open
    /// transactions and checkpoints, so the data directory is left clean.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // SIGINT = PostgreSQL's fast shutdown.
            unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
            let deadline = Instant::now() + Duration::from_secs(60);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        self.stop();
    }
}

fn fail(msg: String) -> ClusterError {
    ClusterError::Failed(msg)
}

/// `WSO_PG_BINDIR` when set (and nothing else); otherwise `postgres` and `initdb` from PATH,
/// else the newest `/usr/lib/postgresql/*/bin`.
pub fn find_bin_dir() -> Option<PathBuf> {
    let has_both = |d: &Path| d.join("postgres").is_file() && d.join("initdb").is_file();
    if let Some(dir) = std::env::var_os("WSO_PG_BINDIR").filter(|d| !d.is_empty()) {
        let dir = PathBuf::from(dir);
        return has_both(&dir).then_some(dir);
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            if has_both(&dir) {
                return Some(dir);
            }
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            has_both(&bin).then_some((v, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

fn run_as() -> Result<Option<RunAs>, ClusterError> {
    if unsafe { libc::geteuid() } != 0 {
        return Ok(None);
    }
    let name = std::ffi::CString::new("postgres").expect("static name");
    // SAFETY: getpwnam returns a pointer into static storage or null; we copy the ids at once.
    let pw = unsafe { libc::getpwnam(name.as_ptr()) };
    if pw.is_null() {
        return Err(ClusterError::NoPostgresUser);
    }
    let (uid, gid) = unsafe { ((*pw).pw_uid, (*pw).pw_gid) };
    Ok(Some(RunAs { uid, gid }))
}

fn check_traversable(dir: &Path) -> Result<(), ClusterError> {
    for parent in dir.ancestors().skip(1) {
        let mode = fs::metadata(parent).map(|m| m.permissions().mode()).unwrap_or(0);
        if mode & 0o001 == 0 {
            return Err(ClusterError::NotTraversable(dir.to_path_buf()));
        }
    }
    Ok(())
}

fn chown(path: &Path, r: &RunAs) -> Result<(), ClusterError> {
    std::os::unix::fs::chown(path, Some(r.uid), Some(r.gid))
        .map_err(|e| fail(format!("cannot hand {} to the postgres user: {e}", path.display())))
}

fn command(bin: &Path, program: &str, run_as: Option<&RunAs>) -> Command {
    let mut cmd = Command::new(bin.join(program));
    if let Some(r) = run_as {
        cmd.uid(r.uid).gid(r.gid);
    }
    // Our own process group: a Ctrl-C in the terminal reaches the server, which then stops
    // PostgreSQL itself after in-flight requests finish.
    cmd.process_group(0);
    cmd
}

fn init(bin: &Path, data_dir: &Path, run_as: Option<&RunAs>) -> Result<(), ClusterError> {
    let out = command(bin, "initdb", run_as)
        .arg("-D")
        .arg(data_dir)
        .args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| fail(format!("cannot run initdb: {e}")))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(fail(format!("initdb failed: {}", err.trim().replace('\n', " "))));
    }
    Ok(())
}

fn spawn(bin: &Path, data_dir: &Path, run_as: Option<&RunAs>, durability: Durability) -> Result<Child, ClusterError> {
    let log_path = data_dir.join("server.log");
    let log = fs::File::create(&log_path).map_err(|e| fail(format!("cannot create {}: {e}", log_path.display())))?;
    if let Some(r) = run_as {
        chown(&log_path, r)?;
    }
    let mut cmd = command(bin, "postgres", run_as);
    cmd.arg("-D")
        .arg(data_dir)
        .arg("-k")
        .arg(data_dir)
        .args(["-c", "listen_addresses=", "-c", "max_connections=300"])
        // No JIT: the packaged unit forbids writable-executable memory (MemoryDenyWriteExecute),
        // which LLVM's generated code needs; our statements gain nothing from it.
        .args(["-c", "jit=off"]);
    if let Durability::Throwaway = durability {
        cmd.args([
            "-c",
            "fsync=off",
            "-c",
            "synchronous_commit=off",
            "-c",
            "full_page_writes=off",
            "-c",
            "shared_preload_libraries=pg_stat_statements",
        ]);
    }
    cmd.stdin(Stdio::null())
        .stdout(log.try_clone().map_err(|e| fail(e.to_string()))?)
        .stderr(log);
    // If this process dies without stopping PostgreSQL, the kernel asks PostgreSQL for a fast
    // shutdown. (The signal follows the spawning thread; callers spawn from a long-lived one.)
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGINT);
            Ok(())
        });
    }
    cmd.spawn().map_err(|e| fail(format!("cannot start postgres: {e}")))
}

/// The PID file's first line is the postmaster's pid; it is only trusted if that process lives.
fn is_running(data_dir: &Path) -> bool {
    let Ok(pid_file) = fs::read_to_string(data_dir.join("postmaster.pid")) else {
        return false;
    };
    let Some(pid) = pid_file.lines().next().and_then(|l| l.trim().parse::<i32>().ok()) else {
        return false;
    };
    unsafe { libc::kill(pid, 0) == 0 }
}

/// PostgreSQL writes its status ("starting", "ready") as the 8th line of `postmaster.pid`;
/// `pg_ctl` waits on the same line.
fn wait_ready(data_dir: &Path, mut child: Option<&mut Child>) -> Result<(), ClusterError> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(pid_file) = fs::read_to_string(data_dir.join("postmaster.pid"))
            && pid_file.lines().nth(7).map(str::trim) == Some("ready")
        {
            return Ok(());
        }
        if let Some(c) = child.as_deref_mut()
            && let Ok(Some(status)) = c.try_wait()
        {
            let mut log = String::new();
            let _ = fs::File::open(data_dir.join("server.log")).and_then(|mut f| f.read_to_string(&mut log));
            let last = log.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("");
            return Err(fail(format!("postgres exited ({status}) during start-up: {last}")));
        }
        if Instant::now() > deadline {
            return Err(fail(format!(
                "postgres in {} did not become ready within 60 s",
                data_dir.display()
            )));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
