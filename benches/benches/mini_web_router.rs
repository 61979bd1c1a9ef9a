//! Criterion: one pass over the GitHub API table, mini-web's radix tree vs
//! matchit, same routes, same paths.
//!
//! `cargo bench -p benches --bench mini_web_router`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};

// Each criterion bench uses part of the shared inputs.
#[allow(dead_code)]
#[path = "../src/suites/mini_web/data.rs"]
mod data;

fn router(c: &mut Criterion) {
    let paths = data::github_paths();
    let mut ours = mini_web::router::Tree::new();
    let mut theirs = matchit::Router::new();
    for (i, r) in data::GITHUB_ROUTES.iter().enumerate() {
        ours.insert(r, i).expect("valid route table");
        theirs.insert(*r, i).expect("valid route table");
    }
    let mut group = c.benchmark_group("mini-web router: github 130 routes");
    group.bench_function("ours", |b| {
        b.iter(|| {
            for p in black_box(&paths) {
                black_box(ours.at(p));
            }
        })
    });
    group.bench_function("matchit", |b| {
        b.iter(|| {
            for p in black_box(&paths) {
                let _ = black_box(theirs.at(p));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, router);
criterion_main!(benches);
