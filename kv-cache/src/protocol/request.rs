//! The request parser: multibulk (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`) and
//! inline (`GET k\r\n`, what telnet sends), incremental over partial reads.
//!
//! Redis keeps the parse state of a half-received multibulk request in the
//! client (`multibulklen`, `bulklen`, `qb_pos`) so a read that completes it
//! does not parse the first half again. [`RequestParser`] does the same: it
//! remembers how far the current request was parsed and which arguments it
//! already found, as `(start, end)` offsets into the caller's buffer. Nothing
//! is copied for a multibulk request; [`Argv`] lends the arguments as slices
//! of the read buffer. Inline requests may carry quoted, escaped arguments, so
//! they are unescaped into a scratch buffer the parser owns and reuses.
//!
//! Offsets are relative to the slice the caller passes, which must start at
//! the first byte of the request being parsed: the caller passes the same
//! start until [`RequestParser::parse`] reports a complete request and how
//! many bytes it used, then drops those bytes (or moves its start past them).

use bytes::Bytes;

use super::inline::split_args;
use super::{
    PROTO_INLINE_MAX_SIZE, ProtocolError, UNAUTH_MAX_BULK, UNAUTH_MAX_MULTIBULK, parse_i64,
};

/// A complete request's arguments. Mirrors Redis's `c->argv` / `c->argc`.
#[derive(Clone, Copy, Debug)]
pub struct Argv<'a> {
    /// The bytes the ranges point into (the read buffer, or the inline scratch).
    base: &'a [u8],
    /// `(start, end)` of each argument in `base`; a tagged start
    /// ([`DETACHED`], [`BIG`]) points into `detached` or `big` instead.
    ranges: &'a [(usize, usize)],
    /// Arguments copied out of the read buffer before a big bulk.
    detached: &'a [u8],
    /// Big bulk arguments adopted whole (see [`RequestParser::adopt_bulk`]).
    big: &'a [Bytes],
}

/// Tag of a range that points into the parser's detached scratch.
const DETACHED: usize = 1 << (usize::BITS - 1);
/// Tag of a range whose start is an index into the adopted big bulks.
const BIG: usize = 1 << (usize::BITS - 2);
/// Both tags.
const TAGS: usize = DETACHED | BIG;

/// Smallest bulk argument read into a buffer of its own and adopted
/// without a copy. Redis: `PROTO_MBULK_BIG_ARG` (32 KB).
pub const BIG_ARG: usize = 32 * 1024;

impl<'a> Argv<'a> {
    /// Argument count (`argc`), including the command name.
    #[inline]
    pub fn len(&self) -> usize {
        self.ranges.len()
    }

    /// Whether there are no arguments (never true for a parsed request).
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// Argument `i`; panics if `i >= len()`, so callers check arity first
    /// (the command table does, before any handler runs).
    #[inline]
    pub fn get(&self, i: usize) -> &'a [u8] {
        let (s, e) = self.ranges[i];
        if s & TAGS == 0 {
            &self.base[s..e]
        } else {
            self.tagged(s, e)
        }
    }

    /// An argument that is not in `base`: rare (only around big bulks), so
    /// kept out of line.
    #[cold]
    fn tagged(&self, s: usize, e: usize) -> &'a [u8] {
        if s & BIG != 0 {
            &self.big[s & !TAGS]
        } else {
            &self.detached[s & !TAGS..e]
        }
    }

    /// Argument `i` as a shared buffer, when it is a big bulk the parser
    /// adopted: storing it costs no copy (Redis stores the query buffer's
    /// sds itself as the value). `None` for every other argument.
    pub fn shared(&self, i: usize) -> Option<Bytes> {
        let (s, _) = *self.ranges.get(i)?;
        (s & BIG != 0).then(|| self.big[s & !TAGS].clone())
    }

    /// Every argument, in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &'a [u8]> + '_ {
        (0..self.ranges.len()).map(|i| self.get(i))
    }

    /// Copies the arguments out (tests and error paths only).
    pub fn to_vec(&self) -> Vec<Vec<u8>> {
        self.iter().map(<[u8]>::to_vec).collect()
    }
}

/// A request's arguments copied out of the read buffer, for commands that
/// run later: queued by `MULTI`, or retried when a blocked client's key
/// becomes ready. Redis keeps `c->argv` alive the same way.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OwnedArgv {
    base: Vec<u8>,
    ranges: Vec<(usize, usize)>,
}

