//! Persistence: what survives a restart.
//!
//! # Layout
//!
//! - [`fork`]: the child process a background save or rewrite runs in. The
//!   snapshot is the child's copy of the parent's memory at `fork()`, which
//!   the kernel shares page by page until either side writes (copy-on-write),
//!   as Redis's `redisFork` does.
//!
//! - [`aof`]: the append-only file, Redis 7.0's multi-part layout (a
//!   manifest, a base, increments), fed by the propagation point.
//!
//! The RDB format sits beside them as it lands.

pub mod aof;
pub mod fork;
