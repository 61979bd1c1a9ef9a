//! Replication's building blocks: the history a master keeps for replicas
//! that reconnect, and the ids that name that history.
//!
//! # Layout
//!
//! - [`backlog`]: the replication backlog — the last `repl-backlog-size`
//!   bytes of the replication stream, as shared blocks, addressed by
//!   stream offset. Redis: `repl_backlog` and the shared replication
//!   buffer of 7.0 (`replication.c`: `feedReplicationBuffer`,
//!   `addReplyReplicationBacklog`).
//! - [`id`]: the replication id pair (`replid`, `replid2` with the offset
//!   up to which the second is valid) and the PSYNC decision — continue
//!   from the backlog, or start over with a full sync. Redis:
//!   `masterTryPartialResynchronization`, `shiftReplicationId`.
//! - [`transfer`]: what a replica reads after `PSYNC` — the master's reply,
//!   then the RDB payload in its two framings (`$<len>` from disk,
//!   `$EOF:<mark>` diskless). Redis: `readSyncBulkPayload`.
//!
//! These are data structures with their rules, tested on their own; the
//! master and replica roles that use them are built on top.

pub mod backlog;
pub mod id;
pub mod transfer;
