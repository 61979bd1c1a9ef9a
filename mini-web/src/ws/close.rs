//! Close frames (RFC 6455 §5.5.1, §7.4): the status codes and the rules for
//! a received one.

use super::error::WsError;
use super::utf8::Utf8Validator;

/// 1000: the purpose of the connection was fulfilled.
pub const NORMAL: u16 = 1000;
/// 1001: the endpoint is going away (server shutdown, page navigated away).
pub const GOING_AWAY: u16 = 1001;
/// 1002: the peer broke the protocol.
pub const PROTOCOL_ERROR: u16 = 1002;
/// 1007: a message's data did not match its type (text that is not UTF-8).
pub const INVALID_DATA: u16 = 1007;
/// 1009: a message too big to process.
pub const TOO_BIG: u16 = 1009;

/// A close frame's payload: a status code and a reason (UTF-8, ≤ 123 bytes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CloseFrame {
    /// The status code.
    pub code: u16,
    /// Why, for humans; may be empty.
    pub reason: String,
}

/// Whether a peer may send `code` (§7.4): the codes defined for use on the
/// wire (1000–1003, 1007–1011 and IANA's 1012–1014) and the ranges for
/// libraries and applications (3000–4999). 1005 and 1006 mean "no code" and
/// "dropped" and must never appear in a frame.
pub fn code_is_valid(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}

/// Parses a received close payload: empty, or a valid code and a UTF-8 reason.
pub fn parse(payload: &[u8]) -> Result<Option<CloseFrame>, WsError> {
    match payload {
        [] => Ok(None),
        [_] => Err(WsError::Protocol("close payload of one byte")),
        [hi, lo, reason @ ..] => {
            let code = u16::from_be_bytes([*hi, *lo]);
            if !code_is_valid(code) {
                return Err(WsError::Protocol("invalid close code"));
            }
            let mut utf8 = Utf8Validator::default();
            if !utf8.feed(reason) || !utf8.is_complete() {
                return Err(WsError::InvalidUtf8);
            }
            let reason = String::from_utf8(reason.to_vec()).map_err(|_| WsError::InvalidUtf8)?;
            Ok(Some(CloseFrame { code, reason }))
        }
    }
}

/// The payload of a close frame we send; the reason is cut to fit 125 bytes
/// at a character boundary.
pub fn payload(frame: Option<&CloseFrame>) -> Vec<u8> {
    let Some(frame) = frame else {
        return Vec::new();
    };
    let mut end = frame.reason.len().min(123);
    while !frame.reason.is_char_boundary(end) {
        end -= 1;
    }
    let mut out = frame.code.to_be_bytes().to_vec();
    out.extend_from_slice(&frame.reason.as_bytes()[..end]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_payloads() {
        for ok in [1000, 1001, 1003, 1007, 1011, 3000, 4999] {
            assert!(code_is_valid(ok), "{ok}");
        }
        for bad in [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000] {
            assert!(!code_is_valid(bad), "{bad}");
        }
        assert_eq!(parse(&[]).unwrap(), None);
        assert!(parse(&[3]).is_err());
        let f = parse(&[0x03, 0xE8, b'o', b'k']).unwrap().unwrap();
        assert_eq!((f.code, f.reason.as_str()), (1000, "ok"));
        assert!(matches!(
            parse(&[0x03, 0xE8, 0xFF]),
            Err(WsError::InvalidUtf8)
        ));
        let long = CloseFrame {
            code: NORMAL,
            reason: "é".repeat(100),
        };
        let p = payload(Some(&long));
        assert!(p.len() <= 125 && std::str::from_utf8(&p[2..]).is_ok());
    }
}
