//! Which arguments of a command are keys: Redis 7's key specs, and the
//! extraction that reads them. Redis: `keySpec` in `src/server.h`,
//! `getKeysFromCommandWithSpecs` and the `*GetKeys` functions in `src/db.c`.
//!
//! Each command carries the key specs Redis declares (generated into the
//! table with the rest of `COMMAND INFO`): where the search for keys
//! begins (an index, or after a keyword) and how keys are found from there
//! (a range, or a count given in an argument). [`keys`] applies them as
//! Redis does; commands whose specs cannot say it all (`SORT`'s `STORE`,
//! `SET`'s `GET`, a count that does not parse) fall back to their own
//! extraction, as Redis's `getkeys_proc`. `COMMAND GETKEYS` reports what
//! [`keys`] finds; client tracking and cluster routing can use it too.
//!
//! ```text
//!   ZUNIONSTORE dst 2 a b WEIGHTS 1 2
//!   spec 0: index 1, range 0      -> dst   (OW update)
//!   spec 1: index 2, keynum 0/1/1 -> a b   (RO access)
//! ```

use super::{Command, is};

/// Key flags (`COMMAND INFO` key spec flags, `GETKEYSANDFLAGS`).
pub const K_RO: u32 = 1 << 0;
/// Read and written.
pub const K_RW: u32 = 1 << 1;
/// Overwritten.
pub const K_OW: u32 = 1 << 2;
/// Removed.
pub const K_RM: u32 = 1 << 3;
/// Its value is returned.
pub const K_ACCESS: u32 = 1 << 4;
/// Its value is updated.
pub const K_UPDATE: u32 = 1 << 5;
/// Something is added to it.
pub const K_INSERT: u32 = 1 << 6;
/// Something is removed from it.
pub const K_DELETE: u32 = 1 << 7;
/// Not a key, only shaped like one (a channel).
pub const K_NOT_KEY: u32 = 1 << 8;
/// The spec may miss keys.
pub const K_INCOMPLETE: u32 = 1 << 9;
/// The flags depend on the arguments.
pub const K_VARIABLE_FLAGS: u32 = 1 << 10;

/// Key flag names, in the order Redis prints them.
pub const KEY_FLAG_NAMES: &[(u32, &str)] = &[
    (K_RO, "RO"),
    (K_RW, "RW"),
    (K_OW, "OW"),
    (K_RM, "RM"),
    (K_ACCESS, "access"),
    (K_UPDATE, "update"),
    (K_INSERT, "insert"),
    (K_DELETE, "delete"),
    (K_NOT_KEY, "not_key"),
    (K_INCOMPLETE, "incomplete"),
    (K_VARIABLE_FLAGS, "variable_flags"),
];

/// Where the search for keys begins.
#[derive(Debug, Clone, Copy)]
pub enum Begin {
    /// At this argument.
    Index(i32),
    /// After the first `keyword`, searched from `start_from` (from the end
    /// backwards when negative).
    Keyword {
        /// The keyword (`STREAMS`).
        keyword: &'static str,
        /// The first argument searched.
        start_from: i32,
    },
    /// Only the command's own extraction knows.
    Unknown,
}

/// How keys are found from where the search began.
#[derive(Debug, Clone, Copy)]
pub enum Find {
    /// Keys up to `last` (relative; negative: from the end), every `step`;
    /// with a `limit`, only `1/limit` of what remains.
    Range {
        /// The last key, relative to the first (negative: from the end).
        last: i32,
        /// Distance between keys.
        step: i32,
        /// With `last = -1`: a divisor of the remaining arguments.
        limit: i32,
    },
    /// The argument at `keynum_idx` counts the keys, which start at
    /// `first`, every `step` (all relative to where the search began).
    Keynum {
        /// Where the count is.
        keynum_idx: i32,
        /// Where the first key is.
        first: i32,
        /// Distance between keys.
        step: i32,
    },
    /// Only the command's own extraction knows.
    Unknown,
}

/// One key spec of a command. Redis: `keySpec`.
#[derive(Debug, Clone, Copy)]
pub struct KeySpec {
    /// `K_*` bits.
    pub flags: u32,
    /// Redis's note on the spec, as `COMMAND INFO` shows it.
    pub notes: Option<&'static str>,
    /// Where the search begins.
    pub begin: Begin,
    /// How keys are found.
    pub find: Find,
}

/// A key found in a command: its argument position and its flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyRef {
    /// Index in the command's arguments (the name is 0).
    pub pos: usize,
    /// `K_*` bits.
    pub flags: u32,
}

