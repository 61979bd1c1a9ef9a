//! What blocking commands (`BLPOP`, `BZPOPMIN`, `BLMOVE`...) share: the
//! timeout argument, and parking the client on keys. Redis: `src/blocked.c`
//! (`blockForKeys`) and `getTimeoutFromObjectOrReply` in `src/timeout.c`.
//!
//! A blocking handler is written as a plain command that may park:
//!
//! ```text
//! if a key has data      → serve it and reply
//! else if !can_block()   → reply the timeout null (inside MULTI/EXEC)
//! else                   → ctx.block(argv, keys, deadline, on_timeout)
//! ```
//!
//! When one of the keys is created the whole command runs again with
//! [`Ctx::is_retry`] true; it replies, or calls `block` again and keeps its
//! place in line. The registry is [`crate::state::blocked`], the serving
//! loop [`crate::exec::wake`].

use super::Ctx;
use crate::protocol::{Argv, OwnedArgv};
use crate::state::blocked::BlockedClient;
pub use crate::state::blocked::OnTimeout;
use crate::state::{S_BLOCKED, S_IN_EXEC, S_RETRY};

const NOT_A_FLOAT: &str = "ERR timeout is not a float or out of range";

/// Parses a blocking timeout in seconds (fractions allowed, `0` = forever)
/// into a deadline in Unix ms; replies Redis's error and returns `None`
/// when it is not a number or negative.
///
/// Redis reads it as a `long double` (`strtold`: decimal or hex, `inf`),
/// rounds `seconds * 1000` *up* to whole milliseconds, and converts to a
/// 64-bit integer; what does not fit turns negative on x86, hence
/// `BLPOP k inf` → "timeout is negative".
pub fn parse_timeout(ctx: &mut Ctx<'_>, arg: &[u8]) -> Option<Option<i64>> {
    let ms = match timeout_ms(arg) {
        Ok(ms) => ms,
        Err(e) => {
            ctx.out.error(e);
            return None;
        }
    };
    if ms == 0 {
        return Some(None);
    }
    // A deadline past i64 never comes: wait forever (Redis's sum wraps
    // and its unsigned timeout table never reaches it either).
    Some(ctx.srv.ks.now_ms.checked_add(ms))
}

/// The timeout in whole milliseconds (0 = forever), or Redis's error text.
fn timeout_ms(arg: &[u8]) -> Result<i64, &'static str> {
    if let Some(exact) = plain_decimal_ms(arg) {
        return exact;
    }
    let secs = parse_long_double(arg).ok_or(NOT_A_FLOAT)?;
    let ms = (secs * 1000.0).ceil();
    // i64::MAX as f64 rounds up to 2^63, which does not fit either.
    if !(ms >= 0.0 && ms < i64::MAX as f64) {
        return Err("ERR timeout is negative");
    }
    Ok(ms as i64)
}

/// `ceil(seconds * 1000)` computed exactly for a plain decimal
/// (`[+-]digits[.digits]`, the usual form), where `f64` would round near
/// 2^63 ms; `None` for anything else (exponents, hex, words) or a number
/// too long for this shortcut.
fn plain_decimal_ms(arg: &[u8]) -> Option<Result<i64, &'static str>> {
    let (negative, digits) = match arg.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, arg),
    };
    let (int, frac) = match digits.iter().position(|&b| b == b'.') {
        Some(i) => (&digits[..i], &digits[i + 1..]),
        None => (digits, &b""[..]),
    };
    let all_digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    if (int.is_empty() && frac.is_empty()) || !all_digits(int) || !all_digits(frac) {
        return None;
    }
    let int = &int[int.iter().take_while(|&&b| b == b'0').count()..];
    if int.len() > 30 {
        return None;
    }
    let digit = |b: u8| i128::from(b - b'0');
    let mut ms = int.iter().fold(0i128, |acc, &b| acc * 10 + digit(b));
    for i in 0..3 {
        ms = ms * 10 + frac.get(i).map_or(0, |&b| digit(b));
    }
    let rest = frac.iter().skip(3).any(|&b| b != b'0');
    let ms = if negative {
        // ceil(-(ms + r)) with 0 <= r < 1 is -ms.
        -ms
    } else {
        ms + i128::from(rest)
    };
    Some(match i64::try_from(ms) {
        Ok(n) if n >= 0 => Ok(n),
        _ => Err("ERR timeout is negative"),
    })
}

