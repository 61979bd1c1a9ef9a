//! `LATENCY GRAPH`: an event's samples as an ASCII chart, in the shape
//! Redis's sparkline renderer (`src/sparkline.c`) draws — a title line, 80
//! dashes, then per block of up to 80 samples four rows of bars and the
//! samples' ages written downwards under them:
//!
//! ```text
//! command - high 500 ms, low 101 ms (all time high 500 ms)
//! --------------------------------------------------------------------------------
//!    #
//!   #|
//!  #||
//! _|||
//!
//! 3212
//! 227s
//! sss
//! ```
//!
//! A sample's height is its place between the lowest and highest sample,
//! in twelve steps: three per row (`_`, `o`, `#`), the rows under its top
//! filled with `|`.

use super::Series;

/// Columns per block (Redis `LATENCY_GRAPH_COLS`).
const COLUMNS: usize = 80;
/// Rows of bars.
const ROWS: usize = 4;
/// The marks inside one row, lowest first.
const MARKS: [u8; 3] = [b'_', b'o', b'#'];

/// The chart of `event`'s samples, `now` (Unix seconds) dating their labels.
pub fn render(event: &str, series: &Series, now: i64) -> String {
    let samples: Vec<(u64, String)> = series
        .samples()
        .map(|s| (s.latency, age_label(now - s.time)))
        .collect();
    let low = samples.iter().map(|s| s.0).min().unwrap_or(0);
    let high = samples.iter().map(|s| s.0).max().unwrap_or(0);
    let mut out = format!(
        "{event} - high {high} ms, low {low} ms (all time high {} ms)\n",
        series.max
    );
    out.push_str(&"-".repeat(COLUMNS));
    out.push('\n');
    for (i, block) in samples.chunks(COLUMNS).enumerate() {
        if i > 0 {
            out.push('\n');
        }
        draw_block(&mut out, block, low, high);
    }
    out
}

/// How long ago, as Redis labels it: seconds, then minutes, hours, days.
fn age_label(secs: i64) -> String {
    match secs {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86_400 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}

/// The bar rows and the label rows of one block.
fn draw_block(out: &mut String, block: &[(u64, String)], low: u64, high: u64) {
    let steps = (MARKS.len() * ROWS) as u64;
    let span = (high - low).max(1);
    let heights: Vec<usize> = block
        .iter()
        .map(|&(v, _)| (((v - low) * steps / span).min(steps - 1)) as usize)
        .collect();
    for row in 0..ROWS {
        // Marks of this row start at this step; below it, the bar is full.
        let base = (ROWS - row - 1) * MARKS.len();
        let line: String = heights
            .iter()
            .map(|&h| match h.checked_sub(base) {
                Some(i) if i < MARKS.len() => MARKS[i] as char,
                Some(_) => '|',
                None => ' ',
            })
            .collect();
        out.push_str(&line);
        out.push('\n');
    }
    // One blank row, then the labels written downwards.
    out.push_str(&" ".repeat(block.len()));
    out.push('\n');
    let longest = block.iter().map(|(_, l)| l.len()).max().unwrap_or(0);
    for i in 0..longest {
        let line: String = block
            .iter()
            .map(|(_, l)| l.as_bytes().get(i).map_or(' ', |&b| b as char))
            .collect();
        out.push_str(&line);
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::super::Monitor;
    use super::*;

    #[test]
    fn bars_and_labels_in_redis_shape() {
        let mut m = Monitor::default();
        for (t, ms) in [(100, 101), (110, 300), (115, 400), (130, 500)] {
            m.add_if_needed(1, "command", ms, t);
        }
        let (_, s) = m.get(b"command").unwrap();
        let g = render("command", s, 132);
        let want = "command - high 500 ms, low 101 ms (all time high 500 ms)\n".to_string()
            + &"-".repeat(80)
            + "\n   #\n  #|\n #||\n_|||\n    \n3212\n227s\nsss \n";
        assert_eq!(g, want);
        assert_eq!(age_label(59), "59s");
        assert_eq!(age_label(3600 * 5), "5h");
        assert_eq!(age_label(86_400 * 2), "2d");
    }
}
