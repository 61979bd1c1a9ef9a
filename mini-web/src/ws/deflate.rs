//! The `permessage-deflate` codec (RFC 7692 §7.2): raw DEFLATE (RFC 1951)
//! per message, through flate2 on its zlib-rs backend (a Rust port of zlib;
//! flate2's default miniz_oxide backend cannot set the window size, which
//! `server_max_window_bits` needs).
//!
//! ```text
//! send:  message ─► deflate, SYNC_FLUSH ─► … 00 00 ff ff ─► drop those 4 ─► one frame, RSV1 set
//! recv:  frames of a message, RSV1 on the first ─► inflate each fragment as it comes
//!        ─► FIN: inflate 00 00 ff ff (the tail the sender dropped) ─► the message
//! ```
//!
//! A sync flush ends every message on a byte boundary with an empty stored
//! block, whose last four bytes are always `00 00 ff ff`; the sender drops
//! them and the receiver puts them back (§7.2.1, §7.2.2).
//!
//! *Context takeover* is the default: the compressor keeps its window (the
//! last 2^bits bytes) from one message to the next, so a message much like
//! the previous one compresses to a few back-references. The price is the
//! state held by every connection between messages — for zlib at 15 bits
//! about 256 KiB to compress and 32 KiB + 7 KiB to decompress. With
//! `*_no_context_takeover` agreed, this codec drops that side's state after
//! each message, so an idle connection holds none (and pays the set-up per
//! message instead).
//!
//! Decompression is bounded: output stops at the message-size limit, so a
//! few kilobytes that inflate to gigabytes (a zip bomb) close the
//! connection with 1009 after at most that much plus one buffer.

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

use bytes::BytesMut;

use super::error::WsError;
use super::extension::Agreed;

/// What every sync-flushed message ends with, dropped on the wire.
const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// How much is inflated per step, checked against the limit before it is kept.
const STEP: usize = 16 * 1024;

/// Both directions' DEFLATE state for one connection.
pub(crate) struct Deflate {
    /// The parameters agreed in the handshake.
    agreed: Agreed,
    /// Our compressor; `None` until the first message, and again after each
    /// one under `server_no_context_takeover`.
    compress: Option<Compress>,
    /// The client's messages' decompressor, likewise.
    decompress: Option<Decompress>,
    /// Compressed bytes of the message being received, so far.
    received: usize,
}

impl std::fmt::Debug for Deflate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deflate")
            .field("agreed", &self.agreed)
            .finish_non_exhaustive()
    }
}

impl Deflate {
    /// The codec for what the handshake agreed (always `Some`: the
    /// signature is shared with the build without the feature, which declines).
    pub(crate) fn new(agreed: Agreed) -> Option<Deflate> {
        Some(Deflate {
            agreed,
            compress: None,
            decompress: None,
            received: 0,
        })
    }

    /// The agreed parameters.
    pub(crate) fn agreed(&self) -> &Agreed {
        &self.agreed
    }

    /// Compresses one whole message: the payload of its frame (with RSV1).
    pub(crate) fn compress(&mut self, data: &[u8]) -> Result<Vec<u8>, WsError> {
        let (level, bits) = (self.agreed.level, self.agreed.server_window_bits);
        let c = self.compress.get_or_insert_with(|| {
            Compress::new_with_window_bits(Compression::new(level), false, bits)
        });
        let mut out = Vec::with_capacity(data.len() / 2 + 64);
        let mut used = 0;
        loop {
            if out.capacity() - out.len() < 64 {
                out.reserve(out.capacity().max(1024));
            }
            let before = c.total_in();
            c.compress_vec(&data[used..], &mut out, FlushCompress::Sync)
                .map_err(|_| WsError::Protocol("deflate failed"))?;
            used += (c.total_in() - before) as usize;
            // zlib's rule: the flush is complete once it returns with output space left.
            if used == data.len() && out.len() < out.capacity() {
                break;
            }
        }
        if out.ends_with(&TAIL) {
            out.truncate(out.len() - TAIL.len());
        }
        // An empty message right after another flush makes zlib write
        // nothing at all; an empty payload would leave the receiver's
        // appended tail misaligned, so send the one byte RFC 7692 §7.2.3.6
        // gives for it (an empty stored block's header).
        if out.is_empty() {
            out.push(0x00);
        }
        if self.agreed.server_no_context_takeover {
            self.compress = None;
        }
        Ok(out)
    }

