//! Scores as text: reading them the way Redis's C code does (`strtod`, in
//! `getDoubleFromObject` of `src/object.c` and `zslParseRange` of
//! `src/t_zset.c`) and writing them as Redis 7.0's `addReplyDouble` does
//! (`%.17g`, `src/networking.c`).
//!
//! Two readers, because Redis has two:
//!
//! - [`parse_score`], for ZADD scores, increments and WEIGHTS, is strict: no
//!   leading space, nothing after the number, no NaN, and no overflow or
//!   underflow (`1e400` and `1e-400` are errors, `inf` is a score);
//! - range bounds (`ZRANGEBYSCORE k (1 5`) use bare `strtod`, which skips
//!   leading white space, lets an overflow become `inf`, and reads the
//!   empty string as 0 — see [`strtod`] and `range.rs`.
//!
//! `strtod` also reads hexadecimal floats (`0x1p3` is 8) and `infinity`;
//! Rust's `f64::from_str` does neither, so [`strtod`] scans the number
//! itself and only hands the decimal digits to Rust for the rounding.

/// What [`strtod`] read from the front of a string.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Strtod {
    /// The value (0 when nothing was read).
    pub value: f64,
    /// Bytes consumed, leading white space included; 0 when no number was
    /// found (C's `endptr == nptr`).
    pub end: usize,
    /// Whether C would set `errno = ERANGE`: the value overflowed to
    /// infinity or underflowed to zero.
    pub range_error: bool,
}

/// C's `isspace` in the "C" locale.
#[inline]
pub(crate) fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

fn starts_with_ignore_case(s: &[u8], word: &[u8]) -> bool {
    s.len() >= word.len() && s[..word.len()].eq_ignore_ascii_case(word)
}

/// Reads a floating point number from the front of `s` as glibc's
/// `strtod`: white space, a sign, then `inf`/`infinity`, `nan[(chars)]`, a
/// hexadecimal float (`0x1.8p3`) or a decimal one (`1.5e-3`, `.5`, `1.`).
pub fn strtod(s: &[u8]) -> Strtod {
    let none = Strtod {
        value: 0.0,
        end: 0,
        range_error: false,
    };
    let mut i = 0;
    while i < s.len() && is_space(s[i]) {
        i += 1;
    }
    let neg = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let sign = |v: f64| if neg { -v } else { v };
    let rest = &s[i..];
    if starts_with_ignore_case(rest, b"inf") {
        let n = if starts_with_ignore_case(rest, b"infinity") {
            8
        } else {
            3
        };
        return Strtod {
            value: sign(f64::INFINITY),
            end: i + n,
            range_error: false,
        };
    }
    if starts_with_ignore_case(rest, b"nan") {
        let mut n = 3;
        // `nan(n-char-sequence)` is consumed whole when the `)` is there.
        if rest.get(3) == Some(&b'(') {
            let body = rest[4..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
                .count();
            if rest.get(4 + body) == Some(&b')') {
                n = 5 + body;
            }
        }
        return Strtod {
            value: f64::NAN,
            end: i + n,
            range_error: false,
        };
    }
    if rest.len() > 2 && rest[0] == b'0' && (rest[1] | 0x20) == b'x' {
        let after = &rest[2..];
        let hex_start = after.first().is_some_and(u8::is_ascii_hexdigit)
            || (after.first() == Some(&b'.') && after.get(1).is_some_and(u8::is_ascii_hexdigit));
        if hex_start {
            let (v, n, erange) = hex_float(after);
            return Strtod {
                value: sign(v),
                end: i + 2 + n,
                range_error: erange,
            };
        }
    }
    // Decimal: digits [. digits] [e [sign] digits], at least one digit.
    let start = i;
    let digits = |from: usize| s[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    let int_digits = digits(i);
    i += int_digits;
    let mut frac_digits = 0;
    if s.get(i) == Some(&b'.') {
        frac_digits = digits(i + 1);
        if int_digits + frac_digits > 0 {
            i += 1 + frac_digits;
        }
    }
    if int_digits + frac_digits == 0 {
        return none;
    }
    let mantissa_end = i;
    if matches!(s.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(s.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        let exp_digits = digits(j);
        if exp_digits > 0 {
            i = j + exp_digits;
        }
    }
    // The scanned text is plain ASCII Rust parses with correct rounding.
    let text = std::str::from_utf8(&s[start..i]).unwrap_or("0");
    let v: f64 = text.parse().unwrap_or(0.0);
    let nonzero_digits = s[start..mantissa_end]
        .iter()
        .any(|c| c.is_ascii_digit() && *c != b'0');
    Strtod {
        value: sign(v),
        end: i,
        range_error: v.is_infinite() || (v == 0.0 && nonzero_digits),
    }
}

/// A hexadecimal float's magnitude after its `0x`: (value, bytes read,
/// range error). The mantissa is kept in 128 bits (later digits only
/// matter as a sticky bit for rounding).
fn hex_float(s: &[u8]) -> (f64, usize, bool) {
    let mut mant: u128 = 0;
    let mut exp2: i64 = 0;
    let mut sticky = false;
    let mut i = 0;
    let mut push = |d: u32, frac: bool, mant: &mut u128, exp2: &mut i64| {
        if *mant >> 120 == 0 {
            *mant = *mant * 16 + d as u128;
            if frac {
                *exp2 -= 4;
            }
        } else {
            sticky |= d != 0;
            if !frac {
                *exp2 += 4;
            }
        }
    };
    while let Some(d) = s.get(i).and_then(|c| (*c as char).to_digit(16)) {
        push(d, false, &mut mant, &mut exp2);
        i += 1;
    }
    if s.get(i) == Some(&b'.') {
        i += 1;
        while let Some(d) = s.get(i).and_then(|c| (*c as char).to_digit(16)) {
            push(d, true, &mut mant, &mut exp2);
            i += 1;
        }
    }
    if matches!(s.get(i), Some(b'p' | b'P')) {
        let mut j = i + 1;
        let neg = match s.get(j) {
            Some(b'-') => {
                j += 1;
                true
            }
            Some(b'+') => {
                j += 1;
                false
            }
            _ => false,
        };
        let n = s[j..].iter().take_while(|c| c.is_ascii_digit()).count();
        if n > 0 {
            let e = s[j..j + n]
                .iter()
                .fold(0i64, |acc, c| (acc * 10 + (c - b'0') as i64).min(1 << 40));
            exp2 += if neg { -e } else { e };
            i = j + n;
        }
    }
    if sticky {
        mant |= 1;
    }
    let nonzero = mant != 0;
    let mut v = mant as f64;
    // Scale by 2^exp2 in steps that cannot overflow an intermediate.
    while exp2 > 0 && v.is_finite() && v != 0.0 {
        let step = exp2.min(1000);
        v *= 2f64.powi(step as i32);
        exp2 -= step;
    }
    while exp2 < 0 && v != 0.0 {
        let step = (-exp2).min(1000);
        v /= 2f64.powi(step as i32);
        exp2 += step;
    }
    (v, i, v.is_infinite() || (v == 0.0 && nonzero))
}

/// Parses a score, increment or weight as Redis's `getDoubleFromObject`:
/// the whole argument must be a number, without leading white space, not
/// NaN, and not out of range (`inf` itself is fine).
pub fn parse_score(b: &[u8]) -> Option<f64> {
    if b.first().is_none_or(|c| is_space(*c)) {
        return None;
    }
    let r = strtod(b);
    let bad_range = r.range_error && (r.value.is_infinite() || r.value == 0.0);
    if r.end != b.len() || bad_range || r.value.is_nan() {
        return None;
    }
    Some(r.value)
}

/// A formatted score: up to 24 bytes (`-1.2345678901234567e-308`).
#[derive(Clone, Copy)]
pub struct ScoreText {
    buf: [u8; 32],
    len: u8,
}

impl ScoreText {
    /// The text.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len as usize]
    }

    fn push(&mut self, b: u8) {
        self.buf[self.len as usize] = b;
        self.len += 1;
    }

    fn extend(&mut self, s: &[u8]) {
        for &b in s {
            self.push(b);
        }
    }
}

impl std::fmt::Debug for ScoreText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&String::from_utf8_lossy(self.as_bytes()))
    }
}

