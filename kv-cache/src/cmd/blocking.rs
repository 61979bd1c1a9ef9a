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
use super::numeric::ld::{self, Ld, Parsed, Range};
use crate::protocol::{Argv, OwnedArgv};
use crate::state::blocked::BlockedClient;
pub use crate::state::blocked::OnTimeout;
use crate::state::{S_BLOCKED, S_IN_EXEC, S_RETRY};

/// Redis's error for a timeout that is not a number.
const NOT_A_FLOAT: &str = "ERR timeout is not a float or out of range";
/// Redis's error for a timeout below zero (or too large for `long long`).
const NEGATIVE: &str = "ERR timeout is negative";

/// Parses a blocking timeout in seconds (fractions allowed, `0` = forever)
/// into a deadline in Unix ms; replies Redis's error and returns `None`
/// when it is not a number or negative.
///
/// Redis reads it as a `long double` (`strtold`: decimal or hex, `inf`),
/// rounds `seconds * 1000` *up* to whole milliseconds, and converts to a
/// 64-bit integer; what does not fit turns negative on x86, hence
/// `BLPOP k inf` → "timeout is negative". The same arithmetic runs here, in
/// [`ld`].
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

/// The timeout in whole milliseconds (0 = forever), or Redis's error text:
/// `(long long) ceill(seconds * 1000.0)` in x87 `long double`, as Redis's
/// `getTimeoutFromObjectOrReply` computes it, then refused if negative.
fn timeout_ms(arg: &[u8]) -> Result<i64, &'static str> {
    let secs = match ld::parse(arg) {
        Parsed::Num(v) => v,
        // ±inf · 1000 converts to LLONG_MIN on x86.
        Parsed::Inf => return Err(NEGATIVE),
        Parsed::Invalid => return Err(NOT_A_FLOAT),
    };
    // What overflows is infinite, and converts as an infinity does; what
    // underflows is a positive zero.
    let ms = match secs.mul(Ld::from_u64(1000)) {
        Ok(ms) => ms.ceil_to_i64(),
        Err(Range::Overflow) => None,
        Err(Range::Underflow) => Some(0),
    };
    match ms {
        Some(ms) if ms >= 0 => Ok(ms),
        _ => Err(NEGATIVE),
    }
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
