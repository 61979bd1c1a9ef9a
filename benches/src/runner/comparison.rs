//! The contract every comparison implements, and the values it reports.
//!
//! A *comparison* is one workload (`bench`) run by several implementations
//! (`impl`s): `ours` first, then one or more counterparts. The runner — not
//! the comparison — decides the order, alternating implementations round by
//! round (A B, B A, A B ...), so that drift in the machine (thermal, other
//! load) falls on both sides alike.

use std::fmt;

/// Whether a bigger or a smaller value of a metric is the better one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Better {
    /// Throughput-like metrics (`ops/s`, `req/s`, `bytes/s`), a cache's
    /// hit ratio and the keys it holds in a given memory.
    Higher,
    /// Time-like metrics (`us`, `ns`), memory (`bytes`) and counts of work.
    Lower,
}

impl Better {
    /// The direction of a metric, by its stable name (see ARCHITECTURE.md).
    pub fn of(metric: &str) -> Better {
        match metric {
            "throughput" | "hit_ratio" | "keys_held" => Better::Higher,
            _ => Better::Lower,
        }
    }

    /// The mark the tables and charts put after a metric: `↑` or `↓`.
    pub fn marker(self) -> &'static str {
        match self {
            Better::Higher => "↑",
            Better::Lower => "↓",
        }
    }
}

/// One measured value of one metric.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// Stable metric name: `throughput`, `time_per_loop`, `time`, `p50`, `p99`, `rss`, ...
    pub metric: &'static str,
    /// The value, in `unit`.
    pub value: f64,
    /// The unit: `us`, `ns`, `ops/s`, `req/s`, `bytes`, `bytes/s`, `calls/s`, ...
    pub unit: &'static str,
}

impl Sample {
    /// A sample of `metric` with `value` in `unit`.
    pub fn new(metric: &'static str, value: f64, unit: &'static str) -> Sample {
        Sample {
            metric,
            value,
            unit,
        }
    }
}

/// An implementation taking part in a comparison.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Impl {
    /// `ours`, or the counterpart's name as it appears in `raw.csv` (`mio`, `libevent`, `redis` ...).
    pub name: &'static str,
    /// How it is configured, written next to the numbers (e.g. "tokio current-thread runtime").
    pub config: String,
}

/// Why an implementation (or a whole comparison) cannot run on this machine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skip {
    /// What is missing, e.g. `libevent`.
    pub what: String,
    /// The exact command that installs it, e.g. `apt-get install libevent-dev`.
    pub install: String,
}

impl fmt::Display for Skip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "skipped: {} not found — install with: {}",
            self.what, self.install
        )
    }
}

/// The comparison operator of a target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// ours/counterpart must be at most the ratio.
    AtMost,
    /// ours/counterpart must be at least the ratio.
    AtLeast,
}

/// A target from the issue: `ours / counterpart` of `metric`, against `ratio`.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    /// The counterpart's impl name.
    pub counterpart: &'static str,
    /// The metric compared.
    pub metric: &'static str,
    /// At most or at least.
    pub op: Op,
    /// The ratio ours/counterpart to meet.
    pub ratio: f64,
}

impl Target {
    /// `ours/counterpart <= ratio` on `metric`.
    pub fn at_most(counterpart: &'static str, metric: &'static str, ratio: f64) -> Target {
        Target {
            counterpart,
            metric,
            op: Op::AtMost,
            ratio,
        }
    }

    /// `ours/counterpart >= ratio` on `metric`.
    pub fn at_least(counterpart: &'static str, metric: &'static str, ratio: f64) -> Target {
        Target {
            counterpart,
            metric,
            op: Op::AtLeast,
            ratio,
        }
    }

