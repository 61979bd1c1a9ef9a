//! The frame (RFC 6455 §5.2): header parser and writer, and masking.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-------+-+-------------+-------------------------------+
//! |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
//! |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
//! |N|V|V|V|       |S|             |   (if payload len==126/127)   |
//! | |1|2|3|       |K|             |                               |
//! +-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
//! |     Extended payload length continued, if payload len == 127  |
//! + - - - - - - - - - - - - - - - +-------------------------------+
//! |                               |Masking-key, if MASK set to 1  |
//! +-------------------------------+-------------------------------+
//! | Masking-key (continued)       |          Payload Data         |
//! +-------------------------------- - - - - - - - - - - - - - - - +
//! ```
//!
//! The parser reads only the header: the payload can be megabytes, and the
//! socket layer decides when it has arrived. It checks everything a header
//! alone can break (RSV2/RSV3, RSV1 on a control frame, unknown opcodes,
//! control frames that are fragmented or longer than 125 bytes, a 64-bit
//! length with its top bit set); the rules that need state (continuations,
//! masking per role, RSV1 — "compressed", RFC 7692 — only where
//! `permessage-deflate` was agreed, and only on a message's first frame)
//! belong to the socket.

use super::error::WsError;

/// What a frame carries (RFC 6455 §5.2, §11.8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Opcode {
    /// `0x0`: the next fragment of a message.
    Continuation,
    /// `0x1`: the first frame of a UTF-8 text message.
    Text,
    /// `0x2`: the first frame of a binary message.
    Binary,
    /// `0x8`: the closing handshake.
    Close,
    /// `0x9`: a ping; the peer answers with a pong carrying the same payload.
    Ping,
    /// `0xA`: a pong.
    Pong,
}

impl Opcode {
    /// The opcode of a 4-bit value; the reserved ones are a protocol error.
    pub fn from_bits(bits: u8) -> Result<Opcode, WsError> {
        Ok(match bits {
            0x0 => Opcode::Continuation,
            0x1 => Opcode::Text,
            0x2 => Opcode::Binary,
            0x8 => Opcode::Close,
            0x9 => Opcode::Ping,
            0xA => Opcode::Pong,
            _ => return Err(WsError::Protocol("reserved opcode")),
        })
    }

    /// The 4-bit value on the wire.
    pub fn bits(self) -> u8 {
        match self {
            Opcode::Continuation => 0x0,
            Opcode::Text => 0x1,
            Opcode::Binary => 0x2,
            Opcode::Close => 0x8,
            Opcode::Ping => 0x9,
            Opcode::Pong => 0xA,
        }
    }

    /// Close, ping and pong: at most 125 bytes, never fragmented (§5.5).
    pub fn is_control(self) -> bool {
        self.bits() & 0x8 != 0
    }
}

/// The largest payload of a control frame.
pub const MAX_CONTROL_PAYLOAD: usize = 125;

/// A parsed frame header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameHeader {
    /// FIN: the last frame of its message.
    pub fin: bool,
    /// RSV1: with `permessage-deflate`, "this message is compressed" (RFC 7692 §6).
    pub rsv1: bool,
    /// The opcode.
    pub opcode: Opcode,
    /// The masking key, present on every client-to-server frame.
    pub mask: Option<[u8; 4]>,
    /// The payload length.
    pub len: u64,
}

/// Parses the header at the start of `buf`: `Ok(None)` until all of it has
/// arrived, else the header and its length in bytes.
pub fn parse_header(buf: &[u8]) -> Result<Option<(FrameHeader, usize)>, WsError> {
    let [b0, b1, ..] = *buf else {
        return Ok(None);
    };
    // No extension we speak defines RSV2 or RSV3 (§5.2).
    if b0 & 0x30 != 0 {
        return Err(WsError::Protocol("reserved bit set"));
    }
    let fin = b0 & 0x80 != 0;
    let rsv1 = b0 & 0x40 != 0;
    let opcode = Opcode::from_bits(b0 & 0x0F)?;
    // Control frames are never compressed (RFC 7692 §6.1).
    if rsv1 && opcode.is_control() {
        return Err(WsError::Protocol("reserved bit set"));
    }
    let masked = b1 & 0x80 != 0;
    let (len, mut at) = match b1 & 0x7F {
        126 => match buf.get(2..4) {
            Some(b) => (u64::from(u16::from_be_bytes([b[0], b[1]])), 4),
            None => return Ok(None),
        },
        127 => match buf.get(2..10) {
            Some(b) => {
                let mut be = [0u8; 8];
                be.copy_from_slice(b);
                let len = u64::from_be_bytes(be);
                if len >> 63 != 0 {
                    return Err(WsError::Protocol("64-bit length with the top bit set"));
                }
                (len, 10)
            }
            None => return Ok(None),
        },
        short => (u64::from(short), 2),
    };
    if opcode.is_control() {
        if !fin {
            return Err(WsError::Protocol("fragmented control frame"));
        }
        if len > MAX_CONTROL_PAYLOAD as u64 {
            return Err(WsError::Protocol("control frame longer than 125 bytes"));
        }
    }
    let mask = if masked {
        let Some(k) = buf.get(at..at + 4) else {
            return Ok(None);
        };
        at += 4;
        Some([k[0], k[1], k[2], k[3]])
    } else {
        None
    };
    Ok(Some((
        FrameHeader {
            fin,
            rsv1,
            opcode,
            mask,
            len,
        },
        at,
    )))
}

