//! Property tests of the timer wheel against a sorted reference model.

use proptest::prelude::*;

use super::wheel::{TimerKey, TimerWheel};

/// The reference: a plain list; `advance` fires everything due, sorted by
/// (deadline, insertion sequence). A deadline already passed when inserted
/// counts as "now" (it fires on the next advance, before later ones).
#[derive(Default)]
struct Model {
    /// (effective deadline, sequence, payload)
    live: Vec<(u64, u64, u32)>,
    /// Model time.
    now: u64,
    /// Next sequence number.
    seq: u64,
}

impl Model {
    fn insert(&mut self, deadline: u64, payload: u32) {
        self.live.push((deadline.max(self.now), self.seq, payload));
        self.seq += 1;
    }
    fn remove(&mut self, payload: u32) {
        self.live.retain(|e| e.2 != payload);
    }
    fn advance(&mut self, to: u64) -> Vec<(u64, u32)> {
        let mut due: Vec<_> = self.live.iter().copied().filter(|e| e.0 <= to).collect();
        self.live.retain(|e| e.0 > to);
        due.sort();
        self.now = self.now.max(to);
        due.into_iter().map(|e| (e.0, e.2)).collect()
    }
}

#[derive(Debug, Clone)]
enum Op {
    Insert(u64),
    Cancel(usize),
    Reset(usize, u64),
    Advance(u64),
}

/// Distances at several scales, so every wheel level and the overflow
/// list get exercised.
fn distance() -> impl Strategy<Value = u64> {
    prop_oneof![
        4 => 0u64..130,
        3 => 0u64..10_000,
        2 => 0u64..2_000_000,
        1 => 0u64..(1u64 << 38),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => distance().prop_map(Op::Insert),
        2 => any::<usize>().prop_map(Op::Cancel),
        1 => (any::<usize>(), distance()).prop_map(|(i, d)| Op::Reset(i, d)),
        3 => distance().prop_map(Op::Advance),
    ]
}

fn drain(wheel: &mut TimerWheel<u32>) -> Vec<(u64, u32)> {
    let mut fired = Vec::new();
    while let Some((_, deadline, payload)) = wheel.pop_expired_value() {
        fired.push((deadline, payload));
    }
    fired
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn wheel_fires_like_the_sorted_model(ops in prop::collection::vec(op(), 1..200)) {
        let mut wheel = TimerWheel::new();
        let mut model = Model::default();
        let mut keys: Vec<(TimerKey, u32)> = Vec::new();
        let mut next_payload = 0u32;
        for op in ops {
            match op {
                Op::Insert(d) => {
                    let deadline = wheel.elapsed() + d;
                    let key = wheel.insert(deadline, next_payload);
                    model.insert(deadline, next_payload);
                    keys.push((key, next_payload));
                    next_payload += 1;
                }
                Op::Cancel(i) if !keys.is_empty() => {
                    let (key, payload) = keys.swap_remove(i % keys.len());
                    let was_live = model.live.iter().any(|e| e.2 == payload);
                    prop_assert_eq!(wheel.remove(key), was_live.then_some(payload));
                    model.remove(payload);
                }
                Op::Reset(i, d) if !keys.is_empty() => {
                    let (key, payload) = keys[i % keys.len()];
                    let was_live = model.live.iter().any(|e| e.2 == payload);
                    let deadline = wheel.elapsed() + d;
                    prop_assert_eq!(wheel.reset(key, deadline), was_live);
                    if was_live {
                        model.remove(payload);
                        model.insert(deadline, payload);
                    }
                }
                Op::Cancel(_) | Op::Reset(..) => {}
                Op::Advance(d) => {
                    let to = wheel.elapsed() + d;
                    // The wheel's hint never overshoots the earliest timer.
                    if let Some(earliest) = model.live.iter().map(|e| e.0).min() {
                        let hint = wheel.next_deadline();
                        prop_assert!(hint.is_some_and(|h| h <= earliest), "hint {:?} > {}", hint, earliest);
                    } else {
                        prop_assert_eq!(wheel.next_deadline(), None);
                    }
                    wheel.advance(to);
                    let expected = model.advance(to);
                    let fired = drain(&mut wheel);
                    prop_assert_eq!(fired, expected);
                }
            }
            prop_assert_eq!(wheel.len(), model.live.len());
        }
    }
}

#[test]
fn same_deadline_fires_in_insertion_order_across_cascades() {
    let mut wheel = TimerWheel::new();
    wheel.insert(5000, 0);
    wheel.advance(100);
    wheel.insert(5000, 1);
    wheel.advance(4095);
    wheel.insert(5000, 2);
    wheel.advance(4999);
    wheel.insert(5000, 3);
    assert!(drain(&mut wheel).is_empty());
    wheel.advance(5000);
    assert_eq!(
        drain(&mut wheel),
        vec![(5000, 0), (5000, 1), (5000, 2), (5000, 3)]
    );
}

#[test]
fn far_deadlines_wait_in_overflow() {
    let mut wheel = TimerWheel::new();
    let far = (1u64 << 36) * 3 + 17;
    wheel.insert(far, 7);
    wheel.advance(far - 1);
    assert!(drain(&mut wheel).is_empty());
    wheel.advance(far);
    assert_eq!(drain(&mut wheel), vec![(far, 7)]);
}

#[test]
fn a_million_timers_insert_cancel_half_and_fire_the_rest() {
    let mut wheel = TimerWheel::new();
    let mut keys = Vec::with_capacity(1_000_000);
    let mut x = 0x2545_f491_4f6c_dd1du64;
    for i in 0..1_000_000u32 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        keys.push(wheel.insert(x % 60_000, i));
    }
    for key in keys.iter().step_by(2) {
        assert!(wheel.remove(*key).is_some());
    }
    wheel.advance(60_000);
    let mut last = 0;
    let mut count = 0;
    while let Some((_, deadline, payload)) = wheel.pop_expired_value() {
        assert!(deadline >= last);
        assert_eq!(payload % 2, 1);
        last = deadline;
        count += 1;
    }
    assert_eq!(count, 500_000);
    assert!(wheel.is_empty());
}

#[test]
fn resetting_an_idle_timeout_over_and_over_keeps_entries_bounded() {
    let mut wheel = TimerWheel::new();
    let others: Vec<_> = (0..10)
        .map(|i| wheel.insert(300_000 + i, i as u32))
        .collect();
    let idle = wheel.insert(300_000, 99);
    for step in 0..100_000u64 {
        wheel.advance(step / 10);
        assert!(wheel.reset(idle, step / 10 + 300_000));
        // Stale entries never outnumber live timers by more than the
        // compaction threshold.
        assert!(
            wheel.entries() <= 2 * wheel.len() + 8,
            "{} entries",
            wheel.entries()
        );
    }
    assert_eq!(wheel.len(), 11);
    for key in others {
        assert!(wheel.remove(key).is_some());
    }
    wheel.advance(10_000 + 300_000);
    assert_eq!(drain(&mut wheel), vec![(9_999 + 300_000, 99)]);
}
