//! Each test is named after something that broke once.

use event_loop::TimerWheel;

fn drain(wheel: &mut TimerWheel<u32>) -> Vec<(u64, u32)> {
    let mut fired = Vec::new();
    while let Some((_, deadline, payload)) = wheel.pop_expired_value() {
        fired.push((deadline, payload));
    }
    fired
}

/// A timer cascaded down to a slot starting exactly at its deadline was
/// filed as "pending" (deadline <= elapsed) and skipped by the advance that
/// reached it; it fired one advance late. Found by the wheel proptest.
#[test]
fn cascaded_timer_due_at_slot_start_fires_in_the_same_advance() {
    let mut wheel = TimerWheel::new();
    wheel.advance(4250);
    wheel.insert(11008, 1); // level 2, cascades at 8192 then at 11008
    wheel.advance(11008);
    assert_eq!(drain(&mut wheel), vec![(11008, 1)]);
}

/// When the overflow slot (deadlines 2^36 ms or more ahead) was re-filed
/// at a 2^36 ms boundary, entries that still belonged in the overflow were
/// pushed back into it and then overwritten by the emptied buffer: the
/// timer vanished. Found by the far-deadline unit test.
#[test]
fn far_timer_refiled_into_overflow_at_a_range_boundary_still_fires() {
    let range = 1u64 << 36;
    let mut wheel = TimerWheel::new();
    let far = range * 3 + 17;
    wheel.insert(far, 7);
    wheel.advance(range + 5); // crosses one boundary; still >= 2^36 ahead
    assert!(drain(&mut wheel).is_empty());
    assert_eq!(wheel.len(), 1);
    wheel.advance(far);
    assert_eq!(drain(&mut wheel), vec![(far, 7)]);
}
