//! Numbers as Redis computes them, where Rust's own types would give other
//! digits: [`ld`] is x87 `long double` (`strtold`, `+`, `*`, `ceill`,
//! `"%.17Lf"`) in software, on the big integers of `big`. INCRBYFLOAT,
//! HINCRBYFLOAT and the blocking timeouts all go through it, so the three
//! agree with each other and with redis-server on x86-64.
//!
//! Scores (`ZADD`, `ZINCRBY`) are C `double`s, which `f64` is; they parse
//! in [`crate::db::zset::score`].

mod big;
pub mod ld;
