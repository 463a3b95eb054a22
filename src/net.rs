//! The client's address and the trusted-proxy CIDRs: what the audit log and the sign-in
//! throttle call the client (the TCP peer, or — only when that peer is one of
//! `WSO_TRUSTED_PROXIES` — the last address in `X-Forwarded-For` that is not itself a trusted
//! proxy). Shared by `config`, `auth` and `web` and importing none of them; the middleware that
//! resolves it once per request is `web::client::client_address`. Also the rule on where the
//! server may connect for a webhook ([`check_destination`]): what kind of address a destination
//! is ([`special_use`]) and which of them are allowed ([`Destinations`]).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// A network in CIDR notation (`10.0.0.0/8`, `::1/128`, or a bare address).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    net: IpAddr,
    bits: u32,
}

impl FromStr for Cidr {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (ip, bits) = s.split_once('/').unwrap_or((s, ""));
        let net: IpAddr = ip.parse().map_err(|_| format!("`{s}` is not an address or CIDR"))?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let bits = match bits {
            "" => max,
            b => b
                .parse()
                .ok()
                .filter(|b| *b <= max)
                .ok_or_else(|| format!("`{s}` has a bad prefix length"))?,
        };
        Ok(Cidr { net, bits })
    }
}

impl Cidr {
    pub fn contains(&self, ip: IpAddr) -> bool {
        let (a, b, width) = match (self.net, ip) {
            (IpAddr::V4(n), IpAddr::V4(i)) => (u32::from(n) as u128, u32::from(i) as u128, 32),
            (IpAddr::V6(n), IpAddr::V6(i)) => (u128::from(n), u128::from(i), 128),
            (IpAddr::V6(n), IpAddr::V4(i)) => (u128::from(n), u128::from(i.to_ipv6_mapped()), 128),
            (IpAddr::V4(n), IpAddr::V6(i)) => match i.to_ipv4_mapped() {
                Some(i) => (u32::from(n) as u128, u32::from(i) as u128, 32),
                None => return false,
            },
        };
        let shift = width - self.bits;
        shift >= 128 || (a >> shift) == (b >> shift)
    }
}

/// Where webhook deliveries may go besides public addresses: this machine
/// (`WSO_WEBHOOK_LOOPBACK_HTTP`, for tests and drills) and the networks of
/// `WSO_WEBHOOK_ALLOW_CIDRS` (a county's internal receivers).
#[derive(Clone, Debug, Default)]
pub struct Destinations {
    pub loopback: bool,
    pub allow: Vec<Cidr>,
}

/// The one rule on where a webhook delivery may connect (issue 26, finding 5): a public address,
/// a loopback one when allowed, or one inside an allowed network; never another private,
/// loopback, link-local, unique-local, multicast, unspecified or reserved address. The refusal
/// names the kind of address only, whatever listens there (an endpoint's `last_error` is no port
/// scanner).
pub fn check_destination(ip: IpAddr, to: &Destinations) -> Result<(), String> {
    if to.allow.iter().any(|c| c.contains(ip)) {
        return Ok(());
    }
    match special_use(ip) {
        None => Ok(()),
        Some("loopback") if to.loopback => Ok(()),
        Some(kind) => Err(format!("refused: {kind} address")),
    }
}

/// Names that stand for a special address whatever DNS says: this machine (`localhost`,
/// `*.localhost`, RFC 6761) and the cloud metadata service (169.254.169.254).
pub fn named_address(domain: &str) -> Option<IpAddr> {
    let d = domain.trim_end_matches('.').to_ascii_lowercase();
    if d == "localhost" || d.ends_with(".localhost") {
        Some(IpAddr::V4(Ipv4Addr::LOCALHOST))
    } else if matches!(d.as_str(), "metadata" | "metadata.google.internal" | "metadata.goog") {
        Some(IpAddr::V4(Ipv4Addr::new(169, 254, 169, 254)))
    } else {
        None
    }
}

/// The address a URL's host stands for by itself: an IP literal, in any spelling the URL
/// standard reads (`2130706433`, `0x7f.1`, `127.1`, `[::ffff:127.0.0.1]` are 127.0.0.1), or one
/// of the [`named_address`]es; `None` for other names (they are resolved at delivery).
pub fn host_address(host: url::Host<&str>) -> Option<IpAddr> {
    match host {
        url::Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
        url::Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
        url::Host::Domain(d) => named_address(d),
    }
}

/// What an address is when it is not a public (globally routed) one: `"loopback"`,
/// `"private"`, `"link-local"`, `"unique-local"`, `"multicast"`, `"unspecified"` or
/// `"reserved"` (shared, documentation, benchmarking, protocol assignments, the future-use and
/// broadcast blocks); `None` for a public address. An IPv6 address that carries an IPv4 one
/// (mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) is
/// what the IPv4 address is.
pub fn special_use(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => special_v4(v4),
        IpAddr::V6(v6) => special_v6(v6),
    }
}

