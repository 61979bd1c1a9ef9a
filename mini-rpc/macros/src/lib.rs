//! `#[service]`: one trait declaration becomes a typed client and a server
//! dispatch for mini-rpc (the counterpart is tarpc's `#[tarpc::service]`).
//!
//! Input (arguments by value, no `self`, as in tarpc):
//!
//! ```ignore
//! #[mini_rpc::service]
//! pub trait Kv {
//!     /// Reads a key. Safe to retry.
//!     #[idempotent]
//!     async fn get(key: String) -> Option<String>;
//!     /// Items as they change; `Streaming<T>` makes a server stream.
//!     async fn watch(prefix: String) -> mini_rpc::Streaming<Event>;
//!     /// A last argument `Streaming<T>` makes a client stream...
//!     async fn load(items: mini_rpc::Streaming<Item>) -> u64;
//!     /// ...and both make a bidirectional one.
//!     async fn sync(changes: mini_rpc::Streaming<Item>) -> mini_rpc::Streaming<Item>;
//! }
//! ```
//!
//! Implementations receive a client stream as a `RequestStream<T>`; clients
//! get an `Upload<T, R>` (send, then `finish` for the result) for a client
//! stream, and a `(ClientSink<T>, ClientStream<U>)` pair for a bidirectional one.
//!
//! Output, for a trait `Kv`:
//! - the trait itself, rewritten with `&self`, a `Context` first argument and
//!   `Result<_, Status>` returns, for the server to implement;
//! - `KvServer<S>`: implements `mini_rpc::Service`, decoding the argument
//!   tuple, calling the method, encoding the result;
//! - `KvClient<C = mini_rpc::Client>`: one async method per RPC (plus a
//!   `_with(CallOptions, ..)` variant), over any `mini_rpc::Channel`.
//!
//! Methods are routed by name (`Kv.get`): readable in logs and wire dumps,
//! and stable when methods are added (rejected: numbering methods, which
//! breaks silently when two builds order them differently).

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as Tokens};
use quote::{format_ident, quote};
use syn::{
    Attribute, FnArg, GenericArgument, Ident, ItemTrait, Pat, PathArguments, ReturnType, TraitItem,
    Type, parse_macro_input,
};

