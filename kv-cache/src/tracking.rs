//! The client-side caching registry: who tracks what, for `CLIENT
//! TRACKING`. Redis: `src/tracking.c` (`TrackingTable`, `PrefixTable`)
//! and the `CLIENT_TRACKING*` flags of `struct client`.
//!
//! Two tables, as in Redis:
//!
//! ```text
//!  default mode                         BCAST mode
//!  keys: key ──► [client ids]           prefixes: prefix ──► { clients: {ids},
//!        "user:1" ─► [4, 9]                                    keys: {key ─► who changed it} }
//!        "cart"   ─► [9]                          ""     ──► { {12}, {} }
//!                                                 "user:" ──► { {7}, {"user:1" ─► Some(4)} }
//! ```
//!
//! - **keys** (Redis `TrackingTable`): a key read by a tracking client is
//!   remembered with that client's id; the first change of the key
//!   invalidates it for every id, once, and the entry is forgotten. Keys
//!   are names only: the database is not part of them (as in Redis).
//! - **prefixes** (Redis `PrefixTable`): a BCAST client registers
//!   prefixes (the empty one by default); every change of a key under one
//!   is collected there, and the collected keys go out together once per
//!   event-loop turn ([`Tracking::take_broadcasts`], Redis's `beforeSleep`).
//!
//! The registry decides who is told what; encoding the messages and
//! routing them (a RESP3 push, or a Pub/Sub message to a RESP2 redirect
//! connection) is the execution layer's, which knows the connections
//! (`exec::track`). Everything here is data and costs nothing while no
//! client tracks: the layer above checks [`Tracking::clients`] first.

use std::collections::{BTreeMap, BTreeSet};

use crate::db::Dict;
use crate::idmap::IdMap;

/// One tracking client's options (Redis: its `CLIENT_TRACKING_*` flags,
/// `client_tracking_redirection` and `client_tracking_prefixes`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tracker {
    /// `REDIRECT id`: the client that gets the messages (0: itself).
    pub redirect: u64,
    /// `BCAST`: notified by prefix, nothing is remembered per key.
    pub bcast: bool,
    /// `OPTIN`: only keys read right after `CLIENT CACHING YES` are tracked.
    pub optin: bool,
    /// `OPTOUT`: keys are tracked unless `CLIENT CACHING NO` came right before.
    pub optout: bool,
    /// `NOLOOP`: not told about its own changes.
    pub noloop: bool,
    /// `CLIENT CACHING YES|NO` was given for the next command (Redis
    /// `CLIENT_TRACKING_CACHING`); cleared after the next command that is
    /// not `CLIENT`, or after the transaction.
    pub caching: bool,
    /// The redirect client is gone (Redis `CLIENT_TRACKING_BROKEN_REDIR`,
    /// flag `R` in `CLIENT LIST`).
    pub broken_redirect: bool,
    /// Its BCAST prefixes, in byte order.
    pub prefixes: BTreeSet<Vec<u8>>,
}

impl Tracker {
    /// Whether the keys of the command about to finish are remembered for
    /// it (Redis's test at the top of `trackingRememberKeys`).
    pub fn remembers(&self) -> bool {
        let opted_out = if self.optin {
            !self.caching
        } else {
            self.optout && self.caching
        };
        !self.bcast && !opted_out
    }
}

/// One BCAST prefix: its clients, and the keys changed under it since the
/// last broadcast, each with the client that changed it last (for
/// `NOLOOP`; `None` when the server did, by expiry).
#[derive(Debug, Default)]
struct Prefix {
    clients: BTreeSet<u64>,
    keys: BTreeMap<Vec<u8>, Option<u64>>,
}

/// One broadcast: the keys collected under a prefix, to send to `clients`
/// (a `NOLOOP` client gets them without those it changed itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broadcast {
    /// The prefix's clients.
    pub clients: Vec<u64>,
    /// Changed keys, in byte order, with who changed each last.
    pub keys: Vec<(Vec<u8>, Option<u64>)>,
}

/// Every tracking client and both tables.
#[derive(Debug, Default)]
pub struct Tracking {
    /// Tracking clients by id (Redis `server.tracking_clients` counts them).
    clients: IdMap<Tracker>,
    /// Key → ids of the clients that read it (Redis `TrackingTable`). A
    /// [`Dict`], for the random pick of `tracking-table-max-keys`.
    keys: Dict<Vec<u64>>,
    /// Ids stored across `keys` (Redis `TrackingTableTotalItems`).
    items: usize,
    /// Prefix → its BCAST state (Redis `PrefixTable`).
    prefixes: BTreeMap<Vec<u8>, Prefix>,
    /// Whether some prefix collected a key since the last broadcast.
    bcast_pending: bool,
    /// Encoded messages for the client whose command is running, written
    /// after that command's reply (Redis `server.tracking_pending_keys`).
    pub own: Vec<u8>,
}

impl Tracking {
    /// Clients with tracking on (`INFO tracking_clients`). Zero means
    /// nothing else here needs to be asked.
    #[inline]
    pub fn clients(&self) -> usize {
        self.clients.len()
    }

