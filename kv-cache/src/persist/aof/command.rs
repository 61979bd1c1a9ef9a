//! The AOF's command form: each command as a RESP array of bulk strings,
//! exactly what a client sends (Redis `catAppendOnlyGenericCommand`), and
//! the reader that loads them back (the parsing half of
//! `loadSingleAppendOnlyFile`).
//!
//! ```text
//! *3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n      one command
//! #TS:1700000000\r\n                              an annotation (skipped)
//! ```
//!
//! The reader tells a torn tail from a corrupt middle, because the two get
//! different treatment: a file that simply stops inside a command is what a
//! crash mid-write leaves (`aof-load-truncated yes` cuts it off), while bytes
//! that are not the format are damage, refused with their offset.

use std::io::{self, BufRead, Read};

use crate::protocol::reply::fmt_i64;

/// Longest header line read (`*<argc>`, `$<len>`, an annotation), newline
/// included. Redis `AOF_ANNOTATION_LINE_MAX_LEN`.
pub const MAX_LINE: usize = 1024;

/// Appends one command in RESP form. Runs for every write: the lengths
/// are formatted on the stack, not allocated.
pub fn append<'a>(buf: &mut Vec<u8>, args: impl ExactSizeIterator<Item = &'a [u8]>) {
    let mut tmp = [0u8; 20];
    buf.push(b'*');
    buf.extend_from_slice(fmt_i64(args.len() as i64, &mut tmp));
    buf.extend_from_slice(b"\r\n");
    for a in args {
        buf.push(b'$');
        buf.extend_from_slice(fmt_i64(a.len() as i64, &mut tmp));
        buf.extend_from_slice(b"\r\n");
        buf.extend_from_slice(a);
        buf.extend_from_slice(b"\r\n");
    }
}

/// What stopped the reader.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file ends inside the command that starts at `offset`.
    #[error("unexpected end of file in the command at offset {offset}")]
    Truncated {
        /// Where that command starts (the file is whole up to there).
        offset: u64,
    },
    /// Bytes at `offset` are not the AOF format.
    #[error("bad file format at offset {offset}")]
    Format {
        /// Where the bad byte is.
        offset: u64,
    },
    /// The file could not be read.
    #[error("read error: {0}")]
    Io(#[from] io::Error),
}

/// Reads commands one by one from an AOF's bytes.
#[derive(Debug)]
pub struct Reader<R> {
    input: R,
    /// Bytes consumed so far.
    offset: u64,
}

/// Outcome of reading one header line.
enum Line {
    /// The line's bytes, without the CRLF.
    Text(Vec<u8>),
    /// End of file before any byte.
    Eof,
}

impl<R: BufRead> Reader<R> {
    /// A reader starting at `offset` of the file (after an RDB preamble, say).
    pub fn new(input: R, offset: u64) -> Reader<R> {
        Reader { input, offset }
    }

    /// Bytes consumed: the end of the last command returned.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// One line of at most [`MAX_LINE`] bytes; a longer one is a format error.
    fn line(&mut self, start: u64) -> Result<Line, ReadError> {
        let mut buf = Vec::new();
        let n = (&mut self.input)
            .take(MAX_LINE as u64)
            .read_until(b'\n', &mut buf)?;
        self.offset += n as u64;
        if n == 0 {
            return Ok(Line::Eof);
        }
        if buf.last() != Some(&b'\n') {
            return if n == MAX_LINE {
                Err(ReadError::Format {
                    offset: self.offset,
                })
            } else {
                Err(ReadError::Truncated { offset: start })
            };
        }
        buf.pop();
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
        Ok(Line::Text(buf))
    }

    /// The number after a `*` or `$` prefix.
    fn number(line: &[u8], prefix: u8, at: u64) -> Result<u64, ReadError> {
        let digits = match line.split_first() {
            Some((&p, rest)) if p == prefix => rest,
            _ => return Err(ReadError::Format { offset: at }),
        };
        std::str::from_utf8(digits)
            .ok()
            .and_then(|s| s.parse::<u64>().ok())
            .ok_or(ReadError::Format { offset: at })
    }

