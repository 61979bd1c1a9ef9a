//! The replication ids: which history a dataset belongs to, and whether a
//! replica asking to continue shares it.
//!
//! A replication id is 40 random hex characters naming one history of
//! writes; an offset is a position in it. A replica that reconnects sends
//! `PSYNC <replid> <offset>`: "I hold history `replid` up to `offset - 1`".
//!
//! Why two ids (PSYNC2, Redis 4.0): when a replica is promoted it starts a
//! new history of its own, but its dataset up to the promotion *is* the old
//! master's. It keeps the old id as `replid2`, valid up to the offset where
//! the histories part (`second_replid_offset`), so its former siblings can
//! continue from it instead of syncing everything again. Redis 2.8's PSYNC
//! (the one "Redis设计与实现" describes) had one run id that changed at
//! every restart and promotion, so a failover always cost every replica a
//! full sync.

use std::fmt;
use std::io::Read;

/// Length of a replication id in hex characters (`CONFIG_RUN_ID_SIZE`).
pub const ID_LEN: usize = 40;

/// A replication id: 40 lowercase hex characters.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReplId([u8; ID_LEN]);

impl ReplId {
    /// The all-zero id Redis shows for an unset `replid2`.
    pub const ZERO: ReplId = ReplId([b'0'; ID_LEN]);

    /// A fresh random id, from the kernel's random source (falling back to
    /// the clock and the pid, which still differ from run to run).
    pub fn random() -> ReplId {
        let mut raw = [0u8; ID_LEN / 2];
        let from_kernel = std::fs::File::open("/dev/urandom")
            .and_then(|mut f| f.read_exact(&mut raw))
            .is_ok();
        if !from_kernel {
            let seed = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64)
                ^ u64::from(std::process::id()) << 32;
            let mut x = seed;
            for byte in raw.iter_mut() {
                // splitmix64 steps: any seed gives well-mixed bytes.
                x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
                let mut z = x;
                z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
                *byte = (z ^ (z >> 31)) as u8;
            }
        }
        let mut id = [0u8; ID_LEN];
        for (pair, byte) in id.chunks_exact_mut(2).zip(raw) {
            pair[0] = HEX[usize::from(byte >> 4)];
            pair[1] = HEX[usize::from(byte & 15)];
        }
        ReplId(id)
    }

    /// Parses an id as a replica or master sends it: exactly 40 hex
    /// characters (compared without regard to case, as Redis's
    /// `strcasecmp`, so stored lowercase).
    pub fn parse(text: &[u8]) -> Option<ReplId> {
        if text.len() != ID_LEN || !text.iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        let mut id = [0u8; ID_LEN];
        for (d, s) in id.iter_mut().zip(text) {
            *d = s.to_ascii_lowercase();
        }
        Some(ReplId(id))
    }

    /// The id as text.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

impl fmt::Display for ReplId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Only hex digits are ever stored.
        f.write_str(std::str::from_utf8(&self.0).unwrap_or("?"))
    }
}

impl fmt::Debug for ReplId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ReplId({self})")
    }
}

/// The ids of this server's history. Redis: `server.replid`,
/// `server.replid2`, `server.second_replid_offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplIds {
    /// The current history.
    pub id: ReplId,
    /// The history this one continues, or [`ReplId::ZERO`].
    pub id2: ReplId,
    /// The first offset that is *not* shared with `id2`'s history, or
    /// `None` (Redis shows `-1`).
    pub second_offset: Option<u64>,
}

/// What to answer a replica's `PSYNC`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Psync {
    /// `+CONTINUE`: the backlog holds what it lacks.
    Continue,
    /// `+FULLRESYNC`, and why (for the log line Redis writes).
    FullResync(WhyFull),
}

/// Why a `PSYNC` cannot continue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhyFull {
    /// `PSYNC ? -1`: the replica asked for it.
    Requested,
    /// Neither of our ids is the replica's.
    OtherHistory,
    /// The replica has our old id but went past the point where our
    /// history left it.
    PastSecondId,
    /// The history is ours, but the backlog no longer (or never) held
    /// that offset.
    NotInBacklog,
}

impl ReplIds {
    /// A new history with no predecessor.
    pub fn fresh() -> ReplIds {
        ReplIds {
            id: ReplId::random(),
            id2: ReplId::ZERO,
            second_offset: None,
        }
    }

