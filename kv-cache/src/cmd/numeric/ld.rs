//! x87 `long double` arithmetic in software, for INCRBYFLOAT, HINCRBYFLOAT
//! and the blocking timeouts. Redis parses both operands with `strtold`,
//! adds them in `long double` (on x86-64: a 64-bit mantissa, 15-bit
//! exponent) and prints the sum with `"%.17Lf"`, trailing zeros trimmed
//! (`ld2string`, `LD_STR_HUMAN`); a timeout is `ceill(seconds * 1000)`.
//! Rust has no such type, and `f64` gives different digits: Redis replies
//! `1000.09999999999999998` to `HINCRBYFLOAT h f 1000.1`, where `f64`
//! arithmetic would print `1000.1` or `1000.10000000000002274`.
//!
//! So we do what the C library does, exactly, on big integers:
//!
//! - parse: the decimal (or hex) string is an exact rational; round it to
//!   the nearest 64-bit mantissa, ties to even (`strtold`);
//! - add, multiply: the exact result of two such numbers, rounded the same way;
//! - ceil: the exact value rounded up to an integer, converted as x86 converts it (what does not fit is refused);
//!   `cvttsd2si`-style conversion does (what does not fit is refused);
//! - print: the exact value times 10^17, rounded to an integer, ties to
//!   even (glibc's `printf`), then the decimal point put back.
//!
//! Subnormal numbers keep 64 bits of precision here (the hardware keeps
//! fewer); they print as 0 either way, and the under- and overflow limits
//! that make Redis refuse a number are the hardware's.

use std::cmp::Ordering;

use super::big::{Big, shr};

/// Largest exponent of a normalized mantissa (`LDBL_MAX` is `(2^64-1)·2^16320`).
const MAX_EXP: i64 = 16320;
/// Numbers below `2^-16446` (half the smallest subnormal) round to zero.
const ZERO_BELOW: i64 = -16446;

/// A finite `long double`: `(-1)^neg · mant · 2^exp`, `mant` normalized
/// (top bit set) unless the value is zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ld {
    neg: bool,
    mant: u64,
    exp: i64,
}

/// What can go wrong making an [`Ld`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Range {
    /// Too large (±infinity).
    Overflow,
    /// Nonzero but rounds to zero.
    Underflow,
}

impl Ld {
    /// Zero.
    pub(crate) const ZERO: Ld = Ld {
        neg: false,
        mant: 0,
        exp: 0,
    };

    /// `(-1)^neg · n · 2^exp` rounded to 64 bits, ties to even.
    fn round(neg: bool, n: &Big, exp: i64, sticky: bool) -> Result<Ld, Range> {
        let len = n.bits();
        if len == 0 {
            return Ok(Ld { neg, ..Ld::ZERO });
        }
        let (mant, e) = if len <= 64 {
            (n.bits_at(0) << (64 - len), exp - (64 - len as i64))
        } else {
            let shift = len - 64;
            let mut m = n.bits_at(shift);
            let half = n.bit(shift - 1);
            let rest = sticky || n.any_below(shift - 1);
            let mut e = exp + shift as i64;
            if half && (rest || m & 1 == 1) {
                m = m.wrapping_add(1);
                if m == 0 {
                    m = 1 << 63;
                    e += 1;
                }
            }
            (m, e)
        };
        if e > MAX_EXP {
            return Err(Range::Overflow);
        }
        if e + 63 < ZERO_BELOW || (e + 63 == ZERO_BELOW && mant == 1 << 63 && !sticky) {
            return Err(Range::Underflow);
        }
        Ok(Ld { neg, mant, exp: e })
    }

    /// `(-1)^neg · n · 2^p2 · 10^p10`, rounded once.
    fn exact(neg: bool, n: Big, p2: i64, p10: i64) -> Result<Ld, Range> {
        if n.is_zero() {
            return Ok(Ld { neg, ..Ld::ZERO });
        }
        if p10 >= 0 {
            let mut n = n;
            n.mul_pow10(p10 as u64);
            return Ld::round(neg, &n, p2, false);
        }
        let mut d = Big::from_u64(1);
        d.mul_pow10(p10.unsigned_abs());
        // Scale the numerator so the quotient has a few more bits than the
        // 64 + rounding bit needed, up (k) or down (t: the dropped bits only
        // matter as "nonzero", which the sticky flag keeps).
        let k = (66 + d.bits() as i64 - n.bits() as i64).max(0) as u64;
        let num = n.shl(k);
        let t = num.bits().saturating_sub(d.bits() + 70);
        let dropped = t > 0 && num.any_below(t);
        let (q, rem) = shr(&num, t).div_sticky(&d);
        Ld::round(neg, &q, p2 - k as i64 + t as i64, rem || dropped)
    }

