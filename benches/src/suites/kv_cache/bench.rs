//! `redis-benchmark` against kv-cache and redis-server: the same flags for
//! both, one test per case, the rate parsed from `--csv`.

use std::process::Command;

use anyhow::{Context, bail};

use super::servers::{self, Resp, Running};
use crate::runner::util::tool_version;
use crate::runner::{Comparison, Impl, Provenance, Sample, Skip, Target};

/// One case: a redis-benchmark test at a pipeline depth and value size.
#[derive(Clone, Copy, Debug)]
struct Case {
    /// `-t` name.
    test: &'static str,
    /// The row name in `--csv` output.
    csv: &'static str,
    /// `-P`.
    pipeline: u32,
    /// `-d` (redis-benchmark's default is 3).
    size: u32,
}

impl Case {
    fn name(&self) -> String {
        let size = if self.size == 3 {
            String::new()
        } else {
            format!(" {}B", self.size)
        };
        format!("{}{size} P{}", self.csv, self.pipeline)
    }
}

const TESTS: &[(&str, &str)] = &[
    ("ping_inline", "PING_INLINE"),
    ("ping_mbulk", "PING_MBULK"),
    ("set", "SET"),
    ("get", "GET"),
    ("incr", "INCR"),
    ("mset", "MSET (10 keys)"),
];

fn all_cases() -> Vec<Case> {
    let mut v = Vec::new();
    for pipeline in [1, 16] {
        for &(test, csv) in TESTS {
            v.push(Case {
                test,
                csv,
                pipeline,
                size: 3,
            });
        }
        for &(test, csv) in &TESTS[2..4] {
            v.push(Case {
                test,
                csv,
                pipeline,
                size: 1024,
            });
        }
    }
    v
}

/// The `redis-benchmark` comparison.
#[derive(Default)]
pub(crate) struct RedisBenchmark {
    /// Both servers, started once and reused by every case.
    running: Vec<(&'static str, Running)>,
    /// Requests per run (`-n`).
    requests: u32,
}

impl Comparison for RedisBenchmark {
    fn crate_name(&self) -> &'static str {
        "kv-cache"
    }

    fn bench(&self) -> &'static str {
        "redis-benchmark"
    }

    fn describe(&self) -> String {
        "redis-benchmark -t <test> -n 200000 (20000 with --quick) -c 50 -P <1|16> [-d 1024] -q --csv, run against \
         kv-cache-server (release build, single-threaded on event-loop) and redis-server 7 (--save '' --appendonly no), \
         each on a free 127.0.0.1 port, alternating per round; metric: requests per second as redis-benchmark reports \
         it. GET cases read a key set beforehand with a value of the case's size. Both servers share the machine with \
         redis-benchmark."
            .to_string()
    }

    fn cases(&self, _quick: bool) -> Vec<String> {
        all_cases().iter().map(Case::name).collect()
    }

    fn rounds(&self, quick: bool) -> usize {
        if quick { 2 } else { 3 }
    }

    fn targets(&self) -> Vec<Target> {
        vec![Target::at_least("redis", "throughput", 1.0)]
    }

    fn prepare(
        &mut self,
        quick: bool,
        prov: &mut Provenance,
    ) -> anyhow::Result<(Vec<Impl>, Vec<Skip>)> {
        self.requests = if quick { 20_000 } else { 200_000 };
        if let Err(skip) = servers::redis_tools(&["redis-benchmark", "redis-server"]) {
            return Ok((Vec::new(), vec![skip]));
        }
        let ours = servers::ours_binary(prov)?;
        for (tool, args) in [
            ("redis-server", ["--version"]),
            ("redis-benchmark", ["--version"]),
        ] {
            if let Some(v) = tool_version(tool, &args) {
                prov.version(tool, v);
            }
        }
        for imp in ["ours", "redis"] {
            let r = servers::start(imp, &ours, prov)?;
            self.running.push((imp, r));
        }
        Ok((
            vec![
                Impl {
                    name: "ours",
                    config: "kv-cache-server --port <port> (release)".into(),
                },
                Impl {
                    name: "redis",
                    config: "redis-server --save '' --appendonly no".into(),
                },
            ],
            Vec::new(),
        ))
    }

    fn measure(
        &mut self,
        case: &str,
        imp: &str,
        prov: &mut Provenance,
    ) -> anyhow::Result<Vec<Sample>> {
        let c = all_cases()
            .into_iter()
            .find(|c| c.name() == case)
            .context("unknown case")?;
        let addr = self
            .running
            .iter()
            .find(|(n, _)| *n == imp)
            .map(|(_, r)| r.addr)
            .context("server not running")?;
        if c.test == "get" {
            // GET reads redis-benchmark's fixed key; give it a value of the case's size.
            let mut resp = Resp::connect(addr)?;
            let mut buf = Vec::new();
            Resp::encode(
                &mut buf,
                &[b"SET", b"key:__rand_int__", &vec![b'x'; c.size as usize]],
            );
            resp.pipeline(&buf, 1)?;
        }
        let port = addr.port().to_string();
        let n = self.requests.to_string();
        let p = c.pipeline.to_string();
        let d = c.size.to_string();
        let args = [
            "-p", &port, "-t", c.test, "-n", &n, "-c", "50", "-P", &p, "-d", &d, "-q", "--csv",
        ];
        prov.command(format!(
            "redis-benchmark {}",
            args.join(" ").replace(&port, "<port>")
        ));
        let out = Command::new("redis-benchmark")
            .args(args)
            .output()
            .context("running redis-benchmark")?;
        let text = String::from_utf8_lossy(&out.stdout);
        let Some(rps) = parse_csv(&text, c.csv) else {
            let pid = self
                .running
                .iter()
                .find(|(n, _)| *n == imp)
                .map(|(_, r)| r.child.pid());
            bail!(
                "no {} row in redis-benchmark output (server {imp} {}): stdout {text:?}, stderr {:?}",
                c.csv,
                if pid.is_some_and(servers::alive) {
                    "still running"
                } else {
                    "has exited"
                },
                String::from_utf8_lossy(&out.stderr)
            );
        };
        if rps <= 0.0 {
            bail!("redis-benchmark reported {rps} for {case}");
        }
        Ok(vec![Sample::new("throughput", rps, "ops/s")])
    }

    fn finish(&mut self) {
        self.running.clear();
    }
}

/// The `rps` column of the row named `test` in redis-benchmark's `--csv`.
fn parse_csv(text: &str, test: &str) -> Option<f64> {
    text.lines().find_map(|line| {
        let mut cols = line.split("\",\"").map(|c| c.trim_matches('"'));
        (cols.next()? == test).then_some(())?;
        cols.next()?.parse().ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_are_found_by_test_name() {
        let text = "\"test\",\"rps\",\"avg_latency_ms\"\n\"SET\",\"450450.44\",\"1.178\"\n\"MSET (10 keys)\",\"100.5\",\"2\"\n";
        assert_eq!(parse_csv(text, "SET"), Some(450450.44));
        assert_eq!(parse_csv(text, "MSET (10 keys)"), Some(100.5));
        assert_eq!(parse_csv(text, "GET"), None);
    }

    #[test]
    fn case_names_follow_the_issue() {
        let names: Vec<String> = all_cases().iter().map(Case::name).collect();
        assert!(names.contains(&"SET P1".to_string()));
        assert!(names.contains(&"GET 1024B P16".to_string()));
        assert_eq!(names.len(), 16);
    }
}
