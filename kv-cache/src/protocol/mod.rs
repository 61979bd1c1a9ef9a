//! RESP, the Redis serialization protocol: requests in, replies out.
//!
//! Redis reads requests in `src/networking.c` (`processMultibulkBuffer`,
//! `processInlineBuffer`) and writes replies with the `addReply*` family.
//! This module mirrors that split:
//!
//! - [`request`]: the incremental request parser (multibulk and inline),
//!   which hands out arguments as slices of the connection's read buffer.
//! - [`bigarg`]: a big bulk argument read into a buffer of its own and
//!   adopted as the argument without a copy.
//! - [`inline`]: splitting an inline request line, quotes and escapes.
//! - [`reply`]: the encoder, which writes RESP2 or RESP3 replies straight
//!   into the connection's output buffer.
//! - [`value`]: a complete RESP3 value type with a parser and an encoder, used
//!   by clients of kv-cache (the tests, the benchmarks) to read replies.
//!
//! Limits are Redis's, with Redis's error texts (clients and users see them).

pub mod bigarg;
pub mod inline;
pub mod reply;
pub mod request;
pub mod value;

pub use reply::Reply;
pub use request::{Argv, OwnedArgv, RequestParser};
pub use value::Value;

/// Longest inline request, and longest `*<count>` / `$<len>` header line
/// waiting for its newline. Redis: `PROTO_INLINE_MAX_SIZE` (64 KB).
pub const PROTO_INLINE_MAX_SIZE: usize = 64 * 1024;

/// Default for the largest bulk argument. Redis: `proto-max-bulk-len`, 512 MB.
pub const DEFAULT_PROTO_MAX_BULK_LEN: usize = 512 * 1024 * 1024;

/// A request that breaks the protocol. The connection is answered with the
/// error text and then closed, as Redis does (`CLIENT_CLOSE_AFTER_REPLY`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    /// `*<count>` is not an integer or is larger than Redis's `INT_MAX`.
    #[error("Protocol error: invalid multibulk length")]
    InvalidMultibulkLength,
    /// `$<len>` is not an integer, is negative, or exceeds `proto-max-bulk-len`.
    #[error("Protocol error: invalid bulk length")]
    InvalidBulkLength,
    /// An argument of a multibulk request does not start with `$`.
    #[error("Protocol error: expected '$', got '{0}'")]
    ExpectedDollar(char),
    /// More than [`PROTO_INLINE_MAX_SIZE`] bytes without a newline, inline.
    #[error("Protocol error: too big inline request")]
    TooBigInline,
    /// A `*<count>` header longer than [`PROTO_INLINE_MAX_SIZE`].
    #[error("Protocol error: too big mbulk count string")]
    TooBigMbulkCount,
    /// A `$<len>` header longer than [`PROTO_INLINE_MAX_SIZE`].
    #[error("Protocol error: too big bulk count string")]
    TooBigBulkCount,
    /// An inline request with a quote that is never closed.
    #[error("Protocol error: unbalanced quotes in request")]
    UnbalancedQuotes,
    /// Before `AUTH`, a `*<count>` over [`UNAUTH_MAX_MULTIBULK`].
    #[error("Protocol error: unauthenticated multibulk length")]
    UnauthenticatedMultibulkLength,
    /// Before `AUTH`, a `$<len>` over [`UNAUTH_MAX_BULK`].
    #[error("Protocol error: unauthenticated bulk length")]
    UnauthenticatedBulkLength,
}

/// Largest argument count a client that must still authenticate may
/// announce (Redis 7.0: 1024 * 1024), so an unknown client cannot make the
/// server reserve for a huge request before it has even logged in.
pub const UNAUTH_MAX_MULTIBULK: i64 = 1024 * 1024;

/// Largest bulk a client that must still authenticate may announce
/// (Redis 7.0: 16384 bytes).
pub const UNAUTH_MAX_BULK: i64 = 16384;

/// Parses a decimal `i64` exactly as Redis's `string2ll`: an optional `-`, no
/// `+`, no leading zeros, no spaces, no overflow.
pub fn parse_i64(s: &[u8]) -> Option<i64> {
    let (neg, digits) = match s {
        [] => return None,
        [b'0'] => return Some(0),
        [b'-', rest @ ..] => (true, rest),
        _ => (false, s),
    };
    match digits.first() {
        Some(b'1'..=b'9') => {}
        _ => return None,
    }
    if digits.len() > 19 {
        return None;
    }
    // Accumulate as a negative number so that i64::MIN fits.
    let mut v: i64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_sub((c - b'0') as i64)?;
    }
    if neg { Some(v) } else { v.checked_neg() }
}

#[cfg(test)]
mod tests {
    use super::parse_i64;

    #[test]
    fn parse_i64_is_as_strict_as_string2ll() {
        assert_eq!(parse_i64(b"0"), Some(0));
        assert_eq!(parse_i64(b"-12"), Some(-12));
        assert_eq!(parse_i64(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_i64(b"-9223372036854775808"), Some(i64::MIN));
        for bad in [
            &b""[..],
            b"-",
            b"+1",
            b"01",
            b"-0",
            b" 1",
            b"1 ",
            b"9223372036854775808",
            b"1a",
        ] {
            assert_eq!(parse_i64(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }
}