/// Collects `format_args!` output on the stack.
struct StackWriter {
    buf: [u8; 40],
    len: usize,
}

impl std::fmt::Write for StackWriter {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        if end > self.buf.len() {
            return Err(std::fmt::Error);
        }
        self.buf[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Formats `d` as C's `printf("%.17g")`, with `inf`/`-inf` — the text of
/// every score Redis 7.0 replies with (`addReplyDouble`) and stores
/// (`d2string`). 17 significant digits always round-trip, but are not the
/// shortest form: 0.1 is `0.10000000000000001`.
pub fn format_score(d: f64) -> ScoreText {
    let mut out = ScoreText {
        buf: [0; 32],
        len: 0,
    };
    if d.is_nan() {
        out.extend(b"nan");
        return out;
    }
    if d.is_infinite() {
        out.extend(if d > 0.0 { b"inf" } else { b"-inf" });
        return out;
    }
    // Whole numbers below 10^17 print as integers under %.17g; most
    // scores are such (and -0.0 prints as "-0").
    if d.fract() == 0.0 && d.abs() < 1e17 {
        if d.is_sign_negative() {
            out.push(b'-');
        }
        let mut tmp = [0u8; 20];
        out.extend(crate::protocol::reply::fmt_i64(d.abs() as i64, &mut tmp));
        return out;
    }
    // 17 significant digits, correctly rounded, in scientific form:
    // "d.dddddddddddddddde<exp>".
    let mut w = StackWriter {
        buf: [0; 40],
        len: 0,
    };
    let _ = std::fmt::write(&mut w, format_args!("{:.16e}", d.abs()));
    let sci = &w.buf[..w.len];
    let e_at = sci.iter().position(|c| *c == b'e').unwrap_or(sci.len());
    let mut digits = [0u8; 17];
    let mut n = 0;
    for &c in &sci[..e_at] {
        if c.is_ascii_digit() && n < 17 {
            digits[n] = c;
            n += 1;
        }
    }
    let exp: i32 = std::str::from_utf8(&sci[(e_at + 1).min(sci.len())..])
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    // %g drops trailing zeros of the fraction.
    let mut sig = n;
    while sig > 1 && digits[sig - 1] == b'0' {
        sig -= 1;
    }
    if d < 0.0 {
        out.push(b'-');
    }
    if !(-4..17).contains(&exp) {
        out.push(digits[0]);
        if sig > 1 {
            out.push(b'.');
            out.extend(&digits[1..sig]);
        }
        out.push(b'e');
        out.push(if exp < 0 { b'-' } else { b'+' });
        let a = exp.unsigned_abs();
        if a < 10 {
            out.push(b'0');
        }
        let mut tmp = [0u8; 20];
        out.extend(crate::protocol::reply::fmt_i64(a as i64, &mut tmp));
    } else if exp >= 0 {
        let int_len = exp as usize + 1;
        out.extend(&digits[..int_len]);
        if sig > int_len {
            out.push(b'.');
            out.extend(&digits[int_len..sig]);
        }
    } else {
        out.extend(b"0.");
        for _ in 0..(-exp - 1) {
            out.push(b'0');
        }
        out.extend(&digits[..sig]);
    }
    out
}

/// The text Redis 7.0 keeps for a score in a listpack, which ZSCAN of a
/// listpack-encoded set returns as is: a whole number within ±2^62 is
/// stored as an integer (`double2ll`, so -0 becomes "0" and 1.2e17 is
/// written out in full), anything else as [`format_score`].
pub fn format_listpack_score(d: f64) -> ScoreText {
    const LIMIT: f64 = 4_611_686_018_427_387_904.0; // (double)(LLONG_MAX / 2)
    if d.fract() == 0.0 && (-LIMIT..=LIMIT).contains(&d) {
        let mut out = ScoreText {
            buf: [0; 32],
            len: 0,
        };
        let mut tmp = [0u8; 20];
        out.extend(crate::protocol::reply::fmt_i64(d as i64, &mut tmp));
        return out;
    }
    format_score(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(d: f64) -> String {
        String::from_utf8(format_score(d).as_bytes().to_vec()).unwrap()
    }

    #[test]
    fn formats_as_printf_17g() {
        let cases: &[(f64, &str)] = &[
            (0.1, "0.10000000000000001"),
            (1e20, "1e+20"),
            (1.5e-7, "1.4999999999999999e-07"),
            (123456789012345680.0, "1.2345678901234568e+17"),
            (-0.0, "-0"),
            (0.0, "0"),
            (3.0, "3"),
            (-3.0, "-3"),
            (1e16, "10000000000000000"),
            (1e17, "1e+17"),
            (1e-4, "0.0001"),
            (1e-5, "1.0000000000000001e-05"),
            (0.000123, "0.00012300000000000001"),
            (100.5, "100.5"),
            (1_234_567_890_123_456.0 + 0.25, "1234567890123456.2"),
            (5e-324, "4.9406564584124654e-324"),
            (f64::MAX, "1.7976931348623157e+308"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (-2.5, "-2.5"),
        ];
        for (d, want) in cases {
            assert_eq!(fmt(*d), *want, "{d:e}");
        }
    }

    #[test]
    fn listpack_text_keeps_big_integers_whole() {
        let t = |d: f64| String::from_utf8(format_listpack_score(d).as_bytes().to_vec()).unwrap();
        assert_eq!(t(123456789012345680.0), "123456789012345680");
        assert_eq!(t(-0.0), "0");
        assert_eq!(t(4611686018427387904.0), "4611686018427387904");
        assert_eq!(t(9223372036854775808.0), "9.2233720368547758e+18");
        assert_eq!(t(0.1), "0.10000000000000001");
    }

    #[test]
    fn strict_scores() {
        for (s, want) in [
            ("1", Some(1.0)),
            ("-1.5", Some(-1.5)),
            ("+inf", Some(f64::INFINITY)),
            ("-Infinity", Some(f64::NEG_INFINITY)),
            ("1e3", Some(1000.0)),
            ("0x10", Some(16.0)),
            ("0x1.8p1", Some(3.0)),
            (".5", Some(0.5)),
            ("5.", Some(5.0)),
            ("0e999", Some(0.0)),
        ] {
            assert_eq!(parse_score(s.as_bytes()), want, "{s}");
        }
        for s in [
            "", " 1", "1 ", "nan", "abc", "1e400", "1e-400", "0x", "1e", "--1", "1\0",
        ] {
            assert_eq!(parse_score(s.as_bytes()), None, "{s:?}");
        }
    }

    #[test]
    fn strtod_prefixes() {
        assert_eq!(strtod(b"  12abc").end, 4);
        assert_eq!(strtod(b"").end, 0);
        assert_eq!(strtod(b"0x").end, 1);
        assert_eq!(strtod(b"1e+").end, 1);
        assert_eq!(strtod(b"nan(12)x").end, 7);
        assert!(strtod(b"1e999").range_error);
        assert_eq!(strtod(b"-.5e1").value, -5.0);
    }
}
