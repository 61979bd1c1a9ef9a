//! x87 `long double` arithmetic in software, for HINCRBYFLOAT. Redis
//! parses both operands with `strtold`, adds them in `long double` (on
//! x86-64: a 64-bit mantissa, 15-bit exponent) and prints the sum with
//! `"%.17Lf"`, trailing zeros trimmed (`ld2string`, `LD_STR_HUMAN`).
//! Rust has no such type, and `f64` gives different digits: Redis replies
//! `1000.09999999999999998` to `HINCRBYFLOAT h f 1000.1`, where `f64`
//! arithmetic would print `1000.1` or `1000.10000000000002274`.
//!
//! So we do what the C library does, exactly, on big integers:
//!
//! - parse: the decimal (or hex) string is an exact rational; round it to
//!   the nearest 64-bit mantissa, ties to even (`strtold`);
//! - add: the exact sum of two such numbers, rounded the same way;
//! - print: the exact value times 10^17, rounded to an integer, ties to
//!   even (glibc's `printf`), then the decimal point put back.
//!
//! Subnormal numbers keep 64 bits of precision here (the hardware keeps
//! fewer); they print as 0 either way, and the under- and overflow limits
//! that make Redis refuse a number are the hardware's.

use std::cmp::Ordering;

/// Unsigned big integer, little-endian 32-bit limbs, no leading zero limbs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Big(Vec<u32>);

impl Big {
    fn from_u64(v: u64) -> Big {
        let mut b = Big(vec![v as u32, (v >> 32) as u32]);
        b.trim();
        b
    }

    fn trim(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }

    fn is_zero(&self) -> bool {
        self.0.is_empty()
    }

    fn bits(&self) -> u64 {
        match self.0.last() {
            None => 0,
            Some(&top) => self.0.len() as u64 * 32 - u64::from(top.leading_zeros()),
        }
    }

    fn bit(&self, i: u64) -> bool {
        let limb = (i / 32) as usize;
        limb < self.0.len() && self.0[limb] >> (i % 32) & 1 == 1
    }

    /// Whether any bit below `i` is set.
    fn any_below(&self, i: u64) -> bool {
        let limb = (i / 32) as usize;
        let full = limb.min(self.0.len());
        if self.0[..full].iter().any(|&l| l != 0) {
            return true;
        }
        limb < self.0.len() && self.0[limb] & ((1u32 << (i % 32)) - 1) != 0
    }

    /// Bits `from..from + 64`.
    fn bits_at(&self, from: u64) -> u64 {
        (0..64).fold(0u64, |acc, k| acc | (u64::from(self.bit(from + k)) << k))
    }

    fn mul_add_small(&mut self, m: u32, a: u32) {
        let mut carry = u64::from(a);
        for l in &mut self.0 {
            let v = u64::from(*l) * u64::from(m) + carry;
            *l = v as u32;
            carry = v >> 32;
        }
        if carry != 0 {
            self.0.push(carry as u32);
        }
        self.trim();
    }

    fn mul_pow10(&mut self, mut n: u64) {
        while n >= 9 {
            self.mul_add_small(1_000_000_000, 0);
            n -= 9;
        }
        self.mul_add_small(10u32.pow(n as u32), 0);
    }

    fn shl(&self, n: u64) -> Big {
        let (limbs, bits) = ((n / 32) as usize, (n % 32) as u32);
        let mut out = vec![0u32; limbs];
        let mut carry = 0u32;
        for &l in &self.0 {
            if bits == 0 {
                out.push(l);
            } else {
                out.push((l << bits) | carry);
                carry = l >> (32 - bits);
            }
        }
        out.push(carry);
        let mut b = Big(out);
        b.trim();
        b
    }

    fn cmp(&self, o: &Big) -> Ordering {
        self.0
            .len()
            .cmp(&o.0.len())
            .then_with(|| self.0.iter().rev().cmp(o.0.iter().rev()))
    }

    fn add(&self, o: &Big) -> Big {
        let mut out = Vec::with_capacity(self.0.len().max(o.0.len()) + 1);
        let mut carry = 0u64;
        for i in 0..self.0.len().max(o.0.len()) {
            let v = u64::from(*self.0.get(i).unwrap_or(&0))
                + u64::from(*o.0.get(i).unwrap_or(&0))
                + carry;
            out.push(v as u32);
            carry = v >> 32;
        }
        out.push(carry as u32);
        let mut b = Big(out);
        b.trim();
        b
    }

    /// `self - o`, for `self >= o`.
    fn sub(&self, o: &Big) -> Big {
        let mut out = Vec::with_capacity(self.0.len());
        let mut borrow = 0i64;
        for i in 0..self.0.len() {
            let mut v = i64::from(self.0[i]) - i64::from(*o.0.get(i).unwrap_or(&0)) - borrow;
            borrow = i64::from(v < 0);
            if v < 0 {
                v += 1 << 32;
            }
            out.push(v as u32);
        }
        let mut b = Big(out);
        b.trim();
        b
    }

    /// `(self / d, self % d != 0)` by binary long division. The first
    /// `bits(d) - 1` bits of `self` are taken at once (they are below `d`),
    /// so the loop runs once per quotient bit.
    fn div_sticky(&self, d: &Big) -> (Big, bool) {
        let (nb, db) = (self.bits(), d.bits());
        if nb < db {
            return (Big::default(), !self.is_zero());
        }
        let start = nb - (db - 1);
        let mut r = shr(self, start);
        let mut q = Big(vec![0; (start / 32 + 1) as usize]);
        for i in (0..start).rev() {
            r = r.shl(1);
            if self.bit(i) {
                if r.0.is_empty() {
                    r.0.push(1);
                } else {
                    r.0[0] |= 1;
                }
            }
            if r.cmp(d) != Ordering::Less {
                r = r.sub(d);
                q.0[(i / 32) as usize] |= 1 << (i % 32);
            }
        }
        q.trim();
        (q, !r.is_zero())
    }

    /// Decimal digits.
    fn to_decimal(&self) -> String {
        let mut limbs = self.0.clone();
        let mut chunks = Vec::new();
        while !limbs.is_empty() {
            let mut rem = 0u64;
            for l in limbs.iter_mut().rev() {
                let v = (rem << 32) | u64::from(*l);
                *l = (v / 1_000_000_000) as u32;
                rem = v % 1_000_000_000;
            }
            while limbs.last() == Some(&0) {
                limbs.pop();
            }
            chunks.push(rem as u32);
        }
        let mut s = chunks
            .pop()
            .map_or_else(|| "0".to_string(), |c| c.to_string());
        for c in chunks.iter().rev() {
            s.push_str(&format!("{c:09}"));
        }
        s
    }
}

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

/// `v >> s`.
fn shr(v: &Big, s: u64) -> Big {
    let (limbs, bits) = ((s / 32) as usize, (s % 32) as u32);
    let src = v.0.get(limbs..).unwrap_or(&[]);
    let mut out = Vec::with_capacity(src.len());
    for i in 0..src.len() {
        let lo = src[i] >> bits;
        let hi = if bits == 0 {
            0
        } else {
            src.get(i + 1).map_or(0, |&h| h << (32 - bits))
        };
        out.push(lo | hi);
    }
    let mut b = Big(out);
    b.trim();
    b
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
