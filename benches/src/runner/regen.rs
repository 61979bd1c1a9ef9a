//! Re-rendering a results folder offline, from its `raw.csv`, with the
//! current report code: `cargo run --release -p benches -- report <folder>`.
//!
//! What is rebuilt: every table (in `summary.md` and each `<crate>.md`) and
//! every chart, from the raw rows; the prose the comparisons wrote is kept
//! as it was, escaped so that mdBook shows it, and the command blocks are
//! tagged `sh` (mdBook's test would compile an untagged block as Rust)
//! with the old `<port>` placeholder written `$PORT`. Nothing is measured
//! and no number is typed: a ratio comes from the same rows it came from.
//!
//! The targets are not in `raw.csv`; they are read back from each old
//! table's `target` column, so a re-rendered table judges against the
//! targets the run was judged against, not today's.
//!
//! The transform works line by line so that a file keeps its line count:
//! chapters include parts of `<crate>.md` by line range.

use std::path::Path;

use anyhow::{Context, bail};

use super::comparison::{Op, Provenance, Target};
use super::markdown;
use super::report::COLUMNS;
use super::run::{Outcome, Row};
use super::svg;
use super::table;

/// Re-renders `dir` in place; returns the files it rewrote.
pub fn rerender(dir: &Path) -> anyhow::Result<Vec<String>> {
    let csv = std::fs::read_to_string(dir.join("raw.csv"))
        .with_context(|| format!("reading {}/raw.csv", dir.display()))?;
    let mut outcomes = outcomes_of(&csv)?;
    let summary_path = dir.join("summary.md");
    let summary = std::fs::read_to_string(&summary_path)
        .with_context(|| format!("reading {}", summary_path.display()))?;
    if !summary.contains("| bench | case | metric |") {
        bail!(
            "{} has no runner tables (a folder written by a script of its own?)",
            summary_path.display()
        );
    }
    for o in &mut outcomes {
        o.targets = targets_in(&summary, o.crate_name, o.bench);
    }
    let date = summary
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("# Run of "))
        .and_then(|l| l.split(' ').next())
        .unwrap_or("")
        .to_string();

    let mut written = Vec::new();
    let mut files: Vec<String> = vec!["summary.md".into()];
    let mut crates: Vec<&str> = outcomes.iter().map(|o| o.crate_name).collect();
    crates.dedup();
    files.extend(crates.iter().map(|c| format!("{c}.md")));
    for name in files {
        let path = dir.join(&name);
        let Ok(old) = std::fs::read_to_string(&path) else {
            continue;
        };
        let new = rewrite(&old, &outcomes);
        if new != old {
            std::fs::write(&path, new)?;
            written.push(name);
        }
    }
    // Comparisons sharing a name share a chart file, the last one written
    // wins, as when the run wrote them.
    for o in &outcomes {
        let name = format!("{}-{}.svg", o.crate_name, o.bench);
        let path = dir.join(&name);
        if path.is_file() {
            let title = format!("{} / {} — {date}", o.crate_name, o.bench);
            std::fs::write(&path, svg::chart(&title, &table::lines(o)))?;
            if !written.contains(&name) {
                written.push(name);
            }
        }
    }
    Ok(written)
}

/// A string that lives as long as the program: the rows' crate, bench,
/// metric and unit are `&'static str` (names from the code), and here they
/// come from a file. One short command leaks a few dozen names once each.
fn intern(s: &str, pool: &mut Vec<&'static str>) -> &'static str {
    if let Some(&known) = pool.iter().find(|&&p| p == s) {
        return known;
    }
    let leaked: &'static str = Box::leak(s.to_string().into_boxed_str());
    pool.push(leaked);
    leaked
}

/// The outcomes of a `raw.csv`, one per run of rows of one `(crate, bench)`,
/// in order, with their rows (nothing else: prose stays in the files).
pub fn outcomes_of(csv: &str) -> anyhow::Result<Vec<Outcome>> {
    let mut pool = Vec::new();
    let mut outcomes: Vec<Outcome> = Vec::new();
    for (i, line) in csv.lines().enumerate().skip(1) {
        if line.is_empty() {
            continue;
        }
        let f = csv_fields(line);
        let [krate, bench, case, imp, round, metric, value, unit] = f.as_slice() else {
            bail!("raw.csv line {}: {} fields, not 8", i + 1, f.len());
        };
        let row = Row {
            crate_name: intern(krate, &mut pool),
            bench: intern(bench, &mut pool),
            case: case.clone(),
            imp: imp.clone(),
            round: round
                .parse()
                .with_context(|| format!("raw.csv line {}: round {round:?}", i + 1))?,
            metric: intern(metric, &mut pool),
            value: value
                .parse()
                .with_context(|| format!("raw.csv line {}: value {value:?}", i + 1))?,
            unit: intern(unit, &mut pool),
        };
        // `raw.csv` holds one comparison's rows after another; two
        // comparisons may share a bench name (mini-orm's per database), so
        // a new one starts wherever the name changes.
        let same = outcomes
            .last()
            .is_some_and(|o| o.crate_name == row.crate_name && o.bench == row.bench);
        if !same {
            outcomes.push(Outcome {
                crate_name: row.crate_name,
                bench: row.bench,
                description: String::new(),
                impls: Vec::new(),
                skips: Vec::new(),
                targets: Vec::new(),
                rows: Vec::new(),
                provenance: Provenance::default(),
                error: None,
                seconds: 0.0,
            });
        }
        let o = outcomes.last_mut().context("an outcome was just pushed")?;
        o.rows.push(row);
    }
    Ok(outcomes)
}

/// The fields of one CSV line as `report::raw_csv` writes them (a field
/// with a comma or a quote is quoted, `""` inside is a quote).
fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    fields.push(field);
    fields
}