    /// The next command, or `None` at a clean end of file.
    pub fn next_command(&mut self) -> Result<Option<Vec<Vec<u8>>>, ReadError> {
        loop {
            let start = self.offset;
            let line = match self.line(start)? {
                Line::Eof => return Ok(None),
                Line::Text(t) => t,
            };
            if line.first() == Some(&b'#') {
                continue;
            }
            let argc = Self::number(&line, b'*', start)?;
            if argc == 0 {
                return Err(ReadError::Format { offset: start });
            }
            let mut argv = Vec::with_capacity(argc.min(1024) as usize);
            for _ in 0..argc {
                let at = self.offset;
                let len = match self.line(start)? {
                    Line::Eof => return Err(ReadError::Truncated { offset: start }),
                    Line::Text(t) => Self::number(&t, b'$', at)?,
                };
                // Grown as bytes arrive: a corrupt length must not allocate
                // gigabytes before the file is found short.
                let mut arg = Vec::with_capacity(len.min(1 << 20) as usize);
                let got = (&mut self.input).take(len).read_to_end(&mut arg)?;
                self.offset += got as u64;
                if (got as u64) < len {
                    return Err(ReadError::Truncated { offset: start });
                }
                let mut crlf = [0u8; 2];
                let got = read_full(&mut self.input, &mut crlf)?;
                self.offset += got as u64;
                if got < 2 {
                    return Err(ReadError::Truncated { offset: start });
                }
                if crlf != *b"\r\n" {
                    return Err(ReadError::Format {
                        offset: self.offset - 2,
                    });
                }
                argv.push(arg);
            }
            return Ok(Some(argv));
        }
    }
}

/// Reads until `buf` is full or the input ends; returns the bytes read.
fn read_full(input: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match input.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn read_all(bytes: &[u8]) -> (Vec<Vec<Vec<u8>>>, Option<ReadError>) {
        let mut r = Reader::new(bytes, 0);
        let mut got = Vec::new();
        // Every command consumes at least 4 bytes: bounded by the input.
        for _ in 0..=bytes.len() {
            match r.next_command() {
                Ok(Some(c)) => got.push(c),
                Ok(None) => return (got, None),
                Err(e) => return (got, Some(e)),
            }
        }
        panic!("reader did not advance");
    }

    #[test]
    fn torn_tail_and_corrupt_middle_differ() {
        let mut buf = Vec::new();
        append(&mut buf, [&b"SET"[..], b"k", b"v"].into_iter());
        let whole = buf.len() as u64;
        append(&mut buf, [&b"INCR"[..], b"n"].into_iter());
        let (cmds, e) = read_all(&buf[..buf.len() - 3]);
        assert_eq!(cmds.len(), 1);
        assert!(matches!(e, Some(ReadError::Truncated { offset }) if offset == whole));
        let mut bad = buf.clone();
        bad[whole as usize] = b'x';
        assert!(matches!(read_all(&bad).1, Some(ReadError::Format { offset }) if offset == whole));
        let mut annotated = b"#TS:1700000000\r\n".to_vec();
        annotated.extend_from_slice(&buf);
        assert_eq!(read_all(&annotated).0.len(), 2);
    }

    proptest! {
        #[test]
        fn round_trip(cmds in proptest::collection::vec(
            proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..20), 1..5), 0..10)) {
            let mut buf = Vec::new();
            for c in &cmds {
                append(&mut buf, c.iter().map(|a| a.as_slice()));
            }
            let (got, e) = read_all(&buf);
            prop_assert!(e.is_none());
            prop_assert_eq!(got, cmds);
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = read_all(&bytes);
        }

        #[test]
        fn every_prefix_of_a_file_is_whole_or_torn(cut in 0usize..60) {
            let mut buf = Vec::new();
            append(&mut buf, [&b"SET"[..], b"key", b"value"].into_iter());
            append(&mut buf, [&b"DEL"[..], b"key"].into_iter());
            let cut = cut.min(buf.len());
            let (_, e) = read_all(&buf[..cut]);
            let torn_or_whole = matches!(e, None | Some(ReadError::Truncated { .. }));
            prop_assert!(torn_or_whole, "{:?}", e);
        }
    }
}