    /// Client `id`'s options, if it tracks.
    pub fn get(&self, id: u64) -> Option<&Tracker> {
        self.clients.get(&id)
    }

    /// Client `id`'s options, to change (`CLIENT CACHING`, broken redirect).
    pub fn get_mut(&mut self, id: u64) -> Option<&mut Tracker> {
        self.clients.get_mut(&id)
    }

    /// Turns tracking on for `id` (or changes its options: Redis keeps the
    /// BCAST prefixes already registered and adds the new ones). The
    /// caller checked the options (`cmd::client`).
    pub fn enable(&mut self, id: u64, mut opts: Tracker, prefixes: &[&[u8]]) {
        let old = self.clients.remove(&id).unwrap_or_default();
        opts.prefixes = old.prefixes;
        // Redis's `enableTracking` leaves a pending `CLIENT CACHING` as it is.
        opts.caching = old.caching;
        opts.broken_redirect = false;
        if opts.bcast {
            let empty: &[u8] = b"";
            let list = if prefixes.is_empty() {
                &[empty][..]
            } else {
                prefixes
            };
            for p in list {
                self.prefixes
                    .entry(p.to_vec())
                    .or_default()
                    .clients
                    .insert(id);
                opts.prefixes.insert(p.to_vec());
            }
        }
        self.clients.insert(id, opts);
    }

    /// Turns tracking off for `id` (also when it disconnects): out of its
    /// prefixes; its ids in the key table stay until those keys change,
    /// as in Redis, and are skipped then.
    pub fn disable(&mut self, id: u64) {
        let Some(t) = self.clients.remove(&id) else {
            return;
        };
        for p in &t.prefixes {
            if let Some(state) = self.prefixes.get_mut(p) {
                state.clients.remove(&id);
                if state.clients.is_empty() {
                    self.prefixes.remove(p);
                }
            }
        }
    }

    /// Whether `key` starts with an existing prefix of `id`, or an existing
    /// prefix starts with it: Redis refuses such a pair. Returns the
    /// prefix it collides with.
    pub fn prefix_collision(&self, id: u64, prefix: &[u8]) -> Option<&[u8]> {
        let t = self.clients.get(&id)?;
        t.prefixes
            .iter()
            .find(|p| overlap(p, prefix))
            .map(|p| p.as_slice())
    }

    /// Remembers that tracking client `id` read `key`.
    pub fn remember(&mut self, id: u64, key: &[u8]) {
        match self.keys.get_mut(key) {
            Some(e) => {
                if let Err(at) = e.value.binary_search(&id) {
                    e.value.insert(at, id);
                    self.items += 1;
                }
            }
            None => {
                self.keys.insert(key, vec![id]);
                self.items += 1;
            }
        }
    }

    /// A change of `key` by client `by` (`None`: by the server, e.g.
    /// expiry): collects it for the BCAST prefixes it falls under, and
    /// takes its entry out of the key table. Returns the ids that read it
    /// and still track in default mode, minus `by` if it is `NOLOOP`
    /// (Redis `trackingInvalidateKey`). `bcast` is false for the table
    /// trimming of `tracking-table-max-keys`, which tells no prefix.
    pub fn invalidate(&mut self, key: &[u8], by: Option<u64>, bcast: bool) -> Vec<u64> {
        if bcast && !self.prefixes.is_empty() {
            for (p, state) in self.prefixes.iter_mut() {
                if key.starts_with(p) {
                    state.keys.insert(key.to_vec(), by);
                    self.bcast_pending = true;
                }
            }
        }
        let Some((_, ids)) = self.keys.remove(key) else {
            return Vec::new();
        };
        self.items -= ids.len();
        ids.into_iter()
            .filter(|id| match self.clients.get(id) {
                // A BCAST client hears of changes by prefix only.
                Some(t) if t.bcast => false,
                Some(t) => !t.noloop || Some(*id) != by,
                None => false,
            })
            .collect()
    }

    /// `FLUSHALL`/`FLUSHDB`: forgets every remembered key and returns every
    /// tracking client, each to be told "everything" (Redis
    /// `trackingInvalidateKeysOnFlush`).
    pub fn flush(&mut self) -> Vec<u64> {
        self.keys = Dict::new();
        self.items = 0;
        // In connection order, as Redis walks its client list.
        let mut ids: Vec<u64> = self.clients.keys().copied().collect();
        ids.sort_unstable();
        ids
    }

    /// The keys collected under each prefix since the last call, in prefix
    /// order, emptying them (Redis `trackingBroadcastInvalidationMessages`,
    /// run before the event loop sleeps).
    pub fn take_broadcasts(&mut self) -> Vec<Broadcast> {
        if !std::mem::take(&mut self.bcast_pending) {
            return Vec::new();
        }
        self.prefixes
            .values_mut()
            .filter(|s| !s.keys.is_empty())
            .map(|s| Broadcast {
                clients: s.clients.iter().copied().collect(),
                keys: std::mem::take(&mut s.keys).into_iter().collect(),
            })
            .collect()
    }