/// Declares an RPC service; see the crate docs for what it generates.
#[proc_macro_attribute]
pub fn service(attr: TokenStream, item: TokenStream) -> TokenStream {
    if !attr.is_empty() {
        let msg = "#[service] takes no arguments";
        return syn::Error::new(Span::call_site(), msg)
            .to_compile_error()
            .into();
    }
    let input = parse_macro_input!(item as ItemTrait);
    match expand(input) {
        Ok(tokens) => tokens.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

/// One RPC method as parsed from the trait.
struct Method {
    /// `get`.
    name: Ident,
    /// Doc comments and other attributes, minus `#[idempotent]`.
    attrs: Vec<Attribute>,
    /// Argument names and types, in order.
    args: Vec<(Ident, Type)>,
    /// The reply type; for a streaming method, the item type.
    output: Type,
    /// Whether the method was declared returning `Streaming<T>`.
    streaming: bool,
    /// A last argument `name: Streaming<T>`: its name and `T`.
    input: Option<(Ident, Type)>,
    /// Whether `#[idempotent]` was present.
    idempotent: bool,
}

fn expand(input: ItemTrait) -> syn::Result<Tokens> {
    let methods = input
        .items
        .iter()
        .map(|item| match item {
            TraitItem::Fn(f) => parse_method(f),
            other => Err(syn::Error::new_spanned(
                other,
                "a #[service] trait holds only `async fn`s",
            )),
        })
        .collect::<syn::Result<Vec<_>>>()?;
    let vis = &input.vis;
    let attrs = &input.attrs;
    let trait_name = &input.ident;
    let service_name = trait_name.to_string();
    let server = format_ident!("{}Server", trait_name);
    let client = format_ident!("{}Client", trait_name);
    let krate = quote!(::mini_rpc);

    let trait_fns = methods.iter().map(|m| {
        let (name, attrs) = (&m.name, &m.attrs);
        let input = m
            .input
            .iter()
            .map(|(n, item)| quote!(#n: #krate::RequestStream<#item>));
        let args = m.args.iter().map(|(n, t)| quote!(#n: #t)).chain(input);
        let out = &m.output;
        let ret = if m.streaming {
            quote!(#krate::ServerStream<#out>)
        } else {
            quote!(#out)
        };
        quote! {
            #(#attrs)*
            fn #name(&self, ctx: #krate::Context, #(#args),*)
                -> impl ::core::future::Future<Output = ::core::result::Result<#ret, #krate::Status>> + Send;
        }
    });

    let method_names = methods.iter().map(|m| m.name.to_string());
    let stream_methods: Vec<String> = methods
        .iter()
        .filter(|m| m.input.is_some())
        .map(|m| m.name.to_string())
        .collect();
    let takes_stream = if stream_methods.is_empty() {
        quote!(false)
    } else {
        quote!(::core::matches!(method, #(#stream_methods)|*))
    };
    // Without stream methods nothing reads `input`; say it is unused on purpose.
    let unused_input = stream_methods.is_empty().then(|| quote!(let _ = &input;));
    let arms = methods.iter().map(|m| {
        let name = &m.name;
        let name_str = name.to_string();
        let arg_names: Vec<_> = m.args.iter().map(|(n, _)| n).collect();
        let arg_types: Vec<_> = m.args.iter().map(|(_, t)| t).collect();
        let (open_input, input_arg) = match &m.input {
            Some((n, _)) => (
                quote! {
                    let #n = #krate::RequestStream::new(
                        input.ok_or_else(|| #krate::Status::internal("no client stream routed"))?,
                        codec,
                    );
                },
                quote!(#n),
            ),
            None => (quote!(), quote!()),
        };
        let reply = if m.streaming {
            quote!(::core::result::Result::Ok(out.into_reply()))
        } else {
            quote!(::core::result::Result::Ok(#krate::Reply::Unary(codec.encode(&out)?)))
        };
        quote! {
            #name_str => ::std::boxed::Box::pin(async move {
                let (#(#arg_names,)*): (#(#arg_types,)*) = codec.decode(&payload)?;
                #open_input
                let out = svc.#name(ctx, #(#arg_names,)* #input_arg).await?;
                #reply
            }),
        }
    });

    let client_fns = methods.iter().map(|m| {
        let name = &m.name;
        let with = format_ident!("{}_with", name);
        let attrs = &m.attrs;
        let route = format!("{service_name}.{name}");
        let arg_names: Vec<_> = m.args.iter().map(|(n, _)| n).collect();
        let args: Vec<_> = m.args.iter().map(|(n, t)| quote!(#n: #t)).collect();
        let out = &m.output;
        let mark = if m.idempotent { quote!(let opts = opts.idempotent();) } else { quote!() };
        let (ret, call) = if let Some((_, item)) = &m.input {
            if m.streaming {
                (
                    quote!((#krate::ClientSink<#item>, #krate::ClientStream<#out>)),
                    quote! {
                        let (sink, raw) = #krate::Channel::client_stream(&self.channel, #route, payload, opts).await?;
                        ::core::result::Result::Ok((#krate::ClientSink::new(sink, codec), #krate::ClientStream::new(raw, codec)))
                    },
                )
            } else {
                (
                    quote!(#krate::Upload<#item, #out>),
                    quote! {
                        let (sink, raw) = #krate::Channel::client_stream(&self.channel, #route, payload, opts).await?;
                        ::core::result::Result::Ok(#krate::Upload::new(sink, raw, codec))
                    },
                )
            }
        } else if m.streaming {
            (
                quote!(#krate::ClientStream<#out>),
                quote! {
                    let raw = #krate::Channel::server_stream(&self.channel, #route, payload, opts).await?;
                    ::core::result::Result::Ok(#krate::ClientStream::new(raw, codec))
                },
            )
        } else {
            (
                quote!(#out),
                quote! {
                    let reply = #krate::Channel::unary(&self.channel, #route, payload, opts).await?;
                    codec.decode(&reply)
                },
            )
        };
        quote! {
            #(#attrs)*
            pub async fn #name(&self, #(#args),*) -> ::core::result::Result<#ret, #krate::Status> {
                self.#with(#krate::CallOptions::new(), #(#arg_names),*).await
            }

            #[doc = concat!("`", stringify!(#name), "` with a deadline, metadata or a hash key.")]
            pub async fn #with(&self, opts: #krate::CallOptions, #(#args),*)
                -> ::core::result::Result<#ret, #krate::Status>
            {
                #mark
                let codec = #krate::Channel::codec(&self.channel);
                let payload = codec.encode(&(#(&#arg_names,)*))?;
                #call
            }
        }
    });

    let server_doc = format!("Serves [`{trait_name}`] (generated by `#[service]`).");
    let client_doc = format!("Typed client of [`{trait_name}`] (generated by `#[service]`).");
    Ok(quote! {
        #(#attrs)*
        #vis trait #trait_name: Send + Sync + 'static {
            #(#trait_fns)*
        }

        #[doc = #server_doc]
        #vis struct #server<S> {
            inner: ::std::sync::Arc<S>,
        }

        impl<S: #trait_name> #server<S> {
            /// Wraps an implementation.
            #vis fn new(service: S) -> Self {
                Self { inner: ::std::sync::Arc::new(service) }
            }

            /// Wraps an implementation that is shared elsewhere too.
            #vis fn from_arc(service: ::std::sync::Arc<S>) -> Self {
                Self { inner: service }
            }
        }

        impl<S: #trait_name> #krate::Service for #server<S> {
            fn name(&self) -> &'static str {
                #service_name
            }

            fn methods(&self) -> &'static [&'static str] {
                &[#(#method_names),*]
            }

            fn takes_stream(&self, method: &str) -> bool {
                #takes_stream
            }

            fn call(
                &self,
                method: &str,
                ctx: #krate::Context,
                codec: #krate::CodecKind,
                payload: #krate::__private::Bytes,
                input: ::core::option::Option<#krate::RawIncoming>,
            ) -> #krate::BoxFuture<::core::result::Result<#krate::Reply, #krate::Status>> {
                #unused_input
                let svc = ::std::sync::Arc::clone(&self.inner);
                match method {
                    #(#arms)*
                    other => {
                        let msg = ::std::format!("{}.{} is not a method", #service_name, other);
                        ::std::boxed::Box::pin(async move {
                            ::core::result::Result::Err(#krate::Status::new(#krate::Code::Unimplemented, msg))
                        })
                    }
                }
            }
        }

        #[doc = #client_doc]
        #[derive(Clone)]
        #vis struct #client<C = #krate::Client> {
            channel: C,
        }

        impl<C: #krate::Channel> #client<C> {
            /// A client calling through `channel` (a `Client` or a `Balancer`).
            #vis fn new(channel: C) -> Self {
                Self { channel }
            }

            /// The channel calls go through.
            #vis fn channel(&self) -> &C {
                &self.channel
            }

            #(#client_fns)*
        }
    })
}

fn parse_method(f: &syn::TraitItemFn) -> syn::Result<Method> {
    let sig = &f.sig;
    if sig.asyncness.is_none() {
        return Err(syn::Error::new_spanned(
            sig,
            "RPC methods are declared `async fn`",
        ));
    }
    if f.default.is_some() {
        return Err(syn::Error::new_spanned(f, "RPC methods have no body here"));
    }
    let mut args = Vec::new();
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(r) => {
                let msg = "declare RPC arguments without `self`; implementations get `&self` and a Context";
                return Err(syn::Error::new_spanned(r, msg));
            }
            FnArg::Typed(pat) => match &*pat.pat {
                Pat::Ident(ident) => args.push((ident.ident.clone(), (*pat.ty).clone())),
                other => {
                    return Err(syn::Error::new_spanned(
                        other,
                        "arguments must be plain names",
                    ));
                }
            },
        }
    }
    // A last argument `Streaming<T>` is the client stream.
    let input = match args.last() {
        Some((name, ty)) => streaming_item(ty).map(|item| (name.clone(), item)),
        None => None,
    };
    if input.is_some() {
        args.pop();
    }
    if let Some((name, ty)) = args.iter().find(|(_, ty)| streaming_item(ty).is_some()) {
        let msg = format!("`{name}`: only the last argument can be a `Streaming<T>`");
        return Err(syn::Error::new_spanned(ty, msg));
    }
    let (output, streaming) = match &sig.output {
        ReturnType::Default => (syn::parse_quote!(()), false),
        ReturnType::Type(_, ty) => match streaming_item(ty) {
            Some(item) => (item, true),
            None => ((**ty).clone(), false),
        },
    };
    let idempotent = f.attrs.iter().any(|a| a.path().is_ident("idempotent"));
    let attrs = f
        .attrs
        .iter()
        .filter(|a| !a.path().is_ident("idempotent"))
        .cloned()
        .collect();
    Ok(Method {
        name: sig.ident.clone(),
        attrs,
        args,
        output,
        streaming,
        input,
        idempotent,
    })
}

/// `T` if `ty` is `Streaming<T>` (any path ending in `Streaming`).
fn streaming_item(ty: &Type) -> Option<Type> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if last.ident != "Streaming" {
        return None;
    }
    let PathArguments::AngleBracketed(generic) = &last.arguments else {
        return None;
    };
    match generic.args.first()? {
        GenericArgument::Type(item) => Some(item.clone()),
        _ => None,
    }
}
