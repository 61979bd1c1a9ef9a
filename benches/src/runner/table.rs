//! From raw rows to the comparison table: medians per side, and the median
//! of the per-round ratios ours/counterpart with their spread (min–max),
//! judged against the targets.
//!
//! The verdict is honest about noise: a line meets its target when the
//! median ratio does, and it is marked *within noise* when the per-round
//! ratios fall on both sides of the target — the margin claimed is then
//! smaller than the spread the rounds measured, and another run could
//! give the other answer.

use super::comparison::{Better, Target};
use super::markdown;
use super::run::{Outcome, Row};
use super::util::median;

/// One line of a crate's table: ours against one counterpart, on one case and metric.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    /// The bench name.
    pub bench: &'static str,
    /// The case name.
    pub case: String,
    /// The metric.
    pub metric: &'static str,
    /// Its unit.
    pub unit: &'static str,
    /// Median of ours.
    pub ours: f64,
    /// The counterpart's impl name.
    pub counterpart: String,
    /// Median of the counterpart.
    pub theirs: f64,
    /// Median over rounds of ours/theirs measured in the same round
    /// (for rows measured once, simply ours/theirs).
    pub ratio: f64,
    /// The smallest per-round ratio.
    pub low: f64,
    /// The largest per-round ratio.
    pub high: f64,
    /// Rounds that contributed a ratio.
    pub rounds: usize,
    /// The target that applies, if the issue set one.
    pub target: Option<Target>,
}

/// How a line stands against its target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The median ratio meets the target and so does every round.
    Met,
    /// The median meets the target, but some rounds did not.
    MetWithinNoise,
    /// The median misses the target, but some rounds met it.
    MissedWithinNoise,
    /// The median and every round miss the target.
    Missed,
}

impl Verdict {
    /// Whether the median met the target.
    pub fn is_met(self) -> bool {
        matches!(self, Verdict::Met | Verdict::MetWithinNoise)
    }

    /// The `met` cell of the table.
    pub fn cell(self) -> &'static str {
        match self {
            Verdict::Met => "yes",
            Verdict::MetWithinNoise => "yes, within noise",
            Verdict::MissedWithinNoise => "**no**, within noise",
            Verdict::Missed => "**no**",
        }
    }
}

impl Line {
    /// How the line stands against its target (`None` without a target or a ratio).
    pub fn verdict(&self) -> Option<Verdict> {
        let target = self.target.as_ref()?;
        if !self.ratio.is_finite() {
            return None;
        }
        // With one ratio there is no spread to straddle the target.
        let straddles = self.low.is_finite()
            && self.high.is_finite()
            && target.met_by(self.low) != target.met_by(self.high);
        Some(match (target.met_by(self.ratio), straddles) {
            (true, false) => Verdict::Met,
            (true, true) => Verdict::MetWithinNoise,
            (false, true) => Verdict::MissedWithinNoise,
            (false, false) => Verdict::Missed,
        })
    }

    /// Whether the median ratio meets the target (`None` without a target or a ratio).
    pub fn met(&self) -> Option<bool> {
        self.verdict().map(Verdict::is_met)
    }

    /// How many times better ours is, whatever the metric's direction
    /// (> 1: ours better). Used for the charts.
    pub fn advantage(&self) -> f64 {
        self.advantage_of(self.ratio)
    }

    /// [`advantage`](Line::advantage) of another ratio of this line's
    /// metric (the ends of the spread, for the charts' whiskers).
    pub fn advantage_of(&self, ratio: f64) -> f64 {
        match Better::of(self.metric) {
            Better::Higher => ratio,
            Better::Lower => 1.0 / ratio,
        }
    }
}

