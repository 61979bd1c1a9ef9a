//! A whole keyspace as an RDB file, and back (`rdbSaveRio`, `rdbLoadRio`).
//!
//! Saving streams: each key is encoded into a small buffer that is
//! checksummed and handed to the writer, so a snapshot never needs a
//! second copy of the dataset in memory. Loading reads the whole file
//! into a fresh [`Keyspace`] and returns it only when everything, the
//! checksum included, was right: a bad file never leaves a half-loaded
//! dataset behind.

use std::io::{self, Write};

use super::object::{self, Shape};
use super::wire::{In, Out};
use super::{RdbError, VERSION, crc64};
use crate::db::{Keyspace, Sds, clock};

/// `RDB_OPCODE_FUNCTION2`: a function library (Redis 7.0 Functions).
pub const OP_FUNCTION2: u8 = 245;
/// `RDB_OPCODE_FUNCTION`: the 7.0 release candidates' function format.
pub const OP_FUNCTION: u8 = 246;
/// `RDB_OPCODE_MODULE_AUX`: a module's own data.
pub const OP_MODULE_AUX: u8 = 247;
/// `RDB_OPCODE_IDLE`: the next key's idle time, seconds.
pub const OP_IDLE: u8 = 248;
/// `RDB_OPCODE_FREQ`: the next key's LFU counter.
pub const OP_FREQ: u8 = 249;
/// `RDB_OPCODE_AUX`: a name, value pair about the file.
pub const OP_AUX: u8 = 250;
/// `RDB_OPCODE_RESIZEDB`: sizes of the next database's tables.
pub const OP_RESIZEDB: u8 = 251;
/// `RDB_OPCODE_EXPIRETIME_MS`: the next key's deadline, Unix ms.
pub const OP_EXPIRETIME_MS: u8 = 252;
/// `RDB_OPCODE_EXPIRETIME`: the same in seconds (old files).
pub const OP_EXPIRETIME: u8 = 253;
/// `RDB_OPCODE_SELECTDB`.
pub const OP_SELECTDB: u8 = 254;
/// `RDB_OPCODE_EOF`.
pub const OP_EOF: u8 = 255;

/// How a file is written (`rdbcompression`, `rdbchecksum`).
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// LZF-compress long strings.
    pub compress: bool,
    /// Write the CRC-64 (else 0, which readers take as "not checked").
    pub checksum: bool,
}

/// The version we claim in the `redis-ver` AUX field: the Redis whose
/// format and behaviour we follow (the same as `INFO`'s `redis_version`).
pub const REDIS_VER: &str = "7.0.15";

/// A writer that checksums what passes through it.
struct Summed<W> {
    w: W,
    crc: u64,
}

impl<W: Write> Summed<W> {
    fn put(&mut self, b: &[u8]) -> io::Result<()> {
        self.crc = crc64::update(self.crc, b);
        self.w.write_all(b)
    }

    fn drain(&mut self, out: &mut Out) -> io::Result<()> {
        self.put(&out.buf)?;
        out.buf.clear();
        Ok(())
    }
}

/// Writes `ks` as an RDB file to `w`. `used_mem` goes into the AUX field
/// of that name; `now_s` into `ctime`.
pub fn write<W: Write>(
    w: W,
    ks: &Keyspace,
    opts: Options,
    used_mem: u64,
    now_s: i64,
) -> io::Result<W> {
    let mut s = Summed { w, crc: 0 };
    let mut out = Out::new(opts.compress);
    out.buf
        .extend_from_slice(format!("REDIS{VERSION:04}").as_bytes());
    for (name, value) in [
        ("redis-ver", REDIS_VER.to_string()),
        ("redis-bits", "64".into()),
        ("ctime", now_s.to_string()),
        ("used-mem", used_mem.to_string()),
        ("aof-base", "0".into()),
    ] {
        out.byte(OP_AUX);
        out.string(name.as_bytes());
        out.string(value.as_bytes());
    }
    for (i, db) in ks.dbs.iter().enumerate() {
        if db.dict.is_empty() {
            continue;
        }
        out.byte(OP_SELECTDB);
        out.length(i as u64);
        out.byte(OP_RESIZEDB);
        out.length(db.dict.len() as u64);
        out.length(db.expires.len() as u64);
        let mut failed = None;
        crate::db::set::walk(&db.dict, |key, val| {
            if let Some(e) = db.expires.get(key) {
                out.byte(OP_EXPIRETIME_MS);
                out.buf.extend_from_slice(&e.value.to_le_bytes());
            }
            out.byte(object::write::type_of(val));
            out.string(key);
            object::write::payload(&mut out, val);
            if out.buf.len() >= 1 << 16
                && let Err(e) = s.drain(&mut out)
            {
                failed = Some(e);
                return false;
            }
            true
        });
        if let Some(e) = failed {
            return Err(e);
        }
    }
    out.byte(OP_EOF);
    s.drain(&mut out)?;
    let crc = if opts.checksum { s.crc } else { 0 };
    s.w.write_all(&crc.to_le_bytes())?;
    Ok(s.w)
}

/// What a load found besides the keys.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Loaded {
    /// Keys loaded.
    pub keys: u64,
    /// Keys skipped because their deadline had passed.
    pub expired: u64,
    /// Keys skipped because their collection was empty.
    pub empty: u64,
    /// The AUX fields, in file order.
    pub aux: Vec<(String, String)>,
    /// What was skipped because kv-cache has no such feature (functions, module data).
    pub skipped: Vec<String>,
    /// The file's format version.
    pub version: u16,
}

