//! `DUMP` payloads: a value's RDB object encoding, then the RDB version
//! (2 bytes LE) and a CRC-64 of everything before it (8 bytes LE).
//! Redis: `createDumpPayload`, `verifyDumpPayload` in `src/cluster.c`.
//!
//! ```text
//!   <type> <payload ...> | 0A 00 | <crc64: 8 bytes LE>
//! ```

use super::object::{self, Shape};
use super::wire::{In, Out};
use super::{VERSION, crc64};
use crate::db::Val;

/// The `DUMP` payload of `v`; `compress` is `rdbcompression`.
pub fn create(v: &Val, compress: bool) -> Vec<u8> {
    let mut out = Out::new(compress);
    object::write::value(&mut out, v);
    out.buf.extend_from_slice(&VERSION.to_le_bytes());
    let crc = crc64::update(0, &out.buf);
    out.buf.extend_from_slice(&crc.to_le_bytes());
    out.buf
}

/// Why a payload was refused, as `RESTORE` replies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Version newer than ours, or the checksum does not match.
    VersionOrChecksum,
    /// The body is not a value we can read.
    BadFormat,
}

/// The value a payload holds. An empty collection is a bad format here
/// (Redis's `RESTORE` refuses it the same way).
pub fn restore(payload: &[u8], shape: &Shape, verify_crc: bool) -> Result<Val, Refused> {
    let Some(body_len) = payload.len().checked_sub(10) else {
        return Err(Refused::VersionOrChecksum);
    };
    let version = u16::from_le_bytes([payload[body_len], payload[body_len + 1]]);
    if version > VERSION {
        return Err(Refused::VersionOrChecksum);
    }
    let mut stored = [0u8; 8];
    stored.copy_from_slice(&payload[body_len + 2..]);
    if verify_crc && crc64::update(0, &payload[..body_len + 2]) != u64::from_le_bytes(stored) {
        return Err(Refused::VersionOrChecksum);
    }
    let mut inp = In::new(&payload[..body_len]);
    let t = inp.byte().map_err(|_| Refused::BadFormat)?;
    if !object::is_type(t) {
        return Err(Refused::BadFormat);
    }
    match object::read::value(&mut inp, t, shape) {
        Ok(Some(v)) => Ok(v),
        _ => Err(Refused::BadFormat),
    }
}