fn special_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    Some(match (a, b, c) {
        (0, 0, 0) if ip.is_unspecified() => "unspecified",
        (0, _, _) => "unspecified", // "this network": reaches the host itself on Linux
        (127, _, _) => "loopback",
        (10, _, _) | (172, 16..=31, _) | (192, 168, _) => "private",
        (169, 254, _) => "link-local",
        (224..=239, _, _) => "multicast",
        (100, 64..=127, _) // shared address space (carrier-grade NAT)
        | (192, 0, 0) // IETF protocol assignments
        | (192, 0, 2) | (198, 51, 100) | (203, 0, 113) // documentation
        | (198, 18..=19, _) // benchmarking
        | (192, 88, 99) // 6to4 relay anycast (deprecated)
        | (240..=255, _, _) => "reserved", // future use, and the broadcast address
        _ => return None,
    })
}

fn special_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let s = ip.segments();
    if let Some(v4) = ip.to_ipv4_mapped() {
        return special_v4(v4);
    }
    if ip.is_unspecified() {
        return Some("unspecified");
    }
    if ip.is_loopback() {
        return Some("loopback");
    }
    let embedded = |hi: u16, lo: u16| Ipv4Addr::from(((hi as u32) << 16) | lo as u32);
    Some(match s {
        // IPv4-compatible (deprecated): ::a.b.c.d
        [0, 0, 0, 0, 0, 0, hi, lo] => return special_v4(embedded(hi, lo)).or(Some("reserved")),
        // NAT64: 64:ff9b::a.b.c.d, and the local-use 64:ff9b:1::/48
        [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] => return special_v4(embedded(hi, lo)),
        [0x64, 0xff9b, 1, ..] => "reserved",
        // 6to4: 2002:aabb:ccdd::/48 reaches a.b.c.d's network
        [0x2002, hi, lo, ..] => return special_v4(embedded(hi, lo)),
        [0xfc00..=0xfdff, ..] => "unique-local",
        [0xfe80..=0xfebf, ..] => "link-local",
        [0xfec0..=0xfeff, ..] => "private", // site-local (deprecated)
        [0xff00..=0xffff, ..] => "multicast",
        [0x2001, 0x0db8, ..] | [0x3fff, 0..=0x0fff, ..] => "reserved", // documentation
        [0x0100, 0, 0, 0, ..] => "reserved",                           // discard-only
        [0x2001, 0..=0x01ff, ..] => "reserved", // IETF protocol assignments (Teredo, ORCHID, ...)
        _ if s[0] & 0xe000 != 0x2000 => "reserved", // outside 2000::/3, the global unicast space
        _ => return None,
    })
}

/// The address a request came from, put in its extensions by `web::client::client_address`.
#[derive(Clone, Debug)]
pub struct ClientAddr(pub Option<IpAddr>);

