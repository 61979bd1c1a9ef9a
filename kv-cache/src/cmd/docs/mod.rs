//! Argument trees for `COMMAND DOCS`: what redis-cli turns into the hints it
//! shows while you type (`SET key value [NX|XX] [GET] ...`). redis-cli 7
//! builds its hints from the server's `COMMAND DOCS` reply whenever that
//! reply is not an error, so without these trees it would show none.
//!
//! One file per command family, as the table. The entries were generated from redis-server 7.0's `COMMAND DOCS` for the
//! commands in [`COMMANDS`](super::table::COMMANDS): argument names, types,
//! tokens and flags — the interface, as facts. Redis's summaries and
//! complexity texts are its prose and are not included.

mod hashes;
mod lists;
mod multi;
mod pubsub;
mod sets;
mod zsets;

/// The type of an argument, as `COMMAND DOCS` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgType {
    /// A key name (`key_spec_index` says which key spec).
    Key,
    /// Any string.
    String,
    /// An integer.
    Integer,
    /// A floating-point number.
    Double,
    /// A glob-style pattern.
    Pattern,
    /// A Unix timestamp.
    UnixTime,
    /// A token that stands alone (`NX`).
    PureToken,
    /// Exactly one of the nested arguments.
    Oneof,
    /// All of the nested arguments, in order.
    Block,
}

impl ArgType {
    /// The name `COMMAND DOCS` uses.
    pub fn as_str(self) -> &'static str {
        match self {
            ArgType::Key => "key",
            ArgType::String => "string",
            ArgType::Integer => "integer",
            ArgType::Double => "double",
            ArgType::Pattern => "pattern",
            ArgType::UnixTime => "unix-time",
            ArgType::PureToken => "pure-token",
            ArgType::Oneof => "oneof",
            ArgType::Block => "block",
        }
    }
}

/// The argument may be left out.
pub const OPTIONAL: u8 = 1;
/// The argument may repeat.
pub const MULTIPLE: u8 = 2;
/// The argument repeats together with its token (`GET pattern [GET pattern ...]`).
pub const MULTIPLE_TOKEN: u8 = 4;

/// One argument of a command, possibly with nested arguments.
#[derive(Clone, Copy, Debug)]
pub struct Arg {
    /// Its name (`condition`, `key`).
    pub name: &'static str,
    /// Its type.
    pub kind: ArgType,
    /// For keys: the index of the key spec.
    pub key_spec: Option<u8>,
    /// The literal token that introduces it (`EX`), if any.
    pub token: Option<&'static str>,
    /// The version that added it, when later than the command's.
    pub since: Option<&'static str>,
    /// The version that deprecated it, if any.
    pub deprecated_since: Option<&'static str>,
    /// [`OPTIONAL`], [`MULTIPLE`], [`MULTIPLE_TOKEN`].
    pub flags: u8,
    /// Nested arguments of a `oneof` or `block`.
    pub args: &'static [Arg],
}

/// An argument with nothing optional about it; the methods below add the rest.
const fn arg(name: &'static str, kind: ArgType) -> Arg {
    Arg {
        name,
        kind,
        key_spec: None,
        token: None,
        since: None,
        deprecated_since: None,
        flags: 0,
        args: &[],
    }
}

impl Arg {
    const fn since(mut self, version: &'static str) -> Arg {
        self.since = Some(version);
        self
    }
    const fn deprecated_since(mut self, version: &'static str) -> Arg {
        self.deprecated_since = Some(version);
        self
    }
    const fn key_spec(mut self, index: u8) -> Arg {
        self.key_spec = Some(index);
        self
    }
    const fn token(mut self, token: &'static str) -> Arg {
        self.token = Some(token);
        self
    }
    const fn optional(mut self) -> Arg {
        self.flags |= OPTIONAL;
        self
    }
    const fn multiple(mut self) -> Arg {
        self.flags |= MULTIPLE;
        self
    }
    const fn args(mut self, args: &'static [Arg]) -> Arg {
        self.args = args;
        self
    }

    /// The names of the flags set, as `COMMAND DOCS` lists them.
    pub fn flag_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        [
            (OPTIONAL, "optional"),
            (MULTIPLE, "multiple"),
            (MULTIPLE_TOKEN, "multiple_token"),
        ]
        .into_iter()
        .filter(|(bit, _)| self.flags & bit != 0)
        .map(|(_, name)| name)
    }
}

