//! CORS (the Fetch standard's cross-origin protocol): answers preflight
//! `OPTIONS` requests and adds `access-control-allow-origin` to responses
//! for allowed origins. Mirrors tower-http's `CorsLayer`, reduced to the
//! common settings.

use super::{Middleware, Next};
use crate::Request;
use crate::http::{Method, StatusCode};
use crate::response::Response;

/// Which cross-origin requests to allow.
#[derive(Debug, Clone)]
pub struct Cors {
    /// Allowed origins (`https://app.example`); empty means any origin (`*`).
    pub allow_origins: Vec<String>,
    /// Value of `access-control-allow-methods` on preflight answers.
    pub allow_methods: String,
    /// Value of `access-control-allow-headers` on preflight answers.
    pub allow_headers: String,
    /// Seconds a browser may cache a preflight answer.
    pub max_age: u32,
}

impl Cors {
    /// Any origin, the usual methods, any request header; no credentials.
    pub fn permissive() -> Cors {
        Cors {
            allow_origins: Vec::new(),
            allow_methods: "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS".into(),
            allow_headers: "*".into(),
            max_age: 600,
        }
    }

    /// The `access-control-allow-origin` value for `origin`, if allowed.
    fn allowed(&self, origin: &str) -> Option<String> {
        if self.allow_origins.is_empty() {
            Some("*".into())
        } else {
            self.allow_origins
                .iter()
                .find(|o| o.as_str() == origin)
                .cloned()
        }
    }
}

/// The CORS layer for `config`.
pub fn cors(config: Cors) -> impl Middleware {
    move |req: Request, next: Next| {
        let config = config.clone();
        async move {
            let Some(origin) = req.header_str("origin").map(str::to_string) else {
                return next.run(req).await;
            };
            let allow = config.allowed(&origin);
            let preflight = req.method() == Method::Options
                && req.header("access-control-request-method").is_some();
            if preflight {
                let mut res = Response::new(StatusCode::NO_CONTENT);
                if let Some(allow) = allow {
                    res.set_header("access-control-allow-origin", allow);
                    res.set_header("access-control-allow-methods", config.allow_methods.clone());
                    res.set_header("access-control-allow-headers", config.allow_headers.clone());
                    res.set_header("access-control-max-age", config.max_age.to_string());
                }
                res.set_header("vary", "origin");
                return res;
            }
            let mut res = next.run(req).await;
            if let Some(allow) = allow {
                res.set_header("access-control-allow-origin", allow);
                res.set_header("vary", "origin");
            }
            res
        }
    }
}
