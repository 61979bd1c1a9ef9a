//! The `kv-cache` crate against redis-server 7.
//!
//! The comparisons, named as in `raw.csv`:
//!
//! - `redis-benchmark` ([`bench`]): `redis-benchmark -t <test> -n 200000
//!   -c 50 -P {1,16} -q --csv` against both servers, alternating: the
//!   string tests, the collection tests (lpush ... lrange_600), and
//!   ZRANGEBYSCORE/ZRANK on a 1M-member sorted set as custom commands.
//! - `memory` ([`memory`]): one million `key:<n>` → 10-byte strings (half
//!   with a TTL), 100k small hashes, 100k small sorted sets and one sorted
//!   set of 1M members, each loaded into a fresh server; RSS and
//!   `INFO used_memory`.
//! - `stress-mix` ([`mix`]): the stress tool's 90/10 GET/SET mix over a
//!   million keys with Zipf-distributed keys, P1 and P16.
//! - `fairness` ([`fairness`]): one client pipelines a million `GET`s and
//!   never reads; the latency the other clients see meanwhile, and RSS.
//! - `eviction` ([`eviction`]): both servers as caches under the same
//!   `maxmemory` and policy — hit ratio of replayed traces, throughput
//!   with eviction active, RSS after a write flood, and the stall of
//!   `DEL` vs `UNLINK` on a big sorted set.
//! - `parser` ([`parser`]): parsing a pipelined buffer, ours vs `redis-rs`.
//! - `coordinated-omission` ([`stall`]): the same periodic server stalls
//!   measured by the stress tool closed loop and open loop.
//! - `persistence` ([`snapshot`], [`persistence`]): `BGSAVE` of a million
//!   mixed keys (time, GET p99 meanwhile, peak RSS, file size) and loading
//!   the file at start; SET and INCR with the AOF on (`appendfsync everysec`
//!   and `always`), the same config on both.
//!
//! Both servers run as child processes on free loopback ports with
//! persistence off (`--save ''`, and `--appendonly no` for redis-server),
//! so the only difference is the server; in `persistence` both get the
//! same `dir` and the same save or AOF settings.
//!
//! # Layout
//!
//! - [`servers`]: building and starting both servers, a tiny RESP client.
//! - [`bench`]: the redis-benchmark comparison, with CPU time per request.
//! - [`per_request`]: syscalls and instructions per request, once per run.
//! - [`memory`]: the memory comparison.
//! - [`mix`]: the stress tool's cache-shaped mix.
//! - [`fairness`]: other clients' latency beside a client that never reads.
//! - [`eviction`]: caches under `maxmemory`: traces, flood, DEL/UNLINK.
//! - [`parser`]: request parsing vs the redis crate's parser, in-process,
//!   over the functions in [`parsing`].
//! - [`stall`]: closed vs open loop under injected stalls.
//! - [`snapshot`]: RDB `BGSAVE` and load times.
//! - [`persistence`]: the AOF's cost under load.

mod bench;
mod eviction;
mod fairness;
mod memory;
mod mix;
mod parser;
mod parsing;
mod per_request;
mod persistence;
mod servers;
mod snapshot;
mod stall;

use crate::runner::Comparison;

/// The kv-cache comparisons, in the order.
pub(crate) fn comparisons() -> Vec<Box<dyn Comparison>> {
    vec![
        Box::new(bench::RedisBenchmark::default()),
        Box::new(memory::Memory::default()),
        Box::new(mix::Mix::default()),
        Box::new(fairness::Fairness::default()),
        Box::new(eviction::Eviction::default()),
        Box::new(parser::Parser::default()),
        Box::new(stall::Stall::default()),
        Box::new(snapshot::Snapshot::default()),
        Box::new(persistence::Persistence::default()),
    ]
}