/// The lines of one outcome, in the order cases and metrics were first measured.
pub fn lines(outcome: &Outcome) -> Vec<Line> {
    let mut keys: Vec<(&str, &'static str)> = Vec::new();
    for row in &outcome.rows {
        if !keys.contains(&(row.case.as_str(), row.metric)) {
            keys.push((row.case.as_str(), row.metric));
        }
    }
    let mut counterparts: Vec<&str> = Vec::new();
    for row in &outcome.rows {
        if row.imp != "ours" && !counterparts.contains(&row.imp.as_str()) {
            counterparts.push(row.imp.as_str());
        }
    }

    let mut lines = Vec::new();
    for (case, metric) in keys {
        let pick = |imp: &str| -> Vec<&Row> {
            outcome
                .rows
                .iter()
                .filter(|r| r.case == case && r.metric == metric && r.imp == imp)
                .collect()
        };
        let ours = pick("ours");
        if ours.is_empty() {
            continue;
        }
        let before = lines.len();
        for &cp in &counterparts {
            let theirs = pick(cp);
            if theirs.is_empty() {
                continue;
            }
            let ratios = round_ratios(&ours, &theirs);
            let (low, high) = spread(&ratios);
            let ours_values: Vec<f64> = ours.iter().map(|r| r.value).collect();
            let their_values: Vec<f64> = theirs.iter().map(|r| r.value).collect();
            lines.push(Line {
                bench: outcome.bench,
                case: case.to_string(),
                metric,
                unit: ours[0].unit,
                ours: median(&ours_values),
                counterpart: cp.to_string(),
                theirs: median(&their_values),
                ratio: median(&ratios),
                low,
                high,
                rounds: ratios.len(),
                target: outcome
                    .targets
                    .iter()
                    .find(|t| t.counterpart == cp && t.metric == metric)
                    .cloned(),
            });
        }
        // A report-only row (no counterpart measured it, e.g. discovery
        // timings) still gets its line: ours alone, no ratio.
        if lines.len() == before {
            let values: Vec<f64> = ours.iter().map(|r| r.value).collect();
            lines.push(Line {
                bench: outcome.bench,
                case: case.to_string(),
                metric,
                unit: ours[0].unit,
                ours: median(&values),
                counterpart: "—".to_string(),
                theirs: f64::NAN,
                ratio: f64::NAN,
                low: f64::NAN,
                high: f64::NAN,
                rounds: ours.len(),
                target: None,
            });
        }
    }
    lines
}

/// Ratios ours/theirs of values measured in the same round.
fn round_ratios(ours: &[&Row], theirs: &[&Row]) -> Vec<f64> {
    ours.iter()
        .filter_map(|o| {
            let t = theirs.iter().find(|t| t.round == o.round)?;
            (t.value != 0.0).then(|| o.value / t.value)
        })
        .collect()
}

/// The smallest and largest of `ratios` (NaN for none).
pub fn spread(ratios: &[f64]) -> (f64, f64) {
    let finite = || ratios.iter().copied().filter(|r| r.is_finite());
    match finite().next() {
        None => (f64::NAN, f64::NAN),
        Some(first) => finite().fold((first, first), |(lo, hi), r| (lo.min(r), hi.max(r))),
    }
}

/// The `spread` cell: `min–max` of the per-round ratios, `—` for a row
/// measured once.
fn spread_cell(l: &Line) -> String {
    if l.rounds < 2 || !l.low.is_finite() {
        "—".to_string()
    } else {
        format!("{:.3}–{:.3}", l.low, l.high)
    }
}

/// The `ours/theirs` cell, and the number the chart prints for the same
/// line: one function, so the two cannot disagree.
pub fn ratio_cell(ratio: f64) -> String {
    if ratio.is_finite() {
        format!("{ratio:.3}")
    } else {
        "—".to_string()
    }
}

/// A number for people: 4 significant figures, thousands grouped.
pub fn human(v: f64) -> String {
    if !v.is_finite() {
        return "—".to_string();
    }
    let abs = v.abs();
    if abs >= 10_000.0 {
        group_thousands(v.round() as i64)
    } else if abs >= 100.0 {
        format!("{v:.1}")
    } else if abs >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.4}")
    }
}

