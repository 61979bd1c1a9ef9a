//! A Redis-compatible server on `event-loop` (planned).
//!
//! Counterpart: redis-server 7.
//!
//! # Layout
//!
//! - `protocol`: RESP2/RESP3 parser and encoder.
//! - `db`: the keyspace — our own dict with incremental rehashing, expiry.
//! - `cmd`: one file per command family, driven by a data command table.
//! - `server`: client connections on `event-loop`, pipelining, limits.
