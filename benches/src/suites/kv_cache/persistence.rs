//! The `persistence` comparison, AOF part: redis-benchmark's SET and INCR
//! against both servers with the same append-only configuration
//! (`appendonly yes`, `appendfsync everysec|always`, a fresh directory per
//! run), so the cost measured is the log: the per-turn write, and under
//! `always` the fdatasync every turn waits for. (`BGSAVE` and loading
//! cases come with the RDB writer.)

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, bail};

use super::bench::parse_csv;
use super::servers::{self, Launch};
use crate::runner::util::tool_version;
use crate::runner::{Comparison, Impl, Provenance, Sample, Skip, Target};

/// The `persistence` comparison.
#[derive(Default)]
pub(crate) struct Persistence {
    /// The kv-cache-server binary.
    ours: Option<PathBuf>,
    /// A short run (`--quick`).
    quick: bool,
}

/// `(test, csv row)` for redis-benchmark.
const TESTS: &[(&str, &str)] = &[("set", "SET"), ("incr", "INCR")];
/// The fsync policies measured.
const POLICIES: &[&str] = &["everysec", "always"];

/// A case: `SET P16 aof-everysec`.
struct Case {
    test: &'static str,
    csv: &'static str,
    pipeline: u32,
    fsync: &'static str,
}

impl Case {
    fn name(&self) -> String {
        format!("{} P{} aof-{}", self.csv, self.pipeline, self.fsync)
    }
}

fn all_cases() -> Vec<Case> {
    let mut out = Vec::new();
    for &fsync in POLICIES {
        for &(test, csv) in TESTS {
            for pipeline in [1, 16] {
                out.push(Case {
                    test,
                    csv,
                    pipeline,
                    fsync,
                });
            }
        }
    }
    out
}

impl Persistence {
    /// Requests per run: `always` waits for the disk every turn, so it
    /// gets a tenth of everysec's.
    fn requests(&self, c: &Case) -> u32 {
        let n = if self.quick { 20_000 } else { 200_000 };
        if c.fsync == "always" { n / 10 } else { n }
    }
}

impl Comparison for Persistence {
    fn crate_name(&self) -> &'static str {
        "kv-cache"
    }

    fn bench(&self) -> &'static str {
        "persistence"
    }

    fn describe(&self) -> String {
        "redis-benchmark -t <set|incr> -n 200000 (20000 under appendfsync always; a tenth of both with --quick) \
         -c 50 -P <1|16> -q --csv against kv-cache-server (release) and redis-server 7, each started fresh for \
         every run with --appendonly yes --appendfsync <everysec|always> --aof-use-rdb-preamble no --dir <a new \
         temporary directory> (ours takes the same settings as --set name=value), alternating per round; metric: \
         requests per second as redis-benchmark reports it. Both servers write to the same disk; under always \
         the disk's fdatasync latency bounds both. Rounds: 5 (2 with --quick)."
            .to_string()
    }

    fn cases(&self, _quick: bool) -> Vec<String> {
        all_cases().iter().map(Case::name).collect()
    }

    fn targets(&self) -> Vec<Target> {
        vec![Target::at_least("redis", "throughput", 1.0)]
    }

    fn prepare(
        &mut self,
        quick: bool,
        prov: &mut Provenance,
    ) -> anyhow::Result<(Vec<Impl>, Vec<Skip>)> {
        self.quick = quick;
        if let Err(skip) = servers::redis_tools(&["redis-benchmark", "redis-server"]) {
            return Ok((Vec::new(), vec![skip]));
        }
        self.ours = Some(servers::ours_binary(prov)?);
        if let Some(v) = tool_version("redis-benchmark", &["--version"]) {
            prov.version("redis-benchmark", v);
        }
        let config =
            "--appendonly yes --appendfsync <policy> --aof-use-rdb-preamble no --dir <fresh>";
        Ok((
            vec![
                Impl {
                    name: "ours",
                    config: format!("kv-cache-server {config} (release)"),
                },
                Impl {
                    name: "redis",
                    config: format!("redis-server --save '' {config}"),
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
            .with_context(|| format!("no case {case}"))?;
        let ours = self.ours.clone().context("kv-cache-server not built")?;
        let dir = std::env::temp_dir().join(format!(
            "infra-lab-persistence-{imp}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        let dir_text = dir.display().to_string();
        let settings = [
            ("appendonly", "yes"),
            ("appendfsync", c.fsync),
            ("aof-use-rdb-preamble", "no"),
            ("dir", dir_text.as_str()),
        ];
        let launch = Launch {
            settings: &settings,
            ..Launch::default()
        };
        let server = servers::start_with(imp, &ours, launch, prov)?;
        let n = self.requests(&c).to_string();
        let port = server.addr.port().to_string();
        let p = c.pipeline.to_string();
        let args = [
            "-p", &port, "-n", &n, "-c", "50", "-P", &p, "-q", "--csv", "-t", c.test,
        ];
        prov.command(format!(
            "redis-benchmark {}",
            args.join(" ").replace(&port, "<port>")
        ));
        let out = Command::new("redis-benchmark")
            .args(args)
            .output()
            .context("running redis-benchmark")?;
        drop(server);
        let _ = std::fs::remove_dir_all(&dir);
        let text = String::from_utf8_lossy(&out.stdout);
        let Some(rps) = parse_csv(&text, c.csv).filter(|r| *r > 0.0) else {
            bail!("no {} row in redis-benchmark output: {text:?}", c.csv);
        };
        Ok(vec![Sample::new("throughput", rps, "ops/s")])
    }
}
