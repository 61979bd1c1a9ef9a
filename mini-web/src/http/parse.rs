//! The request-head parser: request line and header fields, straight from
//! the connection's read buffer, without copying (RFC 9112 §2–§5).
//!
//! Mirrors `httparse::Request::parse`: the caller owns the buffer and a
//! reusable vector of [`HeaderSpan`]s; the parser returns `Ok(None)` while the
//! head is incomplete and the parsed [`RequestHead`] once the blank line has
//! arrived. Nothing is allocated per request; names and values are byte ranges
//! into the buffer.
//!
//! Strictness is deliberate. Where RFC 9112 lets a recipient choose between
//! tolerating and rejecting (bare LF, obs-fold, whitespace before the colon),
//! we reject: every tolerance is a place where a proxy in front of us may read
//! the same bytes differently, which is how request smuggling starts.
//!
//! Speed: the two long scans (the target and field values) test eight bytes
//! at a time with SWAR (plain `u64` arithmetic, no `unsafe`, no SIMD
//! intrinsics); short tokens use a 256-entry lookup table.

use super::error::ParseError;
use super::limits::Limits;
use super::method::{Method, Version};

/// A byte range `start..end` into the buffer the head was parsed from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Span {
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl Span {
    fn new(start: usize, end: usize) -> Span {
        // Heads are bounded by `Limits::max_head_bytes`, far below u32::MAX.
        Span {
            start: start as u32,
            end: end as u32,
        }
    }

    /// The bytes this span covers in `buf`.
    pub fn of<'b>(&self, buf: &'b [u8]) -> &'b [u8] {
        buf.get(self.start as usize..self.end as usize)
            .unwrap_or_default()
    }
}

/// One header field: name and value (without surrounding whitespace) as spans.
/// Mirrors `httparse::Header`, with ranges in place of borrowed slices so the
/// buffer can later be frozen into shared `Bytes`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HeaderSpan {
    /// The field name, as sent (compare case-insensitively).
    pub name: Span,
    /// The field value, leading and trailing whitespace removed.
    pub value: Span,
}

/// A parsed request line plus where the head ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestHead {
    /// The method.
    pub method: Method,
    /// The raw method token (differs from `method.as_str()` only for extension methods).
    pub method_span: Span,
    /// The request target, e.g. `/search?q=x` (origin form) or `*`.
    pub target: Span,
    /// HTTP/1.0 or HTTP/1.1.
    pub version: Version,
    /// Bytes consumed: any leading empty lines, the request line, the fields and the blank line.
    pub len: usize,
}

/// `tchar` of RFC 9110 §5.6.2: the bytes allowed in methods and field names.
static TOKEN: [bool; 256] = {
    let mut t = [false; 256];
    let extra = b"!#$%&'*+-.^_`|~";
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        t[i] = c.is_ascii_alphanumeric();
        i += 1;
    }
    let mut j = 0;
    while j < extra.len() {
        t[extra[j] as usize] = true;
        j += 1;
    }
    t
};

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// Non-zero if some byte of `x` (all below 0x80) is below `n` (`n` <= 0x80).
#[inline(always)]
fn has_less(x: u64, n: u8) -> u64 {
    x.wrapping_sub(ONES * n as u64) & !x & HIGH
}

/// Non-zero if some byte of `x` equals `b`.
#[inline(always)]
fn has_byte(x: u64, b: u8) -> u64 {
    let y = x ^ (ONES * b as u64);
    y.wrapping_sub(ONES) & !y & HIGH
}

fn load(buf: &[u8], i: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&buf[i..i + 8]);
    u64::from_le_bytes(w)
}

/// Index of the first byte at or after `i` that is not allowed in a request
/// target (visible ASCII `0x21..=0x7E`).
#[inline]
fn scan_target(buf: &[u8], mut i: usize) -> usize {
    while i + 8 <= buf.len() {
        let x = load(buf, i);
        if (x & HIGH) | has_less(x, 0x21) | has_byte(x, 0x7f) != 0 {
            break;
        }
        i += 8;
    }
    while i < buf.len() && (0x21..0x7f).contains(&buf[i]) {
        i += 1;
    }
    i
}

