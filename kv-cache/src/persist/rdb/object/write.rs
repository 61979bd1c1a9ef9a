//! A value in the encoding Redis 7.0 writes for it (`rdbSaveObject`):
//!
//! | value                 | type byte          | payload                                   |
//! |-----------------------|--------------------|-------------------------------------------|
//! | string                | `STRING`           | integer-encoded, LZF or plain string      |
//! | list                  | `LIST_QUICKLIST_2` | node count, then (2 = packed, listpack)   |
//! | set, intset           | `SET_INTSET`       | the intset blob                           |
//! | set, hashtable        | `SET`              | count, members                            |
//! | hash, listpack        | `HASH_LISTPACK`    | the listpack blob                         |
//! | hash, hashtable       | `HASH`             | count, field, value ...                   |
//! | zset, listpack        | `ZSET_LISTPACK`    | the listpack blob (member, score ...)     |
//! | zset, skiplist        | `ZSET_2`           | count, (member, binary score) from the top |
//!
//! Blobs are written as strings, so they too are LZF-compressed when that
//! pays (`rdbSaveRawString`).

use super::super::packed::{ListpackWriter, write_intset};
use super::super::wire::Out;
use super::*;
use crate::db::Val;
use crate::db::hash::Hash;
use crate::db::list::List;
use crate::db::set::{Member, Set};
use crate::db::zset::ZSet;
use crate::db::zset::score::format_score;

/// The type byte `v` is written with.
pub fn type_of(v: &Val) -> u8 {
    match v {
        Val::Int(_) | Val::Str(_) | Val::Buf(_) | Val::Big(_) => STRING,
        Val::List(_) => LIST_QUICKLIST_2,
        Val::Set(s) => match **s {
            Set::Ints(_) => SET_INTSET,
            Set::Table(_) => SET,
        },
        Val::Hash(h) => match **h {
            Hash::Listpack(_) => HASH_LISTPACK,
            Hash::Table(_) => HASH,
        },
        Val::ZSet(z) => match **z {
            ZSet::Small(_) => ZSET_LISTPACK,
            ZSet::Big(_) => ZSET_2,
        },
    }
}

/// Writes `v`'s type byte and payload.
pub fn value(out: &mut Out, v: &Val) {
    out.byte(type_of(v));
    payload(out, v);
}

/// Writes `v`'s payload (in a file, the key comes between the two).
pub fn payload(out: &mut Out, v: &Val) {
    match v {
        Val::Int(n) => out.int(*n),
        Val::Str(_) | Val::Buf(_) | Val::Big(_) => v.with_bytes(|b| out.string(b)),
        Val::List(l) => list(out, l),
        Val::Set(s) => set(out, s),
        Val::Hash(h) => hash(out, h),
        Val::ZSet(z) => zset(out, z),
    }
}

/// Redis's quicklist node sizes (`optimization_level`), by `-fill - 1`.
const NODE_BYTES: [usize; 5] = [4096, 8192, 16384, 32768, 65536];
/// A node with a count limit stays under this many bytes (`SIZE_SAFETY_LIMIT`).
const SAFETY_LIMIT: usize = 8192;
/// Redis's estimate of one entry's overhead when deciding to fill a node.
const ENTRY_OVERHEAD: usize = 8;

/// Whether Redis would append an element of `len` bytes to `node`
/// (`_quicklistNodeAllowInsert`). Our nodes are sized by our own listpack
/// bytes, so a list is cut into Redis's nodes here: a list built by pushes
/// then dumps byte-identical to Redis's.
fn node_takes(node: &ListpackWriter, fill: i64, len: usize) -> bool {
    if node.count() == 0 {
        return true;
    }
    let new = node.bytes() + len + ENTRY_OVERHEAD;
    if fill < 0 {
        return NODE_BYTES
            .get((-fill - 1) as usize)
            .is_some_and(|&max| new <= max);
    }
    new <= SAFETY_LIMIT && (node.count() as i64) < fill
}

fn list(out: &mut Out, l: &List) {
    let fill = l.fill();
    let mut nodes = Vec::new();
    let mut node = ListpackWriter::default();
    for lp in l.nodes() {
        for e in lp.iter() {
            if !node_takes(&node, fill, e.len()) {
                nodes.push(std::mem::take(&mut node).finish());
            }
            node.push(e);
        }
    }
    if node.count() > 0 {
        nodes.push(node.finish());
    }
    out.length(nodes.len() as u64);
    for n in nodes {
        // QUICKLIST_NODE_CONTAINER_PACKED; nodes are never LZF-compressed
        // in memory here (`list-compress-depth 0`).
        out.length(2);
        out.string(&n);
    }
}

fn set(out: &mut Out, s: &Set) {
    match s {
        Set::Ints(i) => out.string(&write_intset(i.width(), i.iter())),
        Set::Table(_) => {
            out.length(s.len() as u64);
            s.for_each(|m| match m {
                Member::Int(n) => out.int(n),
                Member::Str(b) => out.string(b),
            });
        }
    }
}

fn hash(out: &mut Out, h: &Hash) {
    match h {
        Hash::Listpack(_) => {
            let mut lp = ListpackWriter::default();
            h.for_each(|f, v| {
                lp.push(f);
                lp.push(v);
            });
            out.string(&lp.finish());
        }
        Hash::Table(_) => {
            out.length(h.len() as u64);
            h.for_each(|f, v| {
                out.string(f);
                out.string(v);
            });
        }
    }
}

fn zset(out: &mut Out, z: &ZSet) {
    match z {
        ZSet::Small(_) => {
            let mut lp = ListpackWriter::default();
            for (m, s) in z.iter() {
                lp.push(m);
                // `zzlInsertAt`: a whole score as an integer entry, any
                // other as its `%.17g` text.
                match whole(s) {
                    Some(n) => lp.push_int(n),
                    None => lp.push(format_score(s).as_bytes()),
                }
            }
            out.string(&lp.finish());
        }
        ZSet::Big(_) => {
            out.length(z.len() as u64);
            // From the highest score down, as Redis walks its skiplist from
            // the tail: loading then inserts each member at the head.
            let mut at = z.end(true);
            while let Some(p) = at {
                let (m, s) = z.get(p);
                out.string(m);
                out.double(s);
                at = z.step(p, true);
            }
        }
    }
}

/// `double2ll`: the integer a score is exactly, within ±2^62.
fn whole(d: f64) -> Option<i64> {
    let lim = (i64::MAX / 2) as f64;
    if !(-lim..=lim).contains(&d) {
        return None;
    }
    let n = d as i64;
    (n as f64 == d).then_some(n)
}
