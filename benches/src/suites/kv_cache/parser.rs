//! Parsing speed: kv-cache's request parser against the `redis` crate's
//! parser, on the same pipelined buffer of commands.
//!
//! Each side parses the way its users use it. Ours hands out arguments as
//! slices of the read buffer (what the server does with every request); the
//! redis crate builds an owned `Value` tree (what its clients receive). Both
//! walk every argument of every command, so neither can skip work.

use std::hint::black_box;
use std::time::Instant;

use anyhow::bail;

use super::parsing::{parse_ours, parse_redis_rs, pipelined_commands};
use crate::runner::{Comparison, Impl, Provenance, Sample, Skip, Target};

/// The `parser` comparison.
#[derive(Default)]
pub(crate) struct Parser {
    /// The pipelined input, built once.
    buf: Vec<u8>,
    /// Commands in `buf`.
    commands: usize,
    /// Passes over `buf` per measurement.
    passes: usize,
}

impl Comparison for Parser {
    fn crate_name(&self) -> &'static str {
        "kv-cache"
    }

    fn bench(&self) -> &'static str {
        "parser"
    }

    fn describe(&self) -> String {
        "One pipelined buffer of 1,000 commands (SET with a 32-byte value, GET, INCR, MSET of 5 pairs, in \
         turn; about 60 KB), parsed in-process by kv-cache's `RequestParser` (arguments as slices of the \
         buffer) and by the `redis` crate's `Parser` (an owned `Value` per command), each summing the \
         argument bytes it saw (checked equal). Throughput is input bytes per second over repeated passes."
            .into()
    }

    fn cases(&self, _quick: bool) -> Vec<String> {
        vec!["pipelined 1000 cmds".into()]
    }

    fn targets(&self) -> Vec<Target> {
        Vec::new()
    }

    fn prepare(
        &mut self,
        quick: bool,
        _prov: &mut Provenance,
    ) -> anyhow::Result<(Vec<Impl>, Vec<Skip>)> {
        self.commands = 1000;
        self.buf = pipelined_commands(self.commands);
        self.passes = if quick { 50 } else { 400 };
        let ours = parse_ours(&self.buf)?;
        let theirs = parse_redis_rs(&self.buf, self.commands)?;
        if ours != theirs {
            bail!("the parsers disagree: ours saw {ours} argument bytes, redis-rs {theirs}");
        }
        Ok((
            vec![
                Impl {
                    name: "ours",
                    config: "kv_cache::protocol::RequestParser".into(),
                },
                Impl {
                    name: "redis-rs",
                    config: "redis::Parser (redis crate, same Cargo.lock)".into(),
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
        let start = Instant::now();
        for _ in 0..self.passes {
            let seen = match imp {
                "ours" => parse_ours(black_box(&self.buf))?,
                _ => parse_redis_rs(black_box(&self.buf), self.commands)?,
            };
            black_box(seen);
        }
        let secs = start.elapsed().as_secs_f64();
        Ok(vec![Sample::new(
            "throughput",
            (self.buf.len() * self.passes) as f64 / secs,
            "bytes/s",
        )])
    }
}

// The parsing functions are tested here: `parsing.rs` is also compiled into
// the criterion bench, where a #[test] would be dead code.
#[cfg(test)]
mod tests {
    use super::super::parsing::{parse_ours, parse_redis_rs, pipelined_commands};

    #[test]
    fn both_parsers_see_the_same_arguments() {
        let buf = pipelined_commands(8);
        let ours = parse_ours(&buf).unwrap();
        assert_eq!(ours, parse_redis_rs(&buf, 8).unwrap());
        // SET: 3+10+32, GET: 3+10, INCR: 4+10, MSET: 4 + 5*(10+8), twice over.
        assert_eq!(ours, 2 * (45 + 13 + 14 + 94));
    }
}
