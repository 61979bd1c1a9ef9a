//! For the persistence tests: a dataset of every type and encoding, with
//! TTLs, in several databases; a snapshot of a server's whole dataset to
//! compare two servers (or one before and after a restart); a temporary
//! directory removed on drop.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use kv_cache::protocol::Value;

use super::Conn;

/// A directory of its own under the system's temp dir, removed on drop
/// (also when the test panics).
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let p = std::env::temp_dir().join(format!("kv-aof-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Sends every command, then reads every reply (one round trip); panics on
/// an error reply.
pub fn pipeline(c: &mut Conn, cmds: &[Vec<Vec<u8>>]) {
    for chunk in cmds.chunks(256) {
        let mut buf = Vec::new();
        for cmd in chunk {
            let args: Vec<&[u8]> = cmd.iter().map(|a| a.as_slice()).collect();
            buf.extend(Conn::encode(&args));
        }
        c.send_raw(&buf);
        for cmd in chunk {
            let r = c.read().expect("a reply");
            assert!(
                !matches!(r, Value::Error(_)),
                "{:?}: {r:?}",
                String::from_utf8_lossy(&cmd[0])
            );
        }
    }
}

fn v(args: &[&str]) -> Vec<Vec<u8>> {
    args.iter().map(|a| a.as_bytes().to_vec()).collect()
}

/// The commands that build the dataset: strings (int, embstr, raw, a 40 KB
/// one), lists (one listpack node, many nodes), hashes and sorted sets on
/// both sides of their listpack limits, sets as intsets and hashtables,
/// binary keys and values, TTLs, in databases 0, 3 and 15. `expire_at_ms`
/// is the absolute deadline given to keys with a TTL (far enough ahead).
pub fn commands(expire_at_ms: i64) -> Vec<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    let at = expire_at_ms.to_string();
    for db in ["0", "3", "15"] {
        out.push(v(&["SELECT", db]));
        out.push(v(&["SET", "int", "12345"]));
        out.push(v(&["SET", "neg", "-9223372036854775808"]));
        out.push(v(&["SET", "emb", "hello world"]));
        out.push(v(&["SET", "raw", &"r".repeat(100)]));
        out.push(vec![b"SET".to_vec(), b"big".to_vec(), vec![b'x'; 40_000]]);
        out.push(vec![
            b"SET".to_vec(),
            b"bin\x00\r\nkey".to_vec(),
            b"\x00\xff\r\n$3\r\n".to_vec(),
        ]);
        out.push(v(&["SET", "ttl", "v", "PXAT", &at]));
        out.push(v(&["RPUSH", "small-list", "a", "1", "b"]));
        let many: Vec<String> = (0..1000).map(|i| format!("item-{i}")).collect();
        let mut cmd = v(&["RPUSH", "big-list"]);
        cmd.extend(many.iter().map(|s| s.as_bytes().to_vec()));
        out.push(cmd);
        out.push(v(&["HSET", "small-hash", "f1", "v1", "f2", "2"]));
        let mut cmd = v(&["HSET", "big-hash"]);
        for i in 0..600 {
            cmd.push(format!("field-{i}").into_bytes());
            cmd.push(format!("{i}").into_bytes());
        }
        out.push(cmd);
        out.push(v(&["HSET", "long-value-hash", "f", &"v".repeat(100)]));
        out.push(v(&["SADD", "intset", "1", "-5", "300000"]));
        out.push(v(&["SADD", "strset", "a", "b", "c"]));
        let mut cmd = v(&["SADD", "big-intset"]);
        cmd.extend((0..600).map(|i| i.to_string().into_bytes()));
        out.push(cmd);
        out.push(v(&[
            "ZADD",
            "small-zset",
            "1.5",
            "a",
            "-2",
            "b",
            "inf",
            "c",
        ]));
        let mut cmd = v(&["ZADD", "big-zset"]);
        for i in 0..300 {
            cmd.push(format!("{}", i as f64 / 7.0).into_bytes());
            cmd.push(format!("m{i}").into_bytes());
        }
        out.push(cmd);
        out.push(v(&[
            "EXPIREAT",
            "small-hash",
            &(expire_at_ms / 1000).to_string(),
        ]));
        out.push(v(&["PEXPIREAT", "big-zset", &at]));
    }
    // A key that expired: it must not come back.
    out.push(v(&["SELECT", "0"]));
    out.push(v(&["SET", "gone", "x", "PX", "1"]));
    out
}

/// One key's contents, comparable across servers: its type, its value in
/// a canonical order (sets and hashes sorted), and its absolute deadline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub kind: String,
    pub value: Vec<Vec<u8>>,
    pub expire_at_ms: i64,
}

fn bulks(v: Value) -> Vec<Vec<u8>> {
    match v {
        Value::Array(items) | Value::Set(items) => items
            .into_iter()
            .map(|i| match i {
                Value::Bulk(b) => b,
                other => panic!("not a bulk: {other:?}"),
            })
            .collect(),
        Value::Bulk(b) => vec![b],
        other => panic!("unexpected reply {other:?}"),
    }
}

/// The whole dataset of databases `0..dbs`, keyed by (db, key).
pub fn snapshot(c: &mut Conn, dbs: usize) -> BTreeMap<(usize, Vec<u8>), Entry> {
    let mut all = BTreeMap::new();
    for db in 0..dbs {
        c.cmds(&["SELECT", &db.to_string()]);
        for key in bulks(c.cmds(&["KEYS", "*"])) {
            let Value::Simple(kind) = c.cmd(&[b"TYPE", &key]) else {
                panic!("TYPE replies a status")
            };
            let mut value = match kind.as_str() {
                "string" => bulks(c.cmd(&[b"GET", &key])),
                "list" => bulks(c.cmd(&[b"LRANGE", &key, b"0", b"-1"])),
                "set" => bulks(c.cmd(&[b"SMEMBERS", &key])),
                "zset" => bulks(c.cmd(&[b"ZRANGE", &key, b"0", b"-1", b"WITHSCORES"])),
                "hash" => {
                    let flat = bulks(c.cmd(&[b"HGETALL", &key]));
                    let mut pairs: Vec<Vec<u8>> = flat.chunks(2).map(|p| p.concat()).collect();
                    pairs.sort();
                    pairs
                }
                other => panic!("type {other}"),
            };
            if kind == "set" {
                value.sort();
            }
            let Value::Int(expire_at_ms) = c.cmd(&[b"PEXPIRETIME", &key]) else {
                panic!("PEXPIRETIME replies an integer")
            };
            all.insert(
                (db, key),
                Entry {
                    kind,
                    value,
                    expire_at_ms,
                },
            );
        }
    }
    c.cmds(&["SELECT", "0"]);
    all
}
