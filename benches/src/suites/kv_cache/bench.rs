//! `redis-benchmark` against kv-cache and redis-server: the same flags for
//! both, one test per case, the rate parsed from `--csv`.
//!
//! Collection cases start from the same state on both servers: db 0 is
//! flushed before each run, and the pop tests find their key filled with
//! as many elements as there are requests (redis-benchmark's own
//! `-t sadd,spop` would pop from a set of one member, the literal
//! `element:__rand_int__`, and then from nothing). The two 1M-member
//! sorted-set cases query a set loaded once into db 9 (`--dbnum 9`), and so
//! do the SORT cases (a 10,000-element list, its ALPHA twin and one hash per
//! element for `BY`/`GET`). The KEA case is SET with every keyspace
//! notification class on (`notify-keyspace-events KEA`) on both servers and
//! nobody subscribed: it measures what producing the events costs.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, bail};

use super::memory::send_all;
use super::per_request;
use super::servers::{self, Resp, Running};
use crate::runner::cpu::CpuSample;
use crate::runner::shell;
use crate::runner::util::tool_version;
use crate::runner::{Comparison, ExtraRow, Impl, Provenance, Sample, Skip, Target};

/// One case: a redis-benchmark test at a pipeline depth and value size.
#[derive(Clone, Copy, Debug)]
struct Case {
    /// `-t` name, or a custom command line (see [`CUSTOM`]).
    test: &'static str,
    /// The row name in `--csv` output.
    csv: &'static str,
    /// `-P`.
    pipeline: u32,
    /// `-d` (redis-benchmark's default is 3).
    size: u32,
    /// Run with `notify-keyspace-events KEA` on (the name says ` KEA`).
    notify: bool,
}

impl Case {
    fn name(&self) -> String {
        let size = if self.size == 3 {
            String::new()
        } else {
            format!(" {}B", self.size)
        };
        let kea = if self.notify { " KEA" } else { "" };
        format!("{}{size}{kea} P{}", self.csv, self.pipeline)
    }

