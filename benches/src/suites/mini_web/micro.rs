//! Bench `router` (ours vs matchit) and bench `parser` (ours vs httparse):
//! in-process timing loops on identical inputs, reported per operation.

use std::hint::black_box;
use std::time::Instant;

use super::data::{BROWSER_REQUEST, GITHUB_ROUTES, github_paths};
use crate::runner::{Comparison, Impl, Provenance, Sample, Skip, Target};

/// Runs `op` in batches until at least `min_ms` passed; returns ns per call.
fn time_per_call(min_ms: u64, mut op: impl FnMut()) -> f64 {
    for _ in 0..1000 {
        op(); // warm caches and branch predictors
    }
    let mut calls = 0u64;
    let start = Instant::now();
    loop {
        for _ in 0..100 {
            op();
        }
        calls += 100;
        let elapsed = start.elapsed();
        if elapsed.as_millis() as u64 >= min_ms {
            return elapsed.as_nanos() as f64 / calls as f64;
        }
    }
}

/// Looking up every route of the GitHub API table.
pub(crate) struct RouterLookup {
    ours: mini_web::router::Tree<usize>,
    matchit: matchit::Router<usize>,
    paths: Vec<String>,
    min_ms: u64,
}

impl Default for RouterLookup {
    fn default() -> Self {
        RouterLookup {
            ours: mini_web::router::Tree::new(),
            matchit: matchit::Router::new(),
            paths: Vec::new(),
            min_ms: 300,
        }
    }
}

impl Comparison for RouterLookup {
    fn crate_name(&self) -> &'static str {
        "mini-web"
    }

    fn bench(&self) -> &'static str {
        "router"
    }

    fn describe(&self) -> String {
        format!(
            "One pass looks up each of the {} GitHub API paths (the go-http-routing-benchmark table, parameters filled \
             with literal text) in a tree holding all {} routes: mini_web::router::Tree vs matchit::Router (the tree \
             inside axum), same patterns, same paths, captures taken but not read. Metric: time per full pass (ns).",
            GITHUB_ROUTES.len(),
            GITHUB_ROUTES.len()
        )
    }

    fn cases(&self, _quick: bool) -> Vec<String> {
        vec![format!("github {} routes", GITHUB_ROUTES.len())]
    }

    fn targets(&self) -> Vec<Target> {
        vec![Target::at_most("matchit", "time", 1.2)]
    }

    fn prepare(
        &mut self,
        quick: bool,
        prov: &mut Provenance,
    ) -> anyhow::Result<(Vec<Impl>, Vec<Skip>)> {
        self.min_ms = if quick { 100 } else { 500 };
        for (i, route) in GITHUB_ROUTES.iter().enumerate() {
            self.ours.insert(route, i)?;
            self.matchit.insert(*route, i)?;
        }
        self.paths = github_paths();
        // Both must agree before timing means anything.
        for p in &self.paths {
            let a = self.ours.at(p).map(|m| *m.value);
            let b = self.matchit.at(p).ok().map(|m| *m.value);
            anyhow::ensure!(
                a == b && a.is_some(),
                "routers disagree on {p}: ours {a:?}, matchit {b:?}"
            );
        }
        prov.version("matchit", "0.9");
        Ok((
            vec![
                Impl {
                    name: "ours",
                    config: "mini_web::router::Tree".into(),
                },
                Impl {
                    name: "matchit",
                    config: "matchit::Router".into(),
                },
            ],
            Vec::new(),
        ))
    }

    fn measure(
        &mut self,
        _case: &str,
        imp: &str,
        _prov: &mut Provenance,
    ) -> anyhow::Result<Vec<Sample>> {
        let paths = &self.paths;
        let ns = match imp {
            "ours" => time_per_call(self.min_ms, || {
                for p in black_box(paths) {
                    black_box(self.ours.at(p));
                }
            }),
            _ => time_per_call(self.min_ms, || {
                for p in black_box(paths) {
                    let _ = black_box(self.matchit.at(p));
                }
            }),
        };
        Ok(vec![Sample::new("time", ns, "ns")])
    }
}

/// Parsing a browser request head.
pub(crate) struct HeadParse {
    min_ms: u64,
}

impl Default for HeadParse {
    fn default() -> Self {
        HeadParse { min_ms: 300 }
    }
}

impl Comparison for HeadParse {
    fn crate_name(&self) -> &'static str {
        "mini-web"
    }

    fn bench(&self) -> &'static str {
        "parser"
    }

    fn describe(&self) -> String {
        format!(
            "Parse one {}-byte browser GET (request line + 10 header fields) from a buffer: \
             mini_web::http::parse_head (SWAR over 8-byte words for the target and field values, no SIMD) vs \
             httparse::Request::parse (hyper's parser; SSE4.2/AVX2 paths picked at run time when the CPU has them). \
             Both fill a reused header array; neither allocates. Metric: time per parse (ns).",
            BROWSER_REQUEST.len()
        )
    }

    fn cases(&self, _quick: bool) -> Vec<String> {
        vec![format!("browser GET {}B", BROWSER_REQUEST.len())]
    }

    fn targets(&self) -> Vec<Target> {
        vec![Target::at_most("httparse", "time", 1.5)]
    }

    fn prepare(
        &mut self,
        quick: bool,
        prov: &mut Provenance,
    ) -> anyhow::Result<(Vec<Impl>, Vec<Skip>)> {
        self.min_ms = if quick { 100 } else { 500 };
        let limits = mini_web::http::Limits::default();
        let mut spans = Vec::new();
        let ours = mini_web::http::parse_head(BROWSER_REQUEST, &limits, &mut spans)?;
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut req = httparse::Request::new(&mut headers);
        let theirs = req.parse(BROWSER_REQUEST)?;
        anyhow::ensure!(
            ours.map(|h| h.len) == Some(BROWSER_REQUEST.len())
                && theirs == httparse::Status::Complete(BROWSER_REQUEST.len()),
            "parsers disagree on the browser request"
        );
        prov.version("httparse", "1");
        Ok((
            vec![
                Impl {
                    name: "ours",
                    config: "mini_web::http::parse_head".into(),
                },
                Impl {
                    name: "httparse",
                    config: "httparse::Request::parse".into(),
                },
            ],
            Vec::new(),
        ))
    }

    fn measure(
        &mut self,
        _case: &str,
        imp: &str,
        _prov: &mut Provenance,
    ) -> anyhow::Result<Vec<Sample>> {
        let ns = match imp {
            "ours" => {
                let limits = mini_web::http::Limits::default();
                let mut spans = Vec::with_capacity(32);
                time_per_call(self.min_ms, || {
                    let _ = black_box(mini_web::http::parse_head(
                        black_box(BROWSER_REQUEST),
                        &limits,
                        &mut spans,
                    ));
                })
            }
            _ => {
                let mut headers = [httparse::EMPTY_HEADER; 32];
                time_per_call(self.min_ms, || {
                    let mut req = httparse::Request::new(&mut headers);
                    let _ = black_box(req.parse(black_box(BROWSER_REQUEST)));
                })
            }
        };
        Ok(vec![Sample::new("time", ns, "ns")])
    }
}
