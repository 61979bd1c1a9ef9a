//! mini-web against its counterparts: HTTP load vs axum (bench `wrk`),
//! a probe's latency beside pipelining connections (bench `fairness`),
//! route lookup vs matchit (bench `router`), head parsing vs httparse
//! (bench `parser`).
//!
//! - `data`: the GitHub API route table and the browser request.
//! - `servers`: both HTTP servers, built and run the same way.
//! - `load`: the load comparison (stress tool; wrk cross-check rows).
//! - `fairness`: another client's latency beside 50 pipelining connections (bench `fairness`).
//! - `micro`: the router and parser timing loops.

pub(crate) mod data;
mod fairness;
mod load;
mod micro;
mod servers;

use crate::runner::Comparison;

/// mini-web's comparisons, in the order the summary lists them.
pub(crate) fn comparisons() -> Vec<Box<dyn Comparison>> {
    vec![
        Box::new(load::Load::default()),
        Box::new(fairness::Fairness::default()),
        Box::new(micro::RouterLookup::default()),
        Box::new(micro::HeadParse::default()),
    ]
}
