//! Persistence: what survives a restart.
//!
//! # Layout
//!
//! - [`fork`]: the child process a background save or rewrite runs in. The
//!   snapshot is the child's copy of the parent's memory at `fork()`, which
//!   the kernel shares page by page until either side writes (copy-on-write),
//!   as Redis's `redisFork` does.
//!
//! The RDB and AOF formats sit beside it as they land.

pub mod fork;