/// `getKeysUsingKeySpecs`: the keys the specs name, or `None` when a spec
/// does not apply (unknown, a count that is no count, keys out of bounds,
/// or an incomplete spec).
fn by_specs(specs: &[KeySpec], args: &[&[u8]]) -> Option<Vec<KeyRef>> {
    let argc = args.len() as i64;
    let mut keys = Vec::new();
    for spec in specs.iter().filter(|s| s.flags & K_NOT_KEY == 0) {
        let mut first = match spec.begin {
            Begin::Index(i) => i64::from(i),
            Begin::Keyword {
                keyword,
                start_from,
            } => {
                let from = i64::from(start_from);
                let (start, end) = if from > 0 {
                    (from, argc - 1)
                } else {
                    (argc + from, 1)
                };
                // Redis's loop stops before `end`, and at the bounds.
                let mut i = start;
                let mut found = 0;
                while i != end && (1..argc).contains(&i) {
                    if is(args[i as usize], keyword) {
                        found = i + 1;
                        break;
                    }
                    i += if start <= end { 1 } else { -1 };
                }
                if found == 0 {
                    continue;
                }
                found
            }
            Begin::Unknown => return None,
        };
        let (last, step) = match spec.find {
            Find::Range { last, step, limit } => {
                let (last, limit) = (i64::from(last), i64::from(limit));
                let end = if last >= 0 {
                    first + last
                } else if limit == 0 {
                    argc + last
                } else {
                    first + ((argc - first) / limit + last)
                };
                (end, i64::from(step))
            }
            Find::Keynum {
                keynum_idx,
                first: first_key,
                step,
            } => {
                let at = usize::try_from(first + i64::from(keynum_idx)).ok()?;
                let n = crate::protocol::parse_i64(args.get(at)?).filter(|n| *n >= 0)?;
                first += i64::from(first_key);
                (first.checked_add(n)? - 1, i64::from(step))
            }
            Find::Unknown => return None,
        };
        if last >= argc || last < first || first >= argc || step < 1 {
            return None;
        }
        let mut i = first;
        while i <= last {
            keys.push(KeyRef {
                pos: i as usize,
                flags: spec.flags,
            });
            i += step;
        }
        if spec.flags & K_INCOMPLETE != 0 {
            return None;
        }
    }
    Some(keys)
}

/// C's `atoi` (glibc: `strtol` truncated to `int`): white space, a sign,
/// digits, and whatever follows ignored.
fn atoi(b: &[u8]) -> i32 {
    let s = b.trim_ascii_start();
    let (neg, digits) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let mut v: i64 = 0;
    for &c in digits.iter().take_while(|c| c.is_ascii_digit()) {
        v = v.saturating_mul(10).saturating_add(i64::from(c - b'0'));
    }
    (if neg { v.saturating_neg() } else { v }) as i32
}

/// `genericGetKeys`: `num` keys at `first`, every `step`, after the count
/// at `count_at`, then the destination at `store_at` (if nonzero); none
/// when the count cannot be right.
fn counted(
    store_at: usize,
    count_at: usize,
    first: usize,
    step: usize,
    args: &[&[u8]],
) -> Vec<KeyRef> {
    let Some(count) = args.get(count_at) else {
        return Vec::new();
    };
    let num = i64::from(atoi(count));
    if num < 1 || num > (args.len().saturating_sub(first) / step) as i64 {
        return Vec::new();
    }
    let mut keys: Vec<KeyRef> = (0..num as usize)
        .map(|i| KeyRef {
            pos: first + i * step,
            flags: 0,
        })
        .collect();
    if store_at != 0 {
        keys.push(KeyRef {
            pos: store_at,
            flags: 0,
        });
    }
    keys
}

/// `sortGetKeys`: the sorted key, and the last `STORE` destination,
/// skipping the arguments of `LIMIT`, `GET` and `BY` as Redis does.
fn sort_keys(args: &[&[u8]]) -> Vec<KeyRef> {
    let mut keys = vec![KeyRef {
        pos: 1,
        flags: K_RO | K_ACCESS,
    }];
    let mut store = None;
    let mut i = 2;
    while i < args.len() {
        let a = args[i];
        if is(a, "limit") {
            i += 2;
        } else if is(a, "get") || is(a, "by") {
            i += 1;
        } else if is(a, "store") && i + 1 < args.len() {
            store = Some(i + 1);
        }
        i += 1;
    }
    keys.extend(store.map(|pos| KeyRef {
        pos,
        flags: K_OW | K_UPDATE,
    }));
    keys
}

