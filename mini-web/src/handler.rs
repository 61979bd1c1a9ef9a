//! Handlers: async functions whose arguments are extractors.
//!
//! Mirrors axum's `Handler` trait. The rules for a handler signature:
//!
//! - it is an `async fn` (or a closure returning a future) that is `Clone + Send + Sync + 'static`;
//! - it takes up to 8 arguments; every argument implements
//!   [`FromRequestParts`], except the
//!   last, which may instead be [`Request`] itself (taking the whole request);
//! - its future is `Send` and its output implements [`IntoResponse`].
//!
//! When one of these fails, rustc reports "the trait `Handler<_, _>` is not
//! implemented for fn item ..."; check the argument types first, then that the
//! future is `Send` (no `Rc` or `RefCell` borrow held across an `.await`).
//!
//! The arguments before the last borrow the request and are extracted
//! synchronously (the head is in memory); the last may consume it and
//! await its body ([`Bytes`](bytes::Bytes), `Json`, or the streaming
//! [`Body`](crate::body::Body)). Either way a handler costs one boxed
//! future, not one per extractor.

use std::future::Future;
use std::pin::Pin;

use crate::Request;
use crate::extract::{FromRequest, FromRequestParts};
use crate::response::{IntoResponse, Response};

/// The future every endpoint returns once types are erased.
pub type BoxFuture = Pin<Box<dyn Future<Output = Response> + Send + 'static>>;

/// An async function usable as an endpoint, for argument types `T` and state `S`.
/// Mirrors `axum::handler::Handler`. See the module docs for the signature rules.
pub trait Handler<T, S>: Clone + Send + Sync + Sized + 'static {
    /// Extracts the arguments from `req` and runs the handler.
    fn call(&self, req: Request, state: &S) -> BoxFuture;
}

fn respond(res: Response) -> BoxFuture {
    Box::pin(std::future::ready(res))
}

impl<F, Fut, R, S> Handler<((),), S> for F
where
    F: Fn() -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = R> + Send + 'static,
    R: IntoResponse,
{
    fn call(&self, _req: Request, _state: &S) -> BoxFuture {
        let fut = self();
        Box::pin(async move { fut.await.into_response() })
    }
}

macro_rules! impl_handler {
    ($($ty:ident),* ; $last:ident) => {
        #[allow(non_snake_case)]
        impl<F, Fut, R, S, M, $($ty,)* $last> Handler<(M, $($ty,)* $last,), S> for F
        where
            F: Fn($($ty,)* $last) -> Fut + Clone + Send + Sync + 'static,
            Fut: Future<Output = R> + Send + 'static,
            R: IntoResponse,
            $($ty: FromRequestParts<S> + Send + 'static,)*
            $last: FromRequest<S, M>,
        {
            fn call(&self, req: Request, state: &S) -> BoxFuture {
                $(
                    let $ty = match $ty::from_request_parts(&req, state) {
                        Ok(v) => v,
                        Err(rejection) => return respond(rejection.into_response()),
                    };
                )*
                let $last = $last::from_request(req, state);
                // Cloned like axum's router clones a handler per call: free for fn items.
                let handler = self.clone();
                Box::pin(async move {
                    let $last = match $last.await {
                        Ok(v) => v,
                        Err(rejection) => return rejection.into_response(),
                    };
                    handler($($ty,)* $last).await.into_response()
                })
            }
        }
    };
}

impl_handler!(; T1);
impl_handler!(T1; T2);
impl_handler!(T1, T2; T3);
impl_handler!(T1, T2, T3; T4);
impl_handler!(T1, T2, T3, T4; T5);
impl_handler!(T1, T2, T3, T4, T5; T6);
impl_handler!(T1, T2, T3, T4, T5, T6; T7);
impl_handler!(T1, T2, T3, T4, T5, T6, T7; T8);
