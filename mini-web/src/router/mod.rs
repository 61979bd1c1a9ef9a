//! The router: one radix [`Tree`] per method, route groups as nested
//! routers, and the 404 / 405 answers. Mirrors `axum::Router` (and gin's
//! `RouterGroup` for [`Router::group`]).
//!
//! Dispatch: look the path up in the tree of the request's method; `HEAD`
//! falls back to `GET`; on a miss, look in the other methods' trees — if the
//! path exists there the answer is `405` with an `Allow` list, else `404`.

mod method;
mod params;
mod tree;

pub use method::{MethodRouter, delete, get, head, options, patch, post, put};
pub use params::Params;
pub use tree::{InsertError, Match, Tree};

use std::sync::Arc;

use crate::Request;
use crate::handler::BoxFuture;
use crate::http::{Method, StatusCode};
use crate::middleware::{Middleware, wrap};
use crate::response::Response;
use crate::service::Service;

/// Set on a request that reached the fallback because its path exists only
/// for other methods: the `Allow` list.
#[derive(Debug, Clone)]
struct AllowedMethods(String);

/// Set on a request that reached the fallback because the path exists with
/// (or without) a trailing slash: where to redirect.
#[derive(Debug, Clone)]
struct TrailingSlashRedirect(String);

struct Route {
    method: Method,
    pattern: String,
    service: Service,
}

/// Routes, state and middleware. `S` is the state handlers can extract with
/// [`State<S>`](crate::extract::State). Mirrors `axum::Router<S>`.
pub struct Router<S = ()> {
    state: S,
    routes: Vec<Route>,
    /// One tree per method in `Method::ALL` order; values index `routes`.
    trees: [Tree<usize>; 9],
    /// Answers misses (404, or 405 when `AllowedMethods` is set); wrapped by layers too.
    fallback: Service,
    /// Answer `/users/` with `308 → /users` (and the reverse) when only the
    /// other spelling is routed. Off by default, like axum; gin has it on.
    redirect_trailing_slash: bool,
}

impl std::fmt::Debug for Router {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(
                self.routes
                    .iter()
                    .map(|r| format!("{} {}", r.method, r.pattern)),
            )
            .finish()
    }
}

impl Default for Router<()> {
    fn default() -> Self {
        Router::new()
    }
}

impl Router<()> {
    /// A router without state.
    pub fn new() -> Router<()> {
        Router::with_state(())
    }
}

fn default_fallback(req: Request) -> BoxFuture {
    let res = if let Some(TrailingSlashRedirect(location)) = req.extension() {
        Response::new(StatusCode::PERMANENT_REDIRECT).with_header("location", location.clone())
    } else if let Some(AllowedMethods(allow)) = req.extension() {
        Response::text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed")
            .with_header("allow", allow.clone())
    } else {
        Response::text(StatusCode::NOT_FOUND, "not found")
    };
    Box::pin(std::future::ready(res))
}