    /// Whether the value is zero.
    pub(crate) fn is_zero(&self) -> bool {
        self.mant == 0
    }

    /// `v`, exactly when it has at most 64 significant bits (`1000`).
    pub(crate) fn from_u64(v: u64) -> Ld {
        // 64 bits always fit the mantissa: no rounding, no range error.
        Ld::round(false, &Big::from_u64(v), 0, false).unwrap_or(Ld::ZERO)
    }

    /// The exact product, rounded (`a * b` in `long double`).
    pub(crate) fn mul(self, o: Ld) -> Result<Ld, Range> {
        let neg = self.neg != o.neg;
        if self.is_zero() || o.is_zero() {
            return Ok(Ld { neg, ..Ld::ZERO });
        }
        let product = u128::from(self.mant) * u128::from(o.mant);
        Ld::round(neg, &Big::from_u128(product), self.exp + o.exp, false)
    }

    /// `(long long) ceill(v)`: the least integer not below the value, or
    /// `None` when it does not fit an `i64` (where x86 yields `LLONG_MIN`).
    pub(crate) fn ceil_to_i64(self) -> Option<i64> {
        let magnitude: i128 = if self.exp >= 0 {
            if self.exp > 63 {
                return None;
            }
            i128::from(self.mant) << self.exp
        } else {
            let s = self.exp.unsigned_abs();
            let (int, frac) = if s >= 64 {
                (0, self.mant != 0)
            } else {
                (self.mant >> s, self.mant & ((1u64 << s) - 1) != 0)
            };
            // Up for a positive fraction; a negative one truncates toward 0.
            i128::from(int) + i128::from(frac && !self.neg)
        };
        i64::try_from(if self.neg { -magnitude } else { magnitude }).ok()
    }

    /// The exact sum, rounded (`a + b` in `long double`).
    pub(crate) fn add(self, o: Ld) -> Result<Ld, Range> {
        if o.is_zero() {
            return Ok(if self.is_zero() { Ld::ZERO } else { self });
        }
        if self.is_zero() {
            return Ok(o);
        }
        let e = self.exp.min(o.exp);
        let a = Big::from_u64(self.mant).shl((self.exp - e) as u64);
        let b = Big::from_u64(o.mant).shl((o.exp - e) as u64);
        if self.neg == o.neg {
            return Ld::round(self.neg, &a.add(&b), e, false);
        }
        match a.cmp(&b) {
            Ordering::Equal => Ok(Ld::ZERO),
            Ordering::Greater => Ld::round(self.neg, &a.sub(&b), e, false),
            Ordering::Less => Ld::round(o.neg, &b.sub(&a), e, false),
        }
    }

    /// The value as `"%.17Lf"` prints it, with trailing zeros (and a
    /// trailing point) removed, and `-0` written `0` (`ld2string` human mode).
    pub(crate) fn to_human(self) -> String {
        let n = Big::from_u64(self.mant);
        // round(|value| · 10^17), ties to even.
        let scaled = if self.exp >= 0 {
            let mut v = n.shl(self.exp as u64);
            v.mul_pow10(17);
            v
        } else {
            let mut v = n;
            v.mul_pow10(17);
            let s = self.exp.unsigned_abs();
            let q = shr(&v, s);
            let up = v.bit(s - 1) && (v.any_below(s - 1) || q.bit(0));
            if up { q.add(&Big::from_u64(1)) } else { q }
        };
        let digits = scaled.to_decimal();
        let digits = format!("{digits:0>18}");
        let (int, frac) = digits.split_at(digits.len() - 17);
        let frac = frac.trim_end_matches('0');
        let mut s = String::with_capacity(digits.len() + 2);
        if self.neg {
            s.push('-');
        }
        s.push_str(int);
        if !frac.is_empty() {
            s.push('.');
            s.push_str(frac);
        }
        if s == "-0" { "0".to_string() } else { s }
    }
}

/// Why [`parse`] refused a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Parsed {
    /// A finite number.
    Num(Ld),
    /// `inf`/`infinity`, either sign (valid for `strtold`, refused later).
    Inf,
    /// Not a number Redis accepts (syntax, NaN, out of range).
    Invalid,
}

/// Redis's error for a sum that is not a finite number.
pub(crate) const NAN_OR_INF: &str = "ERR increment would produce NaN or Infinity";

