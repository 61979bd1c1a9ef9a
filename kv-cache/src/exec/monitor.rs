//! `MONITOR`: every command that runs is shown to the monitor clients, one
//! status line each. Redis: `replicationFeedMonitors` in
//! `src/replication.c`, called from `call` in `src/server.c`.
//!
//! ```text
//! +1700000000.123456 [0 127.0.0.1:51234] "SET" "k\n" "v\x01"
//!  ^ wall clock, µs   ^ db  ^ client     ^ arguments as typed, quoted like sdscatrepr
//! ```
//!
//! What Redis shows, and so what is shown here: a command after it ran
//! (so `MULTI`, then each queued command as `EXEC` runs it, then `EXEC`),
//! failing ones too; not administrative commands (`CONFIG`, `DEBUG`,
//! `CLIENT LIST` ...), not a command refused before it ran (unknown,
//! wrong arity, `NOAUTH`), not a blocked command's retries; passwords of
//! `AUTH` and `HELLO ... AUTH` as `(redacted)`.

use std::fmt::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::cmd::is;
use crate::protocol::Argv;
use crate::state::{Server, Session};

/// Sends the line for `argv`, run by `session`, to every monitor.
pub(super) fn feed(srv: &mut Server, session: &Session, argv: &Argv<'_>) {
    let line = line(session, argv);
    for &m in &srv.monitors {
        srv.outbox.buf(m).extend_from_slice(&line);
    }
}

/// The monitor line of one command, `+...\r\n`, in the same raw form for
/// RESP2 and RESP3 monitors (Redis adds it as preformatted protocol).
fn line(session: &Session, argv: &Argv<'_>) -> Vec<u8> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let mut s = String::with_capacity(64);
    let _ = write!(
        s,
        "+{}.{:06} [{} {}]",
        now.as_secs(),
        now.subsec_micros(),
        session.db,
        session.addr
    );
    let mut out = s.into_bytes();
    for (j, a) in argv.iter().enumerate() {
        out.push(b' ');
        if redacted(argv, j) {
            out.extend_from_slice(b"\"(redacted)\"");
        } else {
            quote(&mut out, a);
        }
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// Whether argument `j` is a secret Redis hides from monitors: every
/// argument of `AUTH`, and the user and password after `HELLO`'s `AUTH`
/// (Redis `redactClientCommandArgument`).
fn redacted(argv: &Argv<'_>, j: usize) -> bool {
    let name = argv.get(0);
    if is(name, "auth") {
        return j >= 1;
    }
    if !is(name, "hello") {
        return false;
    }
    // HELLO's options, walked as HELLO parses them.
    let mut k = 2;
    while k < argv.len() {
        let left = argv.len() - k - 1;
        if is(argv.get(k), "auth") && left >= 2 {
            if j == k + 1 || j == k + 2 {
                return true;
            }
            k += 3;
        } else if is(argv.get(k), "setname") && left >= 1 {
            k += 2;
        } else {
            break;
        }
    }
    false
}

/// Appends `a` quoted as Redis's `sdscatrepr`: `\\`, `\"`, `\n`, `\r`,
/// `\t`, `\a`, `\b` escaped, other unprintable bytes as `\xHH`.
fn quote(out: &mut Vec<u8>, a: &[u8]) {
    out.push(b'"');
    for &c in a {
        match c {
            b'\\' | b'"' => out.extend_from_slice(&[b'\\', c]),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x07 => out.extend_from_slice(b"\\a"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x20..=0x7e => out.push(c),
            _ => out.extend_from_slice(format!("\\x{c:02x}").as_bytes()),
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_follows_sdscatrepr() {
        let mut out = Vec::new();
        quote(&mut out, b"a\n\x01b\"\\\t\x07\x08\xff ");
        assert_eq!(out, b"\"a\\n\\x01b\\\"\\\\\\t\\a\\b\\xff \"".to_vec());
    }
}
