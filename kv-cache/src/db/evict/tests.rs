//! The eviction loop on a keyspace whose "memory" is a model: 100 bytes a
//! key, so each test states exactly how many keys fit.

use super::*;
use crate::db::{Happened, LOG_EVICTED, Val};

const NOW: i64 = 1_700_000_000_000;

fn keyspace(dbs: usize) -> Keyspace {
    let mut ks = Keyspace::new(dbs);
    ks.now_ms = NOW;
    ks.logging = LOG_EVICTED;
    ks
}

fn limits(policy: Policy, keys_that_fit: u64) -> Limits {
    Limits {
        maxmemory: keys_that_fit * 100,
        policy,
        samples: 5,
        tenacity: 100,
    }
}

/// Runs the loop with memory = 100 bytes per key.
fn evict(ks: &mut Keyspace, lim: &Limits) -> Outcome {
    let mut used = |ks: &Keyspace| ks.dbs.iter().map(|d| d.dict.len()).sum::<usize>() * 100;
    ks.perform_evictions(lim, &mut used)
}

fn evicted(ks: &mut Keyspace) -> Vec<Vec<u8>> {
    ks.log
        .drain(..)
        .filter(|(w, _, _)| *w == Happened::Evicted)
        .map(|(_, _, k)| k)
        .collect()
}

#[test]
fn noeviction_fails_and_no_limit_is_ok() {
    let mut ks = keyspace(1);
    for i in 0..10 {
        ks.set(0, format!("k{i}").as_bytes(), Val::Int(i), false);
    }
    assert_eq!(
        evict(&mut ks, &limits(Policy::NoEviction, 5)),
        Outcome::Fail
    );
    assert_eq!(evict(&mut ks, &limits(Policy::AllkeysLru, 0)), Outcome::Ok);
    assert_eq!(evict(&mut ks, &limits(Policy::AllkeysLru, 10)), Outcome::Ok);
    assert_eq!(ks.len(0), 10);
}

#[test]
fn lru_evicts_the_idlest_keys_across_databases() {
    let mut ks = keyspace(2);
    // 20 old keys in db 1, then 20 fresh ones in db 0, an hour later.
    for i in 0..20 {
        ks.set(1, format!("old{i}").as_bytes(), Val::Int(i), false);
    }
    ks.now_ms += 3_600_000;
    for i in 0..20 {
        ks.set(0, format!("new{i}").as_bytes(), Val::Int(i), false);
    }
    let lim = Limits {
        samples: 40,
        ..limits(Policy::AllkeysLru, 30)
    };
    assert_eq!(evict(&mut ks, &lim), Outcome::Ok);
    let gone = evicted(&mut ks);
    assert_eq!(gone.len(), 10);
    assert!(gone.iter().all(|k| k.starts_with(b"old")), "{gone:?}");
    assert_eq!((ks.len(0), ks.len(1)), (20, 10));
    assert_eq!(ks.stats.evicted_keys, 10);
}

#[test]
fn lfu_evicts_the_least_used_keys() {
    let mut ks = keyspace(1);
    ks.access.lfu = true;
    ks.access.log_factor = 0; // every hit counts, for a sharp test
    for i in 0..20 {
        let k = format!("k{i}");
        ks.set(0, k.as_bytes(), Val::Int(i), false);
        // Keys 10.. are read 20 times; 0..10 never.
        for _ in 0..if i >= 10 { 20 } else { 0 } {
            ks.get(0, k.as_bytes());
        }
    }
    assert_eq!(ks.freq(0, b"k15"), Some(25));
    assert_eq!(ks.freq(0, b"k3"), Some(lfu::INIT_VAL));
    let lim = Limits {
        samples: 20,
        ..limits(Policy::AllkeysLfu, 10)
    };
    assert_eq!(evict(&mut ks, &lim), Outcome::Ok);
    let mut gone = evicted(&mut ks);
    gone.sort();
    let mut want: Vec<Vec<u8>> = (0..10).map(|i| format!("k{i}").into_bytes()).collect();
    want.sort();
    assert_eq!(gone, want);
}

