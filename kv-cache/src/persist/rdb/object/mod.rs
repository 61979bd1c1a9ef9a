//! One value in its RDB object encoding: the type byte, then the payload.
//! The same bytes are a `DUMP` payload's body. Redis: `rdbSaveObjectType`,
//! `rdbSaveObject`, `rdbLoadObject` in `src/rdb.c`.
//!
//! # Layout
//!
//! - this file: the type bytes, the limits a loaded value is shaped by;
//! - [`write`]: a value in the encoding Redis 7.0 writes for it;
//! - [`read`]: every encoding a Redis 7.0 file may hold, older ones included.

pub mod read;
pub mod write;

use crate::config::Config;
use crate::db::{hash, zset};

/// `RDB_TYPE_STRING`.
pub const STRING: u8 = 0;
/// `RDB_TYPE_LIST`: a length, then the elements (Redis ≤ 3.0).
pub const LIST: u8 = 1;
/// `RDB_TYPE_SET`: a length, then the members.
pub const SET: u8 = 2;
/// `RDB_TYPE_ZSET`: members with scores as text (Redis ≤ 4.0).
pub const ZSET: u8 = 3;
/// `RDB_TYPE_HASH`: a length, then field, value pairs.
pub const HASH: u8 = 4;
/// `RDB_TYPE_ZSET_2`: members with binary scores, highest score first.
pub const ZSET_2: u8 = 5;
/// `RDB_TYPE_MODULE` and `RDB_TYPE_MODULE_2`: a module's value.
pub const MODULE: u8 = 6;
/// See [`MODULE`].
pub const MODULE_2: u8 = 7;
/// `RDB_TYPE_HASH_ZIPMAP` (Redis ≤ 2.4).
pub const HASH_ZIPMAP: u8 = 9;
/// `RDB_TYPE_LIST_ZIPLIST` (Redis ≤ 3.0).
pub const LIST_ZIPLIST: u8 = 10;
/// `RDB_TYPE_SET_INTSET`.
pub const SET_INTSET: u8 = 11;
/// `RDB_TYPE_ZSET_ZIPLIST` (Redis ≤ 6.2).
pub const ZSET_ZIPLIST: u8 = 12;
/// `RDB_TYPE_HASH_ZIPLIST` (Redis ≤ 6.2).
pub const HASH_ZIPLIST: u8 = 13;
/// `RDB_TYPE_LIST_QUICKLIST`: ziplist nodes (Redis 3.2 – 6.2).
pub const LIST_QUICKLIST: u8 = 14;
/// `RDB_TYPE_STREAM_LISTPACKS`.
pub const STREAM_LISTPACKS: u8 = 15;
/// `RDB_TYPE_HASH_LISTPACK`.
pub const HASH_LISTPACK: u8 = 16;
/// `RDB_TYPE_ZSET_LISTPACK`.
pub const ZSET_LISTPACK: u8 = 17;
/// `RDB_TYPE_LIST_QUICKLIST_2`: listpack (or plain) nodes.
pub const LIST_QUICKLIST_2: u8 = 18;
/// `RDB_TYPE_STREAM_LISTPACKS_2`.
pub const STREAM_LISTPACKS_2: u8 = 19;

/// Whether `t` is a value type byte (not an opcode).
pub fn is_type(t: u8) -> bool {
    t <= 7 || (9..=19).contains(&t)
}

/// The encoding thresholds a loaded value is built under: the server's
/// current ones, so a value comes back in the encoding the same writes
/// would have given it (Redis converts on load the same way).
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// `hash-max-listpack-*`.
    pub hash: hash::Limits,
    /// `zset-max-listpack-*`.
    pub zset: zset::Limits,
    /// `set-max-intset-entries`.
    pub set_max_intset: usize,
    /// `list-max-listpack-size`.
    pub list_fill: i64,
}

impl Shape {
    /// The thresholds of `config`.
    pub fn of(config: &Config) -> Shape {
        Shape {
            hash: hash::Limits::of(config),
            zset: zset::Limits {
                max_entries: config.zset_max_listpack_entries,
                max_value: config.zset_max_listpack_value,
            },
            set_max_intset: config.set_max_intset_entries,
            list_fill: config.list_max_listpack_size,
        }
    }
}

impl Default for Shape {
    fn default() -> Self {
        Shape::of(&Config::default())
    }
}
