//! The AOF directory on disk: where each file is, opening them, and
//! replacing the manifest atomically (Redis `writeAofManifestFile`: a
//! temporary file, fsync, rename over the old one, fsync the directory), so
//! that a crash at any moment leaves either the old manifest or the new
//! one, never half of one.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::manifest::Manifest;
use crate::config::Config;

/// Prefix of temporary files (Redis `TEMP_FILE_NAME_PREFIX`).
pub const TEMP_PREFIX: &str = "temp-";

/// `dir/appenddirname`.
pub fn aof_dir(c: &Config) -> PathBuf {
    c.dir.join(&c.appenddirname)
}

/// The manifest's path.
pub fn manifest_path(dir: &Path, filename: &str) -> PathBuf {
    dir.join(format!("{filename}.manifest"))
}

/// The increment written while the first rewrite runs (`temp-<name>.incr`).
pub fn temp_incr_path(dir: &Path, filename: &str) -> PathBuf {
    dir.join(format!("{TEMP_PREFIX}{filename}.incr"))
}

/// The file a rewrite child writes its base to, in `dir` (Redis: in its
/// working directory, `temp-rewriteaof-bg-<pid>.aof`).
pub fn temp_rewrite_path(c: &Config, pid: libc::pid_t) -> PathBuf {
    c.dir.join(format!("{TEMP_PREFIX}rewriteaof-bg-{pid}.aof"))
}

/// Opens `path` for appending, creating it (mode 0644).
pub fn open_append(path: &Path) -> io::Result<File> {
    OpenOptions::new().append(true).create(true).open(path)
}

/// Creates `path` empty for appending (an increment a rewrite starts; a
/// leftover of a failed attempt is replaced). Append mode, so that a
/// failed write cut off with `set_len` leaves no hole behind the next one.
pub fn create_append(path: &Path) -> io::Result<File> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    open_append(path)
}

/// Creates the directory if missing.
pub fn ensure(dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir)
}

/// fsyncs a directory, so a rename or a new file in it survives a crash.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Writes `m` as the manifest: temp file, fsync, rename, fsync the directory.
pub fn persist_manifest(dir: &Path, filename: &str, m: &Manifest) -> io::Result<()> {
    let tmp = dir.join(format!("{TEMP_PREFIX}{filename}.manifest"));
    let mut f = File::create(&tmp)?;
    f.write_all(m.to_text().as_bytes())?;
    f.sync_data()?;
    drop(f);
    std::fs::rename(&tmp, manifest_path(dir, filename))?;
    sync_dir(dir)
}

/// Size of a file, 0 if it is missing.
pub fn size(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}
