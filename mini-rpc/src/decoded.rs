//! A typed view of a stream of encoded items: what a generated client
//! reads from a server stream ([`crate::ClientStream`]) and what a
//! generated handler reads from a client stream ([`crate::RequestStream`]).

use std::future::Future;
use std::marker::PhantomData;

use bytes::Bytes;
use serde::de::DeserializeOwned;

use crate::codec::CodecKind;
use crate::status::Status;

/// A stream of encoded items ([`crate::RawStream`], [`crate::RawIncoming`]).
pub trait RawItems: Send {
    /// The next encoded item; `None` after a clean end.
    fn next(&mut self) -> impl Future<Output = Option<Result<Bytes, Status>>> + Send;
}

/// Items of type `T`, decoded from `S` in the connection's codec.
pub struct Decoded<S, T> {
    /// The undecoded stream.
    raw: S,
    /// How items are encoded on this connection.
    codec: CodecKind,
    _item: PhantomData<fn() -> T>,
}

impl<S: RawItems, T: DeserializeOwned> Decoded<S, T> {
    /// Wraps a raw stream whose items are `T`s in `codec` (used by generated code).
    pub fn new(raw: S, codec: CodecKind) -> Decoded<S, T> {
        Decoded {
            raw,
            codec,
            _item: PhantomData,
        }
    }

    /// The next item; `None` after a clean end. An error from the peer ends
    /// the stream; an item that does not decode is an `InvalidArgument`
    /// error, after which the caller may go on reading.
    pub async fn next(&mut self) -> Option<Result<T, Status>> {
        let item = self.raw.next().await?;
        Some(item.and_then(|bytes| self.codec.decode(&bytes)))
    }
}
