//! Request methods (RFC 9110 §9) and protocol versions (RFC 9112 §2.3).
//!
//! Mirrors `http::Method` and `http::Version`. Extension methods are valid
//! tokens we parse but do not route; the server answers them with 501, as
//! RFC 9110 §9.1 asks for a method the origin server does not implement.

use std::fmt;

/// A request method. Mirrors `http::Method`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET`
    Get,
    /// `HEAD`: a `GET` without the body; routed to the `GET` handler when no `HEAD` route exists.
    Head,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `DELETE`
    Delete,
    /// `PATCH` (RFC 5789)
    Patch,
    /// `OPTIONS`
    Options,
    /// `CONNECT`
    Connect,
    /// `TRACE`
    Trace,
    /// Any other valid token; the raw name stays in the request head.
    Other,
}

impl Method {
    /// Every routable method, in the order `Allow` lists them.
    pub const ALL: [Method; 9] = [
        Method::Get,
        Method::Head,
        Method::Post,
        Method::Put,
        Method::Delete,
        Method::Patch,
        Method::Options,
        Method::Connect,
        Method::Trace,
    ];

    /// Recognises a method token (case-sensitive, RFC 9110 §9.1).
    pub fn from_bytes(token: &[u8]) -> Method {
        match token {
            b"GET" => Method::Get,
            b"HEAD" => Method::Head,
            b"POST" => Method::Post,
            b"PUT" => Method::Put,
            b"DELETE" => Method::Delete,
            b"PATCH" => Method::Patch,
            b"OPTIONS" => Method::Options,
            b"CONNECT" => Method::Connect,
            b"TRACE" => Method::Trace,
            _ => Method::Other,
        }
    }

    /// The method's name as sent on the wire (`"OTHER"` for extension methods).
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
            Method::Patch => "PATCH",
            Method::Options => "OPTIONS",
            Method::Connect => "CONNECT",
            Method::Trace => "TRACE",
            Method::Other => "OTHER",
        }
    }

    /// A dense index for per-method tables; `None` for extension methods.
    pub fn index(self) -> Option<usize> {
        Method::ALL.iter().position(|m| *m == self)
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The protocol version of a request. Mirrors `http::Version`; only the two
/// HTTP/1 versions exist here (others get 505 from the parser).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Version {
    /// `HTTP/1.0`: close after the response unless `Connection: keep-alive`.
    Http10,
    /// `HTTP/1.1`: persistent by default; `Host` required.
    Http11,
}

impl Version {
    /// The version as written in a status line.
    pub fn as_str(self) -> &'static str {
        match self {
            Version::Http10 => "HTTP/1.0",
            Version::Http11 => "HTTP/1.1",
        }
    }
}