    /// `-n` for this case: a SORT of 10,000 elements costs a thousand times a
    /// GET, so its cases run 1/400 of the requests.
    fn requests(&self, standard: u32) -> u32 {
        if is_sort(self) {
            (standard / 400).max(100)
        } else {
            standard
        }
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

/// The collection tests (lists, sets, hashes, sorted sets).
const COLLECTION_TESTS: &[(&str, &str)] = &[
    ("lpush", "LPUSH"),
    ("rpush", "RPUSH"),
    ("lpop", "LPOP"),
    ("rpop", "RPOP"),
    ("sadd", "SADD"),
    ("hset", "HSET"),
    ("spop", "SPOP"),
    ("zadd", "ZADD"),
    ("zpopmin", "ZPOPMIN"),
    ("lrange_100", "LRANGE_100 (first 100 elements)"),
    ("lrange_300", "LRANGE_300 (first 300 elements)"),
    ("lrange_600", "LRANGE_600 (first 600 elements)"),
];

/// Custom commands on the 1M-member sorted set `bigz` in db 9 (members
/// `m:<i as 12 digits>` with score `i`): `(case name, command line)`. The `--csv` row
/// is the command line itself.
const CUSTOM: &[(&str, &str)] = &[
    (
        "ZRANGEBYSCORE 1M",
        "ZRANGEBYSCORE bigz __rand_int__ +inf LIMIT 0 10",
    ),
    ("ZRANK 1M", "ZRANK bigz m:__rand_int__"),
];

/// Custom SORT commands on db 9's `sortnum` (the integers below [`SORTN`]
/// in a shuffled order), `sortalpha` (the same as `v:<n>` strings) and the
/// hashes `sorth:<n>` (`w`: a shuffled weight, `name`: `name:<n>`). P1 only.
const SORTS: &[(&str, &str)] = &[
    ("SORT 10k", "SORT sortnum"),
    ("SORT 10k ALPHA", "SORT sortalpha ALPHA"),
    (
        "SORT 10k BY hash GET",
        "SORT sortnum BY sorth:*->w GET # GET sorth:*->name",
    ),
];

/// Elements of the SORT lists.
const SORTN: u64 = 10_000;

/// Members of `bigz`.
const BIGZ: u64 = 1_000_000;

fn all_cases() -> Vec<Case> {
    let mut v = Vec::new();
    for pipeline in [1, 16] {
        for &(test, csv) in TESTS {
            v.push(Case {
                test,
                csv,
                pipeline,
                size: 3,
                notify: false,
            });
        }
        for &(test, csv) in &TESTS[2..4] {
            v.push(Case {
                test,
                csv,
                pipeline,
                size: 1024,
                notify: false,
            });
        }
    }
    v.push(Case {
        test: "set",
        csv: "SET",
        pipeline: 16,
        size: 3,
        notify: true,
    });
    for pipeline in [1, 16] {
        for &(test, csv) in COLLECTION_TESTS {
            v.push(Case {
                test,
                csv,
                pipeline,
                size: 3,
                notify: false,
            });
        }
        for &(name, line) in CUSTOM {
            v.push(Case {
                test: line,
                csv: name,
                pipeline,
                size: 3,
                notify: false,
            });
        }
    }
    for &(name, line) in SORTS {
        v.push(Case {
            test: line,
            csv: name,
            pipeline: 1,
            size: 3,
            notify: false,
        });
    }
    v
}

/// The custom command line of a case, if it is one.
fn custom(c: &Case) -> Option<&'static str> {
    CUSTOM
        .iter()
        .chain(SORTS)
        .find(|(name, _)| *name == c.csv)
        .map(|(_, line)| *line)
}

/// Whether `c` is one of the SORT cases.
fn is_sort(c: &Case) -> bool {
    SORTS.iter().any(|(name, _)| *name == c.csv)
}

/// Fills `key` in `resp`'s current db with `n` elements for a pop test,
/// 1000 per command, 10 commands per round trip.
fn fill(resp: &mut Resp, test: &str, n: u64) -> anyhow::Result<()> {
    let (cmd, key): (&[u8], &[u8]) = match test {
        "lpop" | "rpop" => (b"RPUSH", b"mylist"),
        "spop" => (b"SADD", b"myset"),
        "zpopmin" => (b"ZADD", b"myzset"),
        _ => return Ok(()),
    };
    send_all(
        resp,
        |c, buf| {
            let mut args: Vec<Vec<u8>> = vec![cmd.to_vec(), key.to_vec()];
            for j in c * 1000..((c + 1) * 1000).min(n) {
                if cmd == b"ZADD" {
                    args.push(j.to_string().into_bytes());
                }
                args.push(format!("element:{j}").into_bytes());
            }
            let refs: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
            Resp::encode(buf, &refs);
        },
        n.div_ceil(1000),
        10,
    )
}

/// Loads `bigz` into db 9 (once per server), 1000 members per `ZADD`.
fn load_bigz(resp: &mut Resp) -> anyhow::Result<()> {
    let mut buf = Vec::new();
    Resp::encode(&mut buf, &[b"SELECT", b"9"]);
    Resp::encode(&mut buf, &[b"FLUSHDB"]);
    resp.pipeline(&buf, 2)?;
    send_all(
        resp,
        |c, buf| {
            let mut args: Vec<Vec<u8>> = vec![b"ZADD".to_vec(), b"bigz".to_vec()];
            for i in c * 1000..((c + 1) * 1000).min(BIGZ) {
                args.push(i.to_string().into_bytes());
                // redis-benchmark writes __rand_int__ as 12 zero-padded digits.
                args.push(format!("m:{i:012}").into_bytes());
            }
            let refs: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
            Resp::encode(buf, &refs);
        },
        BIGZ.div_ceil(1000),
        10,
    )?;
    load_sorts(resp)?;
    buf.clear();
    Resp::encode(&mut buf, &[b"SELECT", b"0"]);
    resp.pipeline(&buf, 1)
}

/// Loads the SORT cases' data into the current db (9): `sortnum`,
/// `sortalpha` and the hashes `sorth:<n>`. The order and weights come from
/// a fixed permutation, so both servers hold the same data.
fn load_sorts(resp: &mut Resp) -> anyhow::Result<()> {
    // i -> (i * 7919) mod 10007 permutes 0..10007 (10007 is prime);
    // the values below SORTN keep their order, which is shuffled enough.
    let order: Vec<u64> = (0..10_007u64)
        .map(|i| i * 7919 % 10_007)
        .filter(|&v| v < SORTN)
        .collect();
    // Two commands per chunk of 1000: one RPUSH to each list.
    send_all(
        resp,
        |i, buf| {
            let c = (i / 2) as usize;
            let chunk = &order[c * 1000..((c + 1) * 1000).min(order.len())];
            let (key, prefix): (&[u8], &str) = if i % 2 == 0 {
                (b"sortnum", "")
            } else {
                (b"sortalpha", "v:")
            };
            let items: Vec<Vec<u8>> = chunk
                .iter()
                .map(|v| format!("{prefix}{v}").into_bytes())
                .collect();
            let mut args: Vec<&[u8]> = vec![b"RPUSH", key];
            args.extend(items.iter().map(Vec::as_slice));
            Resp::encode(buf, &args);
        },
        2 * SORTN.div_ceil(1000),
        2,
    )?;
    let batch = 100usize;
    send_all(
        resp,
        |i, buf| {
            let key = format!("sorth:{i}").into_bytes();
            let weight = (i * 104_729 % SORTN).to_string().into_bytes();
            let name = format!("name:{i}").into_bytes();
            Resp::encode(buf, &[b"HSET", &key, b"w", &weight, b"name", &name]);
        },
        SORTN,
        batch,
    )
}

/// The `redis-benchmark` comparison.
#[derive(Default)]
pub(crate) struct RedisBenchmark {
    /// Both servers, started once and reused by every case.
    running: Vec<(&'static str, Running)>,
    /// Requests per run (`-n`).
    requests: u32,
    /// The kv-cache-server binary.
    ours: Option<PathBuf>,
}

impl Comparison for RedisBenchmark {
    fn crate_name(&self) -> &'static str {
        "kv-cache"
    }