// Short names for the generated table below.
const KEY: ArgType = ArgType::Key;
const STRING: ArgType = ArgType::String;
const INTEGER: ArgType = ArgType::Integer;
const DOUBLE: ArgType = ArgType::Double;
const PATTERN: ArgType = ArgType::Pattern;
const UNIX_TIME: ArgType = ArgType::UnixTime;
const PURE_TOKEN: ArgType = ArgType::PureToken;
const ONEOF: ArgType = ArgType::Oneof;
const BLOCK: ArgType = ArgType::Block;

/// The docs of a command by its full name (`set`, `client|kill`): the
/// version it appeared in, and its arguments.
pub fn find(full_name: &str) -> Option<(&'static str, &'static [Arg])> {
    [
        DOCS,
        lists::LISTS,
        hashes::HASHES,
        sets::SETS,
        zsets::ZSETS,
        multi::MULTI,
        pubsub::PUBSUB,
    ]
    .into_iter()
    .flatten()
    .find(|(name, _, _)| *name == full_name)
    .map(|(_, since, args)| (*since, *args))
}

/// `(full name, since, arguments)` for the commands of `table/mod.rs`.
static DOCS: &[(&str, &str, &[Arg])] = &[
    ("ping", "1.0.0", &[arg("message", STRING).optional()]),
    ("echo", "1.0.0", &[arg("message", STRING)]),
    ("select", "1.0.0", &[arg("index", INTEGER)]),
    (
        "hello",
        "6.0.0",
        &[arg("arguments", BLOCK).optional().args(&[
            arg("protover", INTEGER),
            arg("username_password", BLOCK)
                .token("AUTH")
                .optional()
                .args(&[arg("username", STRING), arg("password", STRING)]),
            arg("clientname", STRING).token("SETNAME").optional(),
        ])],
    ),
    (
        "auth",
        "1.0.0",
        &[
            arg("username", STRING).since("6.0.0").optional(),
            arg("password", STRING),
        ],
    ),
    ("quit", "1.0.0", &[]),
    ("reset", "6.2.0", &[]),
    ("client", "2.4.0", &[]),
    ("client|getname", "2.6.9", &[]),
    ("client|id", "5.0.0", &[]),
    ("client|info", "6.2.0", &[]),
    (
        "client|kill",
        "2.4.0",
        &[arg("filter", ONEOF).args(&[
            arg("ip:port", STRING).deprecated_since("2.8.12"),
            arg("new-format", ONEOF).multiple().args(&[
                arg("client-id", INTEGER)
                    .token("ID")
                    .since("2.8.12")
                    .optional(),
                arg("normal_master_slave_pubsub", ONEOF)
                    .token("TYPE")
                    .since("2.8.12")
                    .optional()
                    .args(&[
                        arg("normal", PURE_TOKEN).token("NORMAL"),
                        arg("master", PURE_TOKEN).token("MASTER").since("3.2.0"),
                        arg("slave", PURE_TOKEN).token("SLAVE"),
                        arg("replica", PURE_TOKEN).token("REPLICA").since("5.0.0"),
                        arg("pubsub", PURE_TOKEN).token("PUBSUB"),
                    ]),
                arg("username", STRING).token("USER").optional(),
                arg("ip:port", STRING).token("ADDR").optional(),
                arg("ip:port", STRING)
                    .token("LADDR")
                    .since("6.2.0")
                    .optional(),
                arg("yes/no", STRING).token("SKIPME").optional(),
            ]),
        ])],
    ),
    (
        "client|list",
        "2.4.0",
        &[
            arg("normal_master_replica_pubsub", ONEOF)
                .token("TYPE")
                .since("5.0.0")
                .optional()
                .args(&[
                    arg("normal", PURE_TOKEN).token("NORMAL"),
                    arg("master", PURE_TOKEN).token("MASTER"),
                    arg("replica", PURE_TOKEN).token("REPLICA"),
                    arg("pubsub", PURE_TOKEN).token("PUBSUB"),
                ]),
            arg("id", BLOCK)
                .token("ID")
                .since("6.2.0")
                .optional()
                .args(&[arg("client-id", INTEGER).multiple()]),
        ],
    ),
    ("client|setname", "2.6.9", &[arg("connection-name", STRING)]),
    (
        "client|unblock",
        "5.0.0",
        &[
            arg("client-id", INTEGER),
            arg("timeout_error", ONEOF).optional().args(&[
                arg("timeout", PURE_TOKEN).token("TIMEOUT"),
                arg("error", PURE_TOKEN).token("ERROR"),
            ]),
        ],
    ),
    ("get", "1.0.0", &[arg("key", KEY).key_spec(0)]),
    (
        "set",
        "1.0.0",
        &[
            arg("key", KEY).key_spec(0),
            arg("value", STRING),
            arg("condition", ONEOF).since("2.6.12").optional().args(&[
                arg("nx", PURE_TOKEN).token("NX"),
                arg("xx", PURE_TOKEN).token("XX"),
            ]),
            arg("get", PURE_TOKEN)
                .token("GET")
                .since("6.2.0")
                .optional(),
            arg("expiration", ONEOF).optional().args(&[
                arg("seconds", INTEGER).token("EX").since("2.6.12"),
                arg("milliseconds", INTEGER).token("PX").since("2.6.12"),
                arg("unix-time-seconds", UNIX_TIME)
                    .token("EXAT")
                    .since("6.2.0"),
                arg("unix-time-milliseconds", UNIX_TIME)
                    .token("PXAT")
                    .since("6.2.0"),
                arg("keepttl", PURE_TOKEN).token("KEEPTTL").since("6.0.0"),
            ]),
        ],
    ),
    (
        "setnx",
        "1.0.0",
        &[arg("key", KEY).key_spec(0), arg("value", STRING)],
    ),
    (
        "setex",
        "2.0.0",
        &[
            arg("key", KEY).key_spec(0),
            arg("seconds", INTEGER),
            arg("value", STRING),
        ],
    ),
    (
        "psetex",
        "2.6.0",
        &[
            arg("key", KEY).key_spec(0),
            arg("milliseconds", INTEGER),
            arg("value", STRING),
        ],
    ),
    (
        "getset",
        "1.0.0",
        &[arg("key", KEY).key_spec(0), arg("value", STRING)],
    ),
    ("getdel", "6.2.0", &[arg("key", KEY).key_spec(0)]),
    (
        "getex",
        "6.2.0",
        &[
            arg("key", KEY).key_spec(0),
            arg("expiration", ONEOF).optional().args(&[
                arg("seconds", INTEGER).token("EX"),
                arg("milliseconds", INTEGER).token("PX"),
                arg("unix-time-seconds", UNIX_TIME).token("EXAT"),
                arg("unix-time-milliseconds", UNIX_TIME).token("PXAT"),
                arg("persist", PURE_TOKEN).token("PERSIST"),
            ]),
        ],
    ),
    ("mget", "1.0.0", &[arg("key", KEY).key_spec(0).multiple()]),
    (
        "mset",
        "1.0.1",
        &[arg("key_value", BLOCK)
            .multiple()
            .args(&[arg("key", KEY).key_spec(0), arg("value", STRING)])],
    ),
    (
        "msetnx",
        "1.0.1",
        &[arg("key_value", BLOCK)
            .multiple()
            .args(&[arg("key", KEY).key_spec(0), arg("value", STRING)])],
    ),
    ("incr", "1.0.0", &[arg("key", KEY).key_spec(0)]),
    ("decr", "1.0.0", &[arg("key", KEY).key_spec(0)]),
    (
        "incrby",
        "1.0.0",
        &[arg("key", KEY).key_spec(0), arg("increment", INTEGER)],
    ),
    (
        "decrby",
        "1.0.0",
        &[arg("key", KEY).key_spec(0), arg("decrement", INTEGER)],
    ),
    (
        "incrbyfloat",
        "2.6.0",
        &[arg("key", KEY).key_spec(0), arg("increment", DOUBLE)],
    ),
    (
        "append",
        "2.0.0",
        &[arg("key", KEY).key_spec(0), arg("value", STRING)],
    ),
    ("strlen", "2.2.0", &[arg("key", KEY).key_spec(0)]),
    (
        "getrange",
        "2.4.0",
        &[
            arg("key", KEY).key_spec(0),
            arg("start", INTEGER),
            arg("end", INTEGER),
        ],
    ),
    (
        "setrange",
        "2.2.0",
        &[
            arg("key", KEY).key_spec(0),
            arg("offset", INTEGER),
            arg("value", STRING),
        ],
    ),
    ("del", "1.0.0", &[arg("key", KEY).key_spec(0).multiple()]),
    ("unlink", "4.0.0", &[arg("key", KEY).key_spec(0).multiple()]),
    ("exists", "1.0.0", &[arg("key", KEY).key_spec(0).multiple()]),
    ("type", "1.0.0", &[arg("key", KEY).key_spec(0)]),
    (
        "expire",
        "1.0.0",
        &[
            arg("key", KEY).key_spec(0),
            arg("seconds", INTEGER),
            arg("condition", ONEOF).since("7.0.0").optional().args(&[
                arg("nx", PURE_TOKEN).token("NX"),
                arg("xx", PURE_TOKEN).token("XX"),
                arg("gt", PURE_TOKEN).token("GT"),
                arg("lt", PURE_TOKEN).token("LT"),
            ]),
        ],
    ),
    (
        "pexpire",
        "2.6.0",
        &[
            arg("key", KEY).key_spec(0),
            arg("milliseconds", INTEGER),
            arg("condition", ONEOF).since("7.0.0").optional().args(&[
                arg("nx", PURE_TOKEN).token("NX"),
                arg("xx", PURE_TOKEN).token("XX"),
                arg("gt", PURE_TOKEN).token("GT"),
                arg("lt", PURE_TOKEN).token("LT"),
            ]),
        ],
    ),
    (
        "expireat",
        "1.2.0",
        &[
            arg("key", KEY).key_spec(0),
            arg("unix-time-seconds", UNIX_TIME),
            arg("condition", ONEOF).since("7.0.0").optional().args(&[
                arg("nx", PURE_TOKEN).token("NX"),
                arg("xx", PURE_TOKEN).token("XX"),
                arg("gt", PURE_TOKEN).token("GT"),
                arg("lt", PURE_TOKEN).token("LT"),
            ]),
        ],
    ),
    (
        "pexpireat",
        "2.6.0",
        &[
            arg("key", KEY).key_spec(0),
            arg("unix-time-milliseconds", UNIX_TIME),
            arg("condition", ONEOF).since("7.0.0").optional().args(&[
                arg("nx", PURE_TOKEN).token("NX"),
                arg("xx", PURE_TOKEN).token("XX"),
                arg("gt", PURE_TOKEN).token("GT"),
                arg("lt", PURE_TOKEN).token("LT"),
            ]),
        ],
    ),
    ("ttl", "1.0.0", &[arg("key", KEY).key_spec(0)]),
    ("pttl", "2.6.0", &[arg("key", KEY).key_spec(0)]),
    ("expiretime", "7.0.0", &[arg("key", KEY).key_spec(0)]),
    ("pexpiretime", "7.0.0", &[arg("key", KEY).key_spec(0)]),
    ("persist", "2.2.0", &[arg("key", KEY).key_spec(0)]),
    (
        "rename",
        "1.0.0",
        &[arg("key", KEY).key_spec(0), arg("newkey", KEY).key_spec(1)],
    ),
    (
        "renamenx",
        "1.0.0",
        &[arg("key", KEY).key_spec(0), arg("newkey", KEY).key_spec(1)],
    ),
    ("keys", "1.0.0", &[arg("pattern", PATTERN)]),
    (
        "scan",
        "2.8.0",
        &[
            arg("cursor", INTEGER),
            arg("pattern", PATTERN).token("MATCH").optional(),
            arg("count", INTEGER).token("COUNT").optional(),
            arg("type", STRING).token("TYPE").since("6.0.0").optional(),
        ],
    ),
    ("randomkey", "1.0.0", &[]),
    ("touch", "3.2.1", &[arg("key", KEY).key_spec(0).multiple()]),
    (
        "copy",
        "6.2.0",
        &[
            arg("source", KEY).key_spec(0),
            arg("destination", KEY).key_spec(1),
            arg("destination-db", INTEGER).token("DB").optional(),
            arg("replace", PURE_TOKEN).token("REPLACE").optional(),
        ],
    ),
    (
        "move",
        "1.0.0",
        &[arg("key", KEY).key_spec(0), arg("db", INTEGER)],
    ),
    ("object", "2.2.3", &[]),
    ("object|encoding", "2.2.3", &[arg("key", KEY).key_spec(0)]),
    ("object|freq", "4.0.0", &[arg("key", KEY).key_spec(0)]),
    ("object|help", "6.2.0", &[]),
    ("object|idletime", "2.2.3", &[arg("key", KEY).key_spec(0)]),
    ("object|refcount", "2.2.3", &[arg("key", KEY).key_spec(0)]),
    ("dbsize", "1.0.0", &[]),
    (
        "flushdb",
        "1.0.0",
        &[arg("async", ONEOF).optional().args(&[
            arg("async", PURE_TOKEN).token("ASYNC").since("4.0.0"),
            arg("sync", PURE_TOKEN).token("SYNC").since("6.2.0"),
        ])],
    ),
    (
        "flushall",
        "1.0.0",
        &[arg("async", ONEOF).optional().args(&[
            arg("async", PURE_TOKEN).token("ASYNC").since("4.0.0"),
            arg("sync", PURE_TOKEN).token("SYNC").since("6.2.0"),
        ])],
    ),
    (
        "swapdb",
        "4.0.0",
        &[arg("index1", INTEGER), arg("index2", INTEGER)],
    ),
    ("time", "2.6.0", &[]),
    (
        "shutdown",
        "1.0.0",
        &[
            arg("nosave_save", ONEOF).optional().args(&[
                arg("nosave", PURE_TOKEN).token("NOSAVE"),
                arg("save", PURE_TOKEN).token("SAVE"),
            ]),
            arg("now", PURE_TOKEN)
                .token("NOW")
                .since("7.0.0")
                .optional(),
            arg("force", PURE_TOKEN)
                .token("FORCE")
                .since("7.0.0")
                .optional(),
            arg("abort", PURE_TOKEN)
                .token("ABORT")
                .since("7.0.0")
                .optional(),
        ],
    ),
    ("lastsave", "1.0.0", &[]),
    ("debug", "1.0.0", &[]),
    ("slowlog", "2.2.12", &[]),
    ("slowlog|get", "2.2.12", &[arg("count", INTEGER).optional()]),
    ("slowlog|help", "6.2.0", &[]),
    ("slowlog|len", "2.2.12", &[]),
    ("slowlog|reset", "2.2.12", &[]),
    ("function", "7.0.0", &[]),
    (
        "function|flush",
        "7.0.0",
        &[arg("async", ONEOF).optional().args(&[
            arg("async", PURE_TOKEN).token("ASYNC"),
            arg("sync", PURE_TOKEN).token("SYNC"),
        ])],
    ),
    ("script", "2.6.0", &[]),
    (
        "script|flush",
        "2.6.0",
        &[arg("async", ONEOF).since("6.2.0").optional().args(&[
            arg("async", PURE_TOKEN).token("ASYNC"),
            arg("sync", PURE_TOKEN).token("SYNC"),
        ])],
    ),
    (
        "info",
        "1.0.0",
        &[arg("section", STRING).optional().multiple()],
    ),
    ("config", "2.0.0", &[]),
    (
        "config|get",
        "2.0.0",
        &[arg("parameter", BLOCK)
            .multiple()
            .args(&[arg("parameter", STRING)])],
    ),
    ("config|help", "5.0.0", &[]),
    ("config|resetstat", "2.0.0", &[]),
    (
        "config|set",
        "2.0.0",
        &[arg("parameter_value", BLOCK)
            .multiple()
            .args(&[arg("parameter", STRING), arg("value", STRING)])],
    ),
    ("command", "2.8.13", &[]),
    ("command|count", "2.8.13", &[]),
    (
        "command|docs",
        "7.0.0",
        &[arg("command-name", STRING).optional().multiple()],
    ),
    ("command|help", "5.0.0", &[]),
    (
        "command|info",
        "2.8.13",
        &[arg("command-name", STRING).optional().multiple()],
    ),
    (
        "command|list",
        "7.0.0",
        &[arg("filterby", ONEOF).token("FILTERBY").optional().args(&[
            arg("module-name", STRING).token("MODULE"),
            arg("category", STRING).token("ACLCAT"),
            arg("pattern", PATTERN).token("PATTERN"),
        ])],
    ),
];

#[cfg(test)]
mod tests {
    use super::super::COMMANDS;
    use super::*;

    #[test]
    fn every_command_in_the_table_has_docs() {
        for c in COMMANDS.iter() {
            assert!(find(c.name).is_some(), "no docs for {}", c.name);
            for s in c.subcommands {
                let full = format!("{}|{}", c.name, s.name);
                assert!(find(&full).is_some(), "no docs for {full}");
            }
        }
    }

    #[test]
    fn set_offers_nx_or_xx() {
        let (since, args) = find("set").unwrap();
        assert_eq!(since, "1.0.0");
        let condition = args.iter().find(|a| a.name == "condition").unwrap();
        assert_eq!(condition.kind, ArgType::Oneof);
        assert_eq!(condition.flag_names().collect::<Vec<_>>(), ["optional"]);
        let tokens: Vec<_> = condition.args.iter().filter_map(|a| a.token).collect();
        assert_eq!(tokens, ["NX", "XX"]);
    }
}