/// Index of the first byte at or after `i` that may end a field value: a
/// control character (HTAB included, re-checked by the caller) or DEL.
/// Bytes `>= 0x80` (obs-text) are allowed in values.
#[inline]
fn scan_value(buf: &[u8], mut i: usize) -> usize {
    while i + 8 <= buf.len() {
        let x = load(buf, i);
        // Bytes >= 0x80 never trigger has_less (their high bit is masked by !x),
        // so obs-text passes the fast path.
        if has_less(x, 0x20) | has_byte(x, 0x7f) != 0 {
            break;
        }
        i += 8;
    }
    while i < buf.len() && (buf[i] >= 0x20 && buf[i] != 0x7f || buf[i] == b'\t') {
        i += 1;
    }
    i
}

/// Parses one request head from the start of `buf`.
///
/// Returns `Ok(None)` when more bytes are needed, `Ok(Some(head))` with the
/// header fields written into `headers` (cleared first), or the reason the
/// request must be refused. Limits are enforced even on an incomplete head,
/// so a client cannot make the buffer grow without bound.
pub fn parse_head(
    buf: &[u8],
    limits: &Limits,
    headers: &mut Vec<HeaderSpan>,
) -> Result<Option<RequestHead>, ParseError> {
    headers.clear();
    match parse_inner(buf, limits, headers) {
        Ok(Some(head)) => Ok(Some(head)),
        Ok(None) if buf.len() > limits.max_head_bytes => Err(ParseError::HeadTooLarge),
        other => other,
    }
}

