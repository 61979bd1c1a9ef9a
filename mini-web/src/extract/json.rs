//! `Json<T>`: a JSON body in, a JSON body out. Mirrors `axum::Json`.

use serde::Serialize;
use serde::de::DeserializeOwned;

use std::future::Future;

use super::{FromRequest, Rejection, buffer_body, require_type};
use crate::Request;
use crate::http::StatusCode;
use crate::response::{IntoResponse, Response};

/// A JSON body. As an extractor it requires `content-type: application/json`
/// (or `+json`); as a response it serializes with `application/json`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Json<T>(pub T);

impl<S, T: DeserializeOwned + Send> FromRequest<S> for Json<T> {
    type Rejection = Rejection;

    fn from_request(
        req: Request,
        _state: &S,
    ) -> impl Future<Output = Result<Self, Rejection>> + Send + 'static {
        let typed = require_type(&req, "JSON body", "application/json", Some("+json"));
        async move {
            typed?;
            let body = buffer_body(req).await?;
            serde_json::from_slice(&body).map(Json).map_err(|e| {
                // Like axum: malformed JSON is 400, well-formed JSON of the wrong shape is 422.
                let status = if e.is_data() {
                    StatusCode::UNPROCESSABLE_ENTITY
                } else {
                    StatusCode::BAD_REQUEST
                };
                Rejection::new(status, "JSON body", e.to_string())
            })
        }
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        match serde_json::to_vec(&self.0) {
            Ok(body) => Response::new(StatusCode::OK)
                .with_header("content-type", "application/json")
                .with_body(body),
            Err(e) => Response::text(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("JSON response: {e}"),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct User {
        name: String,
        age: u8,
    }

    fn req(ct: &str, body: &str) -> Request {
        let raw = format!(
            "POST / HTTP/1.1\r\nHost: h\r\nContent-Type: {ct}\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        Request::parse(raw.as_bytes()).unwrap()
    }

    async fn extract(ct: &str, body: &str) -> Result<Json<User>, Rejection> {
        <Json<User> as FromRequest<()>>::from_request(req(ct, body), &()).await
    }

    #[tokio::test]
    async fn rejections_name_the_problem() {
        let ok = extract("application/json", r#"{"name":"a","age":3}"#)
            .await
            .unwrap();
        assert_eq!(
            ok.0,
            User {
                name: "a".into(),
                age: 3
            }
        );
        let e = extract("text/plain", "{}").await.unwrap_err();
        assert_eq!(e.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let e = extract("application/json", r#"{"name":"a"}"#)
            .await
            .unwrap_err();
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(e.to_string().contains("missing field `age`"), "{e}");
        let e = extract("application/json", "{").await.unwrap_err();
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
    }
}
