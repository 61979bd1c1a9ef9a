//! The runner end to end with a scripted comparison: alternation order,
//! skips, errors, and the results folder's files.

use benches::runner::report::{self, CSV_HEADER};
use benches::runner::run::{RunOptions, run_comparison};
use benches::runner::shell;
use benches::runner::{
    Comparison, ExtraRow, Impl, Provenance, Sample, Skip, Target,
    machine::{Checkout, Machine},
};

/// Records the order in which impls are measured; "ours" is twice as fast.
struct Scripted {
    order: Vec<String>,
    fail_on_round: Option<usize>,
    calls: usize,
}

impl Comparison for Scripted {
    fn crate_name(&self) -> &'static str {
        "demo"
    }
    fn bench(&self) -> &'static str {
        "work"
    }
    fn describe(&self) -> String {
        "a scripted workload".into()
    }
    fn cases(&self, _quick: bool) -> Vec<String> {
        vec!["n=1".into()]
    }
    fn rounds(&self, _quick: bool) -> usize {
        4
    }
    fn targets(&self) -> Vec<Target> {
        vec![Target::at_most("them", "time", 0.9)]
    }
    fn prepare(
        &mut self,
        _quick: bool,
        prov: &mut Provenance,
    ) -> anyhow::Result<(Vec<Impl>, Vec<Skip>)> {
        prov.command("demo --run");
        Ok((
            vec![
                Impl {
                    name: "ours",
                    config: "default".into(),
                },
                Impl {
                    name: "them",
                    config: "default".into(),
                },
            ],
            vec![Skip {
                what: "absent".into(),
                install: "apt-get install absent".into(),
            }],
        ))
    }
    fn measure(
        &mut self,
        _case: &str,
        imp: &str,
        _prov: &mut Provenance,
    ) -> anyhow::Result<Vec<Sample>> {
        self.calls += 1;
        if Some(self.calls) == self.fail_on_round {
            anyhow::bail!("scripted failure");
        }
        self.order.push(imp.to_string());
        let value = if imp == "ours" { 50.0 } else { 100.0 };
        Ok(vec![Sample::new("time", value, "us")])
    }
    fn extra(&mut self, _quick: bool, _prov: &mut Provenance) -> anyhow::Result<Vec<ExtraRow>> {
        Ok(vec![ExtraRow {
            case: "n=1".into(),
            imp: "ours",
            sample: Sample::new("syscalls_per_event", 2.0, "calls"),
        }])
    }
}

#[test]
fn rounds_alternate_and_the_ratio_is_judged() {
    let mut cmp = Scripted {
        order: Vec::new(),
        fail_on_round: None,
        calls: 0,
    };
    let outcome = run_comparison(&mut cmp, &RunOptions::default());
    assert_eq!(
        cmp.order,
        [
            "ours", "them", "them", "ours", "ours", "them", "them", "ours"
        ]
    );
    assert!(outcome.error.is_none());
    assert_eq!(outcome.skips.len(), 1);
    assert_eq!(
        outcome.skips[0].to_string(),
        "skipped: absent not found — install with: apt-get install absent"
    );
    let lines = benches::runner::table::lines(&outcome);
    let time = lines
        .iter()
        .find(|l| l.metric == "time")
        .expect("a time line");
    assert_eq!(time.ratio, 0.5);
    assert_eq!(time.met(), Some(true));
    // 8 timed rows + 1 extra row (round 0).
    assert_eq!(outcome.rows.len(), 9);
    assert_eq!(outcome.rows.last().map(|r| r.round), Some(0));
}

#[test]
fn a_case_filter_runs_only_matching_cases_and_no_extras() {
    let mut cmp = Scripted {
        order: Vec::new(),
        fail_on_round: None,
        calls: 0,
    };
    let only = |filter: &str| RunOptions {
        rounds: Some(1),
        cases: vec![filter.to_string()],
        ..RunOptions::default()
    };
    let outcome = run_comparison(&mut cmp, &only("n=2"));
    assert!(outcome.rows.is_empty(), "no case matches n=2");
    let outcome = run_comparison(&mut cmp, &only("n="));
    assert_eq!(outcome.rows.len(), 2, "one round of both impls");
    assert!(outcome.rows.iter().all(|r| r.round == 1), "no extra rows");
}

#[test]
fn a_failing_comparison_keeps_what_it_measured() {
    let mut cmp = Scripted {
        order: Vec::new(),
        fail_on_round: Some(3),
        calls: 0,
    };
    let outcome = run_comparison(&mut cmp, &RunOptions::default());
    assert_eq!(outcome.rows.len(), 2);
    assert!(
        outcome
            .error
            .as_deref()
            .is_some_and(|e| e.contains("scripted failure"))
    );
}

