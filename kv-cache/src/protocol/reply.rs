//! The reply encoder: RESP2 or RESP3, written straight into the
//! connection's output buffer. Mirrors Redis's `addReply*` functions
//! (`addReplyBulk`, `addReplyLongLong`, `addReplyMapLen`, ...), which pick the
//! wire form from the client's protocol version (`c->resp`).

/// Writes replies into `buf`, in protocol version `resp` (2 or 3).
#[derive(Debug)]
pub struct Reply<'a> {
    /// The connection's output buffer; replies are appended.
    pub buf: &'a mut Vec<u8>,
    /// 2 or 3, as chosen by `HELLO`.
    pub resp: u8,
}

impl<'a> Reply<'a> {
    /// An encoder appending to `buf` in protocol `resp`.
    pub fn new(buf: &'a mut Vec<u8>, resp: u8) -> Reply<'a> {
        Reply { buf, resp }
    }

    /// `+OK`.
    #[inline]
    pub fn ok(&mut self) {
        self.buf.extend_from_slice(b"+OK\r\n");
    }

    /// A simple string, `+<s>`. `s` must not contain CR or LF.
    pub fn simple(&mut self, s: &str) {
        self.buf.push(b'+');
        self.buf.extend_from_slice(s.as_bytes());
        self.buf.extend_from_slice(b"\r\n");
    }

    /// An error, `-<text>`. `text` starts with its code (`ERR`, `WRONGTYPE`...);
    /// CR and LF are replaced by spaces, as Redis's `addReplyErrorLength` does.
    pub fn error(&mut self, text: &str) {
        self.error_bytes(text.as_bytes());
    }

    /// [`error`](Self::error) for a text that is not UTF-8: one that echoes
    /// a client's bytes as they came (Redis's unknown-command error).
    pub fn error_bytes(&mut self, text: &[u8]) {
        self.buf.push(b'-');
        self.buf.extend(
            text.iter()
                .map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b }),
        );
        self.buf.extend_from_slice(b"\r\n");
    }

    /// An integer, `:<n>`.
    #[inline]
    pub fn int(&mut self, n: i64) {
        self.header(b':', n);
    }

    /// A bulk string, `$<len>\r\n<bytes>`.
    #[inline]
    pub fn bulk(&mut self, b: &[u8]) {
        self.header(b'$', b.len() as i64);
        self.buf.extend_from_slice(b);
        self.buf.extend_from_slice(b"\r\n");
    }

    /// An integer sent as a bulk string (Redis's `addReplyBulkLongLong`).
    pub fn bulk_int(&mut self, n: i64) {
        let mut tmp = [0u8; 20];
        let s = fmt_i64(n, &mut tmp);
        self.bulk(s);
    }

    /// The null reply: `$-1` in RESP2, `_` in RESP3.
    #[inline]
    pub fn null(&mut self) {
        if self.resp >= 3 {
            self.buf.extend_from_slice(b"_\r\n");
        } else {
            self.buf.extend_from_slice(b"$-1\r\n");
        }
    }

    /// The null array: `*-1` in RESP2, `_` in RESP3.
    pub fn null_array(&mut self) {
        if self.resp >= 3 {
            self.buf.extend_from_slice(b"_\r\n");
        } else {
            self.buf.extend_from_slice(b"*-1\r\n");
        }
    }

    /// An array header, `*<n>`; the caller then writes `n` elements.
    #[inline]
    pub fn array(&mut self, n: usize) {
        self.header(b'*', n as i64);
    }

    /// A map header: `%<n>` in RESP3, `*<2n>` (flattened pairs) in RESP2.
    pub fn map(&mut self, n: usize) {
        if self.resp >= 3 {
            self.header(b'%', n as i64)
        } else {
            self.header(b'*', 2 * n as i64)
        }
    }

    /// An out-of-band push header (Pub/Sub messages and subscription
    /// confirmations): `><n>` in RESP3, a plain array `*<n>` in RESP2
    /// (Redis's `addReplyPushLen`, or `*<n>` for RESP2 subscribers).
    #[inline]
    pub fn push(&mut self, n: usize) {
        if self.resp >= 3 {
            self.header(b'>', n as i64)
        } else {
            self.header(b'*', n as i64)
        }
    }

    /// A set header: `~<n>` in RESP3, `*<n>` in RESP2.
    pub fn set(&mut self, n: usize) {
        if self.resp >= 3 {
            self.header(b'~', n as i64)
        } else {
            self.header(b'*', n as i64)
        }
    }

    /// Free-form text (`INFO`, `CLIENT LIST`): a verbatim string `=<len>\r\ntxt:`
    /// in RESP3, a bulk string in RESP2 (Redis's `addReplyVerbatim`).
    pub fn verbatim(&mut self, text: &[u8]) {
        if self.resp >= 3 {
            self.header(b'=', text.len() as i64 + 4);
            self.buf.extend_from_slice(b"txt:");
            self.buf.extend_from_slice(text);
            self.buf.extend_from_slice(b"\r\n");
        } else {
            self.bulk(text);
        }
    }

    /// A double: `,<d>` in RESP3, a bulk string in RESP2.
    pub fn double(&mut self, d: f64) {
        let s = format_double(d);
        if self.resp >= 3 {
            self.buf.push(b',');
            self.buf.extend_from_slice(s.as_bytes());
            self.buf.extend_from_slice(b"\r\n");
        } else {
            self.bulk(s.as_bytes());
        }
    }

    #[inline]
    fn header(&mut self, kind: u8, n: i64) {
        let mut tmp = [0u8; 20];
        let s = fmt_i64(n, &mut tmp);
        self.buf.push(kind);
        self.buf.extend_from_slice(s);
        self.buf.extend_from_slice(b"\r\n");
    }
}

/// Formats a double the way Redis replies with it (`%.17g`, and `inf`/`-inf`).
pub fn format_double(d: f64) -> String {
    if d.is_infinite() {
        return if d > 0.0 { "inf".into() } else { "-inf".into() };
    }
    format!("{d}")
}

/// Writes `n` in decimal into `tmp`, returning the digits. No allocation,
/// unlike `n.to_string()` — this runs for every reply header.
#[inline]
pub fn fmt_i64(n: i64, tmp: &mut [u8; 20]) -> &[u8] {
    let mut i = tmp.len();
    let neg = n < 0;
    let mut u = n.unsigned_abs();
    loop {
        i -= 1;
        tmp[i] = b'0' + (u % 10) as u8;
        u /= 10;
        if u == 0 {
            break;
        }
    }
    if neg {
        i -= 1;
        tmp[i] = b'-';
    }
    &tmp[i..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resp2_and_resp3_forms() {
        let mut b = Vec::new();
        let mut r = Reply::new(&mut b, 2);
        r.null();
        r.map(1);
        r.int(i64::MIN);
        r.bulk(b"hi");
        assert_eq!(b, b"$-1\r\n*2\r\n:-9223372036854775808\r\n$2\r\nhi\r\n");
        let mut b = Vec::new();
        let mut r = Reply::new(&mut b, 3);
        r.null();
        r.map(1);
        r.verbatim(b"a");
        r.push(3);
        assert_eq!(b, b"_\r\n%1\r\n=5\r\ntxt:a\r\n>3\r\n");
        let mut b = Vec::new();
        Reply::new(&mut b, 2).push(3);
        assert_eq!(b, b"*3\r\n");
    }

    #[test]
    fn errors_never_carry_newlines() {
        let mut b = Vec::new();
        Reply::new(&mut b, 2).error("ERR a\r\nb");
        assert_eq!(b, b"-ERR a  b\r\n");
    }
}
