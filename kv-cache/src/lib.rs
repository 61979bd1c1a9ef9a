//! kv-cache: a Redis-compatible server running on the workspace's own
//! [`event_loop`], single-threaded, as Redis runs on `ae`.
//!
//! Counterpart: redis-server 7. Point `redis-cli`, `redis-benchmark` or any
//! Redis client at it.
//!
//! # Layout
//!
//! In data-flow order, each module using only those below it:
//!
//! - [`server`]: connections on `event-loop` — read, parse, execute, replies written in the
//!   loop's pass before it sleeps; the cron.
//! - [`protocol`]: RESP2/RESP3 — the incremental request parser and the reply encoder.
//! - [`exec`]: one command's path — resolve, checks, call, slow log, wake-ups, and the
//!   propagation point, where every change leaves in its replayed form.
//! - [`cmd`]: the command table (data: name, arity, flags, keys) and one file per command family.
//! - [`state`]: the server's state as types — shared state, sessions, the blocked-client
//!   registry, the propagation state, counters.
//! - [`pubsub`]: the subscription registry; [`tracking`]: the client-side caching
//!   registry (who read which key, BCAST prefixes); [`idmap`]: maps keyed by client id;
//!   [`latency`]: the latency monitor's events and the per-command histograms.
//! - [`repl`]: replication's building blocks — the backlog of the stream and the
//!   replication ids with the PSYNC decision.
//! - [`persist`]: what survives a restart — RDB files Redis can read (and `DUMP`
//!   payloads), written by `SAVE` or by a forked `BGSAVE` child.
//! - [`db`]: the keyspace — 16 databases on our own incrementally rehashed dict, with
//!   expiry, eviction under `maxmemory`, lazy free, WATCHed and waited keys; it
//!   imports nothing above it.
//! - [`notify`]: the keyspace notification classes (`notify-keyspace-events`); the
//!   events are published by [`cmd::notify`].
//! - [`config`]: parameters by their Redis names (config files, redis-server's command line,
//!   `CONFIG GET/SET`).
//! - [`alloc`]: the counting allocator behind `INFO used_memory`.
//!
//! # Example
//!
//! ```
//! use kv_cache::protocol::{RequestParser, request::Parsed, DEFAULT_PROTO_MAX_BULK_LEN};
//!
//! let buf = b"*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n";
//! let mut parser = RequestParser::new(DEFAULT_PROTO_MAX_BULK_LEN);
//! assert_eq!(parser.parse(buf).unwrap(), Parsed::Request(buf.len()));
//! assert_eq!(parser.argv(buf).get(1), b"key");
//! ```

pub mod alloc;
pub mod cmd;
pub mod config;
pub mod db;
pub mod exec;
pub mod idmap;
pub mod latency;
pub mod notify;
pub mod persist;
pub mod protocol;
pub mod pubsub;
pub mod repl;
pub mod server;
pub mod state;
pub mod tracking;
