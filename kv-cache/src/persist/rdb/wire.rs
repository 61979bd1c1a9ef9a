//! The RDB primitives both ways: lengths, strings (plain, integer-encoded,
//! LZF), binary doubles, and the byte cursor loading reads with.
//! Redis: `rdbSaveLen`/`rdbLoadLen`, `rdbSaveRawString`/`rdbGenericLoadStringObject`,
//! `rdbSaveBinaryDoubleValue` in `src/rdb.c`.
//!
//! ```text
//!   length   00xxxxxx                    0..63
//!            01xxxxxx xxxxxxxx           ..16383 (big-endian 14 bits)
//!            10000000 <4 bytes BE>       32 bits
//!            10000001 <8 bytes BE>       64 bits
//!            11xxxxxx                    a special string encoding:
//!   string   11000000 <i8>  11000001 <i16 LE>  11000010 <i32 LE>
//!            11000011 <len: compressed> <len: original> <LZF bytes>
//! ```

use super::{RdbError, lzf};
use crate::protocol::parse_i64;

/// Where an object or file is written, with the settings that shape it.
#[derive(Debug)]
pub struct Out {
    /// The bytes written so far.
    pub buf: Vec<u8>,
    /// `rdbcompression`: LZF-compress strings longer than 20 bytes when that saves space.
    pub compress: bool,
}

impl Out {
    /// An empty output.
    pub fn new(compress: bool) -> Out {
        Out {
            buf: Vec::new(),
            compress,
        }
    }

    /// One byte (a type or an opcode).
    pub fn byte(&mut self, b: u8) {
        self.buf.push(b);
    }

    /// A length in the shortest of its four forms.
    pub fn length(&mut self, n: u64) {
        if n < 1 << 6 {
            self.buf.push(n as u8);
        } else if n < 1 << 14 {
            self.buf
                .extend_from_slice(&[0x40 | (n >> 8) as u8, n as u8]);
        } else if n <= u32::MAX as u64 {
            self.buf.push(0x80);
            self.buf.extend_from_slice(&(n as u32).to_be_bytes());
        } else {
            self.buf.push(0x81);
            self.buf.extend_from_slice(&n.to_be_bytes());
        }
    }

    /// A string as Redis's `rdbSaveRawString` writes it: a short canonical
    /// integer as an 8/16/32-bit number, a long one LZF-compressed when
    /// compression is on and saves at least 4 bytes, else length + bytes.
    pub fn string(&mut self, s: &[u8]) {
        if s.len() <= 11
            && let Some(n) = parse_i64(s)
            && self.int_string(n)
        {
            return;
        }
        if self.compress
            && s.len() > 20
            && let Some(c) = lzf::compress(s, s.len() - 4)
        {
            self.buf.push(0xC3);
            self.length(c.len() as u64);
            self.length(s.len() as u64);
            self.buf.extend_from_slice(&c);
            return;
        }
        self.length(s.len() as u64);
        self.buf.extend_from_slice(s);
    }

    /// An integer-valued string (`rdbEncodeInteger`); false if it needs
    /// more than 32 bits (the caller writes its digits).
    fn int_string(&mut self, n: i64) -> bool {
        if let Ok(v) = i8::try_from(n) {
            self.buf.extend_from_slice(&[0xC0, v as u8]);
        } else if let Ok(v) = i16::try_from(n) {
            self.buf.push(0xC1);
            self.buf.extend_from_slice(&v.to_le_bytes());
        } else if let Ok(v) = i32::try_from(n) {
            self.buf.push(0xC2);
            self.buf.extend_from_slice(&v.to_le_bytes());
        } else {
            return false;
        }
        true
    }

    /// The string of an integer (`rdbSaveLongLongAsStringObject`).
    pub fn int(&mut self, n: i64) {
        if !self.int_string(n) {
            let digits = n.to_string();
            self.length(digits.len() as u64);
            self.buf.extend_from_slice(digits.as_bytes());
        }
    }

    /// A double as its 8 little-endian bytes (`ZSET_2` scores).
    pub fn double(&mut self, d: f64) {
        self.buf.extend_from_slice(&d.to_le_bytes());
    }
}

/// A length or a special string encoding, as the length byte says.
enum Len {
    Plain(u64),
    Special(u8),
}

/// A cursor over the bytes being loaded; every error names its offset.
#[derive(Debug)]
pub struct In<'a> {
    buf: &'a [u8],
    /// Offset of the next byte.
    pub pos: usize,
    /// Added to `pos` in error messages (a payload inside a bigger file).
    pub base: usize,
}

impl<'a> In<'a> {
    /// A cursor at the start of `buf`.
    pub fn new(buf: &'a [u8]) -> In<'a> {
        In {
            buf,
            pos: 0,
            base: 0,
        }
    }

    /// An error at the current offset.
    pub fn error(&self, what: impl Into<String>) -> RdbError {
        RdbError {
            offset: self.base + self.pos,
            what: what.into(),
        }
    }

    /// Whether every byte was read.
    pub fn at_end(&self) -> bool {
        self.pos == self.buf.len()
    }

    /// The next `n` bytes.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], RdbError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len());
        let Some(end) = end else {
            return Err(self.error(format!(
                "unexpected end of file: {n} bytes wanted, {} left",
                self.buf.len() - self.pos
            )));
        };
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    /// `N` bytes as an array.
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], RdbError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    /// One byte.
    pub fn byte(&mut self) -> Result<u8, RdbError> {
        Ok(self.take(1)?[0])
    }