impl OwnedArgv {
    /// Copies `argv`.
    pub fn new(argv: &Argv<'_>) -> OwnedArgv {
        let mut owned = OwnedArgv::default();
        for a in argv.iter() {
            owned.push(a);
        }
        owned
    }

    /// Appends one argument.
    pub fn push(&mut self, arg: &[u8]) {
        let start = self.base.len();
        self.base.extend_from_slice(arg);
        self.ranges.push((start, self.base.len()));
    }

    /// The arguments as an [`Argv`].
    pub fn argv(&self) -> Argv<'_> {
        Argv {
            base: &self.base,
            ranges: &self.ranges,
            detached: &[],
            big: &[],
        }
    }
}

/// What [`RequestParser::parse`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parsed {
    /// A request is complete and used this many bytes; read it with
    /// [`RequestParser::argv`] before parsing again.
    Request(usize),
    /// More bytes are needed. The parser kept its progress.
    Incomplete,
    /// Only empty requests (`*0\r\n`, blank lines) were found; these bytes can
    /// be dropped. Redis ignores such requests silently.
    Skip(usize),
}

/// Incremental parser for one connection. Mirrors the parse state Redis keeps
/// in `client` (`reqtype`, `multibulklen`, `bulklen`).
#[derive(Debug)]
pub struct RequestParser {
    /// Bytes of the current request parsed so far (the next byte to look at).
    pos: usize,
    /// Arguments still expected by the current multibulk request (0: none started).
    multibulk_left: usize,
    /// Length of the bulk argument whose `$<len>` header was read, if any.
    bulk_len: Option<usize>,
    /// Where the newline search of an unfinished header/inline line resumes.
    scan_from: usize,
    /// Arguments found so far, as offsets into the caller's slice (or `inline`).
    ranges: Vec<(usize, usize)>,
    /// Scratch buffer holding unescaped inline arguments.
    inline: Vec<u8>,
    /// Whether `ranges` point into `inline` (the last request was inline).
    is_inline: bool,
    /// Largest bulk argument accepted (`proto-max-bulk-len`).
    max_bulk_len: usize,
    /// Arguments of the current request copied out of the caller's buffer
    /// so that a big bulk can start a buffer of its own ([`Self::detach_head`]).
    detached: Vec<u8>,
    /// Big bulks of the current request, adopted whole ([`Self::adopt_bulk`]).
    big: Vec<Bytes>,
    /// The last argument came by [`Self::adopt_bulk`]: the request is complete.
    ready: bool,
    /// The client must still authenticate: Redis's smaller limits apply.
    unauthenticated: bool,
}

impl RequestParser {
    /// A parser that accepts bulk arguments up to `max_bulk_len` bytes.
    pub fn new(max_bulk_len: usize) -> RequestParser {
        RequestParser {
            pos: 0,
            multibulk_left: 0,
            bulk_len: None,
            scan_from: 0,
            ranges: Vec::with_capacity(8),
            inline: Vec::new(),
            is_inline: false,
            max_bulk_len,
            detached: Vec::new(),
            big: Vec::new(),
            ready: false,
            unauthenticated: false,
        }
    }

    /// Whether the client must still authenticate (`requirepass` set, no
    /// `AUTH` yet): until it does, a request may announce at most
    /// [`UNAUTH_MAX_MULTIBULK`] arguments and bulks of [`UNAUTH_MAX_BULK`]
    /// bytes (Redis 7.0's `authRequired` checks).
    pub fn set_unauthenticated(&mut self, on: bool) {
        self.unauthenticated = on;
    }

    /// The bulk argument whose `$<len>` header was read and whose bytes
    /// have not all arrived: where its bytes start in the caller's slice,
    /// and its length.
    pub fn waiting_bulk(&self) -> Option<(usize, usize)> {
        self.bulk_len.map(|len| (self.pos, len))
    }

    /// Copies the arguments found so far out of `buf` (the caller's slice
    /// as passed to [`parse`](Self::parse)) and makes the waiting bulk's
    /// first byte the start of the request: the caller then drops
    /// `buf[..start]` and gives the bulk a buffer of its own. Redis trims
    /// its query buffer the same way before a big argument
    /// (`processMultibulkBuffer`).
    pub fn detach_head(&mut self, buf: &[u8]) {
        for r in &mut self.ranges {
            if r.0 & TAGS == 0 {
                let start = self.detached.len();
                self.detached.extend_from_slice(&buf[r.0..r.1]);
                *r = (start | DETACHED, self.detached.len());
            }
        }
        self.pos = 0;
        self.scan_from = 0;
    }

