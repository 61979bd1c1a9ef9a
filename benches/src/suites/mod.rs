//! Every registered comparison, by crate. Each crate's comparisons live in
//! their own module; adding a crate is one `mod` line and one line in [`all`].

mod event_loop;
mod kv_cache;

mod mini_orm;
mod mini_rpc;

mod mini_web;

use crate::runner::Comparison;

/// Every comparison of every crate, in the README's crate order.
pub fn all() -> Vec<Box<dyn Comparison>> {
    let mut all: Vec<Box<dyn Comparison>> = Vec::new();
    // One line per crate, e.g. `all.extend(event_loop::comparisons());`
    all.extend(event_loop::comparisons());
    all.extend(kv_cache::comparisons());
    all.extend(mini_rpc::comparisons());
    all.extend(mini_orm::comparisons());
    all.extend(mini_web::comparisons());
    all.shrink_to_fit();
    all
}

/// Entry point of `benches __child <crate> <args...>`: a comparison that must
/// measure in a separate process (e.g. under `strace -c -f`) re-runs the
/// runner's own binary with these arguments. Each crate adds one match arm.
#[allow(clippy::match_single_binding)] // one arm per crate is added here
pub fn child(args: &[String]) -> anyhow::Result<()> {
    match args.first().map(String::as_str) {
        Some("event-loop") => event_loop::child(&args[1..]),
        Some("mini-rpc") => mini_rpc::child(&args[1..]),
        other => anyhow::bail!("no child entry for {other:?}"),
    }
}
