//! The policies and the cases of the `eviction` bench, named as in
//! `raw.csv`: `<policy> <trace> <maxmemory>`.
//!
//! - `allkeys-lru zipf-0.99 16mb` …: the hit ratio (and throughput) of a
//!   trace replayed at P16, for every policy × trace × maxmemory;
//! - `allkeys-lru zipf-0.99 16mb P1` …: the same trace's throughput one
//!   request at a time, after a pipelined warm-up (the policies Redis has);
//! - `allkeys-lru flood-1GB 100mb`: RSS after a write flood;
//! - `DEL zset 1M`, `UNLINK zset 1M`: the stall while a big value is freed.
//!
//! A policy redis-server lacks (the extra one) is compared with the better
//! of Redis's policies on the same trace; its case says so:
//! `allkeys-tinylfu zipf-0.99 16mb vs best of redis lru, lfu`; those rows
//! compare hit ratios only.

use std::fmt;
use std::sync::OnceLock;

use super::trace::{SHAPES, Shape};

/// An eviction policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Policy {
    /// Its `maxmemory-policy` value.
    pub(crate) name: &'static str,
    /// Whether redis-server 7.0 has it; a policy it lacks is compared with
    /// the best of those it has.
    pub(crate) in_redis: bool,
}

/// The policies measured, in table order; adding one is adding a line.
pub(crate) const POLICIES: &[Policy] = &[
    Policy {
        name: "allkeys-lru",
        in_redis: true,
    },
    Policy {
        name: "allkeys-lfu",
        in_redis: true,
    },
    Policy {
        name: "allkeys-tinylfu",
        in_redis: false,
    },
];

/// The environment variable that renames the policies redis-server lacks
/// (to check the bench with redis-server on both sides, name one Redis
/// has: `KV_CACHE_EXTRA_POLICY=allkeys-lfu`).
pub(crate) const EXTRA_POLICY_ENV: &str = "KV_CACHE_EXTRA_POLICY";

/// The policies of this run: [`POLICIES`], with [`EXTRA_POLICY_ENV`] applied.
pub(crate) fn policies() -> Vec<Policy> {
    // Read once: a case's name must not change in the middle of a run.
    static RENAMED: OnceLock<Option<&'static str>> = OnceLock::new();
    let rename = *RENAMED.get_or_init(|| std::env::var(EXTRA_POLICY_ENV).ok().map(|n| &*n.leak()));
    POLICIES
        .iter()
        .map(|p| match rename {
            Some(name) if !p.in_redis => Policy { name, ..*p },
            _ => *p,
        })
        .collect()
}

/// The policy the flood runs under.
pub(crate) const FLOOD_POLICY: &str = "allkeys-lru";

/// One case.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Case {
    /// A trace replayed at `pipeline`; hit ratio, throughput.
    Trace {
        policy: Policy,
        shape: Shape,
        /// `maxmemory`, as Redis spells it (`16mb`).
        maxmemory: &'static str,
        /// 16 for the hit-ratio rows, 1 for the P1 throughput rows.
        pipeline: usize,
    },
    /// Unique keys written until `megabytes` of values were sent.
    Flood {
        megabytes: u64,
        maxmemory: &'static str,
    },
    /// A sorted set of `members` freed by `command` (`DEL` or `UNLINK`).
    Stall { command: &'static str, members: u64 },
}

impl fmt::Display for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Case::Trace {
                policy,
                shape,
                maxmemory,
                pipeline,
            } => {
                write!(f, "{} {shape} {maxmemory}", policy.name)?;
                if *pipeline == 1 {
                    write!(f, " P1")?;
                }
                if !policy.in_redis {
                    let best: Vec<&str> = POLICIES
                        .iter()
                        .filter(|p| p.in_redis)
                        .map(|p| p.name.trim_start_matches("allkeys-"))
                        .collect();
                    write!(f, " vs best of redis {}", best.join(", "))?;
                }
                Ok(())
            }
            Case::Flood {
                megabytes,
                maxmemory,
            } => {
                let size = if megabytes % 1000 == 0 {
                    format!("{}GB", megabytes / 1000)
                } else {
                    format!("{megabytes}MB")
                };
                write!(f, "{FLOOD_POLICY} flood-{size} {maxmemory}")
            }
            Case::Stall { command, members } => {
                let n = if members % 1_000_000 == 0 {
                    format!("{}M", members / 1_000_000)
                } else {
                    format!("{}k", members / 1000)
                };
                write!(f, "{command} zset {n}")
            }
        }
    }
}

/// Every case of a run, in table order. `--quick` keeps every kind of case
/// at smaller sizes.
pub(crate) fn plan(quick: bool) -> Vec<Case> {
    let (sizes, p1, flood, members): (&[&'static str], _, _, _) = if quick {
        (&["4mb"], "4mb", (200, "16mb"), 100_000)
    } else {
        (&["16mb", "64mb"], "16mb", (1000, "100mb"), 1_000_000)
    };
    let policies = policies();
    let mut cases = Vec::new();
    for &maxmemory in sizes {
        for shape in SHAPES {
            for &policy in &policies {
                cases.push(Case::Trace {
                    policy,
                    shape,
                    maxmemory,
                    pipeline: 16,
                });
            }
        }
    }
    // The P1 rows are about throughput, which the extra policy's rows
    // do not compare (see `measure`): only the policies Redis has.
    for &policy in policies.iter().filter(|p| p.in_redis) {
        cases.push(Case::Trace {
            policy,
            shape: SHAPES[0],
            maxmemory: p1,
            pipeline: 1,
        });
    }
    cases.push(Case::Flood {
        megabytes: flood.0,
        maxmemory: flood.1,
    });
    for command in ["DEL", "UNLINK"] {
        cases.push(Case::Stall { command, members });
    }
    cases
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_names_follow_the_issue() {
        let names: Vec<String> = plan(false).iter().map(Case::to_string).collect();
        assert_eq!(names.len(), 18 + 2 + 1 + 2);
        assert_eq!(names[0], "allkeys-lru zipf-0.99 16mb");
        assert_eq!(names[1], "allkeys-lfu zipf-0.99 16mb");
        assert_eq!(
            names[2],
            "allkeys-tinylfu zipf-0.99 16mb vs best of redis lru, lfu"
        );
        assert_eq!(
            names[17],
            "allkeys-tinylfu zipf-0.99+scan 64mb vs best of redis lru, lfu"
        );
        assert_eq!(names[18], "allkeys-lru zipf-0.99 16mb P1");
        assert_eq!(names[19], "allkeys-lfu zipf-0.99 16mb P1");
        assert_eq!(names[20], "allkeys-lru flood-1GB 100mb");
        assert_eq!(names[21..], ["DEL zset 1M", "UNLINK zset 1M"]);
        // Names are unique, so `measure` finds its case by name.
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len());
        assert!(
            plan(true)
                .iter()
                .any(|c| c.to_string() == "UNLINK zset 100k")
        );
    }
}