    /// Takes the waiting bulk whole: `bulk` holds exactly its bytes (its
    /// CRLF already dropped), and the caller's next slice starts after it.
    /// Its argument then lends `bulk` itself ([`Argv::shared`]).
    pub fn adopt_bulk(&mut self, bulk: Bytes) {
        let index = self.big.len();
        self.big.push(bulk);
        self.ranges.push((index | BIG, 0));
        self.bulk_len = None;
        self.pos = 0;
        self.scan_from = 0;
        self.multibulk_left = self.multibulk_left.saturating_sub(1);
        self.ready = self.multibulk_left == 0;
    }

    /// Drops what the last request's arguments held beyond the caller's
    /// buffer (adopted bulks, detached copies); call once it has run, so a
    /// big argument nobody stored is freed at once.
    pub fn release(&mut self) {
        self.big.clear();
        if self.detached.capacity() > BIG_ARG {
            self.detached = Vec::new();
        } else {
            self.detached.clear();
        }
    }

    /// Changes the bulk limit (`CONFIG SET proto-max-bulk-len`).
    pub fn set_max_bulk_len(&mut self, max: usize) {
        self.max_bulk_len = max;
    }

    /// Whether a request is partly parsed (bytes are buffered for it).
    pub fn in_progress(&self) -> bool {
        self.pos > 0 || self.multibulk_left > 0
    }

    /// The arguments of the request [`parse`](Self::parse) just completed.
    /// `buf` must be the slice passed to that call.
    pub fn argv<'a>(&'a self, buf: &'a [u8]) -> Argv<'a> {
        let base = if self.is_inline {
            &self.inline[..]
        } else {
            buf
        };
        Argv {
            base,
            ranges: &self.ranges,
            detached: &self.detached,
            big: &self.big,
        }
    }

    /// Parses the request at the start of `buf`, resuming where the previous
    /// call on the same request stopped.
    pub fn parse(&mut self, buf: &[u8]) -> Result<Parsed, ProtocolError> {
        if self.ready {
            // Completed by an adopted bulk: nothing of `buf` belongs to it.
            self.ready = false;
            self.reset();
            return Ok(Parsed::Request(0));
        }
        let mut skipped = 0;
        loop {
            if self.multibulk_left == 0 && self.pos == skipped {
                // Between requests: skip blank lines and empty multibulks.
                let Some(&first) = buf.get(skipped) else {
                    return Ok(self.pending(skipped));
                };
                if first == b'*' {
                    match self.multibulk_header(buf, skipped)? {
                        Header::Incomplete => return Ok(self.pending(skipped)),
                        Header::Empty(end) => {
                            skipped = end;
                            self.pos = end;
                            continue;
                        }
                        Header::Count(n, end) => {
                            self.multibulk_left = n;
                            self.pos = end;
                            self.is_inline = false;
                            self.ranges.clear();
                            self.release();
                            // Reserve for small requests only: a huge count
                            // must not allocate before its bytes arrive.
                            self.ranges.reserve(n.min(1024));
                        }
                    }
                } else {
                    return match self.inline_request(buf, skipped)? {
                        None => Ok(self.pending(skipped)),
                        Some(end) if self.ranges.is_empty() => {
                            skipped = end;
                            self.pos = end;
                            continue;
                        }
                        Some(end) => {
                            self.reset();
                            Ok(Parsed::Request(end))
                        }
                    };
                }
            }
            if skipped > 0 && self.multibulk_left == 0 {
                return Ok(Parsed::Skip(skipped));
            }
            return self.multibulk_args(buf);
        }
    }

    /// `Incomplete`, or `Skip` when some empty requests were already passed.
    fn pending(&mut self, skipped: usize) -> Parsed {
        if skipped > 0 {
            self.reset();
            Parsed::Skip(skipped)
        } else {
            Parsed::Incomplete
        }
    }

    fn reset(&mut self) {
        self.pos = 0;
        self.scan_from = 0;
        self.multibulk_left = 0;
        self.bulk_len = None;
    }