fn parse_inner(
    buf: &[u8],
    limits: &Limits,
    headers: &mut Vec<HeaderSpan>,
) -> Result<Option<RequestHead>, ParseError> {
    // RFC 9112 §2.2: a server SHOULD ignore at least one empty line before
    // the request line (clients sometimes send CRLF after a POST body).
    let mut i = 0;
    while buf.len() >= i + 2 && buf[i] == b'\r' && buf[i + 1] == b'\n' && i < 8 {
        i += 2;
    }
    if buf.len() == i + 1 && buf[i] == b'\r' {
        return Ok(None); // perhaps the first half of one more empty line
    }
    let line_start = i;
    let too_long = |at: usize| at - line_start > limits.max_request_line;

    // method SP
    let method_start = i;
    while i < buf.len() && TOKEN[buf[i] as usize] {
        i += 1;
    }
    if i == buf.len() {
        return if too_long(i) {
            Err(ParseError::RequestLineTooLong)
        } else {
            Ok(None)
        };
    }
    if i == method_start || buf[i] != b' ' {
        return Err(ParseError::InvalidMethod);
    }
    let method_span = Span::new(method_start, i);
    let method = Method::from_bytes(&buf[method_start..i]);
    i += 1;

    // request-target SP
    let target_start = i;
    i = scan_target(buf, i);
    if i == buf.len() {
        return if too_long(i) {
            Err(ParseError::RequestLineTooLong)
        } else {
            Ok(None)
        };
    }
    if i == target_start || buf[i] != b' ' {
        return Err(if too_long(i) {
            ParseError::RequestLineTooLong
        } else {
            ParseError::InvalidTarget
        });
    }
    let target = Span::new(target_start, i);
    i += 1;

    // HTTP-version CRLF: exactly "HTTP/" DIGIT "." DIGIT (RFC 9112 §2.3).
    if buf.len() < i + 10 {
        let have = &buf[i..];
        let want = b"HTTP/1.1\r\n";
        // Reject early when what we have cannot become a version.
        let plausible = have
            .iter()
            .zip(want)
            .enumerate()
            .all(|(k, (&h, &w))| match k {
                5 | 7 => h.is_ascii_digit(),
                _ => h == w,
            });
        return if !plausible {
            Err(ParseError::InvalidVersion)
        } else if too_long(buf.len()) {
            Err(ParseError::RequestLineTooLong)
        } else {
            Ok(None)
        };
    }
    let v = &buf[i..i + 10];
    if &v[..5] != b"HTTP/" || !v[5].is_ascii_digit() || v[6] != b'.' || !v[7].is_ascii_digit() {
        return Err(ParseError::InvalidVersion);
    }
    if v[8] != b'\r' || v[9] != b'\n' {
        return Err(if v[8] == b'\n' {
            ParseError::BareCrLf
        } else {
            ParseError::InvalidVersion
        });
    }
    let version = match (v[5], v[7]) {
        (b'1', b'1') => Version::Http11,
        (b'1', b'0') => Version::Http10,
        _ => return Err(ParseError::UnsupportedVersion),
    };
    i += 10;
    if too_long(i) {
        return Err(ParseError::RequestLineTooLong);
    }

    // *( field-line CRLF ) CRLF
    loop {
        if i + 2 > buf.len() {
            return match buf.get(i) {
                Some(b' ' | b'\t') => Err(ParseError::ObsFold),
                Some(b'\n') => Err(ParseError::BareCrLf),
                _ => Ok(None),
            };
        }
        match buf[i] {
            b'\r' => {
                if buf[i + 1] != b'\n' {
                    return Err(ParseError::BareCrLf);
                }
                return Ok(Some(RequestHead {
                    method,
                    method_span,
                    target,
                    version,
                    len: i + 2,
                }));
            }
            b'\n' => return Err(ParseError::BareCrLf),
            b' ' | b'\t' => return Err(ParseError::ObsFold),
            _ => {}
        }

        // field-name ":"
        let name_start = i;
        while i < buf.len() && TOKEN[buf[i] as usize] {
            i += 1;
        }
        if i == buf.len() {
            return Ok(None);
        }
        match buf[i] {
            b':' if i > name_start => {}
            b' ' | b'\t' if i > name_start => return Err(ParseError::WhitespaceBeforeColon),
            _ => return Err(ParseError::InvalidHeaderName),
        }
        let name = Span::new(name_start, i);
        i += 1;

        // OWS field-value OWS CRLF
        while i < buf.len() && (buf[i] == b' ' || buf[i] == b'\t') {
            i += 1;
        }
        let value_start = i;
        i = scan_value(buf, i);
        if i == buf.len() {
            return Ok(None);
        }
        match buf[i] {
            b'\r' => match buf.get(i + 1) {
                None => return Ok(None),
                Some(b'\n') => {}
                Some(_) => return Err(ParseError::BareCrLf),
            },
            b'\n' => return Err(ParseError::BareCrLf),
            _ => return Err(ParseError::InvalidHeaderValue),
        }
        let mut value_end = i;
        while value_end > value_start && (buf[value_end - 1] == b' ' || buf[value_end - 1] == b'\t')
        {
            value_end -= 1;
        }
        if headers.len() == limits.max_headers {
            return Err(ParseError::TooManyHeaders);
        }
        headers.push(HeaderSpan {
            name,
            value: Span::new(value_start, value_end),
        });
        i += 2;
        if i > limits.max_head_bytes {
            return Err(ParseError::HeadTooLarge);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(buf: &[u8]) -> Result<Option<(RequestHead, Vec<HeaderSpan>)>, ParseError> {
        let mut h = Vec::new();
        parse_head(buf, &Limits::default(), &mut h).map(|o| o.map(|head| (head, h)))
    }

    #[test]
    fn simple_get() {
        let buf = b"GET /a?b=c HTTP/1.1\r\nHost: x\r\nAccept:  */* \r\n\r\nrest";
        let (head, h) = parse(buf).unwrap().unwrap();
        assert_eq!(head.method, Method::Get);
        assert_eq!(head.target.of(buf), b"/a?b=c");
        assert_eq!(head.len, buf.len() - 4);
        assert_eq!(h.len(), 2);
        assert_eq!(h[1].name.of(buf), b"Accept");
        assert_eq!(h[1].value.of(buf), b"*/*");
    }

    #[test]
    fn every_prefix_is_incomplete() {
        let buf = b"POST /x HTTP/1.0\r\nA: b\r\n\r\n";
        for n in 0..buf.len() {
            assert_eq!(parse(&buf[..n]), Ok(None), "prefix {n}");
        }
    }

    #[test]
    fn swar_helpers() {
        let x = u64::from_le_bytes(*b"abcdefg\x7f");
        assert_ne!(has_byte(x, 0x7f), 0);
        assert_eq!(has_less(x, 0x20), 0);
        let y = u64::from_le_bytes(*b"abc\tefgh");
        assert_ne!(has_less(y, 0x20), 0);
        assert_eq!(scan_value(b"abcdefghijklmnop\r\n", 0), 16);
        assert_eq!(scan_value(b"ab\tcd\xffefghijklmnop\x00", 0), 18);
        assert_eq!(scan_target(b"/abcdefghij\xc3kl", 0), 11);
    }
}