/// The targets of `crate / bench` as its old table printed them
/// (`≥ 1.1× axum (throughput)`), each once.
fn targets_in(summary: &str, krate: &str, bench: &str) -> Vec<Target> {
    let mut pool = Vec::new();
    let mut targets: Vec<Target> = Vec::new();
    for (heading, line) in table_rows(summary) {
        if heading != (krate, bench) {
            continue;
        }
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // | bench | case | metric | ours | counterpart | theirs | ratio | [spread | rounds |] target | met |
        let Some(cell) = cells.iter().rev().nth(2) else {
            continue;
        };
        if let Some(t) = parse_target(cell, &mut pool)
            && !targets.contains(&t)
        {
            targets.push(t);
        }
    }
    targets
}

/// `≥ 1.5× them (throughput)` back into a target.
fn parse_target(cell: &str, pool: &mut Vec<&'static str>) -> Option<Target> {
    let (op, rest) = if let Some(r) = cell.strip_prefix("≥ ") {
        (Op::AtLeast, r)
    } else {
        (Op::AtMost, cell.strip_prefix("≤ ")?)
    };
    let (ratio, rest) = rest.split_once("× ")?;
    let (counterpart, metric) = rest.split_once(" (")?;
    Some(Target {
        counterpart: intern(counterpart, pool),
        metric: intern(metric.strip_suffix(')')?, pool),
        op,
        ratio: ratio.parse().ok()?,
    })
}

/// The `(crate, bench)` a heading line names (`### kv-cache / memory (12 s)`).
fn heading_of(line: &str) -> Option<(&str, &str)> {
    let rest = line.trim_start_matches('#');
    if rest.len() == line.len() || !rest.starts_with(' ') {
        return None;
    }
    let (krate, bench) = rest.trim().split_once(" / ")?;
    let bench = bench.split(" (").next()?.trim();
    Some((krate, bench))
}

/// Every data row of every runner table, with the heading it sits under.
fn table_rows(text: &str) -> Vec<((&str, &str), &str)> {
    let mut out = Vec::new();
    let mut heading = ("", "");
    let mut in_table = false;
    for line in text.lines() {
        if let Some(h) = heading_of(line) {
            heading = h;
        }
        if line.starts_with("| bench | case |") {
            in_table = true;
            continue;
        }
        if in_table && line.starts_with("|---") {
            continue;
        }
        in_table = in_table && line.starts_with('|');
        if in_table {
            out.push((heading, line));
        }
    }
    out
}

