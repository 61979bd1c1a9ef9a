//! Keyspace notification classes: the bits behind `notify-keyspace-events`,
//! and how its value is read and printed. Redis: the `NOTIFY_*` flags in
//! `src/server.h`, `keyspaceEventsStringToFlags` and
//! `keyspaceEventsFlagsToString` in `src/notify.c`.
//!
//! A command's event is sent only when its class bit is on, and only on the
//! channel kinds that are on: `K` (`__keyspace@<db>__:<key>`, message = the
//! event) and `E` (`__keyevent@<db>__:<event>`, message = the key). The
//! publishing itself is [`crate::cmd::notify`]; this module imports nothing,
//! so that the configuration (below every other layer) can parse the value.

/// `K`: events on `__keyspace@<db>__:<key>`.
pub const KEYSPACE: u32 = 1 << 0;
/// `E`: events on `__keyevent@<db>__:<event>`.
pub const KEYEVENT: u32 = 1 << 1;
/// `g`: generic commands (`del`, `expire`, `rename_from` ...).
pub const GENERIC: u32 = 1 << 2;
/// `$`: string commands.
pub const STRING: u32 = 1 << 3;
/// `l`: list commands.
pub const LIST: u32 = 1 << 4;
/// `s`: set commands.
pub const SET: u32 = 1 << 5;
/// `h`: hash commands.
pub const HASH: u32 = 1 << 6;
/// `z`: sorted set commands.
pub const ZSET: u32 = 1 << 7;
/// `x`: a key removed because its TTL passed (lazily or actively).
pub const EXPIRED: u32 = 1 << 8;
/// `e`: a key evicted for `maxmemory` (kv-cache never evicts).
pub const EVICTED: u32 = 1 << 9;
/// `t`: stream commands (kv-cache has no streams).
pub const STREAM: u32 = 1 << 10;
/// `m`: a read of a missing key. Not part of `A`.
pub const KEY_MISS: u32 = 1 << 11;
/// `d`: module events (kv-cache has no modules).
pub const MODULE: u32 = 1 << 13;
/// `n`: a key created. Not part of `A`.
pub const NEW: u32 = 1 << 14;
/// `A`: `g$lshzxetd` — every class but `m` and `n`.
pub const ALL: u32 =
    GENERIC | STRING | LIST | SET | HASH | ZSET | EXPIRED | EVICTED | STREAM | MODULE;

/// Letter and bit of each class, in the order Redis prints them.
const CLASSES: &[(u8, u32)] = &[
    (b'g', GENERIC),
    (b'$', STRING),
    (b'l', LIST),
    (b's', SET),
    (b'h', HASH),
    (b'z', ZSET),
    (b'x', EXPIRED),
    (b'e', EVICTED),
    (b't', STREAM),
    (b'd', MODULE),
    (b'n', NEW),
];

/// The error `CONFIG SET` reports for a letter that names no class.
pub const BAD_CLASS: &str = "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";

/// The flags a `notify-keyspace-events` value names, or `None` if a
/// character names no class (`""` is valid: no events). Letters may repeat
/// and come in any order.
pub fn parse(classes: &[u8]) -> Option<u32> {
    classes.iter().try_fold(0, |flags, &c| {
        let bit = match c {
            b'A' => ALL,
            b'K' => KEYSPACE,
            b'E' => KEYEVENT,
            b'm' => KEY_MISS,
            _ => CLASSES.iter().find(|(l, _)| *l == c)?.1,
        };
        Some(flags | bit)
    })
}

/// `flags` as `CONFIG GET` prints them: `A` for all of `A`'s classes, else
/// each class letter; then `K`, `E`, `m`. As in Redis, `n` is printed only
/// without `A` (so `KEAn` reads back as `AKE`).
pub fn to_text(flags: u32) -> String {
    let mut s = String::new();
    if flags & ALL == ALL {
        s.push('A');
    } else {
        for &(letter, bit) in CLASSES {
            if flags & bit != 0 {
                s.push(letter as char);
            }
        }
    }
    for (letter, bit) in [('K', KEYSPACE), ('E', KEYEVENT), ('m', KEY_MISS)] {
        if flags & bit != 0 {
            s.push(letter);
        }
    }
    s
}

/// Whether events of `class` are sent at all under `flags`: the class is
/// on, and at least one channel kind.
#[inline]
pub fn wanted(flags: u32, class: u32) -> bool {
    flags & class != 0 && flags & (KEYSPACE | KEYEVENT) != 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn prints_as_redis() {
        let p = |s: &str| to_text(parse(s.as_bytes()).unwrap());
        assert_eq!(p(""), "");
        assert_eq!(p("KEA"), "AKE");
        assert_eq!(p("KEAnm"), "AKEm");
        assert_eq!(p("Ex"), "xE");
        assert_eq!(p("nmlK$"), "$lnKm");
        assert_eq!(p("g$lshzxetd"), "A");
        assert_eq!(parse(b"KEA").unwrap() & (NEW | KEY_MISS), 0);
        assert_eq!(parse(b"KEX"), None);
        assert_eq!(parse(b" "), None);
    }

    proptest! {
        /// Any accepted value, printed, is accepted again and prints the
        /// same: `CONFIG SET p (CONFIG GET p)` changes nothing visible.
        #[test]
        fn set_get_set_round_trips(s in "[AKEg$lshzxetmdn]{0,12}") {
            let printed = to_text(parse(s.as_bytes()).unwrap());
            let again = parse(printed.as_bytes());
            prop_assert!(again.is_some());
            prop_assert_eq!(to_text(again.unwrap()), printed);
        }

        /// Arbitrary bytes never panic; a byte outside the class letters
        /// is refused.
        #[test]
        fn arbitrary_bytes(b in prop::collection::vec(any::<u8>(), 0..16)) {
            let ok = b.iter().all(|c| b"AKEg$lshzxetmdn".contains(c));
            prop_assert_eq!(parse(&b).is_some(), ok);
        }
    }
}
