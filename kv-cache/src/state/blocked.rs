//! The blocked-client registry (`BLPOP`, `BZPOPMIN`, `BLMOVE`...). Redis:
//! `c->bstate` and `server.clients_timeout_table` in `src/blocked.c`.
//!
//! Two halves, as in Redis:
//!
//! - [`WaitedKeys`] lives in the [`Keyspace`](crate::db::Keyspace)
//!   ([`crate::db::waited`]): per database, each key some client waits on
//!   and its waiters in arrival order, and the keys that became ready.
//! - [`Blocked`] lives in the [`Server`](super::Server): per blocked
//!   client, what it waits for, until when, and the command to run again
//!   (it runs on the client's own record, taken from the server's map).
//!
//! Serving is a retry: when a key becomes ready each waiter's command is
//! run again, whole; it either replies (and the client is unblocked) or
//! blocks again, keeping its place in every queue. See `exec::wake`.

use std::collections::BTreeSet;

use crate::db::waited::WaitedKeys;
use crate::idmap::IdMap;
use crate::protocol::OwnedArgv;

/// What a blocked command replies when its timeout passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnTimeout {
    /// A null array (`BLPOP`, `BZPOPMIN`, `BLMPOP`, `BZMPOP`).
    NullArray,
    /// A null bulk string (`BLMOVE`, `BRPOPLPUSH`).
    NullBulk,
}

/// How `CLIENT UNBLOCK` ends a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unblock {
    /// As if the timeout passed: the command's null reply.
    Timeout,
    /// `-UNBLOCKED client unblocked via CLIENT UNBLOCK`.
    Error,
}

/// A parked client: what it waits for and the command to run again.
/// Redis: `c->bstate` plus the client's `argv`.
#[derive(Debug)]
pub struct BlockedClient {
    /// The database its keys are in.
    pub db: usize,
    /// The keys it waits on, without duplicates.
    pub keys: Vec<Vec<u8>>,
    /// When it times out, Unix ms; `None` waits forever.
    pub deadline: Option<i64>,
    /// What it replies on timeout.
    pub on_timeout: OnTimeout,
    /// The blocking command, run again when a key becomes ready (on the
    /// client's own record, [`super::Session`]).
    pub argv: OwnedArgv,
}

/// Every blocked client. Redis: the `CLIENT_BLOCKED` clients with their
/// `bstate`, and `server.clients_timeout_table` ordered by deadline.
#[derive(Debug, Default)]
pub struct Blocked {
    /// By client id.
    clients: IdMap<BlockedClient>,
    /// `(deadline, client)` of clients with a timeout, soonest first.
    timeouts: BTreeSet<(i64, u64)>,
    /// Clients taken out for a retry (they are still in their queues).
    retrying: usize,
}

impl Blocked {
    /// Number of blocked clients (`INFO clients blocked_clients`).
    pub fn len(&self) -> usize {
        self.clients.len() + self.retrying
    }

