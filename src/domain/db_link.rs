//! Whether a database connection may carry criminal justice information: the CJIS Security
//! Policy wants it encrypted whenever it leaves a physically secure location, so a connection
//! that leaves this machine must require TLS (issue 26). Pure: `boot::database` feeds it what
//! the driver will actually do.

/// The `sslmode` of a database connection, as far as the decision below cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DbTls {
    /// `disable`, `allow`, `prefer` (the default): the connection may be plain text, and an
    /// attacker on the path can make it so.
    Optional,
    /// `require` (encrypted, server not authenticated), `verify-ca`, `verify-full`.
    Required,
}

/// Why a database connection is acceptable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DbLink {
    /// A Unix socket or a loopback address: never leaves this machine.
    Local,
    /// TLS is required by `sslmode`.
    Encrypted,
    /// Leaves the machine in the clear, allowed by `WSO_ALLOW_PLAINTEXT_DATABASE=true`: the
    /// warning to log and show to admins.
    PlaintextAllowed(String),
}

/// Whether a database connection may be used (CJIS: criminal justice information leaving a
/// physically secure location is encrypted). `host` is the host the driver will connect to
/// (after `hostaddr`), `socket` whether it connects through a Unix socket instead; `tls` what
/// its `sslmode` demands; `allow_plaintext` is `WSO_ALLOW_PLAINTEXT_DATABASE`. `Err` is the
/// sentence to stop with. `what` names the setting (`DATABASE_URL`, `DATABASE_OWNER_URL`).
pub fn database_link(
    what: &str,
    host: &str,
    socket: bool,
    tls: DbTls,
    allow_plaintext: bool,
) -> Result<DbLink, String> {
    if socket || is_local_host(host) {
        return Ok(DbLink::Local);
    }
    if tls == DbTls::Required {
        return Ok(DbLink::Encrypted);
    }
    if allow_plaintext {
        return Ok(DbLink::PlaintextAllowed(format!(
            "{what} reaches {host} without TLS (WSO_ALLOW_PLAINTEXT_DATABASE=true): criminal justice information crosses the network in the clear"
        )));
    }
    Err(format!(
        "{what} names the host {host}, which is not this machine, without TLS: add sslmode=verify-full \
         and sslrootcert=/path/to/ca.pem to the URL (docs/deployment.md), or use a Unix socket or \
         loopback address; only if the link is encrypted by other means, set WSO_ALLOW_PLAINTEXT_DATABASE=true"
    ))
}

/// A Unix socket directory (a path, or an empty host: the driver's default socket), `localhost`,
/// or a loopback address (127.0.0.0/8, ::1, and IPv4 loopback mapped into IPv6).
fn is_local_host(host: &str) -> bool {
    let host = host.trim();
    if host.is_empty() || host.starts_with('/') {
        return true;
    }
    let name = host.trim_end_matches('.');
    if name.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let bare = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    bare.parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.to_canonical().is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decide(host: &str, socket: bool, tls: DbTls, allow: bool) -> Result<DbLink, String> {
        database_link("DATABASE_URL", host, socket, tls, allow)
    }

    #[test]
    fn loopback_and_sockets_need_no_tls() {
        for host in [
            "127.0.0.1",
            "127.0.0.53",
            "127.255.255.254",
            "::1",
            "[::1]",
            "::ffff:127.0.0.1",
            "localhost",
            "LOCALHOST",
            "localhost.",
            "/var/run/postgresql",
            "",
        ] {
            assert_eq!(decide(host, false, DbTls::Optional, false), Ok(DbLink::Local), "{host}");
        }
        // A socket given apart from the host (`?host=/path` with a name in the URL's host).
        assert_eq!(decide("db.county.gov", true, DbTls::Optional, false), Ok(DbLink::Local));
    }

    #[test]
    fn a_remote_host_without_tls_is_refused_saying_why() {
        for host in [
            "db.county.gov",
            "10.0.0.5",
            "192.0.2.2",
            "128.0.0.1",
            "0.0.0.0",
            "::",
            "[fd00::2]",
            "localhost.evil.example",
            "mylocalhost",
        ] {
            let e = decide(host, false, DbTls::Optional, false).unwrap_err();
            assert!(e.contains(host), "{e}");
            assert!(e.contains("sslmode=verify-full"), "{e}");
            assert!(e.contains("WSO_ALLOW_PLAINTEXT_DATABASE=true"), "{e}");
        }
    }

    #[test]
    fn required_tls_makes_a_remote_host_acceptable() {
        assert_eq!(
            decide("db.county.gov", false, DbTls::Required, false),
            Ok(DbLink::Encrypted)
        );
        assert_eq!(decide("10.0.0.5", false, DbTls::Required, true), Ok(DbLink::Encrypted));
        // Loopback with TLS is still local.
        assert_eq!(decide("127.0.0.1", false, DbTls::Required, false), Ok(DbLink::Local));
    }

    #[test]
    fn the_override_allows_plaintext_with_a_warning() {
        let Ok(DbLink::PlaintextAllowed(w)) = decide("db.county.gov", false, DbTls::Optional, true) else {
            panic!("the override should allow it")
        };
        assert!(w.contains("db.county.gov") && w.contains("without TLS"), "{w}");
    }
}