/// Redis's error for an operand [`parse`] refuses.
pub(crate) const NOT_A_FLOAT: &str = "ERR value is not a valid float";

/// Longest string Redis parses (`MAX_LONG_DOUBLE_CHARS`, 5 KB, minus the NUL).
const MAX_CHARS: usize = 5 * 1024 - 1;

/// Parses as Redis's `string2ld`: `strtold` on the whole string (C stops at
/// a NUL), no leading space, nothing left over, no NaN, no overflow, and
/// no nonzero value that rounds to zero.
pub(crate) fn parse(s: &[u8]) -> Parsed {
    if s.is_empty() || s.len() > MAX_CHARS {
        return Parsed::Invalid;
    }
    let s = &s[..s.iter().position(|&b| b == 0).unwrap_or(s.len())];
    if s.first()
        .is_some_and(|c| c.is_ascii_whitespace() || *c == b'\x0b')
    {
        return Parsed::Invalid;
    }
    let (neg, body) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if s.is_empty() {
        // strtold("") converts nothing and leaves the end at the NUL.
        return Parsed::Num(Ld::ZERO);
    }
    if body.eq_ignore_ascii_case(b"inf") || body.eq_ignore_ascii_case(b"infinity") {
        return Parsed::Inf;
    }
    let hex = body.len() > 1 && body[0] == b'0' && (body[1] | 0x20) == b'x';
    let r = if hex {
        parse_digits(neg, &body[2..], 16)
    } else {
        parse_digits(neg, body, 10)
    };
    match r {
        Some(Ok(v)) => Parsed::Num(v),
        _ => Parsed::Invalid,
    }
}

