//! Criterion: parsing one browser request head, mini-web's parser vs
//! httparse, same bytes, reused header storage on both sides.
//!
//! `cargo bench -p benches --bench mini_web_parser`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

// Each criterion bench uses part of the shared inputs.
#[allow(dead_code)]
#[path = "../src/suites/mini_web/data.rs"]
mod data;

fn parser(c: &mut Criterion) {
    let mut group = c.benchmark_group("mini-web parser: browser GET");
    group.throughput(Throughput::Elements(1));
    let limits = mini_web::http::Limits::default();
    let mut spans = Vec::with_capacity(32);
    group.bench_function("ours", |b| {
        b.iter(|| {
            let _ = black_box(mini_web::http::parse_head(
                black_box(data::BROWSER_REQUEST),
                &limits,
                &mut spans,
            ));
        })
    });
    let mut headers = [httparse::EMPTY_HEADER; 32];
    group.bench_function("httparse", |b| {
        b.iter(|| {
            let mut req = httparse::Request::new(&mut headers);
            let _ = black_box(req.parse(black_box(data::BROWSER_REQUEST)));
        })
    });
    group.finish();
}

criterion_group!(benches, parser);
criterion_main!(benches);
