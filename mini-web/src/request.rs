//! The request a handler sees: the parsed head kept as byte ranges into the
//! bytes that came off the socket, plus the body (whole, or streaming in:
//! see [`crate::body`]).
//!
//! Mirrors `http::Request<Body>` as axum hands it out, with one difference in
//! representation: header names and values are not copied into a map; they
//! stay where the parser found them (`head` is the read buffer, frozen), and
//! lookups scan the short list of spans. Headers added later (by middleware)
//! live in a separate owned list.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;

use crate::body::Body;

use crate::http::Limits;
use crate::http::{
    HeaderSpan, Method, ParseError, RequestHead, Span, Version, name_is, parse_head,
};

type AnyMap = HashMap<TypeId, Box<dyn Any + Send + Sync>>;

/// An HTTP request. Mirrors `http::Request` (as used by axum).
#[derive(Debug)]
pub struct Request {
    /// The raw head: request line and header fields, exactly as received.
    head: Bytes,
    /// The method.
    method: Method,
    /// The request target within `head`.
    target: Span,
    /// Where the path starts within `head`: the target's start, or after the
    /// authority of an absolute-form target (`http://host/path`).
    path_start: u32,
    /// Where the path ends within `head` (the `?`, or the target's end).
    path_end: u32,
    /// HTTP/1.0 or HTTP/1.1.
    version: Version,
    /// Header fields as spans into `head`.
    headers: Vec<HeaderSpan>,
    /// Header fields added after parsing (e.g. by the request-id middleware).
    added: Vec<(Bytes, Bytes)>,
    /// The body: in memory, or pulled from the connection piece by piece.
    body: Body,
    /// Path parameters captured by the router: name and span within `head`.
    params: Vec<(Arc<str>, Span)>,
    /// Typed values attached by middleware for handlers (mirrors `http::Extensions`).
    extensions: Option<Box<AnyMap>>,
}

impl Request {
    /// Assembles a request from a parsed head. `head` must be the buffer the
    /// spans point into.
    pub(crate) fn from_parts(
        head: Bytes,
        parsed: &RequestHead,
        headers: Vec<HeaderSpan>,
        body: Body,
    ) -> Request {
        let target = parsed.target;
        let t = target.of(&head);
        // RFC 9112 §3.2.2: a server must accept the absolute form, which
        // proxies send; route on its path.
        let skip = absolute_form_authority_len(t);
        let path_len = t[skip..]
            .iter()
            .position(|&b| b == b'?')
            .unwrap_or(t.len() - skip);
        Request {
            path_start: target.start + skip as u32,
            path_end: target.start + (skip + path_len) as u32,
            head,
            method: parsed.method,
            target,
            version: parsed.version,
            headers,
            added: Vec::new(),
            body,
            params: Vec::new(),
            extensions: None,
        }
    }

    /// Parses a complete request (head and a `Content-Length` body, if any)
    /// from bytes; for tests and tools that have the bytes in hand.
    pub fn parse(raw: &[u8]) -> Result<Request, ParseError> {
        let mut headers = Vec::new();
        let parsed =
            parse_head(raw, &Limits::default(), &mut headers)?.ok_or(ParseError::InvalidVersion)?;
        let all = Bytes::copy_from_slice(raw);
        let head = all.slice(..parsed.len);
        let body = all.slice(parsed.len..);
        Ok(Request::from_parts(
            head,
            &parsed,
            headers,
            Body::full(body),
        ))
    }

    /// The method.
    pub fn method(&self) -> Method {
        self.method
    }

    /// The version.
    pub fn version(&self) -> Version {
        self.version
    }

    /// The whole request target, e.g. `/search?q=rust`.
    pub fn uri(&self) -> &str {
        // The parser admits only visible ASCII in the target.
        std::str::from_utf8(self.target.of(&self.head)).unwrap_or("")
    }

    /// The path, without the query: `/search`.
    pub fn path(&self) -> &str {
        let span = Span {
            start: self.path_start,
            end: self.path_end,
        };
        match std::str::from_utf8(span.of(&self.head)) {
            Ok("") | Err(_) => "/", // `http://host` and `http://host?q` mean the root
            Ok(path) => path,
        }
    }

