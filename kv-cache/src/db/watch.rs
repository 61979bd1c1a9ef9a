//! `WATCH`: which clients watch which keys, and marking them dirty when a
//! key changes (optimistic locking for `MULTI`/`EXEC`). Redis: the WATCH
//! half of `src/multi.c` (`watchForKey`, `touchWatchedKey`,
//! `touchAllWatchedKeysInDb`, `isWatchedKeyExpired`).
//!
//! Layout mirrors Redis's: per database a map key → watchers (Redis
//! `db->watched_keys`), and per client the keys it watches and whether one
//! of them was touched (`c->watched_keys`, `CLIENT_DIRTY_CAS`). The dirty
//! flag lives here, not in the client's session, because the write that
//! touches the key is usually another client's.
//!
//! The common path — a write when nobody watches anything — costs one
//! comparison: [`Keyspace::touch`] returns when [`Watched::is_empty`].
//!
//! A watched key that was already expired (but not yet deleted) when
//! `WATCH` ran is logically absent; Redis 7.0 flags it so that its
//! deletion is not a change, and so that `EXEC` does not fail because of
//! it (the `expired` flag of a watcher).

use std::collections::HashMap;

use super::{Db, Keyspace};
use crate::idmap::IdMap;

/// One client watching one key.
#[derive(Debug, Clone, Copy)]
struct Watcher {
    /// The client.
    client: u64,
    /// The key was present but expired when watched (Redis `wk->expired`).
    expired: bool,
}

/// What one client watches.
#[derive(Debug, Default)]
struct ClientWatch {
    /// `(db, key)` pairs, in the order watched.
    keys: Vec<(usize, Vec<u8>)>,
    /// A watched key was touched: the next `EXEC` fails (`CLIENT_DIRTY_CAS`).
    dirty: bool,
}

/// The WATCH registry.
#[derive(Debug, Default)]
pub struct Watched {
    /// Per database (grown on demand): key → its watchers.
    by_db: Vec<HashMap<Vec<u8>, Vec<Watcher>>>,
    /// `(db, key)` entries over all databases: zero means nobody watches.
    keys: usize,
    /// By client.
    clients: IdMap<ClientWatch>,
}

/// What a key looks like in a database, for the expired-flag rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyState {
    /// Not in the dict.
    Absent,
    /// In the dict with a deadline already passed (logically absent).
    Expired,
    /// In the dict and alive.
    Live,
}

fn key_state(db: &Db, key: &[u8], now_ms: i64) -> KeyState {
    if db.dict.get(key).is_none() {
        return KeyState::Absent;
    }
    let expired = !db.expires.is_empty() && db.expires.get(key).is_some_and(|e| e.value <= now_ms);
    if expired {
        KeyState::Expired
    } else {
        KeyState::Live
    }
}

impl Watched {
    /// Whether nobody watches any key. (A client made dirty keeps its
    /// flag, without keys, until `unwatch_all`.)
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.keys == 0
    }

    /// Whether a key `client` watches was touched since it watched it.
    pub fn is_dirty(&self, client: u64) -> bool {
        self.clients.get(&client).is_some_and(|c| c.dirty)
    }

    /// Number of keys `client` watches.
    pub fn count(&self, client: u64) -> usize {
        self.clients.get(&client).map_or(0, |c| c.keys.len())
    }

    /// `client` starts watching `key` in `db` (no-op if it already does,
    /// or if it is already dirty: the `EXEC` fails anyway).
    fn watch(&mut self, client: u64, db: usize, key: &[u8], expired: bool) {
        let cw = self.clients.entry(client).or_default();
        if cw.dirty || cw.keys.iter().any(|(d, k)| *d == db && k == key) {
            return;
        }
        cw.keys.push((db, key.to_vec()));
        if self.by_db.len() <= db {
            self.by_db.resize_with(db + 1, HashMap::new);
        }
        let w = Watcher { client, expired };
        match self.by_db[db].get_mut(key) {
            Some(list) => list.push(w),
            None => {
                self.by_db[db].insert(key.to_vec(), vec![w]);
                self.keys += 1;
            }
        }
    }

    /// `client` stops watching everything and its dirty flag is cleared
    /// (`UNWATCH`, `EXEC`, `DISCARD`, `RESET`, disconnection).
    pub fn unwatch_all(&mut self, client: u64) {
        let Some(cw) = self.clients.remove(&client) else {
            return;
        };
        self.drop_keys(client, &cw.keys);
    }

    /// Removes `client` from the watcher lists of `keys`.
    fn drop_keys(&mut self, client: u64, keys: &[(usize, Vec<u8>)]) {
        for (db, key) in keys {
            let Some(map) = self.by_db.get_mut(*db) else {
                continue;
            };
            let Some(list) = map.get_mut(key.as_slice()) else {
                continue;
            };
            list.retain(|w| w.client != client);
            if list.is_empty() {
                map.remove(key.as_slice());
                self.keys -= 1;
            }
        }
    }

    /// Marks `client` dirty. Its keys are dropped at once, as Redis does:
    /// the transaction fails whatever else happens, and fewer watched keys
    /// make every later write cheaper.
    fn make_dirty(&mut self, client: u64) {
        let Some(cw) = self.clients.get_mut(&client) else {
            return;
        };
        if cw.dirty {
            return;
        }
        cw.dirty = true;
        let keys = std::mem::take(&mut cw.keys);
        self.drop_keys(client, &keys);
    }
}

