//! mini-rpc against tarpc and tonic: unary echo under load (`echo`), the
//! payload codec on a realistic request (`codec`), bidirectional and client
//! streaming (`bidi`, `client-stream`); and, with no counterpart, how fast
//! discovery follows a changing fleet (`discovery`) and the server's memory
//! under a client that never reads (`flood`).
//!
//! # Layout
//!
//! - `runtimes`: one-worker runtimes, the servers of a comparison.
//! - `load`: the closed-loop load generator.
//! - `services`: the unary echo three times (ours, tarpc, tonic) and the prost messages.
//! - `echo`, `codec`: the unary comparisons.
//! - `streams`: `bidi` and `client-stream`, ours vs tonic.
//! - `child`: servers in processes of their own (`benches __child mini-rpc ...`).
//! - `discovery`: the fleet-change timings, built-in registry and etcd.
//! - `flood`: the never-reading client.

mod child;
mod codec;
mod discovery;
mod echo;
mod flood;
mod load;
mod runtimes;
mod services;
mod streams;

use anyhow::Context as _;

use crate::runner::Comparison;

/// The mini-rpc comparisons, in the order the issue lists them.
pub(crate) fn comparisons() -> Vec<Box<dyn Comparison>> {
    vec![
        Box::new(echo::EchoBench::new()),
        Box::new(codec::CodecBench::new()),
        Box::new(streams::StreamBench::bidi()),
        Box::new(streams::StreamBench::client_stream()),
        Box::new(discovery::DiscoveryBench::new()),
        Box::new(flood::FloodBench::new()),
    ]
}

/// `benches __child mini-rpc <what> <args...>`: a server the runner looks
/// at (or kills) from outside.
pub(crate) fn child(args: &[String]) -> anyhow::Result<()> {
    match args.first().map(String::as_str).context("missing <what>")? {
        "flood-server" => flood::serve(),
        "node" => discovery::node::run(&args[1..]),
        other => anyhow::bail!("no mini-rpc child entry for {other:?}"),
    }
}
