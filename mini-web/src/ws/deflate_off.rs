//! Without the `ws-deflate` feature there is no codec: every
//! `permessage-deflate` offer is declined (RFC 7692 §5 lets a server
//! decline any offer), and no socket can hold a [`Deflate`].

use bytes::BytesMut;

use super::error::WsError;
use super::extension::Agreed;

/// Uninhabited: no value exists, so a socket's `Option<Deflate>` is always `None`.
#[derive(Debug)]
pub(crate) enum Deflate {}

impl Deflate {
    /// Declines: no codec is compiled in.
    pub(crate) fn new(_agreed: Agreed) -> Option<Deflate> {
        None
    }

    /// Unreachable: there is no value to call it on.
    pub(crate) fn agreed(&self) -> &Agreed {
        match *self {}
    }

    /// Unreachable: there is no value to call it on.
    pub(crate) fn compress(&mut self, _data: &[u8]) -> Result<Vec<u8>, WsError> {
        match *self {}
    }

    /// Unreachable: there is no value to call it on.
    pub(crate) fn decompress(
        &mut self,
        _: &[u8],
        _: &mut BytesMut,
        _: usize,
    ) -> Result<(), WsError> {
        match *self {}
    }

    /// Unreachable: there is no value to call it on.
    pub(crate) fn finish_message(&mut self, _: &mut BytesMut, _: usize) -> Result<(), WsError> {
        match *self {}
    }
}
