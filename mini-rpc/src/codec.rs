//! Serde codecs for call arguments and results, chosen per connection.
//!
//! The client proposes a codec in its preface, the server confirms it or
//! refuses the connection (see [`crate::frame::Preface`]). After that every
//! payload on the connection is in that codec; frame heads never are.
//!
//! Why an enum and not a `Codec` trait object: serde's `Serialize` and
//! `DeserializeOwned` are generic, so a trait with `encode<T>` cannot be a
//! `dyn` object, and `erased-serde` would add a virtual call per field. An
//! enum dispatches with one `match` per call and adding a codec is one
//! variant here plus its id. tarpc picks its codec at transport build time
//! (`tokio-serde`), tonic fixes it per generated service (`ProstCodec`);
//! negotiating on the connection is closer to net/rpc's `ServeCodec`.

use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::status::Status;

/// A payload encoding.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum CodecKind {
    /// postcard: compact binary (varint integers, no field names). The default.
    #[default]
    Postcard,
    /// serde_json: readable on the wire, for debugging with a packet dump.
    Json,
}

impl CodecKind {
    /// Every codec this build has, in the order a server prefers them.
    pub const ALL: [CodecKind; 2] = [CodecKind::Postcard, CodecKind::Json];

    /// The byte that names the codec in a preface.
    pub fn id(self) -> u8 {
        match self {
            CodecKind::Postcard => 1,
            CodecKind::Json => 2,
        }
    }

    /// The codec named by a preface byte.
    pub fn from_id(id: u8) -> Option<CodecKind> {
        CodecKind::ALL.into_iter().find(|c| c.id() == id)
    }

    /// Encodes `value`. Fails only for types serde cannot represent in
    /// this format (e.g. a map with non-string keys in JSON).
    pub fn encode<T: Serialize + ?Sized>(self, value: &T) -> Result<Bytes, Status> {
        let bytes = match self {
            CodecKind::Postcard => postcard::to_allocvec(value).map_err(|e| e.to_string()),
            CodecKind::Json => serde_json::to_vec(value).map_err(|e| e.to_string()),
        };
        bytes
            .map(Bytes::from)
            .map_err(|e| Status::internal(format!("encode ({self:?}): {e}")))
    }

    /// Decodes a `T`. A payload that is not a valid `T` is `InvalidArgument`,
    /// the status a server returns for arguments it cannot read.
    pub fn decode<T: DeserializeOwned>(self, bytes: &[u8]) -> Result<T, Status> {
        let value = match self {
            CodecKind::Postcard => postcard::from_bytes(bytes).map_err(|e| e.to_string()),
            CodecKind::Json => serde_json::from_slice(bytes).map_err(|e| e.to_string()),
        };
        value.map_err(|e| Status::invalid_argument(format!("decode ({self:?}): {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_unknown_ids_are_none() {
        for c in CodecKind::ALL {
            assert_eq!(CodecKind::from_id(c.id()), Some(c));
        }
        assert_eq!(CodecKind::from_id(0), None);
    }

    #[test]
    fn garbage_is_invalid_argument_not_a_panic() {
        let err = CodecKind::Json
            .decode::<(String, u32)>(b"{nope")
            .unwrap_err();
        assert_eq!(err.code, crate::status::Code::InvalidArgument);
    }
}
