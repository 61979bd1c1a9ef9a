//! The write flood: unique keys, each set once, far more of them than
//! `maxmemory` holds, so that from the first hundred megabytes on every
//! `SET` makes the server evict. What is measured is what the process
//! keeps afterwards (its RSS): eviction frees memory to the allocator,
//! and how much of it goes back — or stays as fragmentation — is the
//! server's and its allocator's doing.

use super::conn::Conn;

/// Bytes of every flooded value.
pub(crate) const VALUE: usize = 100;
/// SETs per pipelined batch.
pub(crate) const BATCH: usize = 1000;

/// How many SETs carry `megabytes` (10^6 bytes) of values.
pub(crate) fn keys_for(megabytes: u64) -> u64 {
    megabytes * 1_000_000 / VALUE as u64
}

/// Sets `flood:0`, `flood:1` … until `megabytes` of values were sent, in
/// pipelined batches of [`BATCH`]; every reply must be `+OK` (an `-OOM`
/// stops it with the server's text). Returns the keys set.
pub(crate) fn flood(conn: &mut Conn, megabytes: u64) -> anyhow::Result<u64> {
    let value = vec![b'f'; VALUE];
    let total = keys_for(megabytes);
    let mut sent = 0;
    while sent < total {
        let batch = (total - sent).min(BATCH as u64);
        for i in sent..sent + batch {
            conn.push(&[b"SET", format!("flood:{i}").as_bytes(), &value]);
        }
        conn.send()?;
        for _ in 0..batch {
            conn.expect_ok("SET in the flood")?;
        }
        sent += batch;
    }
    Ok(total)
}
