//! Keys looked up as a type, and what follows a change — the two steps
//! every command on a typed value takes, written once. Redis: `lookupKeyRead`/
//! `lookupKeyWrite` with `checkType` (`src/db.c`, `src/object.c`), and the
//! `signalModifiedKey` + `server.dirty++` (or `dbDelete` of an emptied
//! collection) that ends each write.
//!
//! A lookup answers `Ok(Some(value))`, `Ok(None)` for a missing key, or
//! `Err(WrongType)` — the one place where "another type" is decided; the
//! handler replies it with [`Ctx::wrong_type`](super::Ctx::wrong_type),
//! the one place its text lives. Both are methods of [`Keyspace`] (through
//! [`Typed`]) rather than of `Ctx`, so that the value found borrows only
//! the keyspace and the reply can be written while it is held.
//!
//! ```text
//! match ctx.srv.ks.write_as::<List>(db, key) {
//!     Ok(Some(l)) => { ...change l...; empty = l.is_empty() }
//!     Ok(None)    => ...missing key...,
//!     Err(WrongType) => ctx.wrong_type(),
//! }
//! ctx.changed(LIST, "lrem", key, empty)   // event, then delete + `del` or signal
//! ```
//!
//! The ends of a change that send keyspace events are [`Ctx`] methods:
//! [`Ctx::changed`] (an element removed, maybe the last) and
//! [`Ctx::store`] (a STORE command's result, or its empty result).

use crate::db::hash::Hash;
use crate::db::list::List;
use crate::db::set::Set;
use crate::db::zset::ZSet;
use crate::db::{Keyspace, Val};
use crate::notify::GENERIC;

use super::Ctx;

/// The key holds a value of another type (the handler replies `WRONGTYPE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WrongType;

/// What a typed lookup found: the value, `None` for a missing key, or
/// [`WrongType`].
pub type Found<'a, T> = Result<Option<&'a mut <T as Kind>::Out>, WrongType>;

/// A type a key can hold, as `checkType` tells them apart.
pub trait Kind {
    /// What the command gets to work on: the collection itself, or for
    /// [`Str`] the value with its encoding.
    type Out;
    /// The value as this type, or `None` when it is another one.
    fn cast(v: &mut Val) -> Option<&mut Self::Out>;
}

/// The string type. Redis keeps one type with several encodings (`int`,
/// `embstr`, `raw`) and so does [`Val`] (`Int`, `Str`, `Buf`, `Big`);
/// string commands get the value and read it through its encoding
/// ([`Val::with_bytes`], [`Val::make_buf`]).
#[derive(Debug)]
pub struct Str;

impl Kind for Str {
    type Out = Val;
    #[inline(always)]
    fn cast(v: &mut Val) -> Option<&mut Val> {
        v.is_string().then_some(v)
    }
}

impl Kind for List {
    type Out = List;
    #[inline]
    fn cast(v: &mut Val) -> Option<&mut List> {
        match v {
            Val::List(l) => Some(l),
            _ => None,
        }
    }
}

impl Kind for Hash {
    type Out = Hash;
    #[inline]
    fn cast(v: &mut Val) -> Option<&mut Hash> {
        match v {
            Val::Hash(h) => Some(h),
            _ => None,
        }
    }
}

impl Kind for Set {
    type Out = Set;
    #[inline]
    fn cast(v: &mut Val) -> Option<&mut Set> {
        match v {
            Val::Set(s) => Some(s),
            _ => None,
        }
    }
}

impl Kind for ZSet {
    type Out = ZSet;
    #[inline]
    fn cast(v: &mut Val) -> Option<&mut ZSet> {
        match v {
            Val::ZSet(z) => Some(z),
            _ => None,
        }
    }
}

/// The value found, seen as `T`.
#[inline(always)]
fn typed<T: Kind>(v: Option<&mut Val>) -> Found<'_, T> {
    match v {
        None => Ok(None),
        Some(v) => T::cast(v).map(Some).ok_or(WrongType),
    }
}

/// Typed lookups and the after-change step, on the keyspace.
pub trait Typed {
    /// `key` as a `T`, for reading (`lookupKeyRead`: counts a hit or miss).
    fn read_as<T: Kind>(&mut self, db: usize, key: &[u8]) -> Found<'_, T>;

    /// `key` as a `T`, for changing (`lookupKeyWrite`: counts nothing).
    fn write_as<T: Kind>(&mut self, db: usize, key: &[u8]) -> Found<'_, T>;

    /// After a change in place of the collection at `key`: deletes the key
    /// if the change `emptied` it (Redis deletes empty collections), else
    /// signals the modification — `WATCH`ers fail, the change is counted
    /// for propagation ([`Keyspace::touch`]). Blocked clients need no
    /// signal here: they wait on keys being created, which
    /// [`Keyspace::set`] signals. The keyspace events are the handler's
    /// ([`Ctx::changed`] sends them with this step).
    fn after_change(&mut self, db: usize, key: &[u8], emptied: bool);
}

impl Typed for Keyspace {
    #[inline]
    fn read_as<T: Kind>(&mut self, db: usize, key: &[u8]) -> Found<'_, T> {
        typed::<T>(self.get(db, key))
    }

    #[inline]
    fn write_as<T: Kind>(&mut self, db: usize, key: &[u8]) -> Found<'_, T> {
        typed::<T>(self.get_for_write(db, key))
    }

    #[inline]
    fn after_change(&mut self, db: usize, key: &[u8], emptied: bool) {
        if emptied {
            self.remove(db, key);
        } else {
            self.touch(db, key);
        }
    }
}

impl Ctx<'_> {
    /// The end of a STORE command (`SINTERSTORE`, `ZUNIONSTORE`,
    /// `ZRANGESTORE` ...): a non-empty result `val` replaces `dst`, with
    /// `event` of `class`; an empty one (`None`) deletes `dst`, as it
    /// is, with a `del` event if it was there (Redis `setKey` or `dbDelete`).
    pub fn store(&mut self, dst: &[u8], val: Option<Val>, class: u32, event: &str) {
        let db = self.db();
        match val {
            Some(v) => {
                self.srv.ks.set(db, dst, v, false);
                self.notify(class, event, dst);
            }
            None => {
                if self.srv.ks.delete(db, dst) {
                    self.notify(GENERIC, "del", dst);
                }
            }
        }
    }

    /// The end of a change in place that may empty the collection at
    /// `key`: sends `event` of `class`, then deletes the key if `emptied`
    /// (with its `del` event) or signals the change. This is the order of
    /// every Redis command that removes elements (`listElementsRemoved`,
    /// `hdelCommand`, `sremCommand`, `zremCommand` ...).
    pub fn changed(&mut self, class: u32, event: &str, key: &[u8], emptied: bool) {
        self.notify(class, event, key);
        self.after_change(key, emptied);
        if emptied {
            self.notify(GENERIC, "del", key);
        }
    }
}
