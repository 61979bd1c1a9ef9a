//! Persistence: what survives a restart.
//!
//! # Layout
//!
//! - [`rdb`]: Redis's RDB snapshot format (v10), both ways, and `DUMP` payloads;
//! - [`aof`]: the append-only file, Redis 7.0's multi-part layout (a
//!   manifest, a base, increments), fed by the propagation point;
//! - [`child`]: the one background child (a `BGSAVE` or an AOF rewrite) and its report;
//! - [`fork`]: the child process a background save or rewrite runs in. The
//!   snapshot is the child's copy of the parent's memory at `fork()`, which
//!   the kernel shares page by page until either side writes (copy-on-write),
//!   as Redis's `redisFork` does.

pub mod aof;
pub mod child;
pub mod fork;
pub mod rdb;