    /// Reads `*<count>\r\n` at `start`.
    fn multibulk_header(&mut self, buf: &[u8], start: usize) -> Result<Header, ProtocolError> {
        let Some(nl) = self.find_crlf(buf, start + 1) else {
            if buf.len() - start > PROTO_INLINE_MAX_SIZE {
                return Err(ProtocolError::TooBigMbulkCount);
            }
            return Ok(Header::Incomplete);
        };
        self.scan_from = 0;
        // Redis: `!ok || ll > INT_MAX` is an error, `ll <= 0` an empty request.
        let n = parse_i64(&buf[start + 1..nl]).ok_or(ProtocolError::InvalidMultibulkLength)?;
        if n > i32::MAX as i64 {
            return Err(ProtocolError::InvalidMultibulkLength);
        }
        if self.unauthenticated && n > UNAUTH_MAX_MULTIBULK {
            return Err(ProtocolError::UnauthenticatedMultibulkLength);
        }
        if n <= 0 {
            Ok(Header::Empty(nl + 2))
        } else {
            Ok(Header::Count(n as usize, nl + 2))
        }
    }

    /// Reads the `$<len>\r\n<bytes>\r\n` arguments still missing.
    fn multibulk_args(&mut self, buf: &[u8]) -> Result<Parsed, ProtocolError> {
        while self.multibulk_left > 0 {
            let len = match self.bulk_len {
                Some(len) => len,
                None => {
                    let Some(&c) = buf.get(self.pos) else {
                        return Ok(Parsed::Incomplete);
                    };
                    let Some(nl) = self.find_crlf(buf, self.pos + 1) else {
                        if buf.len() - self.pos > PROTO_INLINE_MAX_SIZE {
                            return Err(ProtocolError::TooBigBulkCount);
                        }
                        return Ok(Parsed::Incomplete);
                    };
                    if c != b'$' {
                        return Err(ProtocolError::ExpectedDollar(c as char));
                    }
                    self.scan_from = 0;
                    let len = parse_i64(&buf[self.pos + 1..nl])
                        .filter(|&l| l >= 0 && l as u64 <= self.max_bulk_len as u64)
                        .ok_or(ProtocolError::InvalidBulkLength)?;
                    if self.unauthenticated && len > UNAUTH_MAX_BULK {
                        return Err(ProtocolError::UnauthenticatedBulkLength);
                    }
                    let len = len as usize;
                    self.pos = nl + 2;
                    self.bulk_len = Some(len);
                    len
                }
            };
            // The bulk's bytes plus its CRLF; like Redis, the CRLF itself is
            // not checked, only skipped.
            if buf.len() - self.pos < len + 2 {
                return Ok(Parsed::Incomplete);
            }
            self.ranges.push((self.pos, self.pos + len));
            self.pos += len + 2;
            self.bulk_len = None;
            self.multibulk_left -= 1;
        }
        let end = self.pos;
        self.reset();
        Ok(Parsed::Request(end))
    }

    /// Finds `\r\n` at or after `from`, resuming an earlier unfinished search.
    /// Returns the index of the `\r`.
    fn find_crlf(&mut self, buf: &[u8], from: usize) -> Option<usize> {
        let from = from.max(self.scan_from);
        match memchr(b'\r', &buf[from.min(buf.len())..]) {
            Some(i) if from + i + 1 < buf.len() => Some(from + i),
            // A `\r` as the last byte: look at it again when more arrives.
            Some(i) => {
                self.scan_from = from + i;
                None
            }
            None => {
                self.scan_from = buf.len();
                None
            }
        }
    }

    /// Parses an inline request line starting at `start` into `self.inline`.
    /// Returns the end of the line, or `None` if its newline has not arrived.
    fn inline_request(&mut self, buf: &[u8], start: usize) -> Result<Option<usize>, ProtocolError> {
        let from = start.max(self.scan_from);
        let Some(i) = memchr(b'\n', &buf[from..]) else {
            if buf.len() - start > PROTO_INLINE_MAX_SIZE {
                return Err(ProtocolError::TooBigInline);
            }
            self.scan_from = buf.len();
            return Ok(None);
        };
        self.scan_from = 0;
        let nl = from + i;
        let mut line = &buf[start..nl];
        if let [rest @ .., b'\r'] = line {
            line = rest;
        }
        self.inline.clear();
        self.ranges.clear();
        self.is_inline = true;
        split_args(line, &mut self.inline, &mut self.ranges)?;
        Ok(Some(nl + 1))
    }
}