/// Appends a frame with `payload` to `out`; masked with `mask` when given
/// (a client's frames), in the shortest length form (§5.2: "the minimal
/// number of bytes MUST be used").
pub fn write_frame(
    out: &mut Vec<u8>,
    fin: bool,
    opcode: Opcode,
    mask: Option<[u8; 4]>,
    payload: &[u8],
) {
    write_frame_rsv1(out, fin, false, opcode, mask, payload);
}

/// [`write_frame`] with RSV1 given: set on the first frame of a message
/// compressed with `permessage-deflate`.
pub fn write_frame_rsv1(
    out: &mut Vec<u8>,
    fin: bool,
    rsv1: bool,
    opcode: Opcode,
    mask: Option<[u8; 4]>,
    payload: &[u8],
) {
    out.push(u8::from(fin) << 7 | u8::from(rsv1) << 6 | opcode.bits());
    let mask_bit = if mask.is_some() { 0x80 } else { 0 };
    match payload.len() {
        n @ 0..=125 => out.push(mask_bit | n as u8),
        n @ 126..=0xFFFF => {
            out.push(mask_bit | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(mask_bit | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    match mask {
        Some(key) => {
            out.extend_from_slice(&key);
            let start = out.len();
            out.extend_from_slice(payload);
            apply_mask(&mut out[start..], key, 0);
        }
        None => out.extend_from_slice(payload),
    }
}

/// XORs `data` with `key`, `data[0]` being byte `offset` of the payload
/// (§5.3; the same operation masks and unmasks).
pub fn apply_mask(data: &mut [u8], key: [u8; 4], offset: usize) {
    // Rotate the key so that word-wide XOR lines up with `data[0]`.
    let mut k = [0u8; 4];
    for (i, b) in k.iter_mut().enumerate() {
        *b = key[(offset + i) % 4];
    }
    let word = u64::from_ne_bytes([k[0], k[1], k[2], k[3], k[0], k[1], k[2], k[3]]);
    let mut chunks = data.chunks_exact_mut(8);
    for chunk in &mut chunks {
        let mut v = [0u8; 8];
        v.copy_from_slice(chunk);
        chunk.copy_from_slice(&(u64::from_ne_bytes(v) ^ word).to_ne_bytes());
    }
    for (i, b) in chunks.into_remainder().iter_mut().enumerate() {
        *b ^= k[i % 4];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_examples() {
        // RFC 6455 §5.7: an unmasked and a masked "Hello".
        let (h, n) = parse_header(&[0x81, 0x05]).unwrap().unwrap();
        assert_eq!(
            (h.fin, h.opcode, h.mask, h.len, n),
            (true, Opcode::Text, None, 5, 2)
        );
        let mut masked = vec![
            0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
        ];
        let (h, n) = parse_header(&masked).unwrap().unwrap();
        apply_mask(&mut masked[n..], h.mask.unwrap(), 0);
        assert_eq!(&masked[n..], b"Hello");
        // A fragmented "Hel" + "lo", and 256 / 65536 byte binary headers.
        assert!(!parse_header(&[0x01, 0x03]).unwrap().unwrap().0.fin);
        let (h, n) = parse_header(&[0x82, 0x7E, 0x01, 0x00]).unwrap().unwrap();
        assert_eq!((h.len, n), (256, 4));
        let (h, n) = parse_header(&[0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0])
            .unwrap()
            .unwrap();
        assert_eq!((h.len, n), (65536, 10));
    }

    #[test]
    fn header_errors_and_partial_input() {
        assert_eq!(parse_header(&[0x81]).unwrap(), None);
        assert_eq!(parse_header(&[0x82, 0x7E, 0x01]).unwrap(), None);
        assert_eq!(parse_header(&[0x81, 0x85, 1, 2]).unwrap(), None);
        // RSV1 is the socket's to judge on a data frame; never allowed on a control frame.
        assert!(parse_header(&[0xC1, 0x00]).unwrap().unwrap().0.rsv1);
        assert!(parse_header(&[0xC9, 0x00]).is_err(), "RSV1 on a ping");
        assert!(parse_header(&[0xA1, 0x00]).is_err(), "RSV2");
        assert!(parse_header(&[0x91, 0x00]).is_err(), "RSV3");
        assert!(parse_header(&[0x83, 0x00]).is_err(), "reserved opcode 3");
        assert!(parse_header(&[0x09, 0x00]).is_err(), "fragmented ping");
        assert!(
            parse_header(&[0x89, 0x7E, 0x00, 0x7E]).is_err(),
            "126-byte ping"
        );
        assert!(parse_header(&[0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0]).is_err());
    }

    #[test]
    fn mask_at_any_offset() {
        let key = [1, 2, 3, 4];
        let plain: Vec<u8> = (0..37).collect();
        let mut whole = plain.clone();
        apply_mask(&mut whole, key, 0);
        let mut pieces = plain.clone();
        let (a, b) = pieces.split_at_mut(11);
        apply_mask(a, key, 0);
        apply_mask(b, key, 11);
        assert_eq!(whole, pieces);
        apply_mask(&mut whole, key, 0);
        assert_eq!(whole, plain);
    }
}
