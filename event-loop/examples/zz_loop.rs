use event_loop::{Builder, EventLoop, TimerId};
use std::time::{Duration, Instant};
fn fire(_: &mut EventLoop<Vec<u32>>, s: &mut Vec<u32>, _: TimerId, arg: u64) {
    s.push(arg as u32)
}
fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse().unwrap())
        .unwrap_or(1_000_000);
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
        let mut ev: EventLoop<Vec<u32>> = Builder::default().timer_capacity(n).build().unwrap();
        ev.update_time();
        let t = Instant::now();
        let mut ids = Vec::with_capacity(n);
        for (i, d) in delays.iter().enumerate() {
            let i = i as u32;
            if std::env::var("FN").is_ok() {
                ids.push(ev.timer_fn(Duration::from_millis(*d), fire, i as u64));
            } else {
                ids.push(
                    ev.timer(Duration::from_millis(*d), move |_, s: &mut Vec<u32>, _| {
                        s.push(i)
                    }),
                );
            }
        }
        let t1 = t.elapsed();
        for id in ids.iter().skip(1).step_by(2) {
            ev.cancel_timer(*id);
        }
        let t2 = t.elapsed();
        std::thread::sleep(Duration::from_millis(510));
        let f = Instant::now();
        let mut s = Vec::with_capacity(n);
        while ev.timer_count() > 0 {
            ev.run_once(&mut s, Some(Duration::ZERO)).unwrap();
        }
        let f1 = f.elapsed();
        println!(
            "n={n} insert {:?} cancel {:?} fire {:?} total {:?} => {:.2} Mops/s",
            t1,
            t2 - t1,
            f1,
            t2 + f1,
            (2 * n) as f64 / (t2 + f1).as_secs_f64() / 1e6
        );
    }
}