fn group_thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// The Markdown table of one crate's lines (printed to the terminal and
/// written to `summary.md` alike).
pub fn markdown(lines: &[Line]) -> String {
    let mut s = String::from(
        "| bench | case | metric | ours | counterpart | theirs | ours/theirs | spread | rounds | target | met |\n\
         |---|---|---|---:|---|---:|---:|---:|---:|---|---|\n",
    );
    for l in lines {
        let target = l.target.as_ref().map(|t| t.to_string()).unwrap_or_default();
        let met = l.verdict().map_or("", Verdict::cell);
        s.push_str(&format!(
            "| {} | {} | {} ({}) {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            l.bench,
            markdown::cell(&l.case),
            l.metric,
            l.unit,
            Better::of(l.metric).marker(),
            human(l.ours),
            l.counterpart,
            human(l.theirs),
            ratio_cell(l.ratio),
            spread_cell(l),
            l.rounds,
            target,
            met
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::Provenance;

    fn row(imp: &str, round: usize, value: f64) -> Row {
        Row {
            crate_name: "c",
            bench: "b",
            case: "n=1".into(),
            imp: imp.into(),
            round,
            metric: "throughput",
            value,
            unit: "ops/s",
        }
    }

    fn outcome(rows: Vec<Row>) -> Outcome {
        Outcome {
            crate_name: "c",
            bench: "b",
            description: String::new(),
            impls: Vec::new(),
            skips: Vec::new(),
            targets: vec![Target::at_least("them", "throughput", 1.5)],
            rows,
            provenance: Provenance::default(),
            error: None,
            seconds: 0.0,
        }
    }

    #[test]
    fn a_row_only_ours_measured_gets_a_line_without_a_ratio() {
        let rows = vec![
            row("ours", 1, 30.0),
            row("ours", 2, 10.0),
            row("ours", 3, 20.0),
        ];
        let lines = lines(&outcome(rows));
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].ours, 20.0);
        assert_eq!(lines[0].rounds, 3);
        assert!(lines[0].ratio.is_nan());
        assert_eq!(lines[0].verdict(), None);
        assert!(markdown(&lines).contains("| 20.00 | — | — | — | — | 3 |  |  |"));
    }

    #[test]
    fn ratio_is_the_median_of_same_round_ratios() {
        // Round ratios: 2.0, 1.0, 3.0 -> median 2.0, although the ratio of
        // the medians would be 200/100 = 2.0 too; make them differ:
        let rows = vec![
            row("ours", 1, 200.0),
            row("them", 1, 100.0),
            row("ours", 2, 100.0),
            row("them", 2, 100.0),
            row("ours", 3, 900.0),
            row("them", 3, 300.0),
        ];
        let lines = lines(&outcome(rows));
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].ratio, 2.0);
        assert_eq!(lines[0].ours, 200.0);
        assert_eq!(lines[0].theirs, 100.0);
        assert_eq!(lines[0].rounds, 3);
        assert_eq!((lines[0].low, lines[0].high), (1.0, 3.0));
        // The median (2.0) meets ≥ 1.5, but round 2 (1.0) did not.
        assert_eq!(lines[0].verdict(), Some(Verdict::MetWithinNoise));
        assert_eq!(lines[0].met(), Some(true));
        assert!(markdown(&lines).contains(
            "| 2.000 | 1.000–3.000 | 3 | ≥ 1.5× them (throughput) | yes, within noise |"
        ));
    }

    #[test]
    fn verdicts_follow_the_median_and_flag_a_straddling_spread() {
        let mut l = lines(&outcome(vec![row("ours", 1, 200.0), row("them", 1, 100.0)]))[0].clone();
        // One round: no spread, a plain verdict, `—` in the table.
        assert_eq!(l.verdict(), Some(Verdict::Met));
        assert!(markdown(std::slice::from_ref(&l)).contains("| 2.000 | — | 1 |"));
        (l.ratio, l.low, l.high, l.rounds) = (1.4, 1.2, 1.6, 3);
        assert_eq!(l.verdict(), Some(Verdict::MissedWithinNoise));
        (l.ratio, l.low, l.high) = (1.3, 1.2, 1.4);
        assert_eq!(l.verdict(), Some(Verdict::Missed));
        (l.ratio, l.low, l.high) = (1.7, 1.6, 1.8);
        assert_eq!(l.verdict(), Some(Verdict::Met));
        l.target = None;
        assert_eq!(l.verdict(), None);
    }

    #[test]
    fn spread_is_min_and_max_of_finite_ratios() {
        assert_eq!(spread(&[1.2, 0.9, f64::NAN, 1.1]), (0.9, 1.2));
        let (lo, hi) = spread(&[]);
        assert!(lo.is_nan() && hi.is_nan());
    }

    #[test]
    fn lower_is_better_metrics_invert_the_advantage() {
        let mut l = lines(&outcome(vec![row("ours", 1, 50.0), row("them", 1, 100.0)]))[0].clone();
        assert_eq!(l.advantage(), 0.5);
        l.metric = "time";
        assert_eq!(l.advantage(), 2.0);
    }

    #[test]
    fn humans_get_grouped_thousands() {
        assert_eq!(human(1_234_567.4), "1,234,567");
        assert_eq!(human(412.51), "412.5");
        assert_eq!(human(f64::NAN), "—");
    }
}
