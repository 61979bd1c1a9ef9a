//! Argument trees for `COMMAND DOCS`: what redis-cli turns into the hints it
//! shows while you type (`SET key value [NX|XX] [GET] ...`). redis-cli 7
//! builds its hints from the server's `COMMAND DOCS` reply whenever that
//! reply is not an error, so without these trees it would show none.
//!
//! Each [`Command`](super::Command) points at its [`Docs`], written with
//! it into the family's table file by `tools/gen-table.py` from
//! redis-server 7.0's `COMMAND DOCS`: group, version, and argument names,
//! types, tokens and flags — the interface, as facts. Redis's summaries and
//! complexity texts are its prose and are not included.

/// What `COMMAND DOCS` reports of a command. Redis: `redisCommand`'s
/// `group`, `since` and `args`.
#[derive(Clone, Copy, Debug)]
pub struct Docs {
    /// Redis's group of the command (`string`, `generic`, `sorted-set`...).
    pub group: &'static str,
    /// The version that added it.
    pub since: &'static str,
    /// Its arguments.
    pub args: &'static [Arg],
}

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

/// An argument with nothing optional about it; the methods below add the
/// rest (the generated tables are written with them).
pub(crate) const fn arg(name: &'static str, kind: ArgType) -> Arg {
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
    /// Added in `version`, later than the command.
    pub(crate) const fn since(mut self, version: &'static str) -> Arg {
        self.since = Some(version);
        self
    }
    /// Deprecated since `version`.
    pub(crate) const fn deprecated_since(mut self, version: &'static str) -> Arg {
        self.deprecated_since = Some(version);
        self
    }
    /// A key, described by key spec `index`.
    pub(crate) const fn key_spec(mut self, index: u8) -> Arg {
        self.key_spec = Some(index);
        self
    }
    /// Introduced by the literal `token`.
    pub(crate) const fn token(mut self, token: &'static str) -> Arg {
        self.token = Some(token);
        self
    }
    /// May be left out.
    pub(crate) const fn optional(mut self) -> Arg {
        self.flags |= OPTIONAL;
        self
    }
    /// May repeat.
    pub(crate) const fn multiple(mut self) -> Arg {
        self.flags |= MULTIPLE;
        self
    }
    /// May repeat, each time with its token (`SORT ... GET p GET q`).
    pub(crate) const fn multiple_token(mut self) -> Arg {
        self.flags |= MULTIPLE_TOKEN;
        self
    }
    /// The nested arguments of a `oneof` or `block`.
    pub(crate) const fn args(mut self, args: &'static [Arg]) -> Arg {
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

// Short names for the generated tables.
/// [`ArgType::Key`].
pub(crate) const KEY: ArgType = ArgType::Key;
/// [`ArgType::String`].
pub(crate) const STRING: ArgType = ArgType::String;
/// [`ArgType::Integer`].
pub(crate) const INTEGER: ArgType = ArgType::Integer;
/// [`ArgType::Double`].
pub(crate) const DOUBLE: ArgType = ArgType::Double;
/// [`ArgType::Pattern`].
pub(crate) const PATTERN: ArgType = ArgType::Pattern;
/// [`ArgType::UnixTime`].
pub(crate) const UNIX_TIME: ArgType = ArgType::UnixTime;
/// [`ArgType::PureToken`].
pub(crate) const PURE_TOKEN: ArgType = ArgType::PureToken;
/// [`ArgType::Oneof`].
pub(crate) const ONEOF: ArgType = ArgType::Oneof;
/// [`ArgType::Block`].
pub(crate) const BLOCK: ArgType = ArgType::Block;
