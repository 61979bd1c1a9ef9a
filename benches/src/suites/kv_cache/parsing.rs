//! The two RESP parsers driven over one pipelined buffer: shared by the
//! runner's `parser` comparison and the criterion group
//! (`cargo bench -p benches --bench kv_cache_parser`), so both time the same
//! code. Only external crates are used here, so the criterion file can
//! include it by path.

use anyhow::{Context, bail};
use kv_cache::protocol::request::Parsed;
use kv_cache::protocol::{DEFAULT_PROTO_MAX_BULK_LEN, RequestParser};

/// A pipelined buffer of `n` commands, as a client sends them: SET with a
/// 32-byte value, GET, INCR and a five-pair MSET, in turn.
pub(crate) fn pipelined_commands(n: usize) -> Vec<u8> {
    let mut buf = Vec::new();
    let value = [b'v'; 32];
    for i in 0..n {
        let key = format!("key:{i:06}");
        let words: Vec<&[u8]> = match i % 4 {
            0 => vec![b"SET", key.as_bytes(), &value],
            1 => vec![b"GET", key.as_bytes()],
            2 => vec![b"INCR", key.as_bytes()],
            _ => {
                let mut w: Vec<&[u8]> = vec![b"MSET"];
                for _ in 0..5 {
                    w.push(key.as_bytes());
                    w.push(&value[..8]);
                }
                w
            }
        };
        buf.extend_from_slice(format!("*{}\r\n", words.len()).as_bytes());
        for word in words {
            buf.extend_from_slice(format!("${}\r\n", word.len()).as_bytes());
            buf.extend_from_slice(word);
            buf.extend_from_slice(b"\r\n");
        }
    }
    buf
}

/// Ours: every request of `buf`, returning the total argument bytes seen.
pub(crate) fn parse_ours(buf: &[u8]) -> anyhow::Result<usize> {
    let mut parser = RequestParser::new(DEFAULT_PROTO_MAX_BULK_LEN);
    let (mut pos, mut seen) = (0, 0);
    while pos < buf.len() {
        match parser.parse(&buf[pos..])? {
            Parsed::Request(used) => {
                seen += parser
                    .argv(&buf[pos..])
                    .iter()
                    .map(<[u8]>::len)
                    .sum::<usize>();
                pos += used;
            }
            Parsed::Skip(used) => pos += used,
            Parsed::Incomplete => bail!("the buffer ends inside a request"),
        }
    }
    Ok(seen)
}

/// The redis crate: `commands` values from `buf`, returning the total
/// argument bytes seen.
pub(crate) fn parse_redis_rs(buf: &[u8], commands: usize) -> anyhow::Result<usize> {
    let mut parser = redis::Parser::new();
    let mut reader = buf;
    let mut seen = 0;
    for _ in 0..commands {
        match parser
            .parse_value(&mut reader)
            .context("redis crate parser")?
        {
            redis::Value::Array(items) => {
                for item in items {
                    if let redis::Value::BulkString(b) = item {
                        seen += b.len();
                    }
                }
            }
            other => bail!("expected an array, got {other:?}"),
        }
    }
    Ok(seen)
}
