//! String commands. Redis: `src/t_string.c`.
//!
//! # Layout
//!
//! - [`read`]: GET, MGET, STRLEN, GETRANGE.
//! - [`set`]: SET with its options (the parser GETEX shares), SETNX, SETEX,
//!   PSETEX, GETSET, MSET, MSETNX.
//! - [`getex`]: GETEX and GETDEL, a read that changes the key.
//! - [`edit`]: APPEND and SETRANGE, changes in place.
//!
//! Each finds its key through the one typed lookup,
//! [`read_as`/`write_as::<Str>`](crate::cmd::lookup::Str), which answers
//! `WRONGTYPE` for other types. The numeric commands (INCR ...) are in
//! [`counters`](super::counters).

pub mod edit;
pub mod getex;
pub mod read;
pub mod set;

pub use edit::{append, setrange};
pub use getex::{getdel, getex};
pub use read::{get, getrange, mget, strlen};
pub use set::{getset, mset, msetnx, psetex, set, setex, setnx};
