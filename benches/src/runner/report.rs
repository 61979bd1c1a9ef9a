//! Writing a run down: the terminal tables, and the results folder
//! (`summary.md`, `raw.csv`, one SVG chart per crate).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;

use super::machine::{Checkout, Machine, locked_versions};
use super::markdown;
use super::run::Outcome;
use super::shell;
use super::svg;
use super::table;

/// The `raw.csv` header (ARCHITECTURE.md): one row per measurement.
pub const CSV_HEADER: &str = "crate,bench,case,impl,round,metric,value,unit";

/// Crates whose locked versions the summary lists: ours and the counterparts.
const CRATES_OF_INTEREST: &[&str] = &[
    "mio",
    "tokio",
    "tokio-util",
    "axum",
    "hyper",
    "matchit",
    "httparse",
    "redis",
    "diesel",
    "rusqlite",
    "libsqlite3-sys",
    "tarpc",
    "tonic",
    "prost",
    "bytes",
    "criterion",
];

/// What the table columns mean, written above the tables of `summary.md`
/// and of each `<crate>.md`.
pub const COLUMNS: &str = "Ratios are ours/counterpart, in the tables and the charts alike: \
     `ours/theirs` is the median over rounds \
     of the ratio measured within one round (implementations alternate A B, B A, ...); \
     ↑ after a metric means higher is better (a ratio above 1 favours ours), ↓ lower is \
     better (a ratio below 1 favours ours); \
     `ours` and `theirs` are each side's median; `spread` is the smallest and largest \
     per-round ratio and `rounds` how many there were. `met` judges the median against \
     the target; \"within noise\" means the per-round ratios fall on both sides of the \
     target, so the verdict is not settled by this run. Rows with one round (round 0 \
     in `raw.csv`) were measured once, outside the timed rounds.";

/// Crates in the order their outcomes first appear.
fn crates_in_order(outcomes: &[Outcome]) -> Vec<&'static str> {
    let mut crates = Vec::new();
    for o in outcomes {
        if !crates.contains(&o.crate_name) {
            crates.push(o.crate_name);
        }
    }
    crates
}

/// The tables of one crate: a heading and a table per comparison, in run
/// order, with what was skipped or failed under each.
pub fn crate_tables(outcomes: &[Outcome], crate_name: &str, level: &str) -> String {
    let mut s = String::new();
    for o in outcomes.iter().filter(|o| o.crate_name == crate_name) {
        let _ = writeln!(s, "\n{level} {crate_name} / {}\n", o.bench);
        s.push_str(&table::markdown(&table::lines(o)));
        for skip in &o.skips {
            let _ = writeln!(s, "\n{}", markdown::text(&skip.to_string()));
        }
        if let Some(e) = &o.error {
            let _ = writeln!(s, "\nerror: {}", markdown::text(e));
        }
    }
    s
}

/// Prints every crate's tables to stdout, one table per comparison.
pub fn print_tables(outcomes: &[Outcome]) {
    for c in crates_in_order(outcomes) {
        println!("\n## {c}");
        print!("{}", crate_tables(outcomes, c, "###"));
    }
}

/// The chart's file name for one comparison: `<crate>-<bench>.svg`.
fn chart_file(o: &Outcome) -> String {
    format!("{}-{}.svg", o.crate_name, o.bench)
}

/// Escapes a CSV field (quotes it when it holds a comma or a quote).
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The whole `raw.csv`.
pub fn raw_csv(outcomes: &[Outcome]) -> String {
    let mut s = format!("{CSV_HEADER}\n");
    for r in outcomes.iter().flat_map(|o| &o.rows) {
        let _ = writeln!(
            s,
            "{},{},{},{},{},{},{},{}",
            r.crate_name,
            r.bench,
            csv_field(&r.case),
            csv_field(&r.imp),
            r.round,
            r.metric,
            r.value,
            csv_field(r.unit)
        );
    }
    s
}

