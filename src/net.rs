//! The client's address and the trusted-proxy CIDRs: what the audit log and the sign-in
//! throttle call the client (the TCP peer, or — only when that peer is one of
//! `WSO_TRUSTED_PROXIES` — the last address in `X-Forwarded-For` that is not itself a trusted
//! proxy). Shared by `config`, `auth` and `web` and importing none of them; the middleware that
//! resolves it once per request is `web::client::client_address`.

use std::net::IpAddr;
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
}
