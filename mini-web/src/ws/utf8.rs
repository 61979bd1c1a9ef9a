//! UTF-8 validation of a text message that arrives in pieces (fragments, or
//! parts of one frame), failing at the first byte that cannot be part of a
//! valid sequence (RFC 6455 §8.1: "fail fast").
//!
//! std's validator does the work: `Utf8Error::error_len() == None` means
//! "valid so far, cut off in the middle of a sequence", and it rejects a
//! cut-off prefix that could never complete (`F4 90`, `ED A0`) at once. What
//! is kept between pieces is only that cut-off tail, at most 3 bytes.

/// Incremental UTF-8 validator.
#[derive(Clone, Debug, Default)]
pub struct Utf8Validator {
    /// The start of a sequence cut off at the end of the last piece.
    tail: [u8; 4],
    /// How many bytes of `tail` are in use.
    tail_len: usize,
}

/// The length of the sequence a valid lead byte starts.
fn sequence_len(lead: u8) -> usize {
    match lead {
        0xF0.. => 4,
        0xE0.. => 3,
        _ => 2,
    }
}

impl Utf8Validator {
    /// Checks the next piece; `false` as soon as the text cannot be valid.
    pub fn feed(&mut self, mut data: &[u8]) -> bool {
        if self.tail_len > 0 {
            let need = sequence_len(self.tail[0]) - self.tail_len;
            let take = need.min(data.len());
            self.tail[self.tail_len..self.tail_len + take].copy_from_slice(&data[..take]);
            self.tail_len += take;
            data = &data[take..];
            match std::str::from_utf8(&self.tail[..self.tail_len]) {
                Ok(_) => self.tail_len = 0,
                // Still short of a whole sequence: `data` is used up.
                Err(e) if e.error_len().is_none() => return true,
                Err(_) => return false,
            }
        }
        match std::str::from_utf8(data) {
            Ok(_) => true,
            Err(e) if e.error_len().is_none() => {
                let rest = &data[e.valid_up_to()..];
                self.tail[..rest.len()].copy_from_slice(rest);
                self.tail_len = rest.len();
                true
            }
            Err(_) => false,
        }
    }

    /// Whether the text fed so far ends at a character boundary.
    pub fn is_complete(&self) -> bool {
        self.tail_len == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid_in_pieces(bytes: &[u8], cut: usize) -> bool {
        let mut v = Utf8Validator::default();
        v.feed(&bytes[..cut]) && v.feed(&bytes[cut..]) && v.is_complete()
    }

    #[test]
    fn every_split_agrees_with_std() {
        let samples: [&[u8]; 7] = [
            "κόσμε".as_bytes(),
            "a€𝄞z".as_bytes(),
            b"\xF4\x8F\xBF\xBF",
            b"\xF4\x90\x80\x80",
            b"\xED\xA0\x80",
            b"\xC0\xAF",
            b"ab\xE2\x82",
        ];
        for s in samples {
            let want = std::str::from_utf8(s).is_ok();
            for cut in 0..=s.len() {
                assert_eq!(valid_in_pieces(s, cut), want, "{s:?} cut at {cut}");
            }
        }
    }

    #[test]
    fn fails_fast_on_an_impossible_prefix() {
        let mut v = Utf8Validator::default();
        assert!(
            !v.feed(b"ok \xF4\x90"),
            "above U+10FFFF is known at the 2nd byte"
        );
        let mut v = Utf8Validator::default();
        assert!(v.feed(b"\xCE") && !v.is_complete());
        assert!(!v.feed(b"x"));
    }
}