    /// Starts a new history at `offset` (the current `master_repl_offset`)
    /// that continues the current one: the current id becomes `id2`, valid
    /// up to `offset + 1`. Redis `shiftReplicationId`, on promotion.
    pub fn shift(&mut self, offset: u64) {
        self.id2 = self.id;
        self.second_offset = Some(offset + 1);
        self.id = ReplId::random();
    }

    /// Forgets the predecessor (Redis `clearReplicationId2`).
    pub fn clear_second(&mut self) {
        self.id2 = ReplId::ZERO;
        self.second_offset = None;
    }

    /// The decision for `PSYNC <replid> <psync_offset>`, given whether the
    /// backlog covers that offset. `replid` is `None` for `?` or a
    /// malformed id. Redis `masterTryPartialResynchronization`.
    pub fn psync(&self, replid: Option<ReplId>, psync_offset: u64, in_backlog: bool) -> Psync {
        let Some(asked) = replid else {
            return Psync::FullResync(WhyFull::Requested);
        };
        let ours = asked == self.id;
        let our_past = asked == self.id2
            && asked != ReplId::ZERO
            && self.second_offset.is_some_and(|o| psync_offset <= o);
        if !ours && !our_past {
            let why = if asked == self.id2 && asked != ReplId::ZERO {
                WhyFull::PastSecondId
            } else {
                WhyFull::OtherHistory
            };
            return Psync::FullResync(why);
        }
        if !in_backlog {
            return Psync::FullResync(WhyFull::NotInBacklog);
        }
        Psync::Continue
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn random_ids_are_40_lowercase_hex_and_differ() {
        let (a, b) = (ReplId::random(), ReplId::random());
        assert_ne!(a, b);
        assert_eq!(a.as_bytes().len(), ID_LEN);
        assert!(
            a.as_bytes()
                .iter()
                .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c))
        );
        assert_eq!(ReplId::parse(a.as_bytes()), Some(a));
    }

    #[test]
    fn parsing_takes_exactly_40_hex_characters_in_either_case() {
        let upper = "ABCDEF0123456789ABCDEF0123456789ABCDEF01";
        let id = ReplId::parse(upper.as_bytes()).unwrap();
        assert_eq!(id.to_string(), upper.to_ascii_lowercase());
        assert!(ReplId::parse(b"?").is_none());
        assert!(ReplId::parse(&upper.as_bytes()[..39]).is_none());
        assert!(ReplId::parse(b"g000000000000000000000000000000000000000").is_none());
    }

    #[test]
    fn psync_continues_our_history_or_our_predecessor_up_to_the_split() {
        let mut ids = ReplIds::fresh();
        let old = ids.id;
        assert_eq!(ids.psync(Some(old), 10, true), Psync::Continue);
        assert_eq!(
            ids.psync(Some(old), 10, false),
            Psync::FullResync(WhyFull::NotInBacklog)
        );
        assert_eq!(
            ids.psync(None, 10, true),
            Psync::FullResync(WhyFull::Requested)
        );
        assert_eq!(
            ids.psync(Some(ReplId::random()), 10, true),
            Psync::FullResync(WhyFull::OtherHistory)
        );
        // Promoted at offset 500: a sibling at 501 (all of the old history)
        // continues; one claiming more of the old history than exists here
        // cannot.
        ids.shift(500);
        assert_ne!(ids.id, old);
        assert_eq!(ids.second_offset, Some(501));
        assert_eq!(ids.psync(Some(old), 501, true), Psync::Continue);
        assert_eq!(
            ids.psync(Some(old), 502, true),
            Psync::FullResync(WhyFull::PastSecondId)
        );
        assert_eq!(ids.psync(Some(ids.id), 600, true), Psync::Continue);
        // The zero id never matches an unset replid2.
        assert_eq!(
            ids.psync(Some(ReplId::ZERO), 1, true),
            Psync::FullResync(WhyFull::OtherHistory)
        );
        ids.clear_second();
        assert_eq!(
            ids.psync(Some(old), 400, true),
            Psync::FullResync(WhyFull::OtherHistory)
        );
    }

    proptest! {
        #[test]
        fn parsing_arbitrary_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
            if let Some(id) = ReplId::parse(&bytes) {
                prop_assert!(bytes.eq_ignore_ascii_case(id.as_bytes()));
            }
        }
    }
}
