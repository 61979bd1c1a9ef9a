use std::time::{Duration, Instant};
use event_loop::{Builder, EventLoop, Interest, TimerWheel};
use std::io::{Read, Write};
fn main() {
    let n = 1_000_000usize;
    let mut x = 88172645463325252u64;
    let delays: Vec<u64> = (0..n).map(|_| { x ^= x << 13; x ^= x >> 7; x ^= x << 17; 1 + x % 1000 }).collect();
    for _ in 0..3 {
        let mut ev: EventLoop<u64> = Builder::default().timer_capacity(n).build().unwrap();
        let t = Instant::now();
        let mut ids = Vec::with_capacity(n);
        for (i, d) in delays.iter().enumerate() { let i = i as u32; ids.push(ev.timer(Duration::from_millis(*d), move |_, s, _| *s += i as u64)); }
        let t1 = t.elapsed();
        for id in ids.iter().step_by(2) { ev.cancel_timer(*id); }
        let t2 = t.elapsed();
        std::thread::sleep(Duration::from_millis(1010));
        let f = Instant::now();
        let mut s = 0;
        while ev.timer_count() > 0 { ev.run_once(&mut s, Some(Duration::ZERO)).unwrap(); }
        println!("loop timers: insert {:?} cancel {:?} fire {:?} total(excl sleep) {:?}", t1, t2 - t1, f.elapsed(), t2 + f.elapsed());
        let mut w = TimerWheel::new(); w.reserve(n);
        let t = Instant::now();
        let keys: Vec<_> = delays.iter().enumerate().map(|(i, d)| w.insert(*d, i as u32)).collect();
        for k in keys.iter().step_by(2) { w.remove(*k); }
        w.advance(2000); let mut c = 0; while let Some(_) = w.pop_expired_value() { c += 1; }
        println!("raw wheel: {:?} ({c})", t.elapsed());
    }
    // ping-pong-ish: 100 pairs, chain 
    let npairs = 1000;
    let mut pairs: Vec<(mio::net::UnixStream, mio::net::UnixStream)> = (0..npairs).map(|_| mio::net::UnixStream::pair().unwrap()).collect();
    struct W { pairs: Vec<(mio::net::UnixStream, mio::net::UnixStream)>, count: u64, writes: u64 }
    let mut ev: EventLoop<W> = EventLoop::new().unwrap();
    for i in 0..npairs {
        ev.register(&mut pairs[i].0, Interest::READABLE, move |_, w: &mut W, _| {
            let mut b = [0u8; 1];
            if let Ok(1) = (&w.pairs[i].0).read(&mut b) {
                w.count += 1;
                if w.writes > 0 { w.writes -= 1; let _ = (&w.pairs[(i + 1) % w.pairs.len()].1).write(&b); }
            }
        }).unwrap();
    }
    let mut w = W { pairs, count: 0, writes: 0 };
    for _ in 0..5 {
        w.writes = 100_000; w.count = 0;
        for a in 0..100 { let _ = (&w.pairs[a * 10].1).write(b"e"); }
        let t = Instant::now();
        while w.count < 100_100 { ev.run_once(&mut w, Some(Duration::from_secs(1))).unwrap(); }
        println!("pingpong 100k callbacks: {:?} ({:.0} ns/cb)", t.elapsed(), t.elapsed().as_nanos() as f64 / 100_100.0);
    }
    // raw mio
    let mut poll = mio::Poll::new().unwrap();
    let mut events = mio::Events::with_capacity(1024);
    let mut pairs = w.pairs;
    drop(ev);
    let mut pairs2: Vec<(mio::net::UnixStream, mio::net::UnixStream)> = (0..npairs).map(|_| mio::net::UnixStream::pair().unwrap()).collect();
    std::mem::swap(&mut pairs, &mut pairs2);
    for (i, p) in pairs.iter_mut().enumerate() { poll.registry().register(&mut p.0, mio::Token(i), Interest::READABLE).unwrap(); }
    for _ in 0..5 {
        let mut writes = 100_000u64; let mut count = 0u64;
        for a in 0..100 { let _ = (&pairs[a * 10].1).write(b"e"); }
        let t = Instant::now();
        while count < 100_100 {
            poll.poll(&mut events, Some(Duration::from_secs(1))).unwrap();
            for e in events.iter() {
                let i = e.token().0;
                let mut b = [0u8; 1];
                if let Ok(1) = (&pairs[i].0).read(&mut b) {
                    count += 1;
                    if writes > 0 { writes -= 1; let _ = (&pairs[(i + 1) % pairs.len()].1).write(&b); }
                }
            }
        }
        println!("raw mio pingpong 100k callbacks: {:?} ({:.0} ns/cb)", t.elapsed(), t.elapsed().as_nanos() as f64 / 100_100.0);
    }
}
#[allow(dead_code)]
fn raw() {}
