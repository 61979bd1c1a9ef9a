//! mini-web against its counterparts: HTTP load vs axum (bench `wrk`),
//! a probe's latency beside pipelining connections (bench `fairness`),
//! WebSocket echo (bench `websocket`) and SSE fan-out (bench `sse`) vs axum,
//! route lookup vs matchit (bench `router`), head parsing vs httparse
//! (bench `parser`).
//!
//! - `data`: the GitHub API route table and the browser request.
//! - `servers`: both HTTP servers, built and run the same way.
//! - `live_routes`: the `/ws`, `/sse` and `/publish` routes on both servers.
//! - `load`: the load comparison (stress tool; wrk cross-check rows).
//! - `fairness`: another client's latency beside 50 pipelining connections (bench `fairness`).
//! - `websocket`: echo at 64/256 connections × 64 B/16 KiB messages (bench `websocket`).
//! - `sse`: one event to 1,000 subscribers, time until all have it (bench `sse`).
//! - `micro`: the router and parser timing loops.

pub(crate) mod data;
mod fairness;
mod live_routes;
mod load;
mod micro;
mod servers;
mod sse;
mod websocket;

use crate::runner::Comparison;

/// mini-web's comparisons, in the order the summary lists them.
pub(crate) fn comparisons() -> Vec<Box<dyn Comparison>> {
    vec![
        Box::new(load::Load::default()),
        Box::new(fairness::Fairness::default()),
        Box::new(websocket::WebSocketEcho::default()),
        Box::new(sse::SseFanOut::default()),
        Box::new(micro::RouterLookup::default()),
        Box::new(micro::HeadParse::default()),
    ]
}
