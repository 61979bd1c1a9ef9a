//! Bench `wrk`: the TechEmpower-style HTTP load, ours vs axum.
//!
//! Load comes from the workspace's stress tool (closed loop, keep-alive, 64
//! connections, pipeline depth 1 or 16). Where `wrk` is installed, the same
//! settings also run under wrk, once per case outside the rounds, as extra
//! rows with a `(wrk)` case suffix — the cross-check that our generator is not
//! what limits the numbers.

use std::collections::HashMap;
use std::process::Command;
use std::time::Duration;

use anyhow::Context;

use super::servers::{Which, impls, start};
use crate::runner::shell;
use crate::runner::util::{tool_version, which};
use crate::runner::{Comparison, ExtraRow, Impl, Provenance, Sample, Skip, Target};
use crate::stress::{LoadConfig, http};

const CONNECTIONS: usize = 64;
const PIPELINE_DEPTH: usize = 16;
const GENERATOR_THREADS: usize = 2;

/// The HTTP load comparison.
pub(crate) struct Load {
    duration: Duration,
    warmup: Duration,
    /// Throughput the stress tool measured per (case, impl), for the generator check.
    stress_seen: HashMap<(String, &'static str), Vec<f64>>,
}

impl Default for Load {
    fn default() -> Load {
        Load {
            duration: Duration::from_secs(3),
            warmup: Duration::from_secs(1),
            stress_seen: HashMap::new(),
        }
    }
}

/// `(path, pipeline depth, server threads)` of a case name like `pipelined t=2`.
fn parse_case(case: &str) -> anyhow::Result<(&'static str, usize, usize)> {
    let (kind, threads) = case.split_once(" t=").context("case without ` t=`")?;
    let threads: usize = threads.trim_end_matches(" (wrk)").parse()?;
    Ok(match kind {
        "plaintext" => ("/plaintext", 1, threads),
        "pipelined" => ("/plaintext", PIPELINE_DEPTH, threads),
        "json" => ("/json", 1, threads),
        other => anyhow::bail!("unknown case {other}"),
    })
}

impl Comparison for Load {
    fn crate_name(&self) -> &'static str {
        "mini-web"
    }