    fn raw_len(&mut self) -> Result<Len, RdbError> {
        let b = self.byte()?;
        Ok(match b >> 6 {
            0 => Len::Plain((b & 0x3f) as u64),
            1 => Len::Plain(((b & 0x3f) as u64) << 8 | self.byte()? as u64),
            3 => Len::Special(b & 0x3f),
            _ if b == 0x80 => Len::Plain(u32::from_be_bytes(self.array()?) as u64),
            _ if b == 0x81 => Len::Plain(u64::from_be_bytes(self.array()?)),
            _ => return Err(self.error(format!("unknown length encoding 0x{b:02x}"))),
        })
    }

    /// A length.
    pub fn length(&mut self) -> Result<u64, RdbError> {
        match self.raw_len()? {
            Len::Plain(n) => Ok(n),
            Len::Special(_) => Err(self.error("a string encoding where a length was expected")),
        }
    }

    /// A count of items that each take at least `min_bytes` of what is
    /// left: a corrupt count cannot make the loader reserve memory for
    /// items the file cannot hold.
    pub fn count(&mut self, min_bytes: usize) -> Result<usize, RdbError> {
        let n = self.length()?;
        let left = (self.buf.len() - self.pos) as u64;
        if n.saturating_mul(min_bytes as u64) > left {
            return Err(self.error(format!("count {n} larger than the rest of the file")));
        }
        Ok(n as usize)
    }

    /// A string in any of its encodings (integers come back as their digits).
    pub fn string(&mut self) -> Result<Vec<u8>, RdbError> {
        match self.raw_len()? {
            Len::Plain(n) => Ok(self
                .take(usize::try_from(n).unwrap_or(usize::MAX))?
                .to_vec()),
            Len::Special(0) => Ok((self.byte()? as i8).to_string().into_bytes()),
            Len::Special(1) => Ok(i16::from_le_bytes(self.array()?).to_string().into_bytes()),
            Len::Special(2) => Ok(i32::from_le_bytes(self.array()?).to_string().into_bytes()),
            Len::Special(3) => {
                let clen = self.length()?;
                let len = self.length()?;
                let at = self.pos;
                let data = self.take(usize::try_from(clen).unwrap_or(usize::MAX))?;
                let len = usize::try_from(len).unwrap_or(usize::MAX);
                lzf::decompress(data, len).ok_or(RdbError {
                    offset: self.base + at,
                    what: "invalid LZF compressed string".into(),
                })
            }
            Len::Special(e) => Err(self.error(format!("unknown string encoding {e}"))),
        }
    }

    /// A binary double (`ZSET_2`).
    pub fn double(&mut self) -> Result<f64, RdbError> {
        Ok(f64::from_le_bytes(self.array()?))
    }

    /// A double as text led by its length (the old `ZSET` type):
    /// 253 = nan, 254 = +inf, 255 = -inf.
    pub fn text_double(&mut self) -> Result<f64, RdbError> {
        match self.byte()? {
            253 => Ok(f64::NAN),
            254 => Ok(f64::INFINITY),
            255 => Ok(f64::NEG_INFINITY),
            n => {
                let t = self.take(n as usize)?;
                std::str::from_utf8(t)
                    .ok()
                    .and_then(|s| s.parse::<f64>().ok())
                    .ok_or_else(|| self.error("invalid double score"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn strings_take_redis_encodings() {
        let mut o = Out::new(true);
        o.string(b"12");
        o.string(b"-300");
        o.string(b"100000");
        o.string(b"012");
        o.string(b"12345678901");
        assert_eq!(
            o.buf,
            [
                &[0xC0, 12][..],
                &[0xC1, 0xD4, 0xFE],
                &[0xC2, 0xA0, 0x86, 0x01, 0x00],
                b"\x03012",
                b"\x0b12345678901",
            ]
            .concat()
        );
    }

    proptest! {
        #[test]
        fn lengths_and_strings_round_trip(n in any::<u64>(), s in proptest::collection::vec(any::<u8>(), 0..100), c in any::<bool>()) {
            let mut o = Out::new(c);
            o.length(n);
            o.string(&s);
            o.double(1.5);
            let mut i = In::new(&o.buf);
            prop_assert_eq!(i.length().unwrap(), n);
            prop_assert_eq!(i.string().unwrap(), s);
            prop_assert_eq!(i.double().unwrap(), 1.5);
            prop_assert!(i.at_end());
        }

        #[test]
        fn arbitrary_bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..64)) {
            let mut i = In::new(&b);
            let _ = i.string();
            let _ = i.length();
            let _ = i.text_double();
        }
    }
}
