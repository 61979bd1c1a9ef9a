//! The base file a rewrite writes: the dataset as the fewest commands that
//! rebuild it. Redis `rewriteAppendOnlyFileRio` (`aof.c`): per database a
//! `SELECT`, then per key one `SET`, or `RPUSH`/`SADD`/`ZADD`/`HMSET` with
//! at most 64 items each, and a `PEXPIREAT` after a key with a deadline.
//!
//! # The RDB seam
//!
//! With `aof-use-rdb-preamble yes` (Redis's default) Redis writes the base
//! as an RDB file instead, named `.base.rdb`. kv-cache's RDB writer
//! ([`crate::persist::rdb`]) is not wired in here yet: [`write`] is the one
//! place a base is produced, and it writes the command form whatever the
//! setting says, naming the file `.base.aof` so that the name never lies
//! about the content. Wiring it means [`write`] calling the RDB writer for
//! `preamble == true` and [`is_rdb`] answering so.

use std::io::{self, Write};

use crate::db::set::{Member, walk};
use crate::db::zset::score::format_score;
use crate::db::{Keyspace, Val};
use crate::protocol::reply::fmt_i64;

/// Items per command in a rewritten collection (Redis `AOF_REWRITE_ITEMS_PER_CMD`).
pub const ITEMS_PER_CMD: usize = 64;

/// Whether a base written for `preamble` is RDB (decides the file name).
/// Always false until the RDB writer is wired in (see the module doc).
pub fn is_rdb(preamble: bool) -> bool {
    let _ = preamble;
    false
}

/// Writes the base for `ks` into `out`: the single seam where the RDB
/// form will plug in (see the module doc).
pub fn write(ks: &Keyspace, preamble: bool, out: &mut impl Write) -> io::Result<()> {
    let _ = preamble;
    write_commands(ks, out)
}

/// One bulk string.
fn bulk(out: &mut impl Write, b: &[u8]) -> io::Result<()> {
    write!(out, "${}\r\n", b.len())?;
    out.write_all(b)?;
    out.write_all(b"\r\n")
}

/// An integer as a bulk string.
fn bulk_int(out: &mut impl Write, n: i64) -> io::Result<()> {
    let mut tmp = [0u8; 20];
    bulk(out, fmt_i64(n, &mut tmp))
}

/// A collection written as commands of at most [`ITEMS_PER_CMD`] items.
struct Batch<'a, W: Write> {
    out: &'a mut W,
    cmd: &'static [u8],
    key: &'a [u8],
    /// Items not yet written.
    left: usize,
    /// Items still to come in the command being written.
    in_cmd: usize,
    /// Arguments per item (2 for ZADD's score member, HMSET's field value).
    per_item: usize,
}

impl<W: Write> Batch<'_, W> {
    /// Starts a new command when the last one is full.
    fn begin_item(&mut self) -> io::Result<()> {
        if self.in_cmd == 0 {
            self.in_cmd = self.left.min(ITEMS_PER_CMD);
            write!(self.out, "*{}\r\n", 2 + self.in_cmd * self.per_item)?;
            bulk(self.out, self.cmd)?;
            bulk(self.out, self.key)?;
        }
        self.in_cmd -= 1;
        self.left -= 1;
        Ok(())
    }

    fn item(&mut self, args: &[&[u8]]) -> io::Result<()> {
        self.begin_item()?;
        args.iter().try_for_each(|a| bulk(self.out, a))
    }
}

/// The command form (`aof-use-rdb-preamble no`).
pub fn write_commands(ks: &Keyspace, out: &mut impl Write) -> io::Result<()> {
    for (i, db) in ks.dbs.iter().enumerate() {
        if db.dict.is_empty() {
            continue;
        }
        out.write_all(b"*2\r\n$6\r\nSELECT\r\n")?;
        bulk_int(out, i as i64)?;
        let mut result = Ok(());
        walk(&db.dict, |key, val| {
            result = write_key(out, key, val).and_then(|()| match db.expires.get(key) {
                Some(e) => {
                    out.write_all(b"*3\r\n$9\r\nPEXPIREAT\r\n")?;
                    bulk(out, key)?;
                    bulk_int(out, e.value)
                }
                None => Ok(()),
            });
            result.is_ok()
        });
        result?;
    }
    Ok(())
}

/// One key and its value.
fn write_key(out: &mut impl Write, key: &[u8], val: &Val) -> io::Result<()> {
    let batch = |out, cmd, left, per_item| Batch {
        out,
        cmd,
        key,
        left,
        in_cmd: 0,
        per_item,
    };
    match val {
        Val::Int(_) | Val::Str(_) | Val::Buf(_) | Val::Big(_) => {
            out.write_all(b"*3\r\n$3\r\nSET\r\n")?;
            bulk(out, key)?;
            val.with_bytes(|v| bulk(out, v))
        }
        Val::List(l) => {
            let mut b = batch(out, b"RPUSH", l.len(), 1);
            l.iter().try_for_each(|v| b.item(&[v]))
        }
        Val::Set(s) => {
            let mut b = batch(out, b"SADD", s.len(), 1);
            let mut result = Ok(());
            s.for_each_while(|m: Member<'_>| {
                result = m.with_bytes(|v| b.item(&[v]));
                result.is_ok()
            });
            result
        }
        Val::ZSet(z) => {
            let mut b = batch(out, b"ZADD", z.len(), 2);
            z.iter()
                .try_for_each(|(m, s)| b.item(&[format_score(s).as_bytes(), m]))
        }
        Val::Hash(h) => {
            let mut b = batch(out, b"HMSET", h.len(), 2);
            let mut result = Ok(());
            h.for_each_while(|f, v| {
                result = b.item(&[f, v]);
                result.is_ok()
            });
            result
        }
    }
}
