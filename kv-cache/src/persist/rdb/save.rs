//! An RDB file on disk: written to a temp file, fsynced, then renamed over
//! the old one, so a crash at any moment leaves either the old file or the
//! new one, never a torn one (Redis `rdbSave`). `SAVE` runs this in the
//! server; `BGSAVE` runs it in a forked child ([`crate::persist::child`]).

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use super::file::{self, Options};
use super::object::Shape;
use super::{RdbError, file::Loaded};
use crate::db::Keyspace;

/// The temp file a save by process `pid` writes in `dir` (Redis's `temp-<pid>.rdb`).
pub fn temp_path(dir: &Path, pid: u32) -> PathBuf {
    dir.join(format!("temp-{pid}.rdb"))
}

// ANCHOR: save
/// Writes `ks` to `path` through a temp file in the same directory.
pub fn save(
    ks: &Keyspace,
    path: &Path,
    opts: Options,
    used_mem: u64,
    now_s: i64,
) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = temp_path(dir, std::process::id());
    let result = (|| {
        let f = BufWriter::with_capacity(1 << 16, File::create(&tmp)?);
        let mut f = file::write(f, ks, opts, used_mem, now_s)?;
        f.flush()?;
        let f = f.into_inner().map_err(|e| e.into_error())?;
        // Data on disk before the name points at it: a crash after the
        // rename must not find an empty or partial file.
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        // And the rename itself on disk (Redis 7.0 `fsyncFileDir`).
        File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
// ANCHOR_END: save

/// Why loading at startup failed.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// The file is not a valid RDB file.
    #[error("bad RDB file {path}: {source}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What was wrong, and where.
        source: RdbError,
    },
}

/// Loads `path` if it exists: `Ok(None)` when there is no file.
pub fn load(
    path: &Path,
    databases: usize,
    shape: &Shape,
    now_ms: i64,
    verify_crc: bool,
) -> Result<Option<(Keyspace, Loaded)>, LoadError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(LoadError::Io {
                path: path.into(),
                source,
            });
        }
    };
    file::read(&bytes, databases, shape, now_ms, verify_crc)
        .map(Some)
        .map_err(|source| LoadError::Format {
            path: path.into(),
            source,
        })
}

/// What `INFO persistence`, `LASTSAVE` and the save points need to know
/// about saves. Redis: the `rdb_*`, `lastsave`, `dirty_before_bgsave`
/// fields of `struct redisServer`.
#[derive(Debug, Clone)]
pub struct Status {
    /// `Keyspace::dirty` as of the snapshot the last successful save took
    /// (`rdb_changes_since_last_save` is the count beyond it).
    pub dirty_at_save: u64,
    /// `Keyspace::dirty` when the running `BGSAVE` forked.
    pub dirty_at_fork: u64,
    /// Unix seconds of the last successful save, or of startup (`LASTSAVE`).
    pub last_save_s: i64,
    /// Unix seconds of the last `BGSAVE` attempt (a failed one is retried
    /// by the save points only after 5 s, Redis's `CONFIG_BGSAVE_RETRY_DELAY`).
    pub last_try_s: i64,
    /// Whether the last `BGSAVE` succeeded (`rdb_last_bgsave_status`).
    pub last_bgsave_ok: bool,
    /// Seconds the last `BGSAVE` took, -1 before the first.
    pub last_bgsave_time_s: i64,
    /// `BGSAVE SCHEDULE` waits for the running child to end.
    pub scheduled: bool,
    /// Saves done (`rdb_saves`).
    pub saves: u64,
    /// Bytes the last `BGSAVE` child copied on write (`rdb_last_cow_size`).
    pub last_cow_bytes: u64,
    /// Keys the startup load read, and left out as already expired.
    pub loaded_keys: u64,
    /// See [`Status::loaded_keys`].
    pub loaded_expired: u64,
}

impl Status {
    /// The state at startup (`now_s`).
    pub fn new(now_s: i64) -> Status {
        Status {
            dirty_at_save: 0,
            dirty_at_fork: 0,
            last_save_s: now_s,
            last_try_s: 0,
            last_bgsave_ok: true,
            last_bgsave_time_s: -1,
            scheduled: false,
            saves: 0,
            last_cow_bytes: 0,
            loaded_keys: 0,
            loaded_expired: 0,
        }
    }
}