/// Mantissa digits in `radix` (10 or 16), an optional point, an optional
/// exponent (`e`: a power of 10; `p` after hex digits: a power of 2).
/// Every digit is kept: at most [`MAX_CHARS`] of them, so the integer
/// stays a few hundred limbs.
fn parse_digits(neg: bool, s: &[u8], radix: u32) -> Option<Result<Ld, Range>> {
    let mut n = Big::default();
    let mut i = 0;
    let (mut digits, mut significant, mut frac) = (0i64, 0i64, 0i64);
    let mut seen_point = false;
    while i < s.len() {
        let c = s[i];
        if c == b'.' && !seen_point {
            seen_point = true;
        } else if let Some(d) = (c as char).to_digit(radix) {
            digits += 1;
            n.mul_add_small(radix, d);
            significant += i64::from(!n.is_zero());
            frac += i64::from(seen_point);
        } else {
            break;
        }
        i += 1;
    }
    if digits == 0 {
        return None;
    }
    let mut exp = 0i64;
    if i < s.len() {
        let marker = if radix == 16 { b'p' } else { b'e' };
        if s[i] | 0x20 != marker {
            return None;
        }
        let mut j = i + 1;
        let eneg = s.get(j) == Some(&b'-');
        if matches!(s.get(j), Some(b'-' | b'+')) {
            j += 1;
        }
        let start = j;
        while j < s.len() && s[j].is_ascii_digit() {
            exp = (exp * 10 + i64::from(s[j] - b'0')).min(1 << 40);
            j += 1;
        }
        if j == start || j != s.len() {
            return None;
        }
        if eneg {
            exp = -exp;
        }
    }
    if n.is_zero() {
        return Some(Ok(Ld { neg, ..Ld::ZERO }));
    }
    if radix == 16 {
        return Some(Ld::exact(neg, n, exp - 4 * frac, 0));
    }
    let p10 = exp - frac;
    // The value lies in [10^(m-1), 10^m): decide far-out exponents before
    // building huge powers of ten.
    let m = p10 + significant;
    if m > 4934 {
        return Some(Err(Range::Overflow));
    }
    if m < -4952 {
        return Some(Err(Range::Underflow));
    }
    Some(Ld::exact(neg, n, 0, p10))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(s: &str) -> Ld {
        match parse(s.as_bytes()) {
            Parsed::Num(v) => v,
            other => panic!("{s}: {other:?}"),
        }
    }

    fn sum(a: &str, b: &str) -> String {
        num(a).add(num(b)).unwrap().to_human()
    }

    /// Replies of redis-server 7.0.15 (x86-64) to `HINCRBYFLOAT h f <b>`
    /// with `f` holding `<a>`.
    #[test]
    fn matches_redis_on_x86_64() {
        assert_eq!(sum("0", "1000.1"), "1000.09999999999999998");
        assert_eq!(sum("0.1", "0.2"), "0.3");
        assert_eq!(sum("0", "0.30000000000000004"), "0.30000000000000004");
        assert_eq!(sum("0", "1e-20"), "0");
        assert_eq!(sum("0", "-0"), "0");
        assert_eq!(sum("-1000.1", "1000"), "-0.09999999999999998");
        assert_eq!(
            sum("123456789.123456789", "0.1"),
            "123456789.22345678899728227"
        );
        assert_eq!(sum("1.5e-17", "0"), "0.00000000000000002");
        assert_eq!(sum("2.5e-17", "0"), "0.00000000000000002");
        assert_eq!(sum("5e-18", "0"), "0");
        assert_eq!(sum("0x1.8p-3", "0"), "0.1875");
        assert_eq!(sum("0X10", "0"), "16");
        assert_eq!(sum("3.0000000000000000001", "1"), "4");
        assert_eq!(sum("0.1", "1e20"), "100000000000000000000");
        assert_eq!(sum("1e-4950", "0"), "0");
        assert_eq!(
            sum("1e300", "0"),
            "1000000000000000000008997324079559193870523944273290747938260082321265646596180935755849152083750497190350372508614274835903592556184672983913096260520748646287327135641843653294084255107606016789726652932370030551382947620994540294772781889620606179267611627097410650567187386105690089424915104006144"
        );
        let big = sum("1e4000", "1");
        assert_eq!(big.len(), 4000);
        assert!(big.starts_with("99999999999999999999654638730996237849324925835069576313015083330432619433063423554818216418655"));
        assert!(big.ends_with("72729951206648276349901340672"));
    }

    #[test]
    fn refuses_what_strtold_or_redis_refuses() {
        for bad in [
            "", " 1", "1 ", "abc", "0x", "1e", "1e+", "nan", "NaN", "1e5000", "1e-5000", "1e-4951",
            "--1", "1.2.3", "e5",
        ] {
            assert_eq!(parse(bad.as_bytes()), Parsed::Invalid, "{bad:?}");
        }
        for inf in ["inf", "-Infinity", "+INF"] {
            assert_eq!(parse(inf.as_bytes()), Parsed::Inf, "{inf:?}");
        }
        for ok in ["1.", ".5", "+.5", "-0", "012", "1E3", "0x1p-2", "1e4000"] {
            assert!(matches!(parse(ok.as_bytes()), Parsed::Num(_)), "{ok:?}");
        }
        // C stops at a NUL.
        assert_eq!(parse(b"1.5\0abc"), parse(b"1.5"));
    }

    #[test]
    fn overflowing_sums_are_detected() {
        let max = num("1.18973149535723176502e4932");
        assert_eq!(max.add(max), Err(Range::Overflow));
    }

    /// `n / 2^k` written out exactly in decimal (`k` digits after the point).
    fn dyadic(n: i128, k: u32) -> String {
        let scaled = n.unsigned_abs() * 5u128.pow(k);
        let digits = format!("{scaled:0>width$}", width = k as usize + 1);
        let (int, frac) = digits.split_at(digits.len() - k as usize);
        let frac = frac.trim_end_matches('0');
        let sign = if n < 0 { "-" } else { "" };
        if frac.is_empty() {
            format!("{sign}{int}")
        } else {
            format!("{sign}{int}.{frac}")
        }
    }

    proptest::proptest! {
        /// Numbers with a short binary expansion are exact in `long
        /// double`, and so is their sum: the output is the exact decimal.
        #[test]
        fn exact_sums_print_exactly(
            a in -(1i64 << 40)..(1i64 << 40),
            b in -(1i64 << 40)..(1i64 << 40),
            ka in 0u32..18,
            kb in 0u32..18,
        ) {
            let k = ka.max(kb);
            let total = (i128::from(a) << (k - ka)) + (i128::from(b) << (k - kb));
            let want = if total == 0 { "0".to_string() } else { dyadic(total, k) };
            proptest::prop_assert_eq!(sum(&dyadic(a.into(), ka), &dyadic(b.into(), kb)), want);
        }
    }

    #[test]
    fn long_inputs_round_like_short_ones() {
        let long = format!("0.{}1", "0".repeat(3000));
        assert!(matches!(parse(long.as_bytes()), Parsed::Num(_)));
        let many = format!("1.{}", "3".repeat(4000));
        assert_eq!(
            num(&many).to_human(),
            num("1.33333333333333333333333333").to_human()
        );
    }
}