#[test]
fn a_run_folder_holds_summary_csv_and_chart() {
    let mut cmp = Scripted {
        order: Vec::new(),
        fail_on_round: None,
        calls: 0,
    };
    let outcomes = vec![run_comparison(
        &mut cmp,
        &RunOptions {
            quick: true,
            rounds: Some(2),
            cases: Vec::new(),
        },
    )];
    let root = std::env::temp_dir().join(format!("infra-lab-runner-test-{}", std::process::id()));
    let machine = Machine::detect();
    let dir = report::new_run_dir(&root, &machine).expect("run dir");
    let second = report::new_run_dir(&root, &machine).expect("second run dir");
    assert_ne!(dir, second, "a second run the same day gets its own folder");
    let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let run = report::Invocation {
        command: report::command_line(
            &[("KV_CACHE_SERVER_BIN".into(), "/tmp/old build".into())],
            &["demo".into(), "--case".into(), "n=1".into()],
        ),
        checkout: Checkout::detect(&workspace),
        flags: vec!["--quick".into()],
    };
    report::write_run(&dir, &outcomes, &machine, &run, &workspace).expect("write run");
    let csv = std::fs::read_to_string(dir.join("raw.csv")).expect("raw.csv");
    assert!(csv.starts_with(CSV_HEADER));
    assert_eq!(csv.lines().count(), 1 + 4 + 1);
    let summary = std::fs::read_to_string(dir.join("summary.md")).expect("summary.md");
    assert!(summary.contains("| nproc |"));
    assert!(summary.contains("demo --run"));
    assert!(summary.contains("skipped: absent not found"));
    assert!(summary.contains(
        "KV_CACHE_SERVER_BIN='/tmp/old build' cargo run --release -p benches -- demo --case n=1\n"
    ));
    assert!(summary.contains("Commit: `"));
    assert!(summary.contains(
        "rerun this comparison alone: `cargo run --release -p benches -- demo --bench work --quick`"
    ));
    assert!(
        std::fs::read_to_string(dir.join("demo-work.svg"))
            .expect("svg")
            .starts_with("<svg")
    );
    std::fs::remove_dir_all(&root).expect("cleanup");
}

/// A comparison like the kv-cache ones: sizes settled in `prepare`, prose
/// with `<n>` placeholders, and a server command with an empty argument.
struct Sized {
    keys: u64,
}

impl Comparison for Sized {
    fn crate_name(&self) -> &'static str {
        "kv-cache"
    }
    fn bench(&self) -> &'static str {
        "memory"
    }
    fn describe(&self) -> String {
        format!(
            "{} keys `key:<n>` -> 10-byte values; ours: kv-cache-server --port <port>",
            self.keys
        )
    }
    fn cases(&self, _quick: bool) -> Vec<String> {
        vec!["strings 1M".into()]
    }
    fn rounds(&self, _quick: bool) -> usize {
        1
    }
    fn prepare(
        &mut self,
        quick: bool,
        prov: &mut Provenance,
    ) -> anyhow::Result<(Vec<Impl>, Vec<Skip>)> {
        self.keys = if quick { 100_000 } else { 1_000_000 };
        let words = [
            "redis-server",
            "--port",
            "34567",
            "--save",
            "",
            "--appendonly",
            "no",
        ];
        prov.command(shell::join_with(&words, &[(shell::PORT, "34567")]));
        Ok((
            vec![
                Impl {
                    name: "ours",
                    config: "`kv-cache-server --port $PORT` (release)".into(),
                },
                Impl {
                    name: "redis",
                    config: "redis-server --save '' <defaults>".into(),
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
        let rss = if imp == "ours" { 773.0 } else { 1000.0 };
        Ok(vec![Sample::new("rss", rss, "bytes")])
    }
}

/// The text of a Markdown page outside fenced blocks and code spans
/// (simple spans of one backtick are all the summaries use).
fn prose(md: &str) -> String {
    let mut out = String::new();
    let mut fenced = false;
    for line in md.lines() {
        if line.starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if !fenced {
            let parts: Vec<&str> = line.split('`').collect();
            out.extend(parts.iter().step_by(2).copied());
            out.push('\n');
        }
    }
    out
}

#[test]
fn a_summary_prints_commands_as_they_ran_and_no_bare_tags() {
    let mut outcomes = vec![run_comparison(
        &mut Sized { keys: 0 },
        &RunOptions::default(),
    )];
    // The real comparisons' prose too, through the same renderer (not
    // prepared here: preparing builds and starts servers).
    for cmp in benches::suites::all() {
        let mut o = run_comparison(
            &mut Sized { keys: 0 },
            &RunOptions {
                rounds: Some(1),
                ..RunOptions::default()
            },
        );
        o.description = cmp.describe();
        outcomes.push(o);
    }
    let run = report::Invocation {
        command: report::command_line(&[], &["kv-cache".into()]),
        checkout: Checkout {
            commit: "0123456789abcdef0123456789abcdef01234567".into(),
            changes: vec!["?? notes/src/results/x/".into()],
        },
        flags: Vec::new(),
    };
    let sized = report::summary(&outcomes[..1], &Machine::detect(), &run, &[]);
    assert!(
        sized.contains("\n1000000 keys `key:<n>`"),
        "described after prepare"
    );
    assert!(!sized.contains("\n0 keys"));
    let summary = report::summary(&outcomes, &Machine::detect(), &run, &[]);
    assert!(summary.contains("redis-server --port $PORT --save '' --appendonly no\n"));
    assert!(!summary.contains("--save  "));
    assert!(
        summary.contains("`0123456789abcdef0123456789abcdef01234567` **plus uncommitted changes**")
    );
    assert!(summary.contains("```sh\ncargo run --release -p benches -- kv-cache\n```"));
    assert!(summary.contains("| rss (bytes) ↓ |"));
    // No `<word>` outside code: mdBook would take it for an HTML tag.
    let text = prose(&summary);
    let bare: Vec<String> = text
        .match_indices('<')
        .map(|(i, _)| text[i..].chars().take(12).collect::<String>())
        .filter(|s| s[1..].starts_with(|c: char| c.is_ascii_alphabetic() || c == '/'))
        .collect();
    assert!(bare.is_empty(), "bare tags in the summary: {bare:?}");
    // Every fence is tagged: an untagged one is compiled as Rust by `mdbook test`.
    let mut fenced = false;
    for line in summary.lines().filter(|l| l.starts_with("```")) {
        assert!(fenced || line.len() > 3, "untagged fence in:\n{summary}");
        fenced = !fenced;
    }
}
