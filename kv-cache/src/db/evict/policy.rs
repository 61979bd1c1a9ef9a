//! `maxmemory-policy`: which keys may be evicted and how the victim is
//! chosen. Redis: the `MAXMEMORY_*` constants in `src/server.h` and
//! `maxmemory_policy_enum` in `src/config.c`.
//!
//! Two questions make a policy: *which keys* (all, or only those with a
//! TTL — `volatile-*`), and *which of them first* (least recently used,
//! least frequently used, nearest expiry, or any). `allkeys-tinylfu` is
//! kv-cache's own: sampled LRU with a TinyLFU admission filter in front
//! (see [`super::admit`]); it is not one of Redis's and not the default.

/// One value of `maxmemory-policy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Policy {
    /// Never evict: commands that may grow memory get `-OOM` (the default).
    #[default]
    NoEviction,
    /// Approximated LRU among keys with a TTL.
    VolatileLru,
    /// Approximated LFU among keys with a TTL.
    VolatileLfu,
    /// Any key with a TTL.
    VolatileRandom,
    /// The key with the nearest expiry.
    VolatileTtl,
    /// Approximated LRU among all keys.
    AllkeysLru,
    /// Approximated LFU among all keys.
    AllkeysLfu,
    /// Any key.
    AllkeysRandom,
    /// Sampled eviction ranked by a frequency sketch, a new key admitted
    /// only if the sketch says it is requested more often than the victim
    /// it would displace.
    AllkeysTinyLfu,
}

/// How the victim is ranked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rank {
    /// By idle time (the LRU clock).
    Lru,
    /// By the LFU counter.
    Lfu,
    /// By deadline.
    Ttl,
    /// Not ranked: a random key.
    Random,
}

/// Every policy with its name, in the order Redis's error text lists
/// them, then ours.
pub const NAMES: &[(&str, Policy)] = &[
    ("volatile-lru", Policy::VolatileLru),
    ("volatile-lfu", Policy::VolatileLfu),
    ("volatile-random", Policy::VolatileRandom),
    ("volatile-ttl", Policy::VolatileTtl),
    ("allkeys-lru", Policy::AllkeysLru),
    ("allkeys-lfu", Policy::AllkeysLfu),
    ("allkeys-random", Policy::AllkeysRandom),
    ("noeviction", Policy::NoEviction),
    ("allkeys-tinylfu", Policy::AllkeysTinyLfu),
];

/// How many of [`NAMES`] are Redis's.
const REDIS_POLICIES: usize = 8;

impl Policy {
    /// The policy called `name` (any case, as Redis's enum configs).
    pub fn parse(name: &str) -> Option<Policy> {
        NAMES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|&(_, p)| p)
    }

    /// Its name, as `CONFIG GET` and `INFO` print it.
    pub fn name(self) -> &'static str {
        NAMES
            .iter()
            .find(|&&(_, p)| p == self)
            .map(|&(n, _)| n)
            .unwrap_or("noeviction")
    }

    /// Redis's refusal of any other name (`configEnumGetValue`'s list),
    /// word for word: clients and tests compare it, so our own policy is
    /// documented rather than listed there.
    pub fn error_text() -> String {
        let names: Vec<&str> = NAMES[..REDIS_POLICIES].iter().map(|&(n, _)| n).collect();
        format!(
            "argument(s) must be one of the following: {}",
            names.join(", ")
        )
    }

    /// Whether only keys with a TTL may go.
    pub fn volatile(self) -> bool {
        matches!(
            self,
            Policy::VolatileLru
                | Policy::VolatileLfu
                | Policy::VolatileRandom
                | Policy::VolatileTtl
        )
    }

    /// How victims are ranked (`None` for `noeviction`).
    pub fn rank(self) -> Option<Rank> {
        Some(match self {
            Policy::NoEviction => return None,
            Policy::VolatileLru | Policy::AllkeysLru | Policy::AllkeysTinyLfu => Rank::Lru,
            Policy::VolatileLfu | Policy::AllkeysLfu => Rank::Lfu,
            Policy::VolatileTtl => Rank::Ttl,
            Policy::VolatileRandom | Policy::AllkeysRandom => Rank::Random,
        })
    }

    /// Whether keys carry the LFU layout in their 24 bits (Redis
    /// `MAXMEMORY_FLAG_LFU`).
    pub fn lfu(self) -> bool {
        self.rank() == Some(Rank::Lfu)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_the_error_lists_redis_order() {
        for &(n, p) in NAMES {
            assert_eq!(Policy::parse(n), Some(p));
            assert_eq!(Policy::parse(&n.to_ascii_uppercase()), Some(p));
            assert_eq!(p.name(), n);
        }
        assert_eq!(Policy::parse("nonsense"), None);
        assert_eq!(
            Policy::error_text(),
            "argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction"
        );
        assert!(Policy::AllkeysLfu.lfu() && !Policy::AllkeysTinyLfu.lfu());
        assert!(Policy::VolatileTtl.volatile() && !Policy::AllkeysRandom.volatile());
    }
}