/// Reads an RDB file into a new keyspace of `databases` databases.
/// Keys whose deadline is before `now_ms` are left out, as a Redis
/// master does. With `verify_crc`, a non-zero checksum must match.
pub fn read(
    bytes: &[u8],
    databases: usize,
    shape: &Shape,
    now_ms: i64,
    verify_crc: bool,
) -> Result<(Keyspace, Loaded), RdbError> {
    let mut inp = In::new(bytes);
    let magic = inp
        .take(9)
        .map_err(|_| inp.error("file too short for the RDB header"))?;
    if &magic[..5] != b"REDIS" {
        return Err(RdbError {
            offset: 0,
            what: "wrong signature, not an RDB file".into(),
        });
    }
    let version = std::str::from_utf8(&magic[5..])
        .ok()
        .and_then(|v| v.parse::<u16>().ok())
        .filter(|&v| (1..=VERSION).contains(&v))
        .ok_or_else(|| RdbError {
            offset: 5,
            what: format!(
                "can't handle RDB format version {}",
                String::from_utf8_lossy(&magic[5..])
            ),
        })?;
    let mut ks = Keyspace::new(databases);
    ks.now_ms = now_ms;
    let mut info = Loaded {
        version,
        ..Loaded::default()
    };
    let mut db = 0usize;
    let (mut expire, mut idle): (Option<i64>, Option<u64>) = (None, None);
    loop {
        let op_at = inp.pos;
        let op = inp.byte()?;
        match op {
            OP_AUX => {
                let k = String::from_utf8_lossy(&inp.string()?).into_owned();
                let v = String::from_utf8_lossy(&inp.string()?).into_owned();
                info.aux.push((k, v));
            }
            OP_RESIZEDB => {
                inp.length()?;
                inp.length()?;
            }
            OP_EXPIRETIME_MS => expire = Some(i64::from_le_bytes(inp.array()?)),
            OP_EXPIRETIME => expire = Some(i32::from_le_bytes(inp.array()?) as i64 * 1000),
            OP_SELECTDB => {
                let n = inp.length()?;
                db = usize::try_from(n)
                    .ok()
                    .filter(|&n| n < databases)
                    .ok_or_else(|| {
                        inp.error(format!(
                            "the file uses db {n}, more than the {databases} databases configured"
                        ))
                    })?;
            }
            OP_IDLE => idle = Some(inp.length()?),
            // Without an LFU policy Redis ignores the counter too
            // (`objectSetLRUOrLFU`).
            OP_FREQ => {
                inp.byte()?;
            }
            OP_FUNCTION2 => {
                inp.string()?;
                tracing::warn!("RDB holds a function library; kv-cache has no Functions, skipped");
                info.skipped.push("function library".into());
            }
            OP_MODULE_AUX => {
                let id = inp.length()?;
                skip_module_value(&mut inp)?;
                tracing::warn!(
                    module_id = id,
                    "RDB holds module aux data; no such module, skipped"
                );
                info.skipped
                    .push(format!("module aux data (module id {id})"));
            }
            OP_EOF => {
                if version >= 5 {
                    let body = inp.pos;
                    let stored = u64::from_le_bytes(inp.array()?);
                    let actual = crc64::update(0, &bytes[..body]);
                    if verify_crc && stored != 0 && stored != actual {
                        return Err(RdbError {
                            offset: body,
                            what: format!(
                                "wrong RDB checksum: stored {stored:016x}, computed {actual:016x}"
                            ),
                        });
                    }
                }
                return Ok((ks, info));
            }
            OP_FUNCTION => {
                return Err(inp.error("function data of a Redis 7.0 release candidate"));
            }
            t if object::is_type(t) => {
                let key = inp.string()?;
                let val = object::read::value(&mut inp, t, shape)?;
                let (at, lru) = (expire.take(), idle.take());
                let Some(val) = val else {
                    info.empty += 1;
                    tracing::warn!(key = %String::from_utf8_lossy(&key), "RDB has an empty collection, skipped");
                    continue;
                };
                if at.is_some_and(|at| at < now_ms) {
                    info.expired += 1;
                    continue;
                }
                let d = &mut ks.dbs[db];
                if d.dict.get(&key).is_some() {
                    return Err(RdbError {
                        offset: op_at,
                        what: format!(
                            "duplicate key '{}' in db {db}",
                            String::from_utf8_lossy(&key)
                        ),
                    });
                }
                let stamp = clock::lru_clock(now_ms - 1000 * lru.unwrap_or(0).min(1 << 40) as i64);
                d.dict.insert_new(Sds::new(&key), val).set_key_meta(stamp);
                if let Some(at) = at {
                    d.expires.insert(&key, at);
                }
                info.keys += 1;
            }
            _ => {
                return Err(RdbError {
                    offset: op_at,
                    what: format!("unknown opcode or value type {op}"),
                });
            }
        }
    }
}

/// Skips a module value in its self-describing form (`MODULE_AUX`,
/// `rdbLoadCheckModuleValue`): a `when` opcode and value, then typed
/// fields up to `RDB_MODULE_OPCODE_EOF`.
fn skip_module_value(inp: &mut In<'_>) -> Result<(), RdbError> {
    inp.length()?; // the when-opcode
    inp.length()?; // when
    loop {
        match inp.length()? {
            0 => return Ok(()),
            1 | 2 => {
                inp.length()?;
            }
            3 => {
                inp.take(4)?;
            }
            4 => {
                inp.take(8)?;
            }
            5 => {
                inp.string()?;
            }
            t => return Err(inp.error(format!("unknown module value field type {t}"))),
        }
    }
}