/// One file rewritten: tables from the rows, prose escaped, fences tagged.
fn rewrite(old: &str, outcomes: &[Outcome]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut lines = old.lines().peekable();
    let mut heading: Option<(String, String)> = None;
    // How many tables of each `(crate, bench)` came before: the n-th table
    // under a heading is the n-th comparison of that name.
    let mut seen: Vec<(String, String)> = Vec::new();
    let mut fence_open = false;
    while let Some(line) = lines.next() {
        if fence_open {
            if line.starts_with("```") {
                fence_open = false;
                out.push(line.to_string());
            } else {
                out.push(
                    line.replace("<port>", "$PORT")
                        .replace("--save  --", "--save '' --"),
                );
            }
            continue;
        }
        if line.starts_with("```") {
            fence_open = true;
            out.push(if line == "```" {
                "```sh".into()
            } else {
                line.into()
            });
            continue;
        }
        if let Some((k, b)) = heading_of(line) {
            heading = Some((k.to_string(), b.to_string()));
        }
        if line.starts_with("| bench | case |") {
            // Skip the old table (header, rule, rows) and print the new one.
            while lines.peek().is_some_and(|l| l.starts_with('|')) {
                lines.next();
            }
            let lines_now = heading
                .as_ref()
                .and_then(|(k, b)| {
                    let nth = seen.iter().filter(|h| (&h.0, &h.1) == (k, b)).count();
                    seen.push((k.clone(), b.clone()));
                    outcomes
                        .iter()
                        .filter(|o| o.crate_name == k && o.bench == b)
                        .nth(nth)
                })
                .map(table::lines)
                .unwrap_or_default();
            out.extend(table::markdown(&lines_now).lines().map(String::from));
            continue;
        }
        out.push(reword_columns(line).unwrap_or_else(|| markdown::text(line)));
    }
    let mut text = out.join("\n");
    if old.ends_with('\n') {
        text.push('\n');
    }
    text
}

/// The old explanation of the columns, replaced by today's (it now says
/// which direction is better); the rest of its line is kept.
fn reword_columns(line: &str) -> Option<String> {
    let start = line.find("Ratios are ours/counterpart")?;
    let end = line
        .find("outside the timed rounds.")
        .map(|e| e + "outside the timed rounds.".len())?;
    Some(format!("{}{COLUMNS}{}", &line[..start], &line[end..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &str = "crate,bench,case,impl,round,metric,value,unit\n\
        kv-cache,memory,\"strings, 1M\",ours,0,rss,773,bytes\n\
        kv-cache,memory,\"strings, 1M\",redis,0,rss,1000,bytes\n";

    const OLD: &str = "# Run of 2026-11-25 19:10 UTC on vm\n\n\
        ### kv-cache / memory (3 s)\n\n\
        | bench | case | metric | ours | counterpart | theirs | ours/theirs | target | met |\n\
        |---|---|---|---:|---|---:|---:|---|---|\n\
        | memory | strings, 1M | rss (bytes) | 773.0 | redis | 1,000 | 0.773 | ≤ 1× redis (rss) | yes |\n\
        \n\
        0 keys `key:<n>` -> 10-byte values, `<port>` and <port>.\n\
        \n\
        ```\n\
        redis-server --port <port> --save  --appendonly no\n\
        ```\n";

    #[test]
    fn a_folder_is_rerendered_from_its_rows_with_the_old_targets() {
        let mut outcomes = outcomes_of(CSV).expect("csv");
        assert_eq!(outcomes.len(), 1);
        assert_eq!(outcomes[0].rows[0].case, "strings, 1M");
        outcomes[0].targets = targets_in(OLD, "kv-cache", "memory");
        assert_eq!(outcomes[0].targets, [Target::at_most("redis", "rss", 1.0)]);
        let new = rewrite(OLD, &outcomes);
        assert_eq!(new.lines().count(), OLD.lines().count());
        assert!(
            new.contains("| 0.773 | — | 1 | ≤ 1× redis (rss) | yes |"),
            "{new}"
        );
        assert!(new.contains("rss (bytes) ↓"));
        assert!(new.contains("`<port>` and &lt;port&gt;."));
        assert!(new.contains("```sh\nredis-server --port $PORT --save '' --appendonly no\n```"));
    }

    #[test]
    fn comparisons_sharing_a_bench_name_stay_apart() {
        let csv = "crate,bench,case,impl,round,metric,value,unit\n\
            mini-orm,insert,n=1,ours,1,time,2,us\n\
            mini-orm,insert,n=1,raw,1,time,1,us\n\
            mini-orm,query,n=1,ours,1,time,1,us\n\
            mini-orm,insert,n=1 mysql,ours,1,time,3,us\n";
        let o = outcomes_of(csv).expect("csv");
        let shape: Vec<(&str, usize)> = o.iter().map(|o| (o.bench, o.rows.len())).collect();
        assert_eq!(shape, [("insert", 2), ("query", 1), ("insert", 1)]);
    }

    #[test]
    fn csv_fields_read_back_what_raw_csv_writes() {
        assert_eq!(
            csv_fields("a,\"b, \"\"c\"\"\",d"),
            ["a", "b, \"c\"", "d"].map(String::from)
        );
    }
}