    /// Inflates one fragment of a compressed message onto `out`, failing
    /// with [`WsError::TooBig`] once `out` would pass `limit` bytes.
    pub(crate) fn decompress(
        &mut self,
        input: &[u8],
        out: &mut BytesMut,
        limit: usize,
    ) -> Result<(), WsError> {
        let bits = self.agreed.client_window_bits.max(9); // an 8-bit stream inflates in a 9-bit window
        let d = self
            .decompress
            .get_or_insert_with(|| Decompress::new_with_window_bits(false, bits));
        self.received += input.len();
        let mut step = vec![0u8; STEP];
        let mut used = 0;
        loop {
            let (in_before, out_before) = (d.total_in(), d.total_out());
            let status = d
                .decompress(&input[used..], &mut step, FlushDecompress::Sync)
                .map_err(|_| WsError::Protocol("invalid deflate data"))?;
            used += (d.total_in() - in_before) as usize;
            let produced = (d.total_out() - out_before) as usize;
            if out.len() + produced > limit {
                return Err(WsError::TooBig("message"));
            }
            out.extend_from_slice(&step[..produced]);
            let stuck = produced == 0 && d.total_in() == in_before;
            // Done once all input is in and the last step left room (nothing pending).
            if status == Status::StreamEnd || (used == input.len() && produced < STEP) || stuck {
                if status == Status::StreamEnd {
                    // A final block (BFINAL) ended the stream: the next message starts a new one.
                    self.decompress = None;
                }
                return Ok(());
            }
        }
    }

