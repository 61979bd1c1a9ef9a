//! Extractors: typed views of a request, taken as handler arguments.
//!
//! Mirrors axum's `extract` module. Every failure is a [`Rejection`] naming
//! the part of the request that was wrong and why (axum's most-asked-for
//! improvement is exactly that message), e.g.
//! `400 Bad Request: path parameter `id`: cannot parse "abc" as u32`.

mod json;
mod path;
mod path_de;
mod query;

pub use json::Json;
pub use path::{Path, percent_decode};
pub use query::{Form, Query};

use std::future::{Future, ready};

use bytes::Bytes;

use crate::Request;
use crate::body::Body;
use crate::http::{Method, StatusCode};
use crate::response::{IntoResponse, Response};

/// A value built from a borrowed request. Mirrors `axum::extract::FromRequestParts`
/// (synchronous here: the head is in memory, and the body is not touched).
pub trait FromRequestParts<S>: Sized {
    /// What the client gets when extraction fails.
    type Rejection: IntoResponse;
    /// Builds the value.
    fn from_request_parts(req: &Request, state: &S) -> Result<Self, Self::Rejection>;
}

/// Marker: the extractor takes the whole request.
#[derive(Debug)]
pub enum ViaRequest {}
/// Marker: the extractor only borrows the request.
#[derive(Debug)]
pub enum ViaParts {}

/// A value built by consuming the request; only the last handler argument.
/// Mirrors `axum::extract::FromRequest`; `M` separates the two blanket impls.
/// Asynchronous, because it may read the body ([`Bytes`], [`String`],
/// [`Json`], [`Form`] buffer it; [`Body`] streams it).
pub trait FromRequest<S, M = ViaRequest>: Sized + Send {
    /// What the client gets when extraction fails.
    type Rejection: IntoResponse + Send;
    /// Builds the value. The future owns what it needs (it outlives `state`'s borrow).
    fn from_request(
        req: Request,
        state: &S,
    ) -> impl Future<Output = Result<Self, Self::Rejection>> + Send + 'static;
}

impl<S, T: FromRequestParts<S> + Send + 'static> FromRequest<S, ViaParts> for T
where
    T::Rejection: Send + 'static,
{
    type Rejection = T::Rejection;
    fn from_request(
        req: Request,
        state: &S,
    ) -> impl Future<Output = Result<Self, Self::Rejection>> + Send + 'static {
        ready(T::from_request_parts(&req, state))
    }
}

impl<S> FromRequest<S, ViaRequest> for Request {
    type Rejection = std::convert::Infallible;
    fn from_request(
        req: Request,
        _state: &S,
    ) -> impl Future<Output = Result<Self, Self::Rejection>> + Send + 'static {
        ready(Ok(req))
    }
}

/// The body as a stream to pull (`body.chunk().await`), for uploads too large
/// to hold in memory. Mirrors taking `axum::body::Body`.
impl<S> FromRequest<S, ViaRequest> for Body {
    type Rejection = std::convert::Infallible;
    fn from_request(
        mut req: Request,
        _state: &S,
    ) -> impl Future<Output = Result<Self, Self::Rejection>> + Send + 'static {
        ready(Ok(req.take_body()))
    }
}

/// Reads the whole body (within `Limits::max_body_bytes`); a body that
/// breaks off is refused with the status its error names (413, 400 ...).
pub(crate) async fn buffer_body(mut req: Request) -> Result<Bytes, Rejection> {
    req.take_body()
        .to_bytes()
        .await
        .map_err(|e| Rejection::new(e.status(), "body", e.to_string()))
}

/// `Ok` if the request's content type is `want` (or ends in `suffix`), else
/// the 415 naming `part`. Checked on the head, before the body is read: a
/// wrong type costs no upload.
pub(crate) fn require_type(
    req: &Request,
    part: &'static str,
    want: &'static str,
    suffix: Option<&str>,
) -> Result<(), Rejection> {
    if content_type_is(req, want, suffix) {
        return Ok(());
    }
    Err(Rejection::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        part,
        format!("expected `content-type: {want}`"),
    ))
}

