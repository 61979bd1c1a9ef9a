//! Message framing and connection semantics from the header fields
//! (RFC 9112 §6 and §9): how long the body is, whether the connection stays
//! open, whether the client waits for `100 Continue`.
//!
//! This is where request smuggling is decided. A front proxy and this server
//! must agree on where a request ends; every rule below removes one way for
//! them to disagree (see the notes chapter "Smuggling rules").

use super::error::ParseError;
use super::host::valid_host;
use super::method::Version;
use super::parse::{HeaderSpan, RequestHead};

/// How the body of a request is delimited (RFC 9112 §6.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyKind {
    /// No body: neither `Content-Length` nor `Transfer-Encoding`.
    Empty,
    /// Exactly this many bytes follow the head.
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
}

/// What the header fields say about framing and the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Framing {
    /// How the body is delimited.
    pub body: BodyKind,
    /// Whether the connection may carry another request after this one.
    pub keep_alive: bool,
    /// `Expect: 100-continue` was sent: answer `100 Continue` before reading the body.
    pub expect_continue: bool,
}

/// ASCII case-insensitive equality of a field name with a lowercase literal.
pub fn name_is(name: &[u8], lower: &[u8]) -> bool {
    name.len() == lower.len()
        && name
            .iter()
            .zip(lower)
            .all(|(a, b)| a.to_ascii_lowercase() == *b)
}

/// Splits a field value on commas into trimmed, non-empty list members (RFC 9110 §5.6.1).
fn list_members(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    value
        .split(|&b| b == b',')
        .map(|m| m.trim_ascii())
        .filter(|m| !m.is_empty())
}

/// Parses a `Content-Length` value: 1*DIGIT, no sign, no overflow. A list of
/// identical values (`5, 5`) is accepted as RFC 9110 §8.6 allows.
fn content_length(value: &[u8]) -> Result<u64, ParseError> {
    let mut found = None;
    for member in value.split(|&b| b == b',').map(<[u8]>::trim_ascii) {
        if member.is_empty() || !member.iter().all(u8::is_ascii_digit) {
            return Err(ParseError::InvalidContentLength);
        }
        let n = member.iter().try_fold(0u64, |acc, &d| {
            acc.checked_mul(10)?.checked_add(u64::from(d - b'0'))
        });
        let n = n.ok_or(ParseError::InvalidContentLength)?;
        if found.is_some_and(|f| f != n) {
            return Err(ParseError::InvalidContentLength);
        }
        found = Some(n);
    }
    found.ok_or(ParseError::InvalidContentLength)
}

