//! Score and lexicographic ranges, as the arguments of ZRANGEBYSCORE,
//! ZCOUNT, ZRANGEBYLEX... Redis: `zrangespec`/`zlexrangespec`,
//! `zslParseRange`, `zslParseLexRange` and the `zslValueGteMin` family in
//! `src/t_zset.c`.

use super::score::strtod;

/// `min max` of a score range; `(` makes a bound exclusive.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoreRange {
    /// Lower bound.
    pub min: f64,
    /// Upper bound.
    pub max: f64,
    /// Whether `min` itself is excluded.
    pub minex: bool,
    /// Whether `max` itself is excluded.
    pub maxex: bool,
}

/// One bound as `zslParseRange` reads it: an optional `(`, then bare
/// `strtod`, which skips leading white space, turns overflow into `inf`
/// and reads "" as 0. Only a NaN or text after the number (up to a NUL,
/// where C stops reading) is an error.
fn parse_bound(b: &[u8]) -> Option<(f64, bool)> {
    let (ex, s) = match b.first() {
        Some(b'(') => (true, &b[1..]),
        _ => (false, b),
    };
    let r = strtod(s);
    if s.get(r.end).is_some_and(|c| *c != 0) || r.value.is_nan() {
        return None;
    }
    Some((r.value, ex))
}

impl ScoreRange {
    /// Parses `min max`; `None` is Redis's "min or max is not a float".
    pub fn parse(min: &[u8], max: &[u8]) -> Option<ScoreRange> {
        let (min, minex) = parse_bound(min)?;
        let (max, maxex) = parse_bound(max)?;
        Some(ScoreRange {
            min,
            max,
            minex,
            maxex,
        })
    }

    /// Whether `v` is above the lower bound (`zslValueGteMin`).
    #[inline]
    pub fn gte_min(&self, v: f64) -> bool {
        if self.minex {
            v > self.min
        } else {
            v >= self.min
        }
    }

    /// Whether `v` is below the upper bound (`zslValueLteMax`).
    #[inline]
    pub fn lte_max(&self, v: f64) -> bool {
        if self.maxex {
            v < self.max
        } else {
            v <= self.max
        }
    }

    /// Whether no score can be in the range.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.min > self.max || (self.min == self.max && (self.minex || self.maxex))
    }
}

/// One end of a lexicographic range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LexBound<'a> {
    /// `-`: below every member.
    Min,
    /// `+`: above every member.
    Max,
    /// `[x`: `x` included.
    Incl(&'a [u8]),
    /// `(x`: `x` excluded.
    Excl(&'a [u8]),
}

impl<'a> LexBound<'a> {
    /// Parses `-`, `+`, `[x` or `(x` (`zslParseLexRangeItem`). C compares
    /// the byte after `-`/`+` with the terminating NUL, so `+\0...` counts as `+`.
    fn parse(b: &'a [u8]) -> Option<LexBound<'a>> {
        let single = b.get(1).is_none_or(|c| *c == 0);
        match b.first()? {
            b'+' if single => Some(LexBound::Max),
            b'-' if single => Some(LexBound::Min),
            b'(' => Some(LexBound::Excl(&b[1..])),
            b'[' => Some(LexBound::Incl(&b[1..])),
            _ => None,
        }
    }

    /// Whether the bound itself is outside the range; `-` and `+` count as
    /// exclusive, as Redis parses them.
    fn excluded(&self) -> bool {
        !matches!(self, LexBound::Incl(_))
    }
}

/// `min max` of a lexicographic range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LexRange<'a> {
    /// Lower bound.
    pub min: LexBound<'a>,
    /// Upper bound.
    pub max: LexBound<'a>,
}

/// `sdscmplex` of a member against a bound: the sign of `v - bound`.
#[inline]
fn cmp_member(v: &[u8], b: &LexBound<'_>) -> std::cmp::Ordering {
    use std::cmp::Ordering::*;
    match b {
        LexBound::Min => Greater,
        LexBound::Max => Less,
        LexBound::Incl(s) | LexBound::Excl(s) => v.cmp(s),
    }
}

impl<'a> LexRange<'a> {
    /// Parses `min max`; `None` is Redis's "min or max not valid string range item".
    pub fn parse(min: &'a [u8], max: &'a [u8]) -> Option<LexRange<'a>> {
        Some(LexRange {
            min: LexBound::parse(min)?,
            max: LexBound::parse(max)?,
        })
    }

    /// Whether `v` is above the lower bound (`zslLexValueGteMin`).
    #[inline]
    pub fn gte_min(&self, v: &[u8]) -> bool {
        let c = cmp_member(v, &self.min);
        if self.min.excluded() {
            c.is_gt()
        } else {
            c.is_ge()
        }
    }

    /// Whether `v` is below the upper bound (`zslLexValueLteMax`).
    #[inline]
    pub fn lte_max(&self, v: &[u8]) -> bool {
        let c = cmp_member(v, &self.max);
        if self.max.excluded() {
            c.is_lt()
        } else {
            c.is_le()
        }
    }

    /// Whether the range is empty whatever the members (`sdscmplex(min,
    /// max) > 0`, or equal with an exclusive end).
    pub fn is_empty(&self) -> bool {
        use LexBound::*;
        use std::cmp::Ordering::*;
        let c = match (&self.min, &self.max) {
            (Min, Min) | (Max, Max) => Equal,
            (Min, _) | (_, Max) => Less,
            (Max, _) | (_, Min) => Greater,
            (Incl(a) | Excl(a), Incl(b) | Excl(b)) => a.cmp(b),
        };
        c.is_gt() || (c.is_eq() && (self.min.excluded() || self.max.excluded()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn score_bounds_follow_strtod() {
        let r = ScoreRange::parse(b"(1", b" 5").unwrap();
        assert!(r.minex && !r.maxex && r.min == 1.0 && r.max == 5.0);
        let r = ScoreRange::parse(b"", b"(").unwrap();
        assert!(r.min == 0.0 && r.max == 0.0 && r.maxex);
        assert!(
            ScoreRange::parse(b"1e999", b"-inf")
                .unwrap()
                .min
                .is_infinite()
        );
        assert!(ScoreRange::parse(b"nan", b"1").is_none());
        assert!(ScoreRange::parse(b"1 ", b"1").is_none());
        assert!(ScoreRange::parse(b" ", b"1").is_none());
        assert!(ScoreRange::parse(b"1\0x", b"1").is_some());
    }

    #[test]
    fn lex_bounds() {
        let r = LexRange::parse(b"[b", b"(d").unwrap();
        assert!(r.gte_min(b"b") && !r.gte_min(b"a"));
        assert!(r.lte_max(b"c") && !r.lte_max(b"d"));
        assert!(LexRange::parse(b"+x", b"-").is_none());
        assert!(LexRange::parse(b"a", b"-").is_none());
        assert!(LexRange::parse(b"-", b"-").unwrap().is_empty());
        assert!(!LexRange::parse(b"-", b"+").unwrap().is_empty());
        assert!(LexRange::parse(b"[a", b"(a").unwrap().is_empty());
        assert!(!LexRange::parse(b"[a", b"[a").unwrap().is_empty());
    }
}
