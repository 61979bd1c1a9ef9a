//! Responses and the conversions handlers return. Mirrors axum's
//! `response::{Response, IntoResponse}`.
//!
//! The server adds `content-length`, `date` and, when closing, `connection:
//! close`; a handler sets the status, the other headers and the body.

use std::borrow::Cow;

use bytes::Bytes;

use crate::http::StatusCode;
use crate::stream::BodyStream;
use crate::upgrade::OnUpgrade;

/// A header name or value: static text costs nothing, owned text is allowed.
pub type HeaderText = Cow<'static, str>;

/// A response. Mirrors `http::Response<Body>`: a buffered body, or a
/// streamed one ([`BodyStream`]), or a `101` that hands the connection to
/// an [`OnUpgrade`] callback.
#[derive(Debug, Clone)]
pub struct Response {
    /// The status code.
    pub status: StatusCode,
    /// Header fields in the order they are written (lowercase names by convention).
    pub headers: Vec<(HeaderText, HeaderText)>,
    /// The body; for `HEAD` requests the server sends its length and not its bytes.
    pub body: Bytes,
    /// On a `101 Switching Protocols`: what takes the connection over after it.
    pub upgrade: Option<OnUpgrade>,
    /// A body sent as it is produced, in place of `body` (see [`crate::stream`]).
    pub stream: Option<BodyStream>,
}

impl Response {
    /// An empty response with `status`.
    pub fn new(status: StatusCode) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: Bytes::new(),
            upgrade: None,
            stream: None,
        }
    }

    /// `status` with a plain-text body.
    pub fn text(status: StatusCode, body: impl Into<Bytes>) -> Response {
        Response {
            status,
            headers: vec![(
                Cow::Borrowed("content-type"),
                Cow::Borrowed("text/plain; charset=utf-8"),
            )],
            body: body.into(),
            upgrade: None,
            stream: None,
        }
    }

    /// Adds a header field; builder style.
    pub fn with_header(
        mut self,
        name: impl Into<HeaderText>,
        value: impl Into<HeaderText>,
    ) -> Response {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets a header field, replacing any with the same name.
    pub fn set_header(&mut self, name: impl Into<HeaderText>, value: impl Into<HeaderText>) {
        let name = name.into();
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(&name));
        self.headers.push((name, value.into()));
    }

    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| &**v)
    }
}

/// Anything a handler may return. Mirrors axum's `IntoResponse`.
pub trait IntoResponse {
    /// Converts into a response.
    fn into_response(self) -> Response;
}

impl IntoResponse for Response {
    fn into_response(self) -> Response {
        self
    }
}

impl IntoResponse for StatusCode {
    fn into_response(self) -> Response {
        Response::new(self)
    }
}

impl IntoResponse for () {
    fn into_response(self) -> Response {
        Response::new(StatusCode::OK)
    }
}

impl IntoResponse for &'static str {
    fn into_response(self) -> Response {
        Response::text(StatusCode::OK, Bytes::from_static(self.as_bytes()))
    }
}

impl IntoResponse for String {
    fn into_response(self) -> Response {
        Response::text(StatusCode::OK, self)
    }
}

impl IntoResponse for Bytes {
    fn into_response(self) -> Response {
        Response::new(StatusCode::OK)
            .with_header("content-type", "application/octet-stream")
            .with_body(self)
    }
}

impl IntoResponse for Vec<u8> {
    fn into_response(self) -> Response {
        Bytes::from(self).into_response()
    }
}

impl Response {
    /// Replaces the body; builder style.
    pub fn with_body(mut self, body: impl Into<Bytes>) -> Response {
        self.body = body.into();
        self
    }
}

/// An HTML body (`text/html; charset=utf-8`). Mirrors `axum::response::Html`.
#[derive(Debug, Clone)]
pub struct Html<T>(pub T);

impl<T: Into<Bytes>> IntoResponse for Html<T> {
    fn into_response(self) -> Response {
        Response::new(StatusCode::OK)
            .with_header("content-type", "text/html; charset=utf-8")
            .with_body(self.0)
    }
}

/// A status with any other response: `(StatusCode::CREATED, Json(user))`.
impl<R: IntoResponse> IntoResponse for (StatusCode, R) {
    fn into_response(self) -> Response {
        let mut res = self.1.into_response();
        res.status = self.0;
        res
    }
}

/// A status, extra headers and a response: `(StatusCode::OK, [("x-a", "b")], "hi")`.
impl<R: IntoResponse, const N: usize> IntoResponse
    for (StatusCode, [(&'static str, &'static str); N], R)
{
    fn into_response(self) -> Response {
        let mut res = self.2.into_response();
        res.status = self.0;
        for (n, v) in self.1 {
            res.set_header(n, v);
        }
        res
    }
}

/// `Ok` and `Err` both respond; `E` is usually an error type with its own status.
impl<T: IntoResponse, E: IntoResponse> IntoResponse for Result<T, E> {
    fn into_response(self) -> Response {
        match self {
            Ok(v) => v.into_response(),
            Err(e) => e.into_response(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions() {
        let r = (StatusCode::CREATED, "made").into_response();
        assert_eq!(r.status, StatusCode::CREATED);
        assert_eq!(r.header("Content-Type"), Some("text/plain; charset=utf-8"));
        let r: Result<&'static str, StatusCode> = Err(StatusCode::CONFLICT);
        assert_eq!(r.into_response().status, StatusCode::CONFLICT);
        let r = (StatusCode::OK, [("x-a", "b")], String::from("s")).into_response();
        assert_eq!(r.header("x-a"), Some("b"));
    }
}
