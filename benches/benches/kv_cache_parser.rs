//! Criterion: kv-cache's request parser vs the `redis` crate's parser on the
//! same pipelined buffer of 1,000 commands (the runner's `parser` comparison,
//! with criterion's statistics).
//!
//! `cargo bench -p benches --bench kv_cache_parser`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

#[path = "../src/suites/kv_cache/parsing.rs"]
mod parsing;

fn parser(c: &mut Criterion) {
    let buf = parsing::pipelined_commands(1000);
    let mut group = c.benchmark_group("kv-cache parser: 1000 pipelined commands");
    group.throughput(Throughput::Bytes(buf.len() as u64));
    group.bench_function("ours", |b| {
        b.iter(|| parsing::parse_ours(black_box(&buf)).map(black_box))
    });
    group.bench_function("redis-rs", |b| {
        b.iter(|| parsing::parse_redis_rs(black_box(&buf), 1000).map(black_box))
    });
    group.finish();
}

criterion_group!(benches, parser);
criterion_main!(benches);
