//! One SVG chart per comparison table: a horizontal bar per line, drawn on a
//! log scale around the centre line so that 2× better and 2× worse are bars
//! of the same length, pointing right when ours is better and left when it
//! is worse, whatever the metric's direction. A thin whisker across the bar
//! spans the per-round ratios (min–max).
//!
//! The number printed beside each bar is the table's: `ours/theirs`, with
//! the same `↑` (higher is better) or `↓` (lower is better) mark. An
//! earlier chart printed how many times better ours was, which for a
//! lower-is-better metric is the table's ratio inverted (a memory table's
//! 0.773 showed as 1.29×); a reader comparing the two saw two numbers.
//!
//! Hand-written SVG rather than a plotting crate: the chart is thirty
//! rectangles and labels, and the file stays diffable text.

use std::fmt::Write as _;

use super::comparison::Better;
use super::table::{Line, ratio_cell};

const ROW_H: f64 = 22.0;
const LABEL_W: f64 = 360.0;
const PLOT_W: f64 = 420.0;
const TOP: f64 = 48.0;
/// The widest log2 range shown each side of 1.0: 1/16× .. 16×.
const MAX_SPAN: i32 = 4;

/// Renders the chart for `lines` with the given title.
pub fn chart(title: &str, lines: &[Line]) -> String {
    let height = TOP + ROW_H * lines.len() as f64 + 48.0;
    let width = LABEL_W + PLOT_W + 90.0;
    let center = LABEL_W + PLOT_W / 2.0;
    // The axis fits the data: 1/2×..2× when every ratio is within 2×, up to
    // 1/16×..16×, so that small differences stay visible.
    let widest = lines
        .iter()
        .map(|l| l.advantage().log2().abs())
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max);
    let span = (widest.ceil() as i32).clamp(1, MAX_SPAN);
    let scale = PLOT_W / 2.0 / f64::from(span);
    let mut s = String::new();
    // `write!` into a String cannot fail; the results are ignored on purpose.
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="10" y="20" font-size="15" font-weight="bold">{}</text>"#,
        escape(title)
    );
    let _ = writeln!(
        s,
        r#"<text x="10" y="38" fill="dimgray">ours/theirs as in the table (↑ higher is better, ↓ lower is better); bar right of centre = ours better, log scale; whisker = per-round min–max</text>"#
    );
    for (i, line) in lines.iter().enumerate() {
        let y = TOP + ROW_H * i as f64;
        let adv = line.advantage();
        let marker = Better::of(line.metric).marker();
        let label = format!(
            "{} {} {} {marker} vs {}",
            line.bench, line.case, line.metric, line.counterpart
        );
        let _ = writeln!(
            s,
            r#"<text x="10" y="{}">{}</text>"#,
            y + 15.0,
            escape(&label)
        );
        if adv.is_finite() && adv > 0.0 {
            let l = adv.log2().clamp(-f64::from(span), f64::from(span)) * scale;
            let (x, w) = if l >= 0.0 {
                (center, l)
            } else {
                (center + l, -l)
            };
            let color = if adv >= 1.0 { "#2e7d32" } else { "#c62828" };
            let _ = writeln!(
                s,
                r#"<rect x="{x:.1}" y="{:.1}" width="{w:.1}" height="{:.1}" fill="{color}"/>"#,
                y + 4.0,
                ROW_H - 8.0
            );
            if line.rounds > 1 {
                let end = |r: f64| {
                    let a = line.advantage_of(r);
                    center + a.log2().clamp(-f64::from(span), f64::from(span)) * scale
                };
                let (x1, x2) = (end(line.low), end(line.high));
                if x1.is_finite() && x2.is_finite() {
                    let _ = writeln!(
                        s,
                        r##"<line x1="{x1:.1}" y1="{y:.1}" x2="{x2:.1}" y2="{y:.1}" stroke="#000" stroke-width="1.5"/>"##,
                        y = y + ROW_H / 2.0
                    );
                }
            }
            let _ = writeln!(
                s,
                r#"<text x="{:.1}" y="{}">{} {marker}</text>"#,
                LABEL_W + PLOT_W + 8.0,
                y + 15.0,
                ratio_cell(line.ratio)
            );
        }
    }
    let bottom = TOP + ROW_H * lines.len() as f64;
    for tick in -span..=span {
        let x = center + f64::from(tick) * scale;
        // Ticks count times better (right) or worse (left), the bars' length.
        let label = format!("{}×", 1u32 << tick.unsigned_abs());
        let stroke = if tick == 0 { "#000" } else { "#ddd" };
        let _ = writeln!(
            s,
            r#"<line x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{bottom}" stroke="{stroke}"/>"#
        );
        let _ = writeln!(
            s,
            r#"<text x="{x:.1}" y="{}" text-anchor="middle" fill="dimgray">{label}</text>"#,
            bottom + 16.0
        );
    }
    for (x, anchor, text) in [
        (LABEL_W, "start", "← ours worse"),
        (LABEL_W + PLOT_W, "end", "ours better →"),
    ] {
        let _ = writeln!(
            s,
            r#"<text x="{x:.1}" y="{}" text-anchor="{anchor}" fill="dimgray">{text}</text>"#,
            bottom + 32.0
        );
    }
    s.push_str("</svg>\n");
    s
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_becomes_a_bar_and_a_label() {
        let line = Line {
            bench: "pingpong",
            case: "n=100".into(),
            metric: "time_per_loop",
            unit: "us",
            ours: 50.0,
            counterpart: "libevent".into(),
            theirs: 100.0,
            ratio: 0.5,
            low: 0.4,
            high: 0.6,
            rounds: 5,
            target: None,
        };
        let svg = chart("event-loop <test>", &[line]);
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("pingpong n=100 time_per_loop ↓ vs libevent"));
        // The table's number, not its inverse: ours takes half the time.
        assert!(svg.contains(">0.500 ↓</text>"));
        assert!(svg.contains("event-loop &lt;test&gt;"));
        assert!(svg.contains("#2e7d32"));
        // The whisker spans 1/0.6× .. 1/0.4× of a lower-is-better metric.
        assert!(svg.contains(r#"stroke-width="1.5""#));
    }

    /// The chart and the table of the same lines print the same ratios,
    /// with the same direction mark, in the same order.
    #[test]
    fn chart_and_table_agree_on_every_ratio() {
        let line = |metric: &'static str, ours: f64, theirs: f64| Line {
            bench: "b",
            case: "c".into(),
            metric,
            unit: "u",
            ours,
            counterpart: "them".into(),
            theirs,
            ratio: ours / theirs,
            low: ours / theirs,
            high: ours / theirs,
            rounds: 1,
            target: None,
        };
        let lines = [
            line("throughput", 150.0, 100.0),
            line("rss", 773.0, 1000.0),
            line("p99", 300.0, 100.0),
        ];
        let table = crate::runner::table::markdown(&lines);
        let from_table: Vec<(String, String)> = table
            .lines()
            .skip(2)
            .map(|row| {
                let cells: Vec<&str> = row.split('|').map(str::trim).collect();
                let mark = cells[3].rsplit(' ').next().unwrap_or_default();
                (cells[7].to_string(), mark.to_string())
            })
            .collect();
        let svg = chart("t", &lines);
        let from_chart: Vec<(String, String)> = svg
            .lines()
            .filter(|l| l.ends_with(" ↑</text>") || l.ends_with(" ↓</text>"))
            .filter_map(|l| {
                let text = l.split('>').nth(1)?.strip_suffix("</text")?;
                let (n, m) = text.split_once(' ')?;
                n.parse::<f64>().ok()?;
                Some((n.to_string(), m.to_string()))
            })
            .collect();
        assert_eq!(
            from_table,
            [("1.500", "↑"), ("0.773", "↓"), ("3.000", "↓")].map(|(a, b)| (a.into(), b.into()))
        );
        assert_eq!(from_chart, from_table);
        // Better is green whatever the direction: throughput 1.5 and rss 0.773.
        assert_eq!(svg.matches("#2e7d32").count(), 2);
        assert_eq!(svg.matches("#c62828").count(), 1);
    }
}
