//! A value from any encoding a Redis 7.0 file may hold (`rdbLoadObject`),
//! rebuilt in the encoding our own writes would have given it.
//!
//! Checks that Redis makes on load are made here too, each an error with
//! the offset: duplicate members or fields, a NaN score, a blob whose
//! lengths do not add up. An empty collection is not an error in a file
//! (Redis skips such keys with a warning); the caller is told by `None`.

use super::super::RdbError;
use super::super::packed::{self, Entry};
use super::super::wire::In;
use super::*;
use crate::db::Val;
use crate::db::hash::Hash;
use crate::db::list::List;
use crate::db::sds::Sds;
use crate::db::set::Set;
use crate::db::zset::ZSet;

/// Reads the payload of a value of type `t`; `None` for an empty collection.
pub fn value(inp: &mut In<'_>, t: u8, shape: &Shape) -> Result<Option<Val>, RdbError> {
    let at = inp.pos;
    let v = match t {
        STRING => {
            let s = inp.string()?;
            Some(string(s))
        }
        LIST => {
            let n = inp.count(1)?;
            let mut l = List::new(shape.list_fill);
            for _ in 0..n {
                l.push_back(&inp.string()?);
            }
            wrap(l.len(), Val::List(Box::new(l)))
        }
        LIST_ZIPLIST | LIST_QUICKLIST | LIST_QUICKLIST_2 => list(inp, t, shape)?,
        SET => {
            let n = inp.count(1)?;
            let mut s: Option<Set> = None;
            for _ in 0..n {
                let m = inp.string()?;
                let set = s.get_or_insert_with(|| Set::new_for(&m));
                if !set.add(&m, shape.set_max_intset) {
                    return Err(inp.error("duplicate set members detected"));
                }
            }
            s.map(|s| Val::Set(Box::new(s)))
        }
        SET_INTSET => {
            let blob = inp.string()?;
            let members = packed::read_intset(&blob).map_err(|e| err(inp, at, e))?;
            let mut s = Set::Ints(Default::default());
            for m in members {
                s.add_int(m, shape.set_max_intset);
            }
            Some(Val::Set(Box::new(s)))
        }
        ZSET | ZSET_2 => {
            let n = inp.count(2)?;
            let mut pairs = Vec::with_capacity(n);
            for _ in 0..n {
                let m = inp.string()?;
                let s = if t == ZSET {
                    inp.text_double()?
                } else {
                    inp.double()?
                };
                pairs.push((m, s));
            }
            zset(inp, at, pairs, shape)?
        }
        ZSET_ZIPLIST | ZSET_LISTPACK => {
            let entries = blob_entries(inp, at, t == ZSET_LISTPACK)?;
            if entries.len() % 2 != 0 {
                return Err(err(inp, at, "sorted set blob with an odd entry count"));
            }
            let mut pairs = Vec::with_capacity(entries.len() / 2);
            let mut it = entries.into_iter();
            while let (Some(m), Some(s)) = (it.next(), it.next()) {
                let score = match s {
                    Entry::Int(n) => n as f64,
                    Entry::Bytes(b) => std::str::from_utf8(&b)
                        .ok()
                        .and_then(|t| t.parse::<f64>().ok())
                        .ok_or_else(|| err(inp, at, "sorted set blob with a bad score"))?,
                };
                pairs.push((m.into_bytes(), score));
            }
            zset(inp, at, pairs, shape)?
        }
        HASH => {
            let n = inp.count(2)?;
            let mut h = Hash::new();
            for _ in 0..n {
                let f = inp.string()?;
                let v = inp.string()?;
                if !h.set(&f, &v, shape.hash) {
                    return Err(inp.error("duplicate hash fields detected"));
                }
            }
            wrap(h.len(), Val::Hash(Box::new(h)))
        }
        HASH_ZIPLIST | HASH_LISTPACK => {
            let entries = blob_entries(inp, at, t == HASH_LISTPACK)?;
            if entries.len() % 2 != 0 {
                return Err(err(inp, at, "hash blob with an odd entry count"));
            }
            let mut h = Hash::new();
            let mut it = entries.into_iter();
            while let (Some(f), Some(v)) = (it.next(), it.next()) {
                if !h.set(&f.into_bytes(), &v.into_bytes(), shape.hash) {
                    return Err(err(inp, at, "duplicate hash fields detected"));
                }
            }
            wrap(h.len(), Val::Hash(Box::new(h)))
        }
        HASH_ZIPMAP => {
            return Err(err(
                inp,
                at,
                "zipmap hashes (Redis < 2.6) are not supported",
            ));
        }
        STREAM_LISTPACKS | STREAM_LISTPACKS_2 => {
            return Err(err(inp, at, "stream values are not supported by kv-cache"));
        }
        MODULE | MODULE_2 => {
            return Err(err(
                inp,
                at,
                "module values need their module, which kv-cache has not",
            ));
        }
        _ => return Err(err(inp, at, format!("unknown value type {t}"))),
    };
    Ok(v)
}

/// A string value, in the encoding `SET` would give it.
fn string(s: Vec<u8>) -> Val {
    if s.len() <= 20 {
        Val::from_bytes(&s)
    } else {
        Val::Str(Sds::from_vec(s))
    }
}

fn err(inp: &In<'_>, at: usize, what: impl Into<String>) -> RdbError {
    RdbError {
        offset: inp.base + at,
        what: what.into(),
    }
}

fn wrap(len: usize, v: Val) -> Option<Val> {
    (len > 0).then_some(v)
}

/// The entries of one listpack (or ziplist) blob.
fn blob_entries(inp: &mut In<'_>, at: usize, listpack: bool) -> Result<Vec<Entry>, RdbError> {
    let blob = inp.string()?;
    let r = if listpack {
        packed::read_listpack(&blob)
    } else {
        packed::read_ziplist(&blob)
    };
    r.map_err(|e| err(inp, at, e))
}

fn list(inp: &mut In<'_>, t: u8, shape: &Shape) -> Result<Option<Val>, RdbError> {
    let mut l = List::new(shape.list_fill);
    let nodes = if t == LIST_ZIPLIST { 1 } else { inp.count(1)? };
    for _ in 0..nodes {
        let at = inp.pos;
        let container = if t == LIST_QUICKLIST_2 {
            inp.length()?
        } else {
            2
        };
        match container {
            // QUICKLIST_NODE_CONTAINER_PLAIN: one big element as it is.
            1 => l.push_back(&inp.string()?),
            2 => {
                for e in blob_entries(inp, at, t == LIST_QUICKLIST_2)? {
                    l.push_back(&e.into_bytes());
                }
            }
            c => {
                return Err(err(
                    inp,
                    at,
                    format!("unknown quicklist node container {c}"),
                ));
            }
        }
    }
    Ok(wrap(l.len(), Val::List(Box::new(l))))
}

fn zset(
    inp: &In<'_>,
    at: usize,
    pairs: Vec<(Vec<u8>, f64)>,
    shape: &Shape,
) -> Result<Option<Val>, RdbError> {
    let mut z = ZSet::new();
    for (m, s) in pairs {
        if s.is_nan() {
            return Err(err(inp, at, "sorted set with a NaN score"));
        }
        if z.score(&m).is_some() {
            return Err(err(inp, at, "duplicate sorted set members detected"));
        }
        z.insert_new(s, &m, shape.zset);
    }
    Ok(wrap(z.len(), Val::ZSet(Box::new(z))))
}
