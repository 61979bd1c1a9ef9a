//! `Path<T>`: the router's captures, percent-decoded and deserialized.
//! Mirrors `axum::extract::Path`.

use serde::de::DeserializeOwned;

use super::path_de::{PathDeserializer, PathError};
use super::{FromRequestParts, Rejection};
use crate::Request;
use crate::http::StatusCode;

/// Path parameters: `Path<u32>`, `Path<(String, u32)>`, or a struct by name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Path<T>(pub T);

impl<S, T: DeserializeOwned> FromRequestParts<S> for Path<T> {
    type Rejection = Rejection;

    fn from_request_parts(req: &Request, _state: &S) -> Result<Self, Rejection> {
        let mut decoded = Vec::new();
        for (name, raw) in req.params() {
            let value = percent_decode(raw).ok_or_else(|| {
                Rejection::new(
                    StatusCode::BAD_REQUEST,
                    format!("path parameter `{name}`"),
                    "invalid percent-encoding or UTF-8",
                )
            })?;
            decoded.push((name, value));
        }
        T::deserialize(PathDeserializer { params: &decoded })
            .map(Path)
            .map_err(|e: PathError| {
                let part = match e.param {
                    Some(p) => format!("path parameter `{p}`"),
                    None => "path parameters".to_string(),
                };
                Rejection::new(StatusCode::BAD_REQUEST, part, e.message)
            })
    }
}

/// Decodes `%XX` escapes; `None` for a malformed escape or non-UTF-8 result.
pub fn percent_decode(s: &str) -> Option<String> {
    if !s.contains('%') {
        return Some(s.to_string());
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b.get(i + 1..i + 3)?;
            let hi = (hex[0] as char).to_digit(16)?;
            let lo = (hex[1] as char).to_digit(16)?;
            out.push((hi * 16 + lo) as u8);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn req_with(params: &[(&str, &str)]) -> Request {
        let path: String = params.iter().map(|(_, v)| format!("/{v}")).collect();
        let raw = format!("GET {path} HTTP/1.1\r\nHost: h\r\n\r\n");
        let mut r = Request::parse(raw.as_bytes()).unwrap();
        let mut at = 0;
        let caps: Vec<_> = params
            .iter()
            .map(|(n, v)| {
                at += 1;
                let c = (Arc::<str>::from(*n), at, at + v.len());
                at += v.len();
                c
            })
            .collect();
        r.set_params(caps.into_iter());
        r
    }

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Ids {
        user: u32,
        post: String,
    }

    #[test]
    fn shapes_and_messages() {
        let r = req_with(&[("id", "42")]);
        let Path(id): Path<u32> = Path::from_request_parts(&r, &()).unwrap();
        assert_eq!(id, 42);
        let r = req_with(&[("user", "7"), ("post", "a%20b")]);
        let Path((u, p)): Path<(u32, String)> = Path::from_request_parts(&r, &()).unwrap();
        assert_eq!((u, p.as_str()), (7, "a b"));
        let Path(ids): Path<Ids> = Path::from_request_parts(&r, &()).unwrap();
        assert_eq!(
            ids,
            Ids {
                user: 7,
                post: "a b".into()
            }
        );
        let r = req_with(&[("id", "abc")]);
        let e = <Path<u32> as FromRequestParts<()>>::from_request_parts(&r, &()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "path parameter `id`: cannot parse \"abc\" as u32"
        );
        assert_eq!(percent_decode("%zz"), None);
    }
}
