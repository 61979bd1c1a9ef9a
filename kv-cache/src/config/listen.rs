//! `bind` and `port`: the addresses the server listens on, and changing
//! them at runtime. Redis: `setConfigBindOption`, `changeBindAddr` and
//! `changeListenPort` in `src/config.c` / `src/server.c`.
//!
//! - `bind` is up to 16 addresses separated by spaces; `*` is every IPv4
//!   address, `::*` every IPv6 one, and a leading `-` makes an address
//!   optional (skipped when it cannot be bound: Redis's default is
//!   `* -::*`).
//! - `CONFIG SET bind/port` binds the new sockets *before* anything is
//!   closed: an address that fails leaves the old listeners serving and
//!   the old values in place, and `CONFIG SET` replies Redis's error. A
//!   socket already bound to an address that stays is kept, so setting
//!   the same value again changes nothing.
//! - The network layer takes the plan ([`Listeners::rebind`]) after the command, starts
//!   accepting on the new sockets and closes those no longer wanted.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener};

/// Most addresses `bind` takes (Redis `CONFIG_BINDADDR_MAX`).
pub const MAX_BIND_ADDRS: usize = 16;

/// Validates a `bind` value (Redis checks only the count when setting).
pub fn check_bind(v: &str) -> Result<(), String> {
    if v.split_whitespace().count() > MAX_BIND_ADDRS {
        return Err("Too many bind addresses specified.".into());
    }
    Ok(())
}

/// The addresses `bind` names, each with whether it is optional.
/// `None` when one is not an IP address.
fn addresses(bind: &str) -> Option<Vec<(IpAddr, bool)>> {
    bind.split_whitespace()
        .map(|word| {
            let (optional, addr) = match word.strip_prefix('-') {
                Some(rest) => (true, rest),
                None => (false, word),
            };
            let ip = match addr {
                "*" => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
                "::*" => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
                other => other.parse().ok()?,
            };
            Some((ip, optional))
        })
        .collect()
}

/// One socket of a listening set: kept (already bound) or new.
#[derive(Debug)]
pub struct Planned {
    /// The address (with the port the OS chose when `port` is 0 at start).
    pub addr: SocketAddr,
    /// The new socket, or `None` for one already listening that stays.
    pub listener: Option<TcpListener>,
}

/// The sockets the server listens on now, and a change waiting for the
/// network layer.
#[derive(Debug, Default)]
pub struct Listeners {
    /// Addresses listening now.
    pub bound: Vec<SocketAddr>,
    /// The set `CONFIG SET bind/port` asked for, to be applied after it.
    pub rebind: Option<Vec<Planned>>,
}

/// Binds the set `bind` and `port` name, keeping the sockets of `bound`
/// that stay. Port 0 at startup lets the OS choose (tests); port 0 at
/// runtime means no TCP listener, as in Redis.
pub fn plan(
    bind: &str,
    port: u16,
    bound: &[SocketAddr],
    at_runtime: bool,
) -> std::io::Result<Vec<Planned>> {
    let bad = || std::io::Error::new(std::io::ErrorKind::InvalidInput, "not an IP address");
    let addrs = addresses(bind).ok_or_else(bad)?;
    if at_runtime && port == 0 {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for (ip, optional) in addrs {
        if let Some(&kept) = bound
            .iter()
            .find(|a| a.ip() == ip && (a.port() == port || port == 0))
        {
            out.push(Planned {
                addr: kept,
                listener: None,
            });
            continue;
        }
        match TcpListener::bind(SocketAddr::new(ip, port)) {
            Ok(l) => out.push(Planned {
                addr: l.local_addr()?,
                listener: Some(l),
            }),
            Err(_) if optional => {}
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bind_values() {
        assert_eq!(
            addresses("* -::* 127.0.0.1"),
            Some(vec![
                (IpAddr::V4(Ipv4Addr::UNSPECIFIED), false),
                (IpAddr::V6(Ipv6Addr::UNSPECIFIED), true),
                (IpAddr::V4(Ipv4Addr::LOCALHOST), false),
            ])
        );
        assert_eq!(addresses("nonsense"), None);
        assert!(check_bind(&"127.0.0.1 ".repeat(17)).is_err());
    }

    #[test]
    fn kept_sockets_are_not_bound_again() {
        let first = plan("127.0.0.1", 0, &[], false).unwrap();
        let addr = first[0].addr;
        let again = plan("127.0.0.1", addr.port(), &[addr], true).unwrap();
        assert!(again[0].listener.is_none());
        // A second socket on the same address and port cannot be bound.
        assert!(plan("127.0.0.1", addr.port(), &[], true).is_err());
        assert!(plan("127.0.0.1", 0, &[addr], true).unwrap().is_empty());
    }
}
