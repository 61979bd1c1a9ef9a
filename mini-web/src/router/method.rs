//! `get(handler).post(other)`: the handlers of one path, by method.
//! Mirrors `axum::routing::MethodRouter`.

use std::marker::PhantomData;
use std::sync::Arc;

use crate::Request;
use crate::handler::{BoxFuture, Handler};
use crate::http::Method;

/// A handler with its argument types erased, still waiting for its state.
pub(crate) trait ErasedHandler<S>: Send + Sync + 'static {
    fn call(&self, req: Request, state: &S) -> BoxFuture;
}

struct Erased<H, T> {
    handler: H,
    _args: PhantomData<fn() -> T>,
}

impl<H, T, S> ErasedHandler<S> for Erased<H, T>
where
    H: Handler<T, S>,
    T: 'static,
{
    fn call(&self, req: Request, state: &S) -> BoxFuture {
        self.handler.call(req, state)
    }
}

/// Handlers for one path, keyed by method. Build with [`get`], [`post`] ... and chain.
pub struct MethodRouter<S> {
    pub(crate) handlers: Vec<(Method, Arc<dyn ErasedHandler<S>>)>,
}

impl<S> std::fmt::Debug for MethodRouter<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.handlers.iter().map(|(m, _)| m))
            .finish()
    }
}

impl<S: 'static> MethodRouter<S> {
    /// Adds `handler` for `method`.
    pub fn on<H: Handler<T, S>, T: 'static>(mut self, method: Method, handler: H) -> Self {
        self.handlers.push((
            method,
            Arc::new(Erased {
                handler,
                _args: PhantomData,
            }),
        ));
        self
    }
}

macro_rules! method_fns {
    ($($fn_name:ident => $method:ident),*) => {
        $(
            #[doc = concat!("Routes `", stringify!($method), "` requests to `handler`.")]
            pub fn $fn_name<H: Handler<T, S>, T: 'static, S: 'static>(handler: H) -> MethodRouter<S> {
                MethodRouter { handlers: Vec::new() }.on(Method::$method, handler)
            }
        )*
        impl<S: 'static> MethodRouter<S> {
            $(
                #[doc = concat!("Also routes `", stringify!($method), "` requests to `handler`.")]
                pub fn $fn_name<H: Handler<T, S>, T: 'static>(self, handler: H) -> Self {
                    self.on(Method::$method, handler)
                }
            )*
        }
    };
}

method_fns!(get => Get, head => Head, post => Post, put => Put, delete => Delete, patch => Patch, options => Options);