    /// Whether no client is blocked.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.clients.is_empty() && self.retrying == 0
    }

    /// Whether client `id` is blocked.
    pub fn contains(&self, id: u64) -> bool {
        self.clients.contains_key(&id)
    }

    /// Blocked clients with a deadline (`INFO clients clients_in_timeout_table`).
    pub fn with_timeout(&self) -> usize {
        self.timeouts.len()
    }

    /// The soonest deadline of any blocked client, Unix ms.
    pub fn nearest_deadline(&self) -> Option<i64> {
        self.timeouts.first().map(|&(at, _)| at)
    }

    /// Clients whose deadline is before `now_ms`, soonest first. Strictly
    /// before, as Redis compares: clocks are read in whole (floored)
    /// milliseconds, and `<=` could answer up to 1 ms early.
    pub fn timed_out(&self, now_ms: i64) -> Vec<u64> {
        self.timeouts
            .iter()
            .take_while(|&&(at, _)| at < now_ms)
            .map(|&(_, id)| id)
            .collect()
    }

    /// Parks client `id`: queues it on each of its keys (once per key) and
    /// records its deadline. A client already blocked is replaced.
    pub fn insert(&mut self, waited: &mut WaitedKeys, id: u64, mut rec: BlockedClient) {
        self.remove(waited, id);
        // `BLPOP k k 0` waits on `k` once (Redis adds keys to a dict).
        // Key lists are short: a linear check beats a set.
        let mut unique: Vec<Vec<u8>> = Vec::with_capacity(rec.keys.len());
        for k in rec.keys.drain(..) {
            if !unique.contains(&k) {
                unique.push(k);
            }
        }
        for k in &unique {
            waited.add(rec.db, k, id);
        }
        rec.keys = unique;
        if let Some(at) = rec.deadline {
            self.timeouts.insert((at, id));
        }
        self.clients.insert(id, rec);
    }

    /// Unparks client `id`: out of every queue and the timeout table.
    /// Returns its record, or `None` if it was not blocked.
    pub fn remove(&mut self, waited: &mut WaitedKeys, id: u64) -> Option<BlockedClient> {
        let rec = self.clients.remove(&id)?;
        self.forget(waited, id, &rec);
        Some(rec)
    }

    /// Takes client `id`'s record out for a retry, leaving it in its
    /// queues (so it keeps its place) and in the timeout table. Give it
    /// back with [`Blocked::put_back`] or [`Blocked::finish`].
    pub fn take_for_retry(&mut self, id: u64) -> Option<BlockedClient> {
        let rec = self.clients.remove(&id)?;
        self.retrying += 1;
        Some(rec)
    }

    /// Returns a record taken by [`Blocked::take_for_retry`]: the retry
    /// blocked again, the client stays where it was.
    pub fn put_back(&mut self, id: u64, rec: BlockedClient) {
        self.retrying -= 1;
        self.clients.insert(id, rec);
    }

    /// Ends a retry that replied: the client leaves its queues.
    pub fn finish(&mut self, waited: &mut WaitedKeys, id: u64, rec: &BlockedClient) {
        self.retrying -= 1;
        self.forget(waited, id, rec);
    }

    fn forget(&mut self, waited: &mut WaitedKeys, id: u64, rec: &BlockedClient) {
        for k in &rec.keys {
            waited.remove(rec.db, k, id);
        }
        if let Some(at) = rec.deadline {
            self.timeouts.remove(&(at, id));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::OwnedArgv;

    fn rec(keys: &[&str], deadline: Option<i64>) -> BlockedClient {
        let mut argv = OwnedArgv::default();
        argv.push(b"BLPOP");
        for k in keys {
            argv.push(k.as_bytes());
        }
        argv.push(b"0");
        BlockedClient {
            db: 0,
            keys: keys.iter().map(|k| k.as_bytes().to_vec()).collect(),
            deadline,
            on_timeout: OnTimeout::NullArray,
            argv,
        }
    }

    #[test]
    fn queues_are_fifo_per_key_and_deduplicated() {
        let (mut w, mut b) = (WaitedKeys::default(), Blocked::default());
        b.insert(&mut w, 1, rec(&["a", "b", "a"], None));
        b.insert(&mut w, 2, rec(&["b"], None));
        b.insert(&mut w, 3, rec(&["a"], Some(50)));
        assert_eq!(w.waiters(0, b"a"), vec![1, 3]);
        assert_eq!(w.waiters(0, b"b"), vec![1, 2]);
        assert_eq!(b.len(), 3);
        assert_eq!(b.with_timeout(), 1);
        b.remove(&mut w, 1);
        assert_eq!(w.waiters(0, b"a"), vec![3]);
        assert_eq!(w.waiters(0, b"b"), vec![2]);
        b.remove(&mut w, 2);
        b.remove(&mut w, 3);
        assert!(w.is_empty() && b.is_empty());
        assert_eq!(b.nearest_deadline(), None);
    }

    #[test]
    fn signals_only_waited_keys_once() {
        let (mut w, mut b) = (WaitedKeys::default(), Blocked::default());
        w.signal(0, b"a");
        assert!(!w.has_ready(), "nobody waits on a");
        b.insert(&mut w, 7, rec(&["a"], None));
        w.signal(0, b"a");
        w.signal(0, b"a");
        w.signal(1, b"a");
        assert_eq!(w.pop_ready(), Some((0, b"a".to_vec())));
        assert_eq!(w.pop_ready(), None);
        w.signal(0, b"a");
        assert!(w.has_ready(), "a key can become ready again once served");
    }

    #[test]
    fn a_retry_keeps_the_queue_position() {
        let (mut w, mut b) = (WaitedKeys::default(), Blocked::default());
        b.insert(&mut w, 1, rec(&["k"], Some(10)));
        b.insert(&mut w, 2, rec(&["k"], Some(5)));
        let r = b.take_for_retry(1).expect("blocked");
        assert!(!b.contains(1));
        assert_eq!(b.len(), 2, "still counted while retried");
        b.put_back(1, r);
        assert_eq!(w.waiters(0, b"k"), vec![1, 2]);
        assert_eq!(b.timed_out(6), vec![2]);
        assert!(b.timed_out(5).is_empty());
        assert_eq!(b.nearest_deadline(), Some(5));
        let r = b.take_for_retry(1).expect("blocked");
        b.finish(&mut w, 1, &r);
        assert_eq!(w.waiters(0, b"k"), vec![2]);
        assert_eq!(b.timed_out(100), vec![2]);
    }
}