    /// Whether a measured ratio meets the target.
    pub fn met_by(&self, ratio: f64) -> bool {
        match self.op {
            Op::AtMost => ratio <= self.ratio,
            Op::AtLeast => ratio >= self.ratio,
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = match self.op {
            Op::AtMost => "≤",
            Op::AtLeast => "≥",
        };
        write!(
            f,
            "{op} {}× {} ({})",
            self.ratio, self.counterpart, self.metric
        )
    }
}

/// What a comparison may record besides samples: the exact commands it ran
/// and the versions of the tools it used, for the summary's provenance.
#[derive(Debug, Default)]
pub struct Provenance {
    /// Exact commands run (external tools, servers started), in order, deduplicated.
    pub commands: Vec<String>,
    /// `(tool, version)` pairs, deduplicated.
    pub versions: Vec<(String, String)>,
    /// Free-form lines for the summary (e.g. "fd limit 4096: N=10000 ran as N=4000").
    pub notes: Vec<String>,
}

impl Provenance {
    /// Records a command line (once).
    pub fn command(&mut self, cmd: impl Into<String>) {
        let cmd = cmd.into();
        if !self.commands.contains(&cmd) {
            self.commands.push(cmd);
        }
    }

    /// Records a tool version (once per tool).
    pub fn version(&mut self, tool: impl Into<String>, version: impl Into<String>) {
        let tool = tool.into();
        if !self.versions.iter().any(|(t, _)| *t == tool) {
            self.versions.push((tool, version.into()));
        }
    }

    /// Records a note line (once).
    pub fn note(&mut self, line: impl Into<String>) {
        let line = line.into();
        if !self.notes.contains(&line) {
            self.notes.push(line);
        }
    }
}

/// A row measured outside the alternating rounds (e.g. syscall counts under
/// strace, which would distort the timed rounds).
#[derive(Clone, Debug, PartialEq)]
pub struct ExtraRow {
    /// The case, as in `cases()`.
    pub case: String,
    /// The impl name.
    pub imp: &'static str,
    /// The sample.
    pub sample: Sample,
}

/// One workload, run by `ours` and its counterparts.
///
/// The runner calls, in order: [`prepare`](Comparison::prepare) once,
/// [`describe`](Comparison::describe) once, then
/// for every case and round [`measure`](Comparison::measure) once per impl in
/// alternating order, then [`extra`](Comparison::extra) once, then
/// [`finish`](Comparison::finish) once (also after an error).
pub trait Comparison {
    /// The crate under test, as in `raw.csv` (`event-loop`, `kv-cache` ...).
    fn crate_name(&self) -> &'static str;

    /// The bench name, as in `raw.csv` (`pingpong`, `redis-benchmark` ...).
    fn bench(&self) -> &'static str;

    /// One paragraph for the summary: the workload and how both sides are
    /// configured. Called after [`prepare`](Comparison::prepare), so it may
    /// print what `prepare` decided (sizes, durations); Markdown, where a
    /// bare `<word>` outside a code span is escaped by the report.
    fn describe(&self) -> String;

    /// The case names for this run (`n=1000`, `SET P16` ...). `quick` asks for a
    /// short version for smoke tests.
    fn cases(&self, quick: bool) -> Vec<String>;

    /// Rounds per case; each round measures every impl once.
    fn rounds(&self, quick: bool) -> usize {
        if quick { 2 } else { 5 }
    }

    /// Targets to judge the medians against.
    fn targets(&self) -> Vec<Target> {
        Vec::new()
    }

    /// Builds what is needed and says which impls can run here. `ours` should
    /// always be among them; a missing external counterpart comes back as a
    /// [`Skip`] and the run goes on without it.
    fn prepare(
        &mut self,
        quick: bool,
        prov: &mut Provenance,
    ) -> anyhow::Result<(Vec<Impl>, Vec<Skip>)>;

    /// Measures `imp` on `case` once.
    fn measure(
        &mut self,
        case: &str,
        imp: &str,
        prov: &mut Provenance,
    ) -> anyhow::Result<Vec<Sample>>;

    /// Rows measured once, outside the timed rounds.
    fn extra(&mut self, _quick: bool, _prov: &mut Provenance) -> anyhow::Result<Vec<ExtraRow>> {
        Ok(Vec::new())
    }

    /// Stops servers, removes temporary files.
    fn finish(&mut self) {}
}