/// A new folder `<date>-<host>` under `root` (`-2`, `-3`... when the day's
/// folder already exists, so no run overwrites another).
pub fn new_run_dir(root: &Path, machine: &Machine) -> anyhow::Result<PathBuf> {
    let base = format!("{}-{}", machine.date, machine.host);
    let mut dir = root.join(&base);
    let mut n = 2;
    while dir.exists() {
        dir = root.join(format!("{base}-{n}"));
        n += 1;
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

/// How a run was asked for, for the summary's provenance: enough to know
/// what was measured and to run it again.
#[derive(Clone, Debug)]
pub struct Invocation {
    /// The runner's command line, shell-quoted, with the environment
    /// variables the comparisons read in front (see [`command_line`]).
    pub command: String,
    /// The checkout measured.
    pub checkout: Checkout,
    /// The options every comparison ran with (`--quick`, `--rounds N`),
    /// repeated in each comparison's rerun line.
    pub flags: Vec<String>,
}

/// Prefixes of the environment variables the comparisons read
/// (`KV_CACHE_SERVER_BIN`, `MINI_ORM_MYSQL_URL`, `BENCHES_HIDE_LIBEVENT`
/// ...): the workspace's crate names, so a new one is covered by its name.
const ENV_PREFIXES: &[&str] = &[
    "BENCHES_",
    "EVENT_LOOP_",
    "KV_CACHE_",
    "MINI_WEB_",
    "MINI_RPC_",
    "MINI_ORM_",
];

/// The command line that ran: `NAME=value` for each set variable of
/// [`ENV_PREFIXES`] in `env`, then `cargo run --release -p benches --` and
/// `args`, every word shell-quoted. A `*_URL` value is shown as `...`: a
/// database URL carries a password, which a summary must not publish.
pub fn command_line(env: &[(String, String)], args: &[String]) -> String {
    let mut vars: Vec<&(String, String)> = env
        .iter()
        .filter(|(k, _)| ENV_PREFIXES.iter().any(|p| k.starts_with(p)))
        .collect();
    vars.sort();
    let mut words: Vec<String> = vars
        .into_iter()
        .map(|(k, v)| {
            if k.ends_with("_URL") {
                format!("{k}=...")
            } else {
                format!("{k}={}", shell::quote(v))
            }
        })
        .collect();
    let runner = ["cargo", "run", "--release", "-p", "benches", "--"];
    let quoted: Vec<String> = runner
        .iter()
        .map(|w| w.to_string())
        .chain(args.iter().map(|a| shell::quote(a).into_owned()))
        .collect();
    words.extend(quoted);
    words.join(" ")
}

/// The command that reruns one comparison alone, with the run's options.
pub fn rerun_command(o: &Outcome, flags: &[String]) -> String {
    let mut words: Vec<String> = ["cargo", "run", "--release", "-p", "benches", "--"]
        .map(String::from)
        .to_vec();
    words.extend([o.crate_name.to_string(), "--bench".into(), o.bench.into()]);
    words.extend(flags.iter().cloned());
    shell::join(&words)
}

/// Writes `summary.md`, `raw.csv`, a chart per comparison
/// (`<crate>-<bench>.svg`) and each crate's tables alone (`<crate>.md`) into `dir`.
pub fn write_run(
    dir: &Path,
    outcomes: &[Outcome],
    machine: &Machine,
    run: &Invocation,
    workspace: &Path,
) -> anyhow::Result<()> {
    std::fs::write(dir.join("raw.csv"), raw_csv(outcomes))?;
    for c in crates_in_order(outcomes) {
        // Each crate's tables on their own, for the notes chapters to include
        // (`{{#include ../results/<run>/<crate>.md}}`): their numbers then
        // come from this folder, never from a hand-typed copy.
        std::fs::write(
            dir.join(format!("{c}.md")),
            format!(
                "Run of {} {} UTC on {} ({} CPUs, {}); the run's `summary.md` has the \
                 provenance. {COLUMNS}\n{}",
                machine.date,
                machine.time,
                machine.host,
                machine.nproc,
                machine.cpu,
                crate_tables(outcomes, c, "####")
            ),
        )?;
    }
    for o in outcomes {
        // The chart draws ratios; report-only lines have none.
        let mut lines = table::lines(o);
        lines.retain(|l| l.ratio.is_finite());
        std::fs::write(
            dir.join(chart_file(o)),
            svg::chart(
                &format!("{} / {} — {}", o.crate_name, o.bench, machine.date),
                &lines,
            ),
        )?;
    }
    let locked = locked_versions(&workspace.join("Cargo.lock"), CRATES_OF_INTEREST);
    std::fs::write(
        dir.join("summary.md"),
        summary(outcomes, machine, run, &locked),
    )?;
    Ok(())
}

/// The text of `summary.md`.
pub fn summary(
    outcomes: &[Outcome],
    m: &Machine,
    run: &Invocation,
    locked: &[(String, String)],
) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Run of {} {} UTC on {}\n", m.date, m.time, m.host);
    // `sh`, not a bare fence: mdBook's test runs every untagged block as Rust.
    let _ = writeln!(s, "Command:\n\n```sh\n{}\n```\n", run.command);
    let _ = writeln!(s, "Commit: {}\n", run.checkout.describe());
    let _ = writeln!(s, "| machine | |\n|---|---|");
    let _ = writeln!(s, "| nproc | {} |", m.nproc);
    let _ = writeln!(s, "| CPU | {} |", m.cpu);
    let _ = writeln!(s, "| kernel | {} |", m.kernel);
    let _ = writeln!(s, "| memory | {} |", m.memory);
    let _ = writeln!(s, "| rustc | {} |", m.rustc);
    if !locked.is_empty() {
        let list: Vec<String> = locked.iter().map(|(n, v)| format!("{n} {v}")).collect();
        let _ = writeln!(s, "| crates (Cargo.lock) | {} |", list.join(", "));
    }
    let _ = writeln!(s, "\n{COLUMNS} All raw values: [raw.csv](raw.csv).\n");
    for c in crates_in_order(outcomes) {
        let _ = writeln!(s, "## {c}");
        for o in outcomes.iter().filter(|o| o.crate_name == c) {
            let _ = writeln!(
                s,
                "\n### {c} / {} ({:.0} s)\n\n![{c} {}]({})\n",
                o.bench,
                o.seconds,
                o.bench,
                chart_file(o)
            );
            s.push_str(&table::markdown(&table::lines(o)));
            let _ = writeln!(s, "\n{}\n", markdown::text(&o.description));
            let _ = writeln!(
                s,
                "- rerun this comparison alone: `{}`",
                rerun_command(o, &run.flags)
            );
            for imp in &o.impls {
                let _ = writeln!(s, "- `{}`: {}", imp.name, markdown::text(&imp.config));
            }
            for skip in &o.skips {
                let _ = writeln!(s, "- {}", markdown::text(&skip.to_string()));
            }
            if let Some(e) = &o.error {
                let _ = writeln!(s, "- **error**: {}", markdown::text(e));
            }
            for note in &o.provenance.notes {
                let _ = writeln!(s, "- note: {}", markdown::text(note));
            }
            for (tool, v) in &o.provenance.versions {
                let _ = writeln!(s, "- version: {tool}: {}", markdown::text(v));
            }
            if !o.provenance.commands.is_empty() {
                s.push_str(
                "\nCommands (`$PORT`: the free loopback port the runner picked for that server):\n\n```sh\n",
            );
                for cmd in &o.provenance.commands {
                    let _ = writeln!(s, "{cmd}");
                }
                s.push_str("```\n");
            }
        }
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::Provenance;
    use crate::runner::run::Row;

    #[test]
    fn csv_quotes_commas_and_keeps_the_header() {
        let o = Outcome {
            crate_name: "kv-cache",
            bench: "redis-benchmark",
            description: String::new(),
            impls: Vec::new(),
            skips: Vec::new(),
            targets: Vec::new(),
            rows: vec![Row {
                crate_name: "kv-cache",
                bench: "redis-benchmark",
                case: "MSET (10 keys), P1".into(),
                imp: "ours".into(),
                round: 1,
                metric: "throughput",
                value: 512000.0,
                unit: "ops/s",
            }],
            provenance: Provenance::default(),
            error: None,
            seconds: 0.0,
        };
        let csv = raw_csv(&[o]);
        let mut lines = csv.lines();
        assert_eq!(lines.next(), Some(CSV_HEADER));
        assert_eq!(
            lines.next(),
            Some("kv-cache,redis-benchmark,\"MSET (10 keys), P1\",ours,1,throughput,512000,ops/s")
        );
    }
}