impl IntoResponse for std::convert::Infallible {
    fn into_response(self) -> Response {
        match self {}
    }
}

/// Why an extractor refused a request: which part, why, and the status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{part}: {reason}")]
pub struct Rejection {
    /// The status sent back (400, 415, 422 ...).
    pub status: StatusCode,
    /// The part of the request, e.g. ``path parameter `id` ``, `JSON body`, `query string`.
    pub part: String,
    /// What was wrong with it.
    pub reason: String,
}

impl Rejection {
    /// A rejection of `part` for `reason`, answered with `status`.
    pub fn new(
        status: StatusCode,
        part: impl Into<String>,
        reason: impl Into<String>,
    ) -> Rejection {
        Rejection {
            status,
            part: part.into(),
            reason: reason.into(),
        }
    }
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        Response::text(self.status, self.to_string())
    }
}

/// Shared application state, cloned out of the router. Mirrors `axum::extract::State`.
#[derive(Debug, Clone, Copy, Default)]
pub struct State<S>(pub S);

impl<S: Clone> FromRequestParts<S> for State<S> {
    type Rejection = std::convert::Infallible;
    fn from_request_parts(_req: &Request, state: &S) -> Result<Self, Self::Rejection> {
        Ok(State(state.clone()))
    }
}

/// The raw body, read whole (cheap when it arrived with the head: a
/// reference-counted view of the bytes read).
impl<S> FromRequest<S, ViaRequest> for Bytes {
    type Rejection = Rejection;
    fn from_request(
        req: Request,
        _state: &S,
    ) -> impl Future<Output = Result<Self, Rejection>> + Send + 'static {
        buffer_body(req)
    }
}

/// The body as UTF-8 text, read whole.
impl<S> FromRequest<S, ViaRequest> for String {
    type Rejection = Rejection;
    // Not an `async fn`: that would borrow `state`, and the future must be `'static`.
    #[allow(clippy::manual_async_fn)]
    fn from_request(
        req: Request,
        _state: &S,
    ) -> impl Future<Output = Result<Self, Rejection>> + Send + 'static {
        let body = buffer_body(req);
        async move {
            let bytes = body.await?;
            String::from_utf8(bytes.to_vec()).map_err(|e| {
                Rejection::new(
                    StatusCode::BAD_REQUEST,
                    "body",
                    format!("not valid UTF-8: {e}"),
                )
            })
        }
    }
}

/// The method.
impl<S> FromRequestParts<S> for Method {
    type Rejection = std::convert::Infallible;
    fn from_request_parts(req: &Request, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(req.method())
    }
}

/// All header fields, copied out as (lowercased name, value) text pairs.
/// Mirrors taking `http::HeaderMap` in axum; values that are not UTF-8 are skipped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers(pub Vec<(String, String)>);

impl Headers {
    /// The first value of `name` (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl<S> FromRequestParts<S> for Headers {
    type Rejection = std::convert::Infallible;
    fn from_request_parts(req: &Request, _state: &S) -> Result<Self, Self::Rejection> {
        let pairs = req
            .headers()
            .filter_map(|(n, v)| {
                let n = std::str::from_utf8(n).ok()?.to_ascii_lowercase();
                Some((n, std::str::from_utf8(v).ok()?.to_string()))
            })
            .collect();
        Ok(Headers(pairs))
    }
}

/// Optional extraction: `None` instead of a rejection.
impl<S, T: FromRequestParts<S>> FromRequestParts<S> for Option<T> {
    type Rejection = std::convert::Infallible;
    fn from_request_parts(req: &Request, state: &S) -> Result<Self, Self::Rejection> {
        Ok(T::from_request_parts(req, state).ok())
    }
}

/// Checks the request's `content-type` essence against `want` (`application/json`).
pub(crate) fn content_type_is(req: &Request, want: &str, suffix: Option<&str>) -> bool {
    let Some(ct) = req.header_str("content-type") else {
        return false;
    };
    let essence = ct.split(';').next().unwrap_or("").trim();
    essence.eq_ignore_ascii_case(want)
        || suffix
            .is_some_and(|s| essence.len() > s.len() && essence.to_ascii_lowercase().ends_with(s))
}