impl Keyspace {
    /// Signals that `key` in db `i` was modified (Redis
    /// `signalModifiedKey`): WATCHers of it will fail their `EXEC`. Call it
    /// after changing a value reached through [`Keyspace::get_for_write`];
    /// [`Keyspace::set`] and [`Keyspace::remove`] call it themselves.
    ///
    /// It also counts the change in [`Keyspace::dirty`], which the
    /// propagation point reads to decide whether a command changed the
    /// dataset (Redis `server.dirty++`, which sits beside nearly every
    /// `signalModifiedKey`).
    #[inline]
    pub fn touch(&mut self, i: usize, key: &[u8]) {
        self.dirty = self.dirty.wrapping_add(1);
        self.signal_watchers(i, key);
    }

    /// [`Keyspace::touch`] without counting a change: for deletions by
    /// expiry, which propagate as a `DEL` of their own instead. Both end
    /// here, so this is also where a change is logged for client-side
    /// caching ([`Keyspace::changed_log`]).
    #[inline]
    pub fn signal_watchers(&mut self, i: usize, key: &[u8]) {
        if !self.watched.is_empty() {
            self.touch_watched(i, key);
        }
        if self.log_changes {
            self.changed_log.push(key.to_vec());
        }
    }

    /// The slow half of [`Keyspace::touch`]: someone watches something.
    #[inline(never)]
    fn touch_watched(&mut self, i: usize, key: &[u8]) {
        let Some(list) = self.watched.by_db.get_mut(i).and_then(|m| m.get_mut(key)) else {
            return;
        };
        let state = key_state(&self.dbs[i], key, self.now_ms);
        let mut dirtied = Vec::new();
        for w in list.iter_mut() {
            if w.expired {
                match state {
                    // The expired key is gone: no logical change, and from
                    // now on it is an ordinary watch of an absent key.
                    KeyState::Absent => {
                        w.expired = false;
                        continue;
                    }
                    // Still logically absent.
                    KeyState::Expired => continue,
                    KeyState::Live => {}
                }
            }
            dirtied.push(w.client);
        }
        for c in dirtied {
            self.watched.make_dirty(c);
        }
    }

    /// `WATCH key` for `client` in db `i`.
    pub fn watch(&mut self, client: u64, i: usize, key: &[u8]) {
        let expired = key_state(&self.dbs[i], key, self.now_ms) == KeyState::Expired;
        self.watched.watch(client, i, key, expired);
    }

    /// Whether a key `client` watches has expired since it was watched
    /// (checked by `EXEC`; Redis `isWatchedKeyExpired`).
    pub fn watched_key_expired(&self, client: u64) -> bool {
        let Some(cw) = self.watched.clients.get(&client) else {
            return false;
        };
        cw.keys.iter().any(|(db, key)| {
            let flagged = self.watched.by_db[*db]
                .get(key.as_slice())
                .and_then(|l| l.iter().find(|w| w.client == client))
                .is_some_and(|w| w.expired);
            !flagged && key_state(&self.dbs[*db], key, self.now_ms) == KeyState::Expired
        })
    }