    /// Ends a compressed message: inflates the dropped tail, and drops the
    /// window if the client resets its own after each message.
    pub(crate) fn finish_message(
        &mut self,
        out: &mut BytesMut,
        limit: usize,
    ) -> Result<(), WsError> {
        // A peer that sent an empty compressed payload sent an empty message:
        // the tail alone would be read as the start of a stored block.
        if self.decompress.is_some() && self.received > 0 {
            self.decompress(&TAIL, out, limit)?;
        }
        self.received = 0;
        if self.agreed.client_no_context_takeover {
            self.decompress = None;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ws::extension::{DeflateConfig, negotiate};

    fn codec(offer: &str, config: &DeflateConfig) -> Deflate {
        Deflate::new(negotiate([offer], config).unwrap()).unwrap()
    }

    /// Decompresses a whole message the way the socket does.
    fn inflate(d: &mut Deflate, wire: &[u8], limit: usize) -> Result<Vec<u8>, WsError> {
        let mut out = BytesMut::new();
        d.decompress(wire, &mut out, limit)?;
        d.finish_message(&mut out, limit)?;
        Ok(out.to_vec())
    }

    #[test]
    fn rfc_7692_hello() {
        // RFC 7692 §7.2.3.1: "Hello" compressed, and the same message again
        // with context takeover (§7.2.3.2) — a back-reference, shorter.
        let mut d = codec("permessage-deflate", &DeflateConfig::default());
        let first = [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];
        assert_eq!(inflate(&mut d, &first, 100).unwrap(), b"Hello");
        assert_eq!(d.compress(b"Hello").unwrap(), first);
        let second = d.compress(b"Hello").unwrap();
        assert!(second.len() < first.len(), "{second:02x?}");
        // §7.2.3.3: a message in an uncompressed (stored) block.
        let stored = [
            0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00,
        ];
        assert_eq!(inflate(&mut d, &stored, 100).unwrap(), b"Hello");
    }

    #[test]
    fn round_trip_with_and_without_context_takeover() {
        let text = b"{\"ticker\":\"ACME\",\"price\":101.25,\"volume\":1200}".repeat(20);
        // (offer, config, whether the 2nd message gets smaller by pointing back at the 1st)
        for (offer, config, gains) in [
            ("permessage-deflate", DeflateConfig::default(), true),
            (
                "permessage-deflate; server_no_context_takeover; client_max_window_bits",
                DeflateConfig {
                    client_no_context_takeover: true,
                    client_max_window_bits: 9,
                    ..DeflateConfig::default()
                },
                false,
            ),
            // A 512-byte window cannot reach back over a 920-byte message.
            (
                "permessage-deflate; server_max_window_bits=9",
                DeflateConfig::default(),
                false,
            ),
        ] {
            // Our compressor against our decompressor stands in for both peers here.
            let mut server = codec(offer, &config);
            let mut client = codec(offer, &config);
            let mut sizes = Vec::new();
            for _ in 0..3 {
                let wire = server.compress(&text).unwrap();
                sizes.push(wire.len());
                assert_eq!(inflate(&mut client, &wire, 1 << 20).unwrap(), text);
            }
            assert_eq!(sizes[1] < sizes[0] / 2, gains, "{offer}: {sizes:?}");
        }
    }

    #[test]
    fn split_anywhere_and_empty_messages() {
        let mut server = codec("permessage-deflate", &DeflateConfig::default());
        let mut client = codec("permessage-deflate", &DeflateConfig::default());
        let text: Vec<u8> = (0..5000u32).map(|i| (i % 251) as u8).collect();
        let wire = server.compress(&text).unwrap();
        for cut in [0, 1, wire.len() / 2, wire.len()] {
            let mut fresh = codec("permessage-deflate", &DeflateConfig::default());
            let mut out = BytesMut::new();
            fresh.decompress(&wire[..cut], &mut out, 1 << 20).unwrap();
            fresh.decompress(&wire[cut..], &mut out, 1 << 20).unwrap();
            fresh.finish_message(&mut out, 1 << 20).unwrap();
            assert_eq!(out, text, "cut at {cut}");
        }
        // `client` keeps context with `server` from here on.
        assert_eq!(inflate(&mut client, &wire, 1 << 20).unwrap(), text);
        // Empty messages, twice in a row (the second makes zlib write
        // nothing), then a real one: the stream must stay in step.
        for _ in 0..2 {
            let empty = server.compress(b"").unwrap();
            assert!(!empty.is_empty());
            assert_eq!(inflate(&mut client, &empty, 10).unwrap(), b"");
        }
        let wire = server.compress(&text).unwrap();
        assert_eq!(inflate(&mut client, &wire, 1 << 20).unwrap(), text);
        // A peer's empty compressed payload is an empty message too.
        assert_eq!(inflate(&mut client, b"", 10).unwrap(), b"");
        let wire = server.compress(b"after").unwrap();
        assert_eq!(inflate(&mut client, &wire, 100).unwrap(), b"after");
    }

    #[test]
    fn a_zip_bomb_stops_at_the_limit() {
        let mut server = codec("permessage-deflate", &DeflateConfig::default());
        let bomb = server.compress(&vec![0u8; 4 << 20]).unwrap();
        assert!(bomb.len() < 8192, "{}", bomb.len());
        let mut client = codec("permessage-deflate", &DeflateConfig::default());
        let mut out = BytesMut::new();
        assert!(matches!(
            client.decompress(&bomb, &mut out, 1 << 20),
            Err(WsError::TooBig(_))
        ));
        assert!(out.len() <= 1 << 20);
        let mut client = codec("permessage-deflate", &DeflateConfig::default());
        assert!(matches!(
            inflate(&mut client, b"\xff\xff\xff garbage", 100),
            Err(WsError::Protocol(_))
        ));
    }
}