    fn bench(&self) -> &'static str {
        "wrk"
    }

    fn describe(&self) -> String {
        format!(
            "HTTP/1.1 keep-alive load on GET /plaintext (13-byte text/plain) and GET /json ({{\"message\":\"Hello, World!\"}}), \
             {CONNECTIONS} connections, pipeline depth 1 (`plaintext`, `json`) or {PIPELINE_DEPTH} (`pipelined`), \
             from the workspace stress tool ({GENERATOR_THREADS} client threads, {}s measured after {}s warm-up). \
             Both servers run in this process on their own thread with the same tokio runtime: current-thread for t=1, \
             multi-thread with t workers for t=2; same routes; TCP_NODELAY on; release build. \
             ours: mini_web::Server defaults. axum: axum 0.8 `axum::serve` defaults (hyper 1 HTTP/1 via hyper-util's auto builder), \
             nodelay set with `ListenerExt::tap_io`. Metrics: throughput (responses/s) and p99 latency (us).",
            self.duration.as_secs_f64(),
            self.warmup.as_secs_f64()
        )
    }

    fn cases(&self, _quick: bool) -> Vec<String> {
        [
            "plaintext t=1",
            "plaintext t=2",
            "pipelined t=1",
            "pipelined t=2",
            "json t=1",
            "json t=2",
        ]
        .map(String::from)
        .to_vec()
    }

    fn targets(&self) -> Vec<Target> {
        vec![
            Target::at_least("axum", "throughput", 1.1),
            Target::at_most("axum", "p99", 1.0),
        ]
    }

    fn prepare(
        &mut self,
        quick: bool,
        prov: &mut Provenance,
    ) -> anyhow::Result<(Vec<Impl>, Vec<Skip>)> {
        if quick {
            self.duration = Duration::from_millis(1000);
            self.warmup = Duration::from_millis(300);
        }
        prov.version("axum", "0.8 (hyper 1, tokio)");
        Ok((impls(), Vec::new()))
    }

    fn measure(
        &mut self,
        case: &str,
        imp: &str,
        prov: &mut Provenance,
    ) -> anyhow::Result<Vec<Sample>> {
        let (path, pipeline, threads) = parse_case(case)?;
        let server = start(Which::from_name(imp)?, threads)?;
        let cfg = LoadConfig {
            addr: server.addr,
            connections: CONNECTIONS,
            pipeline,
            duration: self.duration,
            warmup: self.warmup,
            threads: GENERATOR_THREADS,
        };
        let request = http::request("GET", &server.addr.to_string(), path, b"");
        // The load half as the stress tool's command line; the server half
        // runs in this process (the comment says which), so the whole case
        // reruns with the summary's `Rerun:` line.
        let words: Vec<String> = [
            "cargo",
            "run",
            "--release",
            "-p",
            "benches",
            "--",
            "stress",
            "http",
            "--url",
        ]
        .map(String::from)
        .into_iter()
        .chain([
            format!("http://{}{path}", server.addr),
            "-c".into(),
            CONNECTIONS.to_string(),
            "-p".into(),
            pipeline.to_string(),
            "-t".into(),
            GENERATOR_THREADS.to_string(),
            "-d".into(),
            self.duration.as_secs_f64().to_string(),
            "--warmup".into(),
            self.warmup.as_secs_f64().to_string(),
        ])
        .collect();
        let port = server.addr.port().to_string();
        prov.command(format!(
            "{}  # against the in-process {imp} server, {threads} worker thread(s)",
            shell::join_with(&words, &[(shell::PORT, &port)])
        ));
        let report = http::run(&cfg, &request)?;
        drop(server);
        if report.errors > 0 {
            prov.note(format!(
                "mini-web wrk {case} {imp}: {} errors during the run",
                report.errors
            ));
        }
        let name: &'static str = if imp == "ours" { "ours" } else { "axum" };
        self.stress_seen
            .entry((case.to_string(), name))
            .or_default()
            .push(report.throughput);
        Ok(vec![
            Sample::new("throughput", report.throughput, "req/s"),
            Sample::new("p99", report.p99_us, "us"),
        ])
    }

    fn extra(&mut self, quick: bool, prov: &mut Provenance) -> anyhow::Result<Vec<ExtraRow>> {
        let Some(wrk) = which("wrk") else {
            prov.note("mini-web: wrk not installed, no cross-check rows — install with: apt-get install -y wrk");
            return Ok(Vec::new());
        };
        let wrk = wrk.to_string_lossy().into_owned();
        if let Some(v) = tool_version(&wrk, &["-v"]) {
            prov.version("wrk", v);
        }
        let script =
            std::env::temp_dir().join(format!("mini-web-pipeline-{}.lua", std::process::id()));
        let lua = format!(
            "init = function(args)\n  local r = {{}}\n  for i = 1, {PIPELINE_DEPTH} do r[i] = wrk.format(nil, \"/plaintext\") end\n  req = table.concat(r)\nend\nrequest = function() return req end\n"
        );
        std::fs::write(&script, &lua)?;
        // The script is a temporary file: the summary carries its text, as
        // the command that writes it, so the wrk lines below can be rerun.
        prov.command(format!(
            "cat > {} <<'EOF'\n{lua}EOF",
            shell::quote(&script.to_string_lossy())
        ));
        let secs = if quick {
            1
        } else {
            self.duration.as_secs().max(1)
        };
        let mut rows = Vec::new();
        for case in self.cases(quick) {
            let (path, pipeline, threads) = parse_case(&case)?;
            for imp in ["ours", "axum"] {
                let server = start(Which::from_name(imp)?, threads)?;
                let url = format!("http://{}{path}", server.addr);
                let mut args = vec![
                    format!("-t{GENERATOR_THREADS}"),
                    format!("-c{CONNECTIONS}"),
                    format!("-d{secs}s"),
                    "--latency".to_string(),
                ];
                if pipeline > 1 {
                    args.push("-s".into());
                    args.push(script.to_string_lossy().into_owned());
                }
                args.push(url);
                let port = server.addr.port().to_string();
                prov.command(format!(
                    "{}  # against the in-process {imp} server, {threads} worker thread(s)",
                    shell::join_with(
                        &[&["wrk".to_string()], &args[..]].concat(),
                        &[(shell::PORT, &port)]
                    )
                ));
                let out = Command::new(&wrk)
                    .args(&args)
                    .output()
                    .context("running wrk")?;
                drop(server);
                let text = String::from_utf8_lossy(&out.stdout);
                let (rps, p99) =
                    parse_wrk(&text).with_context(|| format!("unexpected wrk output: {text}"))?;
                let case_name = format!("{case} (wrk)");
                rows.push(ExtraRow {
                    case: case_name.clone(),
                    imp,
                    sample: Sample::new("throughput", rps, "req/s"),
                });
                if p99 > 0.0 {
                    rows.push(ExtraRow {
                        case: case_name,
                        imp,
                        sample: Sample::new("p99", p99, "us"),
                    });
                } else {
                    // wrk times a pipelined batch as one request and can print 0.00us.
                    prov.note(format!(
                        "mini-web {case_name} {imp}: wrk reported no usable p99; row omitted"
                    ));
                }
                if let Some(seen) = self.stress_seen.get(&(case.clone(), imp)) {
                    let ours_tool = crate::runner::util::median(seen);
                    prov.note(format!(
                        "mini-web generator check, {case}, {imp} server: stress tool {ours_tool:.0} req/s vs wrk {rps:.0} req/s ({:.2}x)",
                        ours_tool / rps
                    ));
                }
            }
        }
        let _ = std::fs::remove_file(&script);
        Ok(rows)
    }
}

/// `(requests/s, p99 in us)` from wrk's `--latency` report.
fn parse_wrk(text: &str) -> Option<(f64, f64)> {
    let rps = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Requests/sec:"))?
        .trim()
        .parse()
        .ok()?;
    let p99 = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("99%"))?
        .trim();
    Some((rps, wrk_duration_us(p99)?))
}

/// wrk prints durations like `812.00us`, `1.23ms`, `2.01s`.
fn wrk_duration_us(s: &str) -> Option<f64> {
    let (num, scale) = if let Some(n) = s.strip_suffix("us") {
        (n, 1.0)
    } else if let Some(n) = s.strip_suffix("ms") {
        (n, 1e3)
    } else if let Some(n) = s.strip_suffix('m') {
        (n, 60e6)
    } else {
        (s.strip_suffix('s')?, 1e6)
    };
    num.trim().parse::<f64>().ok().map(|v| v * scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases_and_wrk_output() {
        assert_eq!(parse_case("pipelined t=2").unwrap(), ("/plaintext", 16, 2));
        assert_eq!(parse_case("json t=1 (wrk)").unwrap(), ("/json", 1, 1));
        let out = "  Latency Distribution\n     50%  300.00us\n     99%    1.50ms\n  Requests/sec: 123456.78\n";
        assert_eq!(parse_wrk(out), Some((123456.78, 1500.0)));
    }
}