/// `strtold` as Redis's `string2ld` uses it, approximated in `f64`: the
/// whole string must be a decimal or hexadecimal float or an infinity; no
/// spaces, no NaN. Where `f64` overflows or underflows but an x87 `long
/// double` would not, the result is still classified as Redis would:
/// huge values are infinite (→ negative timeout) up to `long double`'s own
/// range (~1e4932, beyond which `strtold` fails), and tiny positive ones
/// are kept tiny so that they round up to 1 ms.
fn parse_long_double(arg: &[u8]) -> Option<f64> {
    const MAX_LONG_DOUBLE_CHARS: usize = 5 * 1024;
    if arg.is_empty() || arg.len() > MAX_LONG_DOUBLE_CHARS {
        return None;
    }
    let text = std::str::from_utf8(arg).ok()?;
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    let negative = text.starts_with('-');
    let v = if unsigned.starts_with("0x") || unsigned.starts_with("0X") {
        let v = parse_hex_float(&unsigned[2..])?;
        if negative { -v } else { v }
    } else {
        let v: f64 = text.parse().ok()?;
        if v.is_nan() {
            return None;
        }
        let literal_inf =
            unsigned.eq_ignore_ascii_case("inf") || unsigned.eq_ignore_ascii_case("infinity");
        if (v.is_infinite() && !literal_inf) || (v == 0.0 && has_nonzero_digit(unsigned)) {
            // Out of f64's range: where would a long double be?
            let exp = decimal_exponent(unsigned)?;
            if !(-4950..=4932).contains(&exp) {
                return None; // ERANGE for strtold too
            }
            if v == 0.0 {
                return Some(if negative {
                    -f64::MIN_POSITIVE
                } else {
                    f64::MIN_POSITIVE
                });
            }
        }
        v
    };
    Some(v)
}

/// Whether a decimal mantissa has a non-zero digit (before any exponent).
fn has_nonzero_digit(s: &str) -> bool {
    s.bytes()
        .take_while(|b| !matches!(b, b'e' | b'E'))
        .any(|b| (b'1'..=b'9').contains(&b))
}

/// The power of ten of the first significant digit of a decimal number
/// (`123.4e5` → 7, `0.001` → -3), for range checks only.
fn decimal_exponent(s: &str) -> Option<i64> {
    let (mantissa, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], s[i + 1..].parse::<i64>().ok()?),
        None => (s, 0),
    };
    let point = mantissa.find('.').unwrap_or(mantissa.len());
    let first = mantissa.bytes().position(|b| (b'1'..=b'9').contains(&b))?;
    let pos = if first < point {
        (point - first - 1) as i64
    } else {
        -((first - point) as i64)
    };
    Some(pos.saturating_add(exp))
}