enum Header {
    Incomplete,
    Empty(usize),
    Count(usize, usize),
}

/// Position of `needle` in `hay`. A plain loop: the compiler vectorizes it
/// well enough for header lines, and bulk payloads are never scanned.
#[inline]
fn memchr(needle: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().position(|&b| b == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::DEFAULT_PROTO_MAX_BULK_LEN;

    fn all(buf: &[u8]) -> Result<Vec<Vec<Vec<u8>>>, ProtocolError> {
        let mut p = RequestParser::new(DEFAULT_PROTO_MAX_BULK_LEN);
        let mut start = 0;
        let mut out = Vec::new();
        loop {
            match p.parse(&buf[start..])? {
                Parsed::Request(n) => {
                    out.push(p.argv(&buf[start..]).to_vec());
                    start += n;
                }
                Parsed::Skip(n) => start += n,
                Parsed::Incomplete => return Ok(out),
            }
        }
    }

    fn strs(v: &[&str]) -> Vec<Vec<u8>> {
        v.iter().map(|s| s.as_bytes().to_vec()).collect()
    }

    #[test]
    fn multibulk_and_inline_requests() {
        let got =
            all(b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\nPING\r\n*0\r\n\r\nset a \"b c\\x41\" 'd\\'e'\n")
                .unwrap();
        assert_eq!(
            got,
            vec![
                strs(&["GET", "k"]),
                strs(&["PING"]),
                strs(&["set", "a", "b cA", "d'e"])
            ]
        );
    }

    #[test]
    fn partial_reads_resume() {
        let full = b"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n";
        let mut p = RequestParser::new(DEFAULT_PROTO_MAX_BULK_LEN);
        for cut in 1..full.len() {
            assert_eq!(
                p.parse(&full[..cut]).unwrap(),
                Parsed::Incomplete,
                "cut {cut}"
            );
        }
        assert_eq!(p.parse(full).unwrap(), Parsed::Request(full.len()));
        assert_eq!(p.argv(full).to_vec(), strs(&["SET", "key", "value"]));
    }

    #[test]
    fn errors_have_redis_texts() {
        let e = |b: &[u8]| all(b).unwrap_err().to_string();
        assert_eq!(e(b"*x\r\n"), "Protocol error: invalid multibulk length");
        assert_eq!(
            e(b"*3000000000\r\n"),
            "Protocol error: invalid multibulk length"
        );
        assert_eq!(e(b"*1\r\n$-1\r\n"), "Protocol error: invalid bulk length");
        assert_eq!(
            e(b"*1\r\n$600000000\r\n"),
            "Protocol error: invalid bulk length"
        );
        assert_eq!(e(b"*1\r\n:1\r\n"), "Protocol error: expected '$', got ':'");
        assert_eq!(
            e(b"set \"a\n"),
            "Protocol error: unbalanced quotes in request"
        );
        assert_eq!(
            e(b"set \"a\"b\n"),
            "Protocol error: unbalanced quotes in request"
        );
        assert_eq!(
            e(&vec![b'a'; PROTO_INLINE_MAX_SIZE + 1]),
            "Protocol error: too big inline request"
        );
        let mut big = b"*".to_vec();
        big.extend(vec![b'1'; PROTO_INLINE_MAX_SIZE + 1]);
        assert_eq!(e(&big), "Protocol error: too big mbulk count string");
    }

    #[test]
    fn smaller_limits_before_auth() {
        let mut p = RequestParser::new(DEFAULT_PROTO_MAX_BULK_LEN);
        p.set_unauthenticated(true);
        let err = |p: &mut RequestParser, b: &[u8]| p.parse(b).unwrap_err().to_string();
        assert_eq!(
            err(&mut p, b"*1048577\r\n"),
            "Protocol error: unauthenticated multibulk length"
        );
        let mut p = RequestParser::new(DEFAULT_PROTO_MAX_BULK_LEN);
        p.set_unauthenticated(true);
        assert_eq!(
            err(&mut p, b"*2\r\n$3\r\nGET\r\n$16385\r\n"),
            "Protocol error: unauthenticated bulk length"
        );
        let mut p = RequestParser::new(DEFAULT_PROTO_MAX_BULK_LEN);
        p.set_unauthenticated(true);
        assert_eq!(p.parse(b"*1\r\n$16384\r\n").unwrap(), Parsed::Incomplete);
    }
}