/// The client of a request seen from `peer` with `forwarded` (`X-Forwarded-For`).
pub fn resolve(peer: Option<IpAddr>, forwarded: Option<&str>, trusted: &[Cidr]) -> Option<IpAddr> {
    let peer = peer?;
    let is_trusted = |ip: IpAddr| trusted.iter().any(|c| c.contains(ip));
    if !is_trusted(peer) {
        return Some(peer);
    }
    let chain: Vec<IpAddr> = forwarded
        .unwrap_or("")
        .split(',')
        .filter_map(|a| a.trim().parse().ok())
        .collect();
    Some(chain.into_iter().rev().find(|ip| !is_trusted(*ip)).unwrap_or(peer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_addresses_count_only_from_trusted_proxies() {
        let trusted: Vec<Cidr> = vec!["10.0.0.0/8".parse().unwrap(), "::1".parse().unwrap()];
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(
            resolve(Some(ip("203.0.113.9")), Some("1.2.3.4"), &trusted),
            Some(ip("203.0.113.9"))
        );
        assert_eq!(
            resolve(Some(ip("10.1.2.3")), Some("198.51.100.7"), &trusted),
            Some(ip("198.51.100.7"))
        );
        assert_eq!(
            resolve(Some(ip("10.1.2.3")), Some("6.6.6.6, 198.51.100.7, 10.9.9.9"), &trusted),
            Some(ip("198.51.100.7")),
            "the rightmost untrusted hop; what the client wrote itself is not believed"
        );
        assert_eq!(resolve(Some(ip("::1")), None, &trusted), Some(ip("::1")));
        assert!("10.0.0.0/33".parse::<Cidr>().is_err());
    }

    /// Every spelling the outside tester registered (issue 26, finding 5), and more.
    #[test]
    fn special_hosts_are_refused_in_every_spelling() {
        let strict = Destinations::default();
        let verdict = |url: &str, to: &Destinations| {
            let url = url::Url::parse(url).unwrap();
            host_address(url.host().unwrap()).map(|ip| check_destination(ip, to))
        };
        for (url, kind) in [
            ("https://10.0.0.1/", "private"),
            ("https://169.254.169.254/latest/meta-data/", "link-local"),
            ("https://[::1]/", "loopback"),
            ("https://localhost/", "loopback"),
            ("https://LOCALHOST./", "loopback"),
            ("https://hooks.localhost/", "loopback"),
            ("https://0.0.0.0/", "unspecified"),
            ("https://[::ffff:127.0.0.1]/", "loopback"),
            ("https://[::ffff:7f00:1]/", "loopback"),
            ("https://2130706433/", "loopback"),
            ("https://0x7f.1/", "loopback"),
            ("https://0x7f000001/", "loopback"),
            ("https://017700000001/", "loopback"),
            ("https://127.1/", "loopback"),
            ("https://127.0.0.1.:8443/", "loopback"),
            ("https://metadata.google.internal/computeMetadata/v1/", "link-local"),
            ("https://[fd00::1]/", "unique-local"),
            ("https://[fe80::1]/", "link-local"),
            ("https://224.0.0.1/", "multicast"),
            ("https://192.168.0.10/", "private"),
            ("https://172.20.1.1/", "private"),
            ("https://100.64.0.1/", "reserved"),
            ("https://[64:ff9b::a9fe:a9fe]/", "link-local"),
        ] {
            assert_eq!(
                verdict(url, &strict),
                Some(Err(format!("refused: {kind} address"))),
                "{url}"
            );
        }
        // Loopback is allowed with the setting, nothing else is.
        let loopback = Destinations {
            loopback: true,
            allow: vec![],
        };
        assert_eq!(verdict("https://127.1/", &loopback), Some(Ok(())));
        assert_eq!(verdict("https://[::ffff:127.0.0.1]/", &loopback), Some(Ok(())));
        assert!(matches!(verdict("https://10.0.0.1/", &loopback), Some(Err(_))));
        assert!(matches!(verdict("https://169.254.169.254/", &loopback), Some(Err(_))));
        // An allowed network admits its receivers only.
        let county = Destinations {
            loopback: false,
            allow: vec!["10.20.0.0/16".parse().unwrap()],
        };
        assert_eq!(verdict("https://10.20.3.4/hooks", &county), Some(Ok(())));
        assert!(matches!(verdict("https://10.21.3.4/hooks", &county), Some(Err(_))));
        assert!(matches!(verdict("https://127.0.0.1/hooks", &county), Some(Err(_))));
        // Public addresses pass; other names are left to the resolver at delivery.
        assert_eq!(verdict("https://93.184.215.14/hooks", &strict), Some(Ok(())));
        assert_eq!(verdict("https://receiver.county.example/hooks", &strict), None);
    }

    #[test]
    fn special_use_addresses_are_named_and_public_ones_are_not() {
        let kind = |s: &str| special_use(s.parse().unwrap());
        for (ip, want) in [
            ("127.0.0.1", "loopback"),
            ("127.255.0.9", "loopback"),
            ("::1", "loopback"),
            ("::ffff:127.0.0.1", "loopback"),
            ("::127.0.0.1", "loopback"),
            ("64:ff9b::7f00:1", "loopback"),
            ("2002:7f00:1::1", "loopback"),
            ("10.0.0.1", "private"),
            ("172.16.0.1", "private"),
            ("172.31.255.255", "private"),
            ("192.168.1.1", "private"),
            ("::ffff:10.1.2.3", "private"),
            ("169.254.169.254", "link-local"),
            ("fe80::1", "link-local"),
            ("fd00:ec2::254", "unique-local"),
            ("fc00::1", "unique-local"),
            ("224.0.0.1", "multicast"),
            ("239.255.255.250", "multicast"),
            ("ff02::1", "multicast"),
            ("0.0.0.0", "unspecified"),
            ("0.1.2.3", "unspecified"),
            ("::", "unspecified"),
            ("100.64.0.1", "reserved"),
            ("192.0.0.170", "reserved"),
            ("198.18.0.1", "reserved"),
            ("203.0.113.5", "reserved"),
            ("255.255.255.255", "reserved"),
            ("240.0.0.1", "reserved"),
            ("2001:db8::1", "reserved"),
            ("::2", "unspecified"), // IPv4-compatible 0.0.0.2
        ] {
            assert_eq!(kind(ip), Some(want), "{ip}");
        }
        for ip in [
            "8.8.8.8",
            "1.1.1.1",
            "172.32.0.1",
            "100.128.0.1",
            "192.169.0.1",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
            "2002:808:808::1",
        ] {
            assert_eq!(kind(ip), None, "{ip}");
        }
    }
}