/// `setGetKeys`: the key, read too when a `GET` follows the value.
fn set_keys(args: &[&[u8]]) -> Vec<KeyRef> {
    let get = args.iter().skip(3).any(|a| is(a, "get"));
    let flags = if get {
        K_RW | K_ACCESS | K_UPDATE
    } else {
        K_OW | K_UPDATE
    };
    vec![KeyRef { pos: 1, flags }]
}

/// A command's own key extraction (Redis's `getkeys_proc`).
type Extraction = fn(&[&[u8]]) -> Vec<KeyRef>;

/// The own extraction of `cmd`, for the commands kv-cache serves that
/// have one. Subcommands have none.
fn own_extraction(cmd: &Command) -> Option<Extraction> {
    let top = super::lookup(cmd.name.as_bytes()).is_some_and(|(_, c)| std::ptr::eq(c, cmd));
    if !top {
        return None;
    }
    Some(match cmd.name {
        "sort" => sort_keys,
        "sort_ro" => |_| {
            vec![KeyRef {
                pos: 1,
                flags: K_RO | K_ACCESS,
            }]
        },
        "set" => set_keys,
        "zunionstore" | "zinterstore" | "zdiffstore" => |a| counted(1, 2, 3, 1, a),
        "zunion" | "zinter" | "zdiff" | "zintercard" | "sintercard" | "lmpop" | "zmpop" => {
            |a| counted(0, 1, 2, 1, a)
        }
        "blmpop" | "bzmpop" => |a| counted(0, 2, 3, 1, a),
        _ => return None,
    })
}

/// Whether `cmd` takes keys at all (Redis `doesCommandHaveKeys`).
pub fn has_keys(cmd: &Command) -> bool {
    own_extraction(cmd).is_some() || cmd.key_specs.iter().any(|s| s.flags & K_NOT_KEY == 0)
}

/// The keys of `args` (the command name first) for `cmd`, as Redis's
/// `getKeysFromCommandWithSpecs` finds them: by the specs when they are
/// complete and their flags fixed, else by the command's own extraction;
/// empty when neither finds any (the arguments are wrong).
pub fn keys(cmd: &Command, args: &[&[u8]]) -> Vec<KeyRef> {
    let real = cmd.key_specs.iter().any(|s| s.flags & K_NOT_KEY == 0);
    let variable = cmd
        .key_specs
        .iter()
        .any(|s| s.flags & K_VARIABLE_FLAGS != 0);
    if real
        && !variable
        && let Some(keys) = by_specs(cmd.key_specs, args)
    {
        return keys;
    }
    own_extraction(cmd).map(|f| f(args)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn positions(name: &str, args: &[&str]) -> Vec<usize> {
        let (_, cmd) = crate::cmd::lookup(name.as_bytes()).expect("a served command");
        let args: Vec<&[u8]> = std::iter::once(name)
            .chain(args.iter().copied())
            .map(str::as_bytes)
            .collect();
        keys(cmd, &args).iter().map(|k| k.pos).collect()
    }

    #[test]
    fn specs_and_own_extractions_find_redis_positions() {
        assert_eq!(positions("get", &["k"]), [1]);
        assert_eq!(positions("mset", &["a", "1", "b", "2"]), [1, 3]);
        assert_eq!(positions("del", &["a", "b", "c"]), [1, 2, 3]);
        assert_eq!(positions("zunionstore", &["d", "2", "a", "b"]), [1, 3, 4]);
        // A count that string2ll refuses: Redis's atoi fallback, store last.
        assert_eq!(positions("zunionstore", &["d", "2x", "a", "b"]), [3, 4, 1]);
        assert!(positions("zunionstore", &["d", "3", "a", "b"]).is_empty());
        assert_eq!(
            positions("sort", &["k", "LIMIT", "store", "1", "STORE", "d"]),
            [1, 6]
        );
        assert_eq!(positions("sort", &["k", "store"]), [1]);
        assert_eq!(positions("blmpop", &["0", "2", "a", "b", "LEFT"]), [3, 4]);
    }

    #[test]
    fn atoi_reads_a_prefix() {
        assert_eq!(atoi(b" 12x"), 12);
        assert_eq!(atoi(b"-3"), -3);
        assert_eq!(atoi(b"x"), 0);
        assert_eq!(atoi(b"99999999999999999999"), -1);
    }
}