    /// The query string without the `?`, if there is one.
    pub fn query(&self) -> Option<&str> {
        let uri = self.uri();
        uri.split_once('?').map(|(_, q)| q)
    }

    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        let lower = name.to_ascii_lowercase();
        let lower = lower.as_bytes();
        self.added
            .iter()
            .find(|(n, _)| name_is(n, lower))
            .map(|(_, v)| &v[..])
            .or_else(|| {
                self.headers
                    .iter()
                    .find(|h| name_is(h.name.of(&self.head), lower))
                    .map(|h| h.value.of(&self.head))
            })
    }

    /// The first value of header `name` as text, if it is valid UTF-8.
    pub fn header_str(&self, name: &str) -> Option<&str> {
        self.header(name).and_then(|v| std::str::from_utf8(v).ok())
    }

    /// Every header field, added ones first, as (name, value) byte slices.
    pub fn headers(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        let added = self.added.iter().map(|(n, v)| (&n[..], &v[..]));
        let parsed = self
            .headers
            .iter()
            .map(|h| (h.name.of(&self.head), h.value.of(&self.head)));
        added.chain(parsed)
    }

    /// Adds a header field (seen by later middleware and handlers).
    pub fn insert_header(&mut self, name: &'static str, value: impl Into<Bytes>) {
        self.added
            .push((Bytes::from_static(name.as_bytes()), value.into()));
    }

    /// The body.
    pub fn body(&self) -> &Body {
        &self.body
    }

    /// The body, to pull from (see [`Body::chunk`]).
    pub fn body_mut(&mut self) -> &mut Body {
        &mut self.body
    }

    /// Takes the body out, leaving it empty.
    pub fn take_body(&mut self) -> Body {
        std::mem::take(&mut self.body)
    }

    /// A path parameter captured by the router, raw (still percent-encoded).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// Every path parameter in route order, raw (still percent-encoded).
    pub fn params(&self) -> impl Iterator<Item = (&str, &str)> {
        self.params
            .iter()
            .map(|(n, s)| (&**n, std::str::from_utf8(s.of(&self.head)).unwrap_or("")))
    }

    /// Records the router's captures; `path_offset` locates the path in `head`.
    pub(crate) fn set_params(&mut self, params: impl Iterator<Item = (Arc<str>, usize, usize)>) {
        let base = self.path_start as usize;
        self.params.clear();
        self.params.extend(params.map(|(n, s, e)| {
            (
                n,
                Span {
                    start: (base + s) as u32,
                    end: (base + e) as u32,
                },
            )
        }));
    }

    /// A typed value attached by middleware. Mirrors `http::Extensions::get`.
    pub fn extension<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.extensions
            .as_ref()?
            .get(&TypeId::of::<T>())?
            .downcast_ref()
    }

    /// Attaches a typed value for later middleware and handlers.
    pub fn insert_extension<T: Send + Sync + 'static>(&mut self, value: T) {
        self.extensions
            .get_or_insert_default()
            .insert(TypeId::of::<T>(), Box::new(value));
    }
}

/// Length of `scheme://authority` at the start of an absolute-form target, or 0.
fn absolute_form_authority_len(t: &[u8]) -> usize {
    let scheme = if t.len() >= 7 && t[..7].eq_ignore_ascii_case(b"http://") {
        7
    } else if t.len() >= 8 && t[..8].eq_ignore_ascii_case(b"https://") {
        8
    } else {
        return 0;
    };
    scheme
        + t[scheme..]
            .iter()
            .position(|&b| b == b'/' || b == b'?')
            .unwrap_or(t.len() - scheme)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accessors() {
        let mut r =
            Request::parse(b"POST /a/b?x=1&y=2 HTTP/1.1\r\nHost: h\r\nX-Thing: v\r\n\r\nbody")
                .unwrap();
        assert_eq!(r.path(), "/a/b");
        assert_eq!(r.query(), Some("x=1&y=2"));
        assert_eq!(r.header("x-thing"), Some(&b"v"[..]));
        assert_eq!(r.header("X-THING"), Some(&b"v"[..]));
        assert_eq!(r.header("nope"), None);
        r.insert_header("x-request-id", "42");
        assert_eq!(r.header_str("X-Request-Id"), Some("42"));
        assert_eq!(r.body().as_bytes().map(|b| &b[..]), Some(&b"body"[..]));
        r.insert_extension(7u32);
        let abs =
            Request::parse(b"GET http://example.com/a/b?q=1 HTTP/1.1\r\nHost: example.com\r\n\r\n")
                .unwrap();
        assert_eq!((abs.path(), abs.query()), ("/a/b", Some("q=1")));
        let bare = Request::parse(b"GET HTTPS://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n")
            .unwrap();
        assert_eq!(bare.path(), "/");
        assert_eq!(r.extension::<u32>(), Some(&7));
    }
}