    /// Touches the watched keys of db `emptied` that a `FLUSHDB` (with
    /// `replaced_with` = `None`) or a `SWAPDB` (the db swapped in) changes.
    /// Call before the change. Redis: `touchAllWatchedKeysInDb`.
    pub(super) fn touch_all_watched(&mut self, emptied: usize, replaced_with: Option<usize>) {
        if self.watched.is_empty() {
            return;
        }
        let now = self.now_ms;
        let mut dirtied = Vec::new();
        let Some(map) = self.watched.by_db.get_mut(emptied) else {
            return;
        };
        for (key, list) in map.iter_mut() {
            let old = key_state(&self.dbs[emptied], key, now);
            let new = replaced_with.map_or(KeyState::Absent, |r| key_state(&self.dbs[r], key, now));
            if old == KeyState::Absent && new == KeyState::Absent {
                continue;
            }
            for w in list.iter_mut() {
                if w.expired {
                    match new {
                        KeyState::Absent => {
                            w.expired = false;
                            continue;
                        }
                        KeyState::Expired => continue,
                        KeyState::Live => {}
                    }
                } else if old == KeyState::Absent && new == KeyState::Expired {
                    // An absent key replaced by an expired one: still absent.
                    w.expired = true;
                    continue;
                }
                dirtied.push(w.client);
            }
        }
        for c in dirtied {
            self.watched.make_dirty(c);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::db::{Keyspace, Val};

    fn ks() -> Keyspace {
        let mut ks = Keyspace::new(2);
        ks.now_ms = 1_000;
        ks
    }

    #[test]
    fn a_write_marks_every_watcher_dirty() {
        let mut ks = ks();
        ks.watch(1, 0, b"k");
        ks.watch(2, 0, b"k");
        ks.watch(3, 1, b"k");
        ks.set(0, b"k", Val::Int(1), false);
        assert!(ks.watched.is_dirty(1) && ks.watched.is_dirty(2));
        assert!(!ks.watched.is_dirty(3), "another database");
        assert_eq!(ks.watched.count(1), 0, "a dirty client's keys are dropped");
        ks.watched.unwatch_all(3);
        assert!(ks.watched.is_empty(), "no key is watched any more");
        assert!(ks.watched.is_dirty(1), "but the flag stays until cleared");
        ks.watched.unwatch_all(1);
        assert!(!ks.watched.is_dirty(1));
        ks.watched.unwatch_all(2);
        assert!(ks.watched.clients.is_empty());
    }

    #[test]
    fn nobody_watching_means_no_bookkeeping() {
        let mut ks = ks();
        ks.set(0, b"k", Val::Int(1), false);
        ks.touch(0, b"k");
        assert!(ks.watched.is_empty());
        assert!(!ks.watched.is_dirty(1));
    }

    #[test]
    fn an_already_expired_key_is_watched_as_absent() {
        let mut ks = ks();
        ks.set(0, b"k", Val::Int(1), false);
        ks.set_expire(0, b"k", Some(500));
        ks.watch(1, 0, b"k");
        assert!(!ks.watched_key_expired(1), "it was expired when watched");
        // Lazy deletion of the expired key is no logical change.
        assert!(!ks.exists(0, b"k"));
        assert!(!ks.watched.is_dirty(1));
        // Creating it is.
        ks.set(0, b"k", Val::Int(2), false);
        assert!(ks.watched.is_dirty(1));
    }

    #[test]
    fn a_key_expiring_after_watch_fails_exec() {
        let mut ks = ks();
        ks.set(0, b"k", Val::Int(1), false);
        ks.set_expire(0, b"k", Some(2_000));
        ks.watch(1, 0, b"k");
        assert!(!ks.watched_key_expired(1));
        ks.now_ms = 2_000;
        assert!(ks.watched_key_expired(1));
    }

    #[test]
    fn flush_touches_only_existing_watched_keys() {
        let mut ks = ks();
        ks.set(0, b"here", Val::Int(1), false);
        ks.watch(1, 0, b"here");
        ks.watch(2, 0, b"absent");
        ks.flush(0);
        assert!(ks.watched.is_dirty(1));
        assert!(!ks.watched.is_dirty(2));
    }

    #[test]
    fn swapdb_touches_keys_present_on_either_side() {
        let mut ks = ks();
        ks.set(1, b"k", Val::Int(1), false);
        ks.watch(1, 0, b"k");
        ks.watch(2, 0, b"other");
        ks.swap_dbs(0, 1);
        assert!(ks.watched.is_dirty(1), "k appears in db 0");
        assert!(!ks.watched.is_dirty(2));
    }
}
