//! WebSocket load: after the upgrade, the same binary message over and
//! over, each echoed back by the server (RFC 6455 framing, written here so
//! that the generator is the same client for every server).

use anyhow::bail;

use super::engine::{self, Protocol};
use super::{LoadConfig, LoadReport};

/// Any valid key will do: the client does not check the accept value (the 101 is enough).
const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
/// Clients mask every frame (RFC 6455 §5.3); one fixed key costs nothing per message.
const MASK: [u8; 4] = [0x5a, 0x17, 0xc3, 0x81];

/// Upgrades every connection on `host` `path`, then sends binary messages
/// of `len` bytes under `cfg`; a "response" is the echoed frame.
pub fn run(cfg: &LoadConfig, host: &str, path: &str, len: usize) -> anyhow::Result<LoadReport> {
    let frame = client_frame(len);
    let upgrade = format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    .into_bytes();
    engine::drive(cfg, move |_| Ws {
        frame: frame.clone(),
        upgrade: Some(upgrade.clone()),
    })
}

/// A final, masked binary frame of `len` payload bytes.
fn client_frame(len: usize) -> Vec<u8> {
    let mut out = vec![0x82];
    match len {
        0..=125 => out.push(0x80 | len as u8),
        126..=0xFFFF => {
            out.push(0x80 | 126);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        _ => {
            out.push(0x80 | 127);
            out.extend_from_slice(&(len as u64).to_be_bytes());
        }
    }
    out.extend_from_slice(&MASK);
    out.extend((0..len).map(|i| (b'a' + (i % 26) as u8) ^ MASK[i % 4]));
    out
}

/// The length of the server frame at the start of `buf` (unmasked, as a
/// server's are), once all of it is there; `is_error` when it is not a
/// binary frame (a close, most likely).
pub fn server_frame_len(buf: &[u8]) -> anyhow::Result<Option<(usize, bool)>> {
    let [b0, b1, ..] = *buf else {
        return Ok(None);
    };
    if b1 & 0x80 != 0 {
        bail!("a masked frame from the server");
    }
    let (len, header) = match b1 & 0x7F {
        126 => match buf.get(2..4) {
            Some(b) => (usize::from(u16::from_be_bytes([b[0], b[1]])), 4),
            None => return Ok(None),
        },
        127 => match buf.get(2..10) {
            Some(b) => {
                let mut be = [0u8; 8];
                be.copy_from_slice(b);
                (usize::try_from(u64::from_be_bytes(be))?, 10)
            }
            None => return Ok(None),
        },
        short => (usize::from(short), 2),
    };
    let total = header + len;
    Ok((buf.len() >= total).then_some((total, b0 != 0x82)))
}

struct Ws {
    frame: Vec<u8>,
    upgrade: Option<Vec<u8>>,
}

impl Protocol for Ws {
    fn next_request(&mut self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.frame);
    }

    fn parse_response(&mut self, buf: &[u8]) -> anyhow::Result<Option<(usize, bool)>> {
        server_frame_len(buf)
    }

    fn upgrade_request(&mut self) -> Option<Vec<u8>> {
        self.upgrade.take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_in_every_length_form() {
        for (len, header) in [(64, 2 + 4), (200, 4 + 4), (70_000, 10 + 4)] {
            let f = client_frame(len);
            assert_eq!(f.len(), header + len);
            // The payload unmasks to the letters.
            assert_eq!(f[header] ^ MASK[0], b'a');
        }
        // Server frames: short, 16-bit, partial.
        assert_eq!(
            server_frame_len(&[0x82, 2, 0, 0]).unwrap(),
            Some((4, false))
        );
        assert_eq!(server_frame_len(&[0x82, 126, 0, 200]).unwrap(), None);
        let mut long = vec![0x82, 126, 0, 200];
        long.resize(204, 0);
        assert_eq!(server_frame_len(&long).unwrap(), Some((204, false)));
        assert_eq!(
            server_frame_len(&[0x88, 2, 3, 232]).unwrap(),
            Some((4, true))
        );
        assert!(server_frame_len(&[0x82, 0x81, 0, 0, 0, 0, 0]).is_err());
    }
}