/// The part of a C hex float after `0x`: hex digits with an optional
/// point, then an optional binary exponent `p[+-]digits`.
fn parse_hex_float(s: &str) -> Option<f64> {
    let (mantissa, exp) = match s.find(['p', 'P']) {
        Some(i) => (&s[..i], s[i + 1..].parse::<i32>().ok()?),
        None => (s, 0),
    };
    let (int_part, frac_part) = match mantissa.split_once('.') {
        Some((a, b)) => (a, b),
        None => (mantissa, ""),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let mut v = 0.0f64;
    for c in int_part.chars() {
        v = v * 16.0 + f64::from(c.to_digit(16)?);
    }
    let mut scale = 1.0 / 16.0;
    for c in frac_part.chars() {
        v += f64::from(c.to_digit(16)?) * scale;
        scale /= 16.0;
    }
    Some(v * 2f64.powi(exp))
}

impl Ctx<'_> {
    /// Whether the current command may block: false inside `MULTI`/`EXEC`,
    /// where blocking commands behave as if their timeout passed at once
    /// (Redis `CLIENT_DENY_BLOCKING`).
    pub fn can_block(&self) -> bool {
        self.client.flags & S_IN_EXEC == 0
    }

    /// Parks the client on `keys` until one of them is pushed to or
    /// `deadline` (Unix ms; `None` = forever) passes. The command is run
    /// again, whole, when a key becomes ready; when the deadline passes the
    /// client gets `on_timeout`. Replies nothing now. The client reads no
    /// more of its input until it is unblocked.
    ///
    /// Called during a retry, the client simply stays blocked where it was
    /// (same place in every queue, same deadline).
    pub fn block(
        &mut self,
        argv: &Argv<'_>,
        keys: &[&[u8]],
        deadline: Option<i64>,
        on_timeout: OnTimeout,
    ) {
        if self.client.flags & S_RETRY != 0 {
            self.client.flags |= S_BLOCKED;
            return;
        }
        if !self.can_block() {
            // A handler should have checked; never leave a client hanging.
            return match on_timeout {
                OnTimeout::NullArray => self.out.null_array(),
                OnTimeout::NullBulk => self.out.null(),
            };
        }
        let rec = BlockedClient {
            db: self.client.db,
            keys: keys.iter().map(|k| k.to_vec()).collect(),
            deadline,
            on_timeout,
            argv: OwnedArgv::new(argv),
        };
        self.srv.block_client(self.client.id, rec);
        self.client.flags |= S_BLOCKED;
    }

    /// Whether this run is a blocked command being retried because a key
    /// it waits on became ready. A retry that finds a key of the wrong type
    /// keeps waiting instead of replying `WRONGTYPE` (Redis 7.0 serves
    /// blocked clients only from keys of the type they wait for).
    pub fn is_retry(&self) -> bool {
        self.client.flags & S_RETRY != 0
    }
}

#[cfg(test)]
mod tests {
    use super::timeout_ms;

    const NEG: Result<i64, &str> = Err("ERR timeout is negative");
    const NAF: Result<i64, &str> = Err(super::NOT_A_FLOAT);

    #[test]
    fn timeouts_parse_as_redis_7_0_does() {
        // Observed against redis-server 7.0.15.
        let cases: &[(&str, Result<i64, &str>)] = &[
            ("0", Ok(0)),
            ("1", Ok(1000)),
            ("0.1", Ok(100)),
            ("1.5e-3", Ok(2)),
            ("0.0009", Ok(1)),
            ("-0.0009", Ok(0)),
            ("-0", Ok(0)),
            (".5", Ok(500)),
            ("5.", Ok(5000)),
            ("+1", Ok(1000)),
            ("00.5", Ok(500)),
            ("0x10", Ok(16000)),
            ("0X.8", Ok(500)),
            ("0x1p-20", Ok(1)),
            ("1e-400", Ok(1)),
            ("9223372036854775", Ok(9_223_372_036_854_775_000)),
            ("9223372036854775.807", Ok(9_223_372_036_854_775_807)),
            ("0.0001", Ok(1)),
            ("-0.5", NEG),
            ("-1", NEG),
            ("inf", NEG),
            ("INF", NEG),
            ("-inf", NEG),
            ("infinity", NEG),
            ("1e300", NEG),
            ("9223372036854776", NEG),
            ("9223372036854775807", NEG),
            ("", NAF),
            (" 1", NAF),
            ("1 ", NAF),
            ("abc", NAF),
            ("nan", NAF),
            ("-nan", NAF),
            ("0x", NAF),
            ("1e", NAF),
            ("1,5", NAF),
            ("1e5000", NAF),
        ];
        for (text, want) in cases {
            assert_eq!(timeout_ms(text.as_bytes()), *want, "{text:?}");
        }
    }
}
