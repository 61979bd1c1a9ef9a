//! `Json<T>`: a JSON body in, a JSON body out. Mirrors `axum::Json`.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{FromRequestParts, Rejection, content_type_is};
use crate::Request;
use crate::http::StatusCode;
use crate::response::{IntoResponse, Response};

/// A JSON body. As an extractor it requires `content-type: application/json`
/// (or `+json`); as a response it serializes with `application/json`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Json<T>(pub T);

impl<S, T: DeserializeOwned> FromRequestParts<S> for Json<T> {
    type Rejection = Rejection;

    fn from_request_parts(req: &Request, _state: &S) -> Result<Self, Rejection> {
        if !content_type_is(req, "application/json", Some("+json")) {
            return Err(Rejection::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "JSON body",
                "expected `content-type: application/json`",
            ));
        }
        serde_json::from_slice(req.body()).map(Json).map_err(|e| {
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

    #[test]
    fn rejections_name_the_problem() {
        let ok: Json<User> =
            Json::from_request_parts(&req("application/json", r#"{"name":"a","age":3}"#), &())
                .unwrap();
        assert_eq!(
            ok.0,
            User {
                name: "a".into(),
                age: 3
            }
        );
        let e =
            <Json<User> as FromRequestParts<()>>::from_request_parts(&req("text/plain", "{}"), &())
                .unwrap_err();
        assert_eq!(e.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let e = <Json<User> as FromRequestParts<()>>::from_request_parts(
            &req("application/json", r#"{"name":"a"}"#),
            &(),
        )
        .unwrap_err();
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(e.to_string().contains("missing field `age`"), "{e}");
        let e = <Json<User> as FromRequestParts<()>>::from_request_parts(
            &req("application/json", "{"),
            &(),
        )
        .unwrap_err();
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
    }
}