    fn bench(&self) -> &'static str {
        "redis-benchmark"
    }

    fn describe(&self) -> String {
        format!(
            "`redis-benchmark -p $PORT -n {} -c 50 -P PIPELINE -d SIZE -q --csv -t TEST` (every case's exact \
         line is under Commands; `$PORT` is the server's port), run against \
         kv-cache-server (release build, single-threaded on event-loop) and redis-server 7 \
         (`--save '' --appendonly no`), each on a free 127.0.0.1 port, alternating per round; metric: requests per second as redis-benchmark reports \
         it. GET cases read a key set beforehand with a value of the case's size. Collection cases run on a flushed \
         db 0; LPOP/RPOP/SPOP/ZPOPMIN find their key filled with as many elements as requests. ZRANGEBYSCORE 1M and \
         ZRANK 1M are custom commands (`-r 1000000 --dbnum 9`: `ZRANGEBYSCORE bigz __rand_int__ +inf LIMIT 0 10`, \
         `ZRANK bigz m:__rand_int__`) on a sorted set of 1,000,000 members `m:<i>` with score i, loaded once per \
         server. SORT 10k, SORT 10k ALPHA and SORT 10k BY hash GET are custom commands on db 9 \
         (`SORT sortnum`, `SORT sortalpha ALPHA`, `SORT sortnum BY sorth:*->w GET # GET sorth:*->name`: a list of \
         the integers 0..9999 in a fixed shuffled order, the same as `v:<n>` strings, and a hash per element with \
         a shuffled weight), P1 only, with -n 500 (100 with --quick). SET KEA P16 is SET with \
         `notify-keyspace-events KEA` set on both servers for the case (and reset after it) and no subscriber. \
         Both servers share the machine with redis-benchmark. cpu_per_req: the server process's CPU time \
         (every thread) read from /proc just before and just after the redis-benchmark run (set-up excluded), \
         divided by -n; it includes accepting and closing redis-benchmark's 50 connections, alike for both. \
         Rounds: 5 (2 with --quick). Once per run, outside the rounds, for SET and GET at P1 and P16: \
         syscalls_per_req (strace -c -f -p attached to each running server) and instructions_per_req, each \
         from two runs of different -n whose difference is divided by the difference in requests, so \
         connection set-up and attaching cancel out.",
            self.requests
        )
    }

    fn cases(&self, _quick: bool) -> Vec<String> {
        all_cases().iter().map(Case::name).collect()
    }