#[test]
fn volatile_policies_evict_only_keys_with_a_ttl_then_fail() {
    for policy in [
        Policy::VolatileLru,
        Policy::VolatileLfu,
        Policy::VolatileRandom,
        Policy::VolatileTtl,
    ] {
        let mut ks = keyspace(1);
        for i in 0..10 {
            let k = format!("k{i}");
            ks.set(0, k.as_bytes(), Val::Int(i), false);
            if i % 2 == 0 {
                ks.set_expire(0, k.as_bytes(), Some(NOW + 60_000 + i));
            }
        }
        // Room for 2: the 5 volatile keys go, and then nothing can.
        assert_eq!(
            evict(&mut ks, &limits(policy, 2)),
            Outcome::Fail,
            "{policy:?}"
        );
        let gone = evicted(&mut ks);
        assert_eq!(gone.len(), 5, "{policy:?}");
        for i in (1..10).step_by(2) {
            assert!(ks.exists(0, format!("k{i}").as_bytes()), "{policy:?}");
        }
    }
}

#[test]
fn volatile_ttl_evicts_the_nearest_expiry_first() {
    let mut ks = keyspace(1);
    for i in 0..10i64 {
        let k = format!("k{i}");
        ks.set(0, k.as_bytes(), Val::Int(i), false);
        // k9 expires first, k0 last.
        ks.set_expire(0, k.as_bytes(), Some(NOW + 1_000 * (10 - i)));
    }
    let lim = Limits {
        samples: 10,
        ..limits(Policy::VolatileTtl, 7)
    };
    assert_eq!(evict(&mut ks, &lim), Outcome::Ok);
    assert_eq!(
        evicted(&mut ks),
        vec![b"k9".to_vec(), b"k8".to_vec(), b"k7".to_vec()]
    );
}

#[test]
fn tinylfu_keeps_hot_keys_through_a_scan() {
    let run = |policy: Policy| {
        let mut ks = keyspace(1);
        if policy == Policy::AllkeysTinyLfu {
            ks.access.sketch = Some(Box::new(Sketch::new(1000)));
        }
        let lim = Limits {
            samples: 10,
            ..limits(policy, 100)
        };
        // 100 hot keys, each read several times.
        for round in 0..5 {
            for i in 0..100 {
                let k = format!("hot{i}");
                if ks.get(0, k.as_bytes()).is_none() {
                    ks.set(0, k.as_bytes(), Val::Int(i), false);
                }
            }
            ks.now_ms += 1_000 * (round + 1);
        }
        // A scan of 1000 keys read once each (cache-aside: miss, then set).
        for i in 0..1000 {
            let k = format!("scan{i}");
            ks.get(0, k.as_bytes());
            evict(&mut ks, &lim);
            ks.set(0, k.as_bytes(), Val::Int(i), false);
            ks.now_ms += 10;
        }
        evict(&mut ks, &lim);
        (0..100)
            .filter(|i| ks.exists(0, format!("hot{i}").as_bytes()))
            .count()
    };
    let (lru, tiny) = (run(Policy::AllkeysLru), run(Policy::AllkeysTinyLfu));
    assert!(lru < 20, "LRU lets the scan through: {lru} hot keys left");
    assert!(tiny > 90, "TinyLFU keeps the hot keys: {tiny} left");
}

#[test]
fn tenacity_bounds_one_call() {
    assert_eq!(time_limit(0), Some(Duration::ZERO));
    assert_eq!(time_limit(10), Some(Duration::from_micros(500)));
    assert_eq!(time_limit(11), Some(Duration::from_micros(575)));
    assert_eq!(time_limit(100), None);
    let mut ks = keyspace(1);
    for i in 0..1000 {
        ks.set(0, format!("k{i}").as_bytes(), Val::Int(i), false);
    }
    // Tenacity 0: one batch of 16 keys per call, then Running.
    let lim = Limits {
        tenacity: 0,
        ..limits(Policy::AllkeysRandom, 10)
    };
    assert_eq!(evict(&mut ks, &lim), Outcome::Running);
    assert_eq!(ks.len(0), 1000 - 16);
}