impl Framing {
    /// Applies RFC 9112's framing rules to a parsed head.
    pub fn of(
        head: &RequestHead,
        headers: &[HeaderSpan],
        buf: &[u8],
    ) -> Result<Framing, ParseError> {
        let mut length: Option<u64> = None;
        let mut te_seen = false;
        let mut chunked_last = false;
        let mut hosts = 0usize;
        let mut close = false;
        let mut keep_alive_token = false;
        let mut expect_continue = false;

        for h in headers {
            let name = h.name.of(buf);
            let value = h.value.of(buf);
            // Dispatch on length first: the common fields differ in length.
            match name.len() {
                4 if name_is(name, b"host") => {
                    if !valid_host(value) {
                        return Err(ParseError::InvalidHost);
                    }
                    hosts += 1;
                }
                6 if name_is(name, b"expect") => {
                    if value.eq_ignore_ascii_case(b"100-continue") {
                        expect_continue = true;
                    } else {
                        return Err(ParseError::UnsupportedExpectation);
                    }
                }
                10 if name_is(name, b"connection") => {
                    for token in list_members(value) {
                        if token.eq_ignore_ascii_case(b"close") {
                            close = true;
                        } else if token.eq_ignore_ascii_case(b"keep-alive") {
                            keep_alive_token = true;
                        }
                    }
                }
                14 if name_is(name, b"content-length") => {
                    let n = content_length(value)?;
                    // Several Content-Length fields must all agree.
                    if length.is_some_and(|l| l != n) {
                        return Err(ParseError::InvalidContentLength);
                    }
                    length = Some(n);
                }
                17 if name_is(name, b"transfer-encoding") => {
                    te_seen = true;
                    for coding in list_members(value) {
                        if chunked_last {
                            // `chunked` must be applied once and last (RFC 9112 §6.1).
                            return Err(ParseError::TransferEncodingNotChunked);
                        }
                        chunked_last = coding.eq_ignore_ascii_case(b"chunked");
                        if !chunked_last
                            && !coding
                                .iter()
                                .all(|&b| b.is_ascii_alphanumeric() || b == b'-')
                        {
                            return Err(ParseError::TransferEncodingNotChunked);
                        }
                    }
                }
                _ => {}
            }
        }

        if hosts > 1 {
            return Err(ParseError::DuplicateHost);
        }
        if hosts == 0 && head.version == Version::Http11 {
            return Err(ParseError::MissingHost);
        }

        // ANCHOR: body_rules
        let body = if te_seen {
            if head.version == Version::Http10 {
                return Err(ParseError::TransferEncodingOnHttp10);
            }
            if length.is_some() {
                // RFC 9112 §6.1 allows "use TE, then close"; refusing outright
                // is simpler and leaves no state where the two readings differ.
                return Err(ParseError::ContentLengthAndTransferEncoding);
            }
            if !chunked_last {
                return Err(ParseError::TransferEncodingNotChunked);
            }
            if Self::has_other_coding(headers, buf) {
                return Err(ParseError::UnsupportedTransferCoding);
            }
            BodyKind::Chunked
        } else {
            match length {
                None | Some(0) => BodyKind::Empty,
                Some(n) => BodyKind::Length(n),
            }
        };
        // ANCHOR_END: body_rules

        let keep_alive = match head.version {
            Version::Http11 => !close,
            Version::Http10 => keep_alive_token && !close,
        };
        Ok(Framing {
            body,
            keep_alive,
            expect_continue: expect_continue
                && body != BodyKind::Empty
                // RFC 9110 §10.1.1: ignore the expectation from an HTTP/1.0 client.
                && head.version == Version::Http11,
        })
    }

    /// Whether any `Transfer-Encoding` member other than `chunked` was sent.
    fn has_other_coding(headers: &[HeaderSpan], buf: &[u8]) -> bool {
        headers
            .iter()
            .filter(|h| name_is(h.name.of(buf), b"transfer-encoding"))
            .flat_map(|h| list_members(h.value.of(buf)))
            .any(|c| !c.eq_ignore_ascii_case(b"chunked"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framing(raw: &[u8]) -> Result<Framing, ParseError> {
        let mut spans = Vec::new();
        let head = crate::http::parse_head(raw, &crate::http::Limits::default(), &mut spans)?
            .ok_or(ParseError::InvalidVersion)?;
        Framing::of(&head, &spans, raw)
    }

    #[test]
    fn keep_alive_and_expectations_by_version() {
        let f = framing(
            b"POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n",
        )
        .unwrap();
        assert!(f.expect_continue && f.keep_alive);
        assert_eq!(f.body, BodyKind::Length(3));
        let f = framing(b"POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n")
            .unwrap();
        assert!(
            !f.expect_continue && !f.keep_alive,
            "HTTP/1.0: no 100 Continue, close by default"
        );
        let f = framing(b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").unwrap();
        assert!(f.keep_alive);
        let f =
            framing(b"GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, close\r\n\r\n").unwrap();
        assert!(!f.keep_alive);
    }

    #[test]
    fn content_length_values() {
        assert_eq!(content_length(b"42"), Ok(42));
        assert_eq!(content_length(b"42, 42"), Ok(42));
        assert!(content_length(b"42, 43").is_err());
        assert!(content_length(b"+42").is_err());
        assert!(content_length(b"").is_err());
        assert!(content_length(b"99999999999999999999999").is_err());
    }
}