impl<S: Clone + Send + Sync + 'static> Router<S> {
    /// A router whose handlers may extract `State<S>`.
    pub fn with_state(state: S) -> Router<S> {
        Router {
            state,
            routes: Vec::new(),
            trees: Default::default(),
            fallback: Service::new(default_fallback),
            redirect_trailing_slash: false,
        }
    }

    /// Redirects (308, method preserved) a path that misses only by a
    /// trailing slash to the routed spelling. Mirrors gin's
    /// `RedirectTrailingSlash`.
    pub fn redirect_trailing_slash(mut self, on: bool) -> Router<S> {
        self.redirect_trailing_slash = on;
        self
    }

    /// Adds `path` with the handlers of `methods`.
    ///
    /// # Panics
    /// On an invalid or conflicting pattern, like axum: routes are program
    /// text, and a router that cannot be built should stop the program at
    /// startup. Use [`try_route`](Router::try_route) to handle the error.
    pub fn route(self, path: &str, methods: MethodRouter<S>) -> Router<S> {
        match self.try_route(path, methods) {
            Ok(router) => router,
            Err(e) => panic!("{e}"),
        }
    }

    /// Adds `path` with the handlers of `methods`, or says why it cannot.
    pub fn try_route(
        mut self,
        path: &str,
        methods: MethodRouter<S>,
    ) -> Result<Router<S>, InsertError> {
        for (method, handler) in methods.handlers {
            let state = self.state.clone();
            let service = Service::new(move |req| handler.call(req, &state));
            self.add(method, path.to_string(), service)?;
        }
        Ok(self)
    }

    fn add(
        &mut self,
        method: Method,
        pattern: String,
        service: Service,
    ) -> Result<(), InsertError> {
        let slot = method.index().ok_or(InsertError::Invalid {
            route: pattern.clone(),
            reason: "unknown method",
        })?;
        self.trees[slot].insert(&pattern, self.routes.len())?;
        self.routes.push(Route {
            method,
            pattern,
            service,
        });
        Ok(())
    }

    /// Mounts every route of `other` under `prefix` (`/api` + `/users` →
    /// `/api/users`; `/` alone maps to `/api`). `other` keeps its own state and
    /// layers. Mirrors `axum::Router::nest`.
    ///
    /// # Panics
    /// When a mounted route conflicts with an existing one (see [`route`](Router::route)).
    pub fn nest<S2>(mut self, prefix: &str, other: Router<S2>) -> Router<S> {
        let prefix = prefix.trim_end_matches('/');
        for route in other.routes {
            let pattern = if route.pattern == "/" {
                prefix.to_string()
            } else {
                format!("{prefix}{}", route.pattern)
            };
            let pattern = if pattern.is_empty() {
                "/".to_string()
            } else {
                pattern
            };
            if let Err(e) = self.add(route.method, pattern, route.service) {
                panic!("{e}");
            }
        }
        self
    }

    /// A route group: builds a router sharing this router's state with `f`
    /// and nests it under `prefix`. Mirrors gin's `router.Group("/v1")`.
    pub fn group(self, prefix: &str, f: impl FnOnce(Router<S>) -> Router<S>) -> Router<S> {
        let group = f(Router::with_state(self.state.clone()));
        self.nest(prefix, group)
    }

    /// Wraps every route added so far, and the 404/405 answers, in `layer`.
    /// Layers added later run first (they are further out in the onion).
    pub fn layer(mut self, layer: impl Middleware) -> Router<S> {
        let layer: Arc<dyn Middleware> = Arc::new(layer);
        for route in &mut self.routes {
            route.service = wrap(layer.clone(), route.service.clone());
        }
        self.fallback = wrap(layer, self.fallback.clone());
        self
    }

    /// Finds the endpoint for `req` and runs it (the whole onion).
    pub fn dispatch(&self, mut req: Request) -> BoxFuture {
        let method = req.method();
        let found = method.index().and_then(|slot| {
            let tree = &self.trees[slot];
            match tree.at(req.path()) {
                Some(m) => Some(m),
                // HEAD is GET without the body (RFC 9110 §9.3.2).
                None if method == Method::Head => self.trees[0].at(req.path()),
                None => None,
            }
            .map(|m| {
                (
                    *m.value,
                    m.params
                        .iter()
                        .map(|(n, s, e)| (n.clone(), s, e))
                        .collect::<Vec<_>>(),
                )
            })
        });
        if let Some((idx, params)) = found {
            if !params.is_empty() {
                req.set_params(params.into_iter());
            }
            return self.routes[idx].service.call(req);
        }
        if method == Method::Other {
            return Box::pin(std::future::ready(Response::text(
                StatusCode::NOT_IMPLEMENTED,
                "method not implemented",
            )));
        }
        if self.redirect_trailing_slash
            && let Some(slot) = method.index()
        {
            let path = req.path();
            let other = match path.strip_suffix('/') {
                Some(trimmed) if !trimmed.is_empty() => trimmed.to_string(),
                Some(_) => String::new(),
                None => format!("{path}/"),
            };
            let slot = if method == Method::Head && self.trees[slot].at(&other).is_none() {
                0
            } else {
                slot
            };
            if !other.is_empty() && self.trees[slot].at(&other).is_some() {
                let location = match req.query() {
                    Some(q) => format!("{other}?{q}"),
                    None => other,
                };
                req.insert_extension(TrailingSlashRedirect(location));
                return self.fallback.call(req);
            }
        }
        let allow = self.allowed_methods(req.path());
        if !allow.is_empty() {
            req.insert_extension(AllowedMethods(allow));
        }
        self.fallback.call(req)
    }

    /// The methods that have a route for `path`, comma-separated (`HEAD` with `GET`).
    fn allowed_methods(&self, path: &str) -> String {
        let mut allow: Vec<&str> = Vec::new();
        for (slot, method) in Method::ALL.iter().enumerate() {
            if self.trees[slot].at(path).is_some()
                || (*method == Method::Head && self.trees[0].at(path).is_some())
            {
                allow.push(method.as_str());
            }
        }
        allow.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block_on(fut: BoxFuture) -> Response {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(fut)
    }

    fn req(method: &str, path: &str) -> Request {
        Request::parse(format!("{method} {path} HTTP/1.1\r\nHost: h\r\n\r\n").as_bytes()).unwrap()
    }

    #[test]
    fn not_found_method_not_allowed_head_and_groups() {
        let app = Router::new()
            .route("/a", get(|| async { "a" }).post(|| async { "posted" }))
            .group("/api", |g| {
                g.route("/", get(|| async { "api root" }))
                    .route("/x/{id}", get(|| async { "x" }))
            });
        assert_eq!(block_on(app.dispatch(req("GET", "/a"))).body, "a");
        assert_eq!(block_on(app.dispatch(req("HEAD", "/a"))).body, "a");
        let res = block_on(app.dispatch(req("DELETE", "/a")));
        assert_eq!(res.status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(res.header("allow"), Some("GET, HEAD, POST"));
        assert_eq!(
            block_on(app.dispatch(req("GET", "/nope"))).status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(block_on(app.dispatch(req("GET", "/api"))).body, "api root");
        assert_eq!(block_on(app.dispatch(req("GET", "/api/x/1"))).body, "x");
        assert_eq!(
            block_on(app.dispatch(req("BREW", "/a"))).status,
            StatusCode::NOT_IMPLEMENTED
        );
    }

    #[test]
    fn trailing_slash_redirect_when_enabled() {
        let app = Router::new()
            .route("/a", get(|| async { "a" }))
            .route("/b/", get(|| async { "b" }))
            .redirect_trailing_slash(true);
        let res = block_on(app.dispatch(req("GET", "/a/?x=1")));
        assert_eq!(res.status, StatusCode::PERMANENT_REDIRECT);
        assert_eq!(res.header("location"), Some("/a?x=1"));
        assert_eq!(
            block_on(app.dispatch(req("GET", "/b"))).header("location"),
            Some("/b/")
        );
        assert_eq!(
            block_on(app.dispatch(req("GET", "/c/"))).status,
            StatusCode::NOT_FOUND
        );
        let off = Router::new().route("/a", get(|| async { "a" }));
        assert_eq!(
            block_on(off.dispatch(req("GET", "/a/"))).status,
            StatusCode::NOT_FOUND
        );
    }

    #[test]
    fn try_route_reports_conflicts() {
        let r = Router::new().route("/u/{id}", get(|| async { "" }));
        let e = r.try_route("/u/{name}", get(|| async { "" })).unwrap_err();
        assert!(
            e.to_string()
                .contains("conflicts with existing route `/u/{id}`")
        );
    }
}
