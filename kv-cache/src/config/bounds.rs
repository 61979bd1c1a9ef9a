//! Parsing and bounds of numeric and boolean parameter values, with
//! Redis's rules and error texts. Redis: `numericParseString` and
//! `numericBoundaryCheck` in `src/config.c`, `memtoull` in `src/util.c`.
//!
//! - Integers are read as `string2ll` reads them: no `+`, no leading zeros,
//!   no spaces (so `CONFIG SET maxclients 05` is refused, as in Redis).
//! - Memory values are digits with an optional unit (`b`, `k`, `kb`, `m`,
//!   `mb`, `g`, `gb`, any case); an empty string reads as 0 and an overflow
//!   saturates, both as `memtoull` does.
//! - A value outside `lo..=hi` gets `argument must be between lo and hi
//!   inclusive`. Every bound here fits an `i64`, so Redis's signed and
//!   unsigned checks print the same text.

use crate::protocol::parse_i64;

/// Redis's text for a value that is not an integer.
pub const NOT_INTEGER: &str = "argument couldn't be parsed into an integer";
/// Redis's text for a value that is not a memory amount.
pub const NOT_MEMORY: &str = "argument must be a memory value";

/// The bounds error for `lo..=hi`.
pub fn out_of_range(lo: i64, hi: i64) -> String {
    format!("argument must be between {lo} and {hi} inclusive")
}

/// An integer parameter value in `lo..=hi`.
pub fn int_in(v: &str, lo: i64, hi: i64) -> Result<i64, String> {
    let n = parse_i64(v.as_bytes()).ok_or_else(|| NOT_INTEGER.to_string())?;
    if n < lo || n > hi {
        return Err(out_of_range(lo, hi));
    }
    Ok(n)
}

/// A memory parameter value in `lo..=hi` (both non-negative). A value too
/// big for an `i64` is out of range, as Redis's cast makes it.
pub fn memory_in(v: &str, lo: i64, hi: i64) -> Result<u64, String> {
    let n = parse_memory(v).ok_or_else(|| NOT_MEMORY.to_string())?;
    match i64::try_from(n) {
        Ok(n) if n >= lo && n <= hi => Ok(n as u64),
        _ => Err(out_of_range(lo, hi)),
    }
}

/// `yes` or `no`, any case.
pub fn yes_no(v: &str) -> Result<bool, String> {
    match v.to_ascii_lowercase().as_str() {
        "yes" => Ok(true),
        "no" => Ok(false),
        _ => Err("argument must be 'yes' or 'no'".into()),
    }
}

/// How `CONFIG GET` prints a boolean.
pub fn yes_no_text(b: bool) -> String {
    if b { "yes" } else { "no" }.into()
}

/// A double as Redis prints one in a config value: `%f`, trailing zeros
/// and a trailing dot dropped (`trimDoubleString`): `99.9`, `100`, `0.5`.
pub fn double_text(d: f64) -> String {
    let text = format!("{d:.6}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// `latency-tracking-info-percentiles`: numbers in 0..=100 separated by
/// spaces; `""` is none.
pub fn percentiles(v: &str) -> Result<Vec<f64>, String> {
    v.split_whitespace()
        .map(|w| {
            let p: f64 = w
                .parse()
                .ok()
                .filter(|p: &f64| !p.is_nan())
                .ok_or("Invalid latency-tracking-info-percentiles parameters")?;
            if !(0.0..=100.0).contains(&p) {
                return Err(
                    "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"
                        .into(),
                );
            }
            Ok(p)
        })
        .collect()
}

/// Parses a memory amount as Redis's `memtoull`: `100`, `1k` (1000), `1kb`
/// (1024), `m`/`mb`, `g`/`gb`, any case.
pub fn parse_memory(v: &str) -> Option<u64> {
    if v.starts_with('-') {
        return None;
    }
    let digits_end = v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len());
    let (num, unit) = v.split_at(digits_end);
    let mul: u64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" => 1000,
        "kb" => 1024,
        "m" => 1000 * 1000,
        "mb" => 1024 * 1024,
        "g" => 1000 * 1000 * 1000,
        "gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    // `strtoull` reads no digits as 0 and saturates on overflow; Redis then
    // multiplies without checking, so the product wraps.
    let n = if num.is_empty() {
        0
    } else {
        num.parse::<u64>().unwrap_or(u64::MAX)
    };
    Some(n.wrapping_mul(mul))
}

/// The C library's text for an I/O error (`strerror`), as Redis prints it:
/// Rust's `Display` adds ` (os error N)`.
pub fn os_error_text(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redis_parsing_rules() {
        assert_eq!(int_in("5", 0, 10), Ok(5));
        for bad in ["+5", "05", " 5", "5 ", "1.5", "", "1kb"] {
            assert_eq!(int_in(bad, 0, 10), Err(NOT_INTEGER.into()), "{bad:?}");
        }
        assert_eq!(
            int_in("11", 0, 10),
            Err("argument must be between 0 and 10 inclusive".into())
        );
        assert_eq!(parse_memory("1gb"), Some(1 << 30));
        assert_eq!(parse_memory("1MB"), Some(1 << 20));
        assert_eq!(parse_memory("2k"), Some(2000));
        assert_eq!(parse_memory(""), Some(0));
        assert_eq!(parse_memory("18446744073709551616"), Some(u64::MAX));
        for bad in ["x", "-1", " 1", "1x", "1.5mb"] {
            assert_eq!(parse_memory(bad), None, "{bad:?}");
        }
        assert_eq!(
            memory_in("1", 1 << 20, i64::MAX),
            Err("argument must be between 1048576 and 9223372036854775807 inclusive".into())
        );
        assert!(memory_in("9223372036854775808", 0, i64::MAX).is_err());
        assert_eq!(double_text(99.9), "99.9");
        assert_eq!(double_text(100.0), "100");
        assert_eq!(double_text(33.3333333), "33.333333");
        assert_eq!(percentiles("50 99 99.9"), Ok(vec![50.0, 99.0, 99.9]));
        assert_eq!(percentiles(""), Ok(vec![]));
        assert!(percentiles("50 x").unwrap_err().starts_with("Invalid"));
        assert!(percentiles("101").unwrap_err().contains("[0.0,100.0]"));
    }
}
