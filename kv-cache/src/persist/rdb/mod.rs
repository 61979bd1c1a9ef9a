//! RDB: Redis's snapshot format, version 10 (Redis 7.0), written so that
//! redis-server and `redis-check-rdb` read our files, and read so that we
//! load theirs. Redis: `src/rdb.c`, `src/rdb.h`.
//!
//! ```text
//!   "REDIS0010"                               magic + version, 9 bytes
//!   FA <name> <value>  ...                    AUX fields (redis-ver, ctime, ...)
//!   FE <db>  FB <keys> <keys with TTL>        SELECTDB, RESIZEDB
//!   [FC <ms: 8 bytes LE>] <type> <key> <value>   EXPIRETIME_MS, then the pair
//!   ...                                       (more pairs, more databases)
//!   FF <CRC-64 of everything before: 8 bytes LE>
//! ```
//!
//! # Layout
//!
//! - [`crc64`], [`lzf`]: the checksum and the string compression;
//! - [`wire`]: lengths, strings, doubles, and the cursor every read goes through;
//! - [`packed`]: Redis's listpack, ziplist and intset blobs;
//! - [`object`]: one value, written and read (also `DUMP`'s body);
//! - [`file`]: a whole keyspace to a file and back;
//! - [`dump`]: `DUMP` payloads (object + version + CRC);
//! - [`save`]: `SAVE` and `BGSAVE` on disk: temp file, fsync, rename.

pub mod crc64;
pub mod dump;
pub mod file;
pub mod lzf;
pub mod object;
pub mod packed;
pub mod save;
pub mod wire;

/// The RDB format version we write (`RDB_VERSION`).
pub const VERSION: u16 = 10;

/// Why a file or payload could not be read: what was wrong, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} (at byte offset {offset})")]
pub struct RdbError {
    /// Byte offset in the file (or payload) where the problem was found.
    pub offset: usize,
    /// What was wrong.
    pub what: String,
}