    /// A key of the table picked at random, while it holds more than `max`
    /// keys (`tracking-table-max-keys`; 0: no limit). Redis then
    /// invalidates it as if it changed (`trackingLimitUsedSlots`).
    pub fn over_limit(&mut self, max: u64) -> Option<Vec<u8>> {
        if max == 0 || self.keys.len() as u64 <= max {
            return None;
        }
        self.keys.random_entry().map(|e| e.key().to_vec())
    }

    /// `INFO tracking_total_keys`: keys in the table.
    pub fn total_keys(&self) -> usize {
        self.keys.len()
    }

    /// `INFO tracking_total_items`: client ids across the table.
    pub fn total_items(&self) -> usize {
        self.items
    }

    /// `INFO tracking_total_prefixes`: BCAST prefixes registered.
    pub fn total_prefixes(&self) -> usize {
        self.prefixes.len()
    }
}

/// Whether one of two prefixes starts with the other (Redis
/// `stringCheckPrefix`: they overlap on their common length).
pub fn overlap(a: &[u8], b: &[u8]) -> bool {
    let n = a.len().min(b.len());
    a[..n] == b[..n]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on(t: &mut Tracking, id: u64, opts: Tracker, prefixes: &[&[u8]]) {
        t.enable(id, opts, prefixes);
    }

    #[test]
    fn a_key_is_invalidated_once_for_each_reader() {
        let mut t = Tracking::default();
        on(&mut t, 1, Tracker::default(), &[]);
        on(&mut t, 2, Tracker::default(), &[]);
        t.remember(1, b"k");
        t.remember(2, b"k");
        t.remember(2, b"k");
        assert_eq!((t.total_keys(), t.total_items()), (1, 2));
        assert_eq!(t.invalidate(b"k", Some(3), true), vec![1, 2]);
        assert_eq!(t.invalidate(b"k", Some(3), true), Vec::<u64>::new());
        assert_eq!((t.total_keys(), t.total_items()), (0, 0));
    }

    #[test]
    fn noloop_skips_the_writer_and_disabled_clients_are_skipped() {
        let mut t = Tracking::default();
        let noloop = Tracker {
            noloop: true,
            ..Tracker::default()
        };
        on(&mut t, 1, noloop, &[]);
        on(&mut t, 2, Tracker::default(), &[]);
        t.remember(1, b"k");
        t.remember(2, b"k");
        t.disable(2);
        assert_eq!(t.invalidate(b"k", Some(1), true), Vec::<u64>::new());
        assert_eq!(t.total_items(), 0);
    }

    #[test]
    fn broadcasts_collect_keys_per_prefix_in_order() {
        let mut t = Tracking::default();
        let bcast = Tracker {
            bcast: true,
            ..Tracker::default()
        };
        on(&mut t, 1, bcast.clone(), &[b"a:", b"b"]);
        on(&mut t, 2, bcast, &[]);
        assert_eq!(t.total_prefixes(), 3);
        t.invalidate(b"a:2", Some(5), true);
        t.invalidate(b"a:1", None, true);
        t.invalidate(b"a:2", Some(1), true);
        t.invalidate(b"c", Some(5), true);
        let got = t.take_broadcasts();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].clients, vec![2]);
        assert_eq!(got[0].keys.len(), 3);
        assert_eq!(got[1].clients, vec![1]);
        assert_eq!(
            got[1].keys,
            vec![(b"a:1".to_vec(), None), (b"a:2".to_vec(), Some(1))]
        );
        assert!(t.take_broadcasts().is_empty());
        t.disable(1);
        assert_eq!(t.total_prefixes(), 1);
    }

    #[test]
    fn prefixes_overlap_on_their_common_length() {
        assert!(overlap(b"ab", b"a"));
        assert!(overlap(b"", b"x"));
        assert!(!overlap(b"ab", b"ac"));
        let mut t = Tracking::default();
        let bcast = Tracker {
            bcast: true,
            ..Tracker::default()
        };
        on(&mut t, 1, bcast, &[b"ab"]);
        assert_eq!(t.prefix_collision(1, b"a"), Some(&b"ab"[..]));
        assert_eq!(t.prefix_collision(1, b"b"), None);
    }

    #[test]
    fn the_table_limit_picks_keys_until_under_it() {
        let mut t = Tracking::default();
        on(&mut t, 1, Tracker::default(), &[]);
        for i in 0..10u8 {
            t.remember(1, &[i]);
        }
        assert_eq!(t.over_limit(0), None);
        let mut rounds = 0;
        while let Some(k) = t.over_limit(4) {
            assert_eq!(t.invalidate(&k, None, false), vec![1]);
            rounds += 1;
        }
        assert_eq!((rounds, t.total_keys()), (6, 4));
    }

    #[test]
    fn optin_and_optout_follow_the_caching_flag() {
        let mut t = Tracker {
            optin: true,
            ..Tracker::default()
        };
        assert!(!t.remembers());
        t.caching = true;
        assert!(t.remembers());
        let mut t = Tracker {
            optout: true,
            ..Tracker::default()
        };
        assert!(t.remembers());
        t.caching = true;
        assert!(!t.remembers());
    }
}
