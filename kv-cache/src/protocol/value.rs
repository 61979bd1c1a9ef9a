//! A complete RESP2/RESP3 value, for the client side: the tests and the
//! benchmarks read kv-cache's (and redis-server's) replies with it. The
//! server itself never builds these; it writes replies with
//! [`Reply`](super::Reply).

use super::parse_i64;

/// Any RESP2 or RESP3 value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `+text`
    Simple(String),
    /// `-CODE text`
    Error(String),
    /// `:n`
    Int(i64),
    /// `$len bytes`
    Bulk(Vec<u8>),
    /// `$-1`, `*-1` (RESP2) or `_` (RESP3).
    Null,
    /// `*n ...`
    Array(Vec<Value>),
    /// `%n key value ...` (RESP3).
    Map(Vec<(Value, Value)>),
    /// `~n ...` (RESP3).
    Set(Vec<Value>),
    /// `>n ...` (RESP3 push).
    Push(Vec<Value>),
    /// `,d` (RESP3), kept as its text so equality is exact.
    Double(String),
    /// `#t` / `#f` (RESP3).
    Bool(bool),
    /// `=len fmt:text` (RESP3): the 3-letter format and the text.
    Verbatim(String, Vec<u8>),
    /// `(digits` (RESP3).
    BigNumber(String),
}

/// A reply that is not valid RESP.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed RESP value at byte {0}")]
pub struct MalformedValue(pub usize);

/// Longest aggregate accepted from a peer, to bound what garbage can allocate.
const MAX_AGGREGATE: i64 = 1 << 24;

impl Value {
    /// Parses one value at the start of `buf`: `Ok(None)` if incomplete,
    /// otherwise the value and the bytes it used.
    pub fn parse(buf: &[u8]) -> Result<Option<(Value, usize)>, MalformedValue> {
        parse_at(buf, 0, 0)
    }

    /// Appends the RESP encoding of `self` to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        fn line(out: &mut Vec<u8>, kind: u8, s: &[u8]) {
            out.push(kind);
            out.extend_from_slice(s);
            out.extend_from_slice(b"\r\n");
        }
        fn agg(out: &mut Vec<u8>, kind: u8, items: &[Value]) {
            line(out, kind, items.len().to_string().as_bytes());
            for v in items {
                v.encode(out);
            }
        }
        match self {
            Value::Simple(s) => line(out, b'+', s.as_bytes()),
            Value::Error(s) => line(out, b'-', s.as_bytes()),
            Value::Int(n) => line(out, b':', n.to_string().as_bytes()),
            Value::Bulk(b) => {
                line(out, b'$', b.len().to_string().as_bytes());
                out.extend_from_slice(b);
                out.extend_from_slice(b"\r\n");
            }
            Value::Null => out.extend_from_slice(b"_\r\n"),
            Value::Array(items) => agg(out, b'*', items),
            Value::Set(items) => agg(out, b'~', items),
            Value::Push(items) => agg(out, b'>', items),
            Value::Map(pairs) => {
                line(out, b'%', pairs.len().to_string().as_bytes());
                for (k, v) in pairs {
                    k.encode(out);
                    v.encode(out);
                }
            }
            Value::Double(d) => line(out, b',', d.as_bytes()),
            Value::Bool(b) => line(out, b'#', if *b { b"t" } else { b"f" }),
            Value::Verbatim(fmt, text) => {
                line(out, b'=', (text.len() + 4).to_string().as_bytes());
                out.extend_from_slice(fmt.as_bytes());
                out.push(b':');
                out.extend_from_slice(text);
                out.extend_from_slice(b"\r\n");
            }
            Value::BigNumber(s) => line(out, b'(', s.as_bytes()),
        }
    }

    /// The bytes of a bulk, simple or verbatim string.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Bulk(b) | Value::Verbatim(_, b) => Some(b),
            Value::Simple(s) => Some(s.as_bytes()),
            _ => None,
        }
    }
}

type ParseResult = Result<Option<(Value, usize)>, MalformedValue>;

fn parse_at(buf: &[u8], pos: usize, depth: usize) -> ParseResult {
    if depth > 64 {
        return Err(MalformedValue(pos));
    }
    let Some(&kind) = buf.get(pos) else {
        return Ok(None);
    };
    let Some(nl) = buf[pos..]
        .windows(2)
        .position(|w| w == b"\r\n")
        .map(|i| pos + i)
    else {
        return Ok(None);
    };
    let body = &buf[pos + 1..nl];
    let next = nl + 2;
    let text = || String::from_utf8(body.to_vec()).map_err(|_| MalformedValue(pos));
    let num = || parse_i64(body).ok_or(MalformedValue(pos));
    let v = match kind {
        b'+' => Value::Simple(text()?),
        b'-' => Value::Error(text()?),
        b':' => Value::Int(num()?),
        b'_' if body.is_empty() => Value::Null,
        b',' => Value::Double(text()?),
        b'(' => Value::BigNumber(text()?),
        b'#' => match body {
            b"t" => Value::Bool(true),
            b"f" => Value::Bool(false),
            _ => return Err(MalformedValue(pos)),
        },
        b'$' | b'=' => {
            let n = num()?;
            if n == -1 && kind == b'$' {
                return Ok(Some((Value::Null, next)));
            }
            let n = usize::try_from(n).map_err(|_| MalformedValue(pos))?;
            if buf.len() < next + n + 2 {
                return Ok(None);
            }
            if &buf[next + n..next + n + 2] != b"\r\n" {
                return Err(MalformedValue(next + n));
            }
            let bytes = buf[next..next + n].to_vec();
            let end = next + n + 2;
            if kind == b'=' {
                if bytes.len() < 4 || bytes[3] != b':' {
                    return Err(MalformedValue(pos));
                }
                let fmt =
                    String::from_utf8(bytes[..3].to_vec()).map_err(|_| MalformedValue(pos))?;
                return Ok(Some((Value::Verbatim(fmt, bytes[4..].to_vec()), end)));
            }
            return Ok(Some((Value::Bulk(bytes), end)));
        }
        b'*' | b'~' | b'>' | b'%' => {
            let n = num()?;
            if n == -1 && kind == b'*' {
                return Ok(Some((Value::Null, next)));
            }
            if !(0..=MAX_AGGREGATE).contains(&n) {
                return Err(MalformedValue(pos));
            }
            let count = if kind == b'%' {
                2 * n as usize
            } else {
                n as usize
            };
            let mut items = Vec::with_capacity(count.min(1024));
            let mut at = next;
            for _ in 0..count {
                match parse_at(buf, at, depth + 1)? {
                    Some((v, end)) => {
                        items.push(v);
                        at = end;
                    }
                    None => return Ok(None),
                }
            }
            let v = match kind {
                b'*' => Value::Array(items),
                b'~' => Value::Set(items),
                b'>' => Value::Push(items),
                _ => {
                    let mut pairs = Vec::with_capacity(items.len() / 2);
                    let mut it = items.into_iter();
                    while let (Some(k), Some(v)) = (it.next(), it.next()) {
                        pairs.push((k, v));
                    }
                    Value::Map(pairs)
                }
            };
            return Ok(Some((v, at)));
        }
        _ => return Err(MalformedValue(pos)),
    };
    Ok(Some((v, next)))
}
