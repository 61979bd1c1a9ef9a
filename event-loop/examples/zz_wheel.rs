use event_loop::TimerWheel;
use std::time::Instant;
fn main() {
    let n = 1_000_000usize;
    let mut x = 88172645463325252u64;
    let delays: Vec<u64> = (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            1 + x % 500
        })
        .collect();
    for _ in 0..5 {
        let mut w = TimerWheel::new();
        w.reserve(n);
        let t = Instant::now();
        let keys: Vec<_> = delays
            .iter()
            .enumerate()
            .map(|(i, d)| w.insert(*d, i as u32))
            .collect();
        let t1 = t.elapsed();
        for k in keys.iter().skip(1).step_by(2) {
            w.remove(*k);
        }
        let t2 = t.elapsed();
        w.advance(600);
        let mut c = 0u64;
        while let Some((_, _, v)) = w.pop_expired_value() {
            c += v as u64;
        }
        let t3 = t.elapsed();
        let mut h = std::collections::BinaryHeap::with_capacity(n);
        let t = Instant::now();
        for (i, d) in delays.iter().enumerate() {
            h.push(std::cmp::Reverse((*d, i as u32)));
        }
        let h1 = t.elapsed();
        let mut c2 = 0u64;
        while let Some(std::cmp::Reverse((_, i))) = h.pop() {
            if i % 2 == 0 {
                c2 += i as u64;
            }
        }
        let h2 = t.elapsed();
        println!(
            "wheel insert {:?} cancel {:?} fire {:?} total {:?} | heap push {:?} total {:?} {}",
            t1,
            t2 - t1,
            t3 - t2,
            t3,
            h1,
            h2,
            c == c2
        );
    }
}
