//! Loading the AOF at startup: the manifest, then the base and every
//! increment in its order, each command handed to the caller to replay.
//! Redis `loadAppendOnlyFiles` and `loadSingleAppendOnlyFile`.
//!
//! What may go wrong, and what happens (Redis's rules and messages):
//!
//! - the last file ends inside a command (a crash mid-write): with
//!   `aof-load-truncated yes` the file is cut back to its last whole
//!   command and loading goes on, logged; with `no`, refused;
//! - the file ends inside `MULTI … EXEC`: the transaction is dropped, as
//!   if the file ended before its `MULTI`;
//! - a torn command in a file that is not the last, bytes that are not the
//!   format, an unknown command: refused, naming the file and the offset.
//!
//! The replay itself is the caller's (the server runs each command through
//! its normal path, replies discarded): this module only reads.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use super::command::{ReadError, Reader};
use super::manifest::Manifest;
use super::{base, dir};
use crate::config::Config;

/// Why the AOF could not be loaded. The server does not start.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The manifest is unreadable or invalid.
    #[error("Bad AOF manifest {path}: {reason}")]
    Manifest {
        /// Its path.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// A file listed in the manifest is missing or unreadable.
    #[error("Fatal error: can't open the append log file {name} for reading: {reason}")]
    Open {
        /// The file.
        name: String,
        /// The OS error.
        reason: String,
    },
    /// A file is damaged.
    #[error("{0}")]
    Corrupt(String),
}

/// What loading found.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The manifest, to keep appending after it.
    pub manifest: Manifest,
    /// Bytes of base and increments.
    pub total_size: u64,
    /// Bytes of the base.
    pub base_size: u64,
    /// Commands replayed.
    pub commands: u64,
}

/// Reads the manifest, if there is one (`None`: a fresh directory).
pub fn read_manifest(dir: &Path, filename: &str) -> Result<Option<Manifest>, LoadError> {
    let path = dir::manifest_path(dir, filename);
    let text = match std::fs::read(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(LoadError::Manifest {
                path: path.display().to_string(),
                reason: e.to_string(),
            });
        }
    };
    Manifest::parse(&text)
        .map(Some)
        .map_err(|e| LoadError::Manifest {
            path: path.display().to_string(),
            reason: e.to_string(),
        })
}

/// Loads every file the manifest lists, calling `replay` with each
/// command and a flag: whether this command starts a new file (the caller
/// starts a fresh fake client then, as Redis does per file). `replay`
/// returns `Err(text)` to refuse the command (an unknown one).
pub fn load(
    c: &Config,
    mut replay: impl FnMut(&[Vec<u8>], bool) -> Result<(), String>,
) -> Result<Loaded, LoadError> {
    let dir = dir::aof_dir(c);
    let Some(manifest) = read_manifest(&dir, &c.appendfilename)? else {
        return Ok(Loaded::default());
    };
    let files: Vec<String> = manifest
        .base
        .iter()
        .chain(&manifest.incr)
        .map(|e| e.name.clone())
        .collect();
    let mut loaded = Loaded {
        manifest,
        ..Loaded::default()
    };
    for (i, name) in files.iter().enumerate() {
        let last = i + 1 == files.len();
        let path = dir.join(name);
        let started = std::time::Instant::now();
        let n = load_file(&path, name, last, c.aof_load_truncated, &mut replay)?;
        loaded.commands += n;
        let size = dir::size(&path);
        if i == 0 && loaded.manifest.base.is_some() {
            loaded.base_size = size;
            tracing::info!(
                "DB loaded from base file {name}: {:.3} seconds",
                started.elapsed().as_secs_f64()
            );
        } else {
            tracing::info!(
                "DB loaded from incr file {name}: {:.3} seconds",
                started.elapsed().as_secs_f64()
            );
        }
        loaded.total_size += size;
    }
    Ok(loaded)
}

/// Loads one file; returns the commands replayed.
fn load_file(
    path: &Path,
    name: &str,
    last: bool,
    truncate_ok: bool,
    replay: &mut impl FnMut(&[Vec<u8>], bool) -> Result<(), String>,
) -> Result<u64, LoadError> {
    let file = File::open(path).map_err(|e| LoadError::Open {
        name: name.to_string(),
        reason: crate::config::bounds::os_error_text(&e),
    })?;
    let mut input = BufReader::with_capacity(64 * 1024, file);
    let head = std::io::BufRead::fill_buf(&mut input).map_err(|e| LoadError::Open {
        name: name.to_string(),
        reason: e.to_string(),
    })?;
    if head.starts_with(b"REDIS") {
        // The RDB seam (see `base`): an RDB base needs the RDB reader.
        return Err(LoadError::Corrupt(format!(
            "The base file {name} is in RDB format (aof-use-rdb-preamble yes), which kv-cache cannot read yet: {}",
            if base::is_rdb(true) {
                "unexpected"
            } else {
                "start redis-server on it, or rewrite it with aof-use-rdb-preamble no"
            }
        )));
    }
    let mut reader = Reader::new(input, 0);
    let mut count = 0u64;
    let mut first = true;
    // Offset after the last whole command, and before an open MULTI.
    let (mut valid_up_to, mut before_multi, mut in_multi) = (0u64, 0u64, false);
    let torn_at = loop {
        let argv = match reader.next_command() {
            Ok(Some(argv)) => argv,
            Ok(None) if in_multi => {
                tracing::warn!("Revert incomplete MULTI/EXEC transaction in AOF file {name}");
                break before_multi;
            }
            Ok(None) => return Ok(count),
            Err(ReadError::Truncated { .. }) => {
                break if in_multi { before_multi } else { valid_up_to };
            }
            Err(ReadError::Format { offset }) => {
                return Err(LoadError::Corrupt(format!(
                    "Bad file format reading the append only file {name} at offset {offset}: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>"
                )));
            }
            Err(ReadError::Io(e)) => {
                return Err(LoadError::Corrupt(format!(
                    "Unrecoverable error reading the append only file {name}: {e}"
                )));
            }
        };
        let name0 = &argv[0];
        if name0.eq_ignore_ascii_case(b"multi") {
            (in_multi, before_multi) = (true, valid_up_to);
        } else if name0.eq_ignore_ascii_case(b"exec") || name0.eq_ignore_ascii_case(b"discard") {
            in_multi = false;
        }
        replay(&argv, first).map_err(|e| {
            LoadError::Corrupt(format!(
                "{e} reading the append only file {name} at offset {valid_up_to}"
            ))
        })?;
        first = false;
        count += 1;
        valid_up_to = reader.offset();
    };
    if !truncate_ok || !last {
        let why = if last {
            "Unexpected end of file reading the append only file {name}. You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server."
        } else {
            "Fatal error: the truncated file {name} is not the last file"
        };
        return Err(LoadError::Corrupt(format!(
            "{} (last whole command ends at offset {torn_at})",
            why.replace("{name}", name)
        )));
    }
    tracing::warn!("!!! Warning: short read while loading the AOF file {name}!!!");
    tracing::warn!("!!! Truncating the AOF {name} at offset {torn_at} !!!");
    let cut = std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .and_then(|f| f.set_len(torn_at));
    match cut {
        Ok(()) => {
            tracing::warn!("AOF {name} loaded anyway because aof-load-truncated is enabled");
            Ok(count)
        }
        Err(e) => Err(LoadError::Corrupt(format!(
            "Error truncating the AOF file {name}: {e}"
        ))),
    }
}
