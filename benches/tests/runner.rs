//! The runner end to end with a scripted comparison: alternation order,
//! skips, errors, and the results folder's files.

use benches::runner::report::{self, CSV_HEADER};
use benches::runner::run::{RunOptions, run_comparison};
use benches::runner::{
    Comparison, ExtraRow, Impl, Provenance, Sample, Skip, Target, machine::Machine,
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
    report::write_run(
        &dir,
        &outcomes,
        &machine,
        "cargo run --release -p benches -- demo",
        &workspace,
    )
    .expect("write run");
    let csv = std::fs::read_to_string(dir.join("raw.csv")).expect("raw.csv");
    assert!(csv.starts_with(CSV_HEADER));
    assert_eq!(csv.lines().count(), 1 + 4 + 1);
    let summary = std::fs::read_to_string(dir.join("summary.md")).expect("summary.md");
    assert!(summary.contains("| nproc |"));
    assert!(summary.contains("demo --run"));
    assert!(summary.contains("skipped: absent not found"));
    assert!(
        std::fs::read_to_string(dir.join("demo-work.svg"))
            .expect("svg")
            .starts_with("<svg")
    );
    std::fs::remove_dir_all(&root).expect("cleanup");
}
