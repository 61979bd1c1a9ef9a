//! The `Host` field's syntax (RFC 9112 §3.2, grammar from RFC 3986 §3.2.2–3):
//!
//! ```text
//! Host       = uri-host [ ":" port ]
//! uri-host   = IP-literal / IPv4address / reg-name
//! IP-literal = "[" ( IPv6address / IPvFuture ) "]"
//! IPvFuture  = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )
//! reg-name   = *( unreserved / pct-encoded / sub-delims )
//! port       = *DIGIT
//! ```
//!
//! RFC 9112 §3.2 says a server MUST answer 400 to a request whose `Host` is
//! invalid. A bad Host is worth refusing for more than pedantry: virtual
//! hosting, caches and password-reset links are built from it, and a value
//! with spaces or slashes in it is an injection, never a name.

/// Whether `value` is a valid `Host` field value. An empty value is valid:
/// RFC 9110 §7.2 has a client send it when the target has no authority.
pub fn valid_host(value: &[u8]) -> bool {
    let (host, port) = if value.first() == Some(&b'[') {
        let Some(close) = value.iter().position(|&b| b == b']') else {
            return false;
        };
        if !ip_literal(&value[1..close]) {
            return false;
        }
        match &value[close + 1..] {
            [] => return true,
            [b':', port @ ..] => (&[][..], port),
            _ => return false,
        }
    } else {
        // A reg-name holds no ':', so the first one starts the port.
        match value.iter().position(|&b| b == b':') {
            Some(i) => (&value[..i], &value[i + 1..]),
            None => (value, &[][..]),
        }
    };
    // IPv4address is not checked on its own: every dotted quad also matches
    // reg-name (digits and dots), so the set of valid values is the same.
    reg_name(host) && port.iter().all(u8::is_ascii_digit)
}

fn unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

fn sub_delim(b: u8) -> bool {
    matches!(
        b,
        b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'='
    )
}

fn reg_name(name: &[u8]) -> bool {
    let mut i = 0;
    while i < name.len() {
        let b = name[i];
        if b == b'%' {
            // pct-encoded = "%" HEXDIG HEXDIG
            let hex = name.get(i + 1..i + 3);
            if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                return false;
            }
            i += 3;
        } else if unreserved(b) || sub_delim(b) {
            i += 1;
        } else {
            return false;
        }
    }
    true
}

/// The inside of `[...]`: an IPv6 address (std's parser follows RFC 4291's
/// text forms, which are RFC 3986's IPv6address) or an IPvFuture.
fn ip_literal(inner: &[u8]) -> bool {
    if let [b'v' | b'V', rest @ ..] = inner {
        let Some(dot) = rest.iter().position(|&b| b == b'.') else {
            return false;
        };
        let (version, tail) = (&rest[..dot], &rest[dot + 1..]);
        return !version.is_empty()
            && version.iter().all(u8::is_ascii_hexdigit)
            && !tail.is_empty()
            && tail
                .iter()
                .all(|&b| unreserved(b) || sub_delim(b) || b == b':');
    }
    std::str::from_utf8(inner).is_ok_and(|s| s.parse::<std::net::Ipv6Addr>().is_ok())
}

#[cfg(test)]
mod tests {
    use super::valid_host;

    #[test]
    fn valid_forms() {
        for ok in [
            "",
            "example.com",
            "example.com:8080",
            "localhost:",
            "127.0.0.1",
            "127.0.0.1:80",
            "999.1.1.1", // a reg-name, not an IPv4address
            "xn--bcher-kva.example",
            "a%20b",
            "sub_delims!$&'()*+,;=",
            "[::1]",
            "[::1]:8080",
            "[2001:db8::ff00:42:8329]",
            "[::ffff:192.0.2.1]:443",
            "[v7.fe80::a+en1]",
        ] {
            assert!(valid_host(ok.as_bytes()), "{ok:?} should be valid");
        }
    }

    #[test]
    fn invalid_forms() {
        for bad in [
            "a b",
            "a/b",
            "a@b",
            "host:port",
            "host:80:80",
            "a%2",
            "a%zz",
            "[::1",
            "::1",
            "[::1]x",
            "[::1]:x",
            "[1:2:3:4:5:6:7:8:9]",
            "[v.x]",
            "[v1.]",
            "[vz.x]",
            "host\"",
            "h\u{e9}",
        ] {
            assert!(!valid_host(bad.as_bytes()), "{bad:?} should be invalid");
        }
    }
}
