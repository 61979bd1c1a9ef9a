//! `Query<T>` and `Form<T>`: `application/x-www-form-urlencoded` from the
//! query string or the body. Mirror `axum::extract::Query` and `axum::Form`.

use std::future::Future;

use serde::de::DeserializeOwned;

use super::{FromRequest, FromRequestParts, Rejection, buffer_body, require_type};
use crate::Request;
use crate::http::StatusCode;

/// The query string, deserialized. A missing query is treated as empty.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Query<T>(pub T);

impl<S, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = Rejection;

    fn from_request_parts(req: &Request, _state: &S) -> Result<Self, Rejection> {
        serde_urlencoded::from_str(req.query().unwrap_or(""))
            .map(Query)
            .map_err(|e| Rejection::new(StatusCode::BAD_REQUEST, "query string", e.to_string()))
    }
}

/// A URL-encoded form body; requires `content-type: application/x-www-form-urlencoded`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Form<T>(pub T);

impl<S, T: DeserializeOwned + Send> FromRequest<S> for Form<T> {
    type Rejection = Rejection;

    fn from_request(
        req: Request,
        _state: &S,
    ) -> impl Future<Output = Result<Self, Rejection>> + Send + 'static {
        let typed = require_type(&req, "form body", "application/x-www-form-urlencoded", None);
        async move {
            typed?;
            let body = buffer_body(req).await?;
            serde_urlencoded::from_bytes(&body).map(Form).map_err(|e| {
                Rejection::new(StatusCode::UNPROCESSABLE_ENTITY, "form body", e.to_string())
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Page {
        page: u32,
        q: Option<String>,
    }

    #[tokio::test]
    async fn query_and_form() {
        let r = Request::parse(b"GET /?page=2&q=a%20b HTTP/1.1\r\nHost: h\r\n\r\n").unwrap();
        let Query(p): Query<Page> = Query::from_request_parts(&r, &()).unwrap();
        assert_eq!(
            p,
            Page {
                page: 2,
                q: Some("a b".into())
            }
        );
        let r = Request::parse(b"GET /?page=x HTTP/1.1\r\nHost: h\r\n\r\n").unwrap();
        let e = <Query<Page> as FromRequestParts<()>>::from_request_parts(&r, &()).unwrap_err();
        assert!(e.to_string().starts_with("query string: "), "{e}");
        let r = Request::parse(
            b"POST / HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\npage=7",
        )
        .unwrap();
        let Form(p): Form<Page> = <Form<Page> as FromRequest<()>>::from_request(r, &())
            .await
            .unwrap();
        assert_eq!(p.page, 7);
    }
}