    fn targets(&self) -> Vec<Target> {
        vec![
            Target::at_least("redis", "throughput", 1.0),
            Target::at_most("redis", "cpu_per_req", 1.0),
        ]
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
        self.ours = Some(ours.clone());
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
            load_bigz(&mut Resp::connect(r.addr)?)?;
            self.running.push((imp, r));
        }
        Ok((
            vec![
                Impl {
                    name: "ours",
                    config: "`kv-cache-server --port $PORT` (release)".into(),
                },
                Impl {
                    name: "redis",
                    config:
                        "`redis-server --port $PORT --bind 127.0.0.1 --save '' --appendonly no`"
                            .into(),
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
        let server = self
            .running
            .iter()
            .find(|(n, _)| *n == imp)
            .map(|(_, r)| r)
            .context("server not running")?;
        let pid = server.child.pid();
        let c = case_named(case)?;
        let n = c.requests(self.requests);
        set_up(server.addr, &c, n)?;
        // The server's CPU time around the redis-benchmark run alone (set-up
        // excluded), divided by the run's requests.
        let before = CpuSample::read(pid)?;
        let rps = run_benchmark(server.addr, &c, n, pid, prov);
        let after = CpuSample::read(pid)?;
        tear_down(server.addr, &c)?;
        let rps = rps?;
        prov.note(format!("cpu_per_req read from {}", after.source));
        let cpu = before
            .per_request_us(&after, u64::from(n))
            .context("the server's CPU clock went backwards")?;
        Ok(vec![
            Sample::new("throughput", rps, "ops/s"),
            Sample::new("cpu_per_req", cpu, "us"),
        ])
    }

    fn extra(&mut self, _quick: bool, prov: &mut Provenance) -> anyhow::Result<Vec<ExtraRow>> {
        let servers: Vec<(&'static str, u32, SocketAddr)> = self
            .running
            .iter()
            .map(|(imp, r)| (*imp, r.child.pid(), r.addr))
            .collect();
        let run = |addr: SocketAddr, case: &str, n: u32, pid: u32, prov: &mut Provenance| {
            let c = case_named(case)?;
            set_up(addr, &c, n)?;
            let run = run_benchmark(addr, &c, n, pid, prov).map(drop);
            tear_down(addr, &c)?;
            run
        };
        let mut rows = per_request::syscall_rows(&servers, &run, prov)?;
        let ours = self.ours.clone().context("kv-cache-server not built")?;
        rows.extend(per_request::instruction_rows(&ours, &run, prov)?);
        Ok(rows)
    }

    fn finish(&mut self) {
        self.running.clear();
    }
}

/// The case called `name`.
fn case_named(name: &str) -> anyhow::Result<Case> {
    all_cases()
        .into_iter()
        .find(|c| c.name() == name)
        .with_context(|| format!("unknown case {name:?}"))
}

/// Puts the server at `addr` in the state case `c` starts from, for `n`
/// requests: collection cases on a flushed db 0 (pop keys filled), GET
/// with its key set to a value of the case's size, notifications on for KEA.
fn set_up(addr: SocketAddr, c: &Case, n: u32) -> anyhow::Result<()> {
    if c.notify {
        notify_events(addr, "KEA")?;
    }
    if COLLECTION_TESTS.iter().any(|(t, _)| *t == c.test) {
        let mut resp = Resp::connect(addr)?;
        let mut buf = Vec::new();
        Resp::encode(&mut buf, &[b"FLUSHDB"]);
        resp.pipeline(&buf, 1)?;
        fill(&mut resp, c.test, u64::from(n))?;
    }
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
    Ok(())
}

/// Undoes what [`set_up`] changed beyond the data: notifications off.
fn tear_down(addr: SocketAddr, c: &Case) -> anyhow::Result<()> {
    if c.notify {
        notify_events(addr, "")?;
    }
    Ok(())
}

/// `CONFIG SET notify-keyspace-events <classes>`.
fn notify_events(addr: SocketAddr, classes: &str) -> anyhow::Result<()> {
    let mut resp = Resp::connect(addr)?;
    let mut buf = Vec::new();
    Resp::encode(
        &mut buf,
        &[
            b"CONFIG",
            b"SET",
            b"notify-keyspace-events",
            classes.as_bytes(),
        ],
    );
    resp.pipeline(&buf, 1)
}

/// Runs redis-benchmark for case `c` with `-n n` against the server at
/// `addr` (process `pid`, named in errors) and returns its requests per second.
fn run_benchmark(
    addr: SocketAddr,
    c: &Case,
    n: u32,
    pid: u32,
    prov: &mut Provenance,
) -> anyhow::Result<f64> {
    let port = addr.port().to_string();
    let n = n.to_string();
    let p = c.pipeline.to_string();
    let d = c.size.to_string();
    let mut args = vec![
        "-p", &port, "-n", &n, "-c", "50", "-P", &p, "-d", &d, "-q", "--csv",
    ];
    let random = BIGZ.to_string();
    match custom(c) {
        Some(line) => {
            args.extend(["-r", &random, "--dbnum", "9"]);
            args.extend(line.split(' '));
        }
        None => args.extend(["-t", c.test]),
    }
    let shown = [&["redis-benchmark"], &args[..]].concat();
    prov.command(shell::join_with(&shown, &[(shell::PORT, &port)]));
    let out = Command::new("redis-benchmark")
        .args(args)
        .output()
        .context("running redis-benchmark")?;
    let text = String::from_utf8_lossy(&out.stdout);
    let row = custom(c).unwrap_or(c.csv);
    let Some(rps) = parse_csv(&text, row) else {
        bail!(
            "no {} row in redis-benchmark output (server pid {pid} {}): stdout {text:?}, stderr {:?}",
            c.csv,
            if servers::alive(pid) {
                "still running"
            } else {
                "has exited"
            },
            String::from_utf8_lossy(&out.stderr)
        );
    };
    if rps <= 0.0 {
        bail!("redis-benchmark reported {rps} for {}", c.name());
    }
    Ok(rps)
}

/// The `rps` column of the row named `test` in redis-benchmark's `--csv`.
pub(super) fn parse_csv(text: &str, test: &str) -> Option<f64> {
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
        assert!(names.contains(&"LRANGE_600 (first 600 elements) P16".to_string()));
        assert!(names.contains(&"ZRANK 1M P1".to_string()));
        assert!(names.contains(&"SET KEA P16".to_string()));
        assert!(names.contains(&"SORT 10k BY hash GET P1".to_string()));
        assert_eq!(names.len(), 16 + 1 + 28 + 3);
    }
}
