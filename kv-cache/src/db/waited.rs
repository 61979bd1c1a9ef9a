//! The keys blocked clients wait on, per database, and the ones that became
//! *ready* (were created) since blocked clients were last served. Redis:
//! `db->blocking_keys` and `server.ready_keys` (`src/blocked.c`).
//!
//! It lives in the keyspace, beside [`super::watch`], because key creation
//! ([`Keyspace::set`](super::Keyspace::set) on an absent key) is what
//! signals readiness; who waits and what to run again is the blocked-client
//! registry's business ([`crate::state::blocked`]), above the keyspace.

use std::collections::{HashMap, HashSet, VecDeque};

/// Keys blocked clients wait on, and the ones that became ready. Redis:
/// `db->blocking_keys` (key → list of clients) and `server.ready_keys`.
#[derive(Debug, Default)]
pub struct WaitedKeys {
    /// Per database (grown on demand): key → waiting client ids, oldest first.
    by_db: Vec<HashMap<Vec<u8>, VecDeque<u64>>>,
    /// Keys with at least one waiter, over all databases: the one test
    /// [`Keyspace::set`](super::Keyspace::set) makes on the common path.
    count: usize,
    /// Keys that became ready, in the order they did.
    ready: VecDeque<(usize, Vec<u8>)>,
    /// `ready` as a set, so that a key is listed once (Redis `db->ready_keys`).
    ready_set: HashSet<(usize, Vec<u8>)>,
}

impl WaitedKeys {
    /// Whether no client waits on any key.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Whether some key became ready and its waiters were not served yet.
    #[inline]
    pub fn has_ready(&self) -> bool {
        !self.ready.is_empty()
    }

    /// Appends `client` to the waiters of `key` in `db`.
    pub fn add(&mut self, db: usize, key: &[u8], client: u64) {
        if self.by_db.len() <= db {
            self.by_db.resize_with(db + 1, HashMap::new);
        }
        let map = &mut self.by_db[db];
        match map.get_mut(key) {
            Some(q) => q.push_back(client),
            None => {
                map.insert(key.to_vec(), VecDeque::from([client]));
                self.count += 1;
            }
        }
    }

    /// Removes `client` from the waiters of `key` in `db`.
    pub fn remove(&mut self, db: usize, key: &[u8], client: u64) {
        let Some(map) = self.by_db.get_mut(db) else {
            return;
        };
        let Some(q) = map.get_mut(key) else { return };
        if let Some(at) = q.iter().position(|&c| c == client) {
            q.remove(at);
        }
        if q.is_empty() {
            map.remove(key);
            self.count -= 1;
        }
    }

    /// Waiters of `key` in `db`, oldest first (a snapshot: serving them
    /// changes the queue).
    pub fn waiters(&self, db: usize, key: &[u8]) -> Vec<u64> {
        self.by_db
            .get(db)
            .and_then(|m| m.get(key))
            .map(|q| q.iter().copied().collect())
            .unwrap_or_default()
    }

    /// Whether some client waits on `key` in `db`.
    pub fn is_waited(&self, db: usize, key: &[u8]) -> bool {
        self.by_db.get(db).is_some_and(|m| m.contains_key(key))
    }

    /// The keys waited on in `db` (for `SWAPDB`, which may bring them in).
    pub fn keys_in(&self, db: usize) -> Vec<Vec<u8>> {
        self.by_db
            .get(db)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// Notes that `key` in `db` now exists, if anyone waits on it. Redis:
    /// `signalKeyAsReady`.
    pub fn signal(&mut self, db: usize, key: &[u8]) {
        if !self.is_waited(db, key) {
            return;
        }
        let entry = (db, key.to_vec());
        if self.ready_set.insert(entry.clone()) {
            self.ready.push_back(entry);
        }
    }

    /// The oldest ready key, taken off the ready list.
    pub fn pop_ready(&mut self) -> Option<(usize, Vec<u8>)> {
        let entry = self.ready.pop_front()?;
        self.ready_set.remove(&entry);
        Some(entry)
    }
}
