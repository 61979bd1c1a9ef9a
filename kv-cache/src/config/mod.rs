//! Configuration: the parameters kv-cache has, by their Redis 7 names, with
//! Redis's defaults, parsing rules and error texts. Redis: `src/config.c`
//! (the `standardConfig` table). The same table serves `--config <file>`
//! (redis.conf line syntax), command-line `--key value` options, and
//! `CONFIG GET/SET`.
//!
//! A parameter kv-cache does not act on would be listed only where a client
//! asks for it, accepting exactly the value that describes what kv-cache
//! really does and refusing any other, so nobody is misled.
//!
//! # Layout
//!
//! - this file: [`Config`] (one field per parameter), [`PARAMS`] (one
//!   get/set entry per parameter), setting one or several at once
//!   ([`Config::set_many`]: all or nothing) and config-file text;
//! - [`bounds`]: integers, memory amounts and booleans as Redis parses them,
//!   with its bounds and error texts;
//! - [`cmdline`]: redis-server's command line;
//! - [`listen`]: what `bind` and `port` mean, and binding a new set of
//!   sockets before the old ones close;
//! - [`rewrite`]: `CONFIG REWRITE`, the running config back into its file.

pub mod bounds;
pub mod cmdline;
pub mod listen;
pub mod rewrite;

pub use bounds::parse_memory;
use bounds::{int_in, memory_in, yes_no, yes_no_text};

use crate::db::evict::Policy;
use crate::db::lazyfree::Switches;
use crate::protocol::DEFAULT_PROTO_MAX_BULK_LEN;

/// Output buffer limits of one client class (`client-output-buffer-limit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BufferLimit {
    /// Close the client as soon as its pending output exceeds this (0: none).
    pub hard: u64,
    /// Close it when the output stays above this ...
    pub soft: u64,
    /// ... for this many seconds.
    pub soft_seconds: u64,
}

/// All parameters. Redis's default is the default here, except `bind`
/// (loopback only) and `port` (6380, so demos never collide with a real Redis).
#[derive(Debug, Clone)]
pub struct Config {
    /// `bind`: address to listen on. Redis default `* -::*`; ours `127.0.0.1`.
    pub bind: String,
    /// `port`. Redis default 6379; ours 6380.
    pub port: u16,
    /// `requirepass`: password for `AUTH`; none by default.
    pub requirepass: Option<Vec<u8>>,
    /// `maxclients`: connections beyond this get `-ERR max number of clients reached`. 10000.
    pub maxclients: u64,
    /// `timeout`: close clients idle this many seconds (0: never). 0.
    pub timeout: u64,
    /// `databases`: number of databases. 16.
    pub databases: usize,
    /// `hz`: server cron frequency (active expiry, rehash, timeouts). 10.
    pub hz: u32,
    /// `proto-max-bulk-len`: largest bulk argument. 512 MB.
    pub proto_max_bulk_len: u64,
    /// `client-query-buffer-limit`: largest unparsed input per client. 1 GB.
    pub client_query_buffer_limit: u64,
    /// `client-output-buffer-limit` for normal clients. `0 0 0` (none).
    pub output_limit_normal: BufferLimit,
    /// `slowlog-log-slower-than`, microseconds (negative: off). 10000.
    pub slowlog_log_slower_than: i64,
    /// `slowlog-max-len`. 128.
    pub slowlog_max_len: usize,
    /// `tracking-table-max-keys`: keys the client-side caching table holds
    /// before random ones are invalidated (0: no limit). 1000000.
    pub tracking_table_max_keys: u64,
    /// `activerehashing`: rehash from the cron too. yes.
    pub activerehashing: bool,
    /// `enable-debug-command`: `no`, `yes` or `local`. no.
    pub enable_debug_command: String,
    /// `client-output-buffer-limit` for Pub/Sub clients. `32mb 8mb 60`.
    pub output_limit_pubsub: BufferLimit,
    /// `hash-max-listpack-entries`: a hash past this many fields becomes a hashtable. 512 (redis-server 7.0.15's default).
    pub hash_max_listpack_entries: usize,
    /// `hash-max-listpack-value`: ... or with a field or value longer than this. 64.
    pub hash_max_listpack_value: usize,
    /// `set-max-intset-entries`: an integer set past this many members becomes a hashtable. 512.
    pub set_max_intset_entries: usize,
    /// `zset-max-listpack-entries`: a sorted set past this many members becomes a skiplist. 128.
    pub zset_max_listpack_entries: usize,
    /// `zset-max-listpack-value`: ... or with a member longer than this. 64.
    pub zset_max_listpack_value: usize,
    /// `list-max-listpack-size`: a quicklist node's limit; positive = entries,
    /// -1..-5 = 4, 8, 16, 32, 64 KB. -2.
    pub list_max_listpack_size: i64,
    /// `list-compress-depth`: accepted and reported; nodes are never compressed here. 0.
    pub list_compress_depth: i64,
    /// `notify-keyspace-events`: the [`crate::notify`] class bits of the
    /// keyspace events sent through Pub/Sub. Empty (0): none.
    pub notify_keyspace_events: u32,
    /// `latency-monitor-threshold`: spikes of at least this many ms are
    /// recorded by the latency monitor (0: off). 0.
    pub latency_monitor_threshold: u64,
    /// `latency-tracking`: keep per-command latency histograms. yes.
    pub latency_tracking: bool,
    /// `latency-tracking-info-percentiles`: the percentiles `INFO
    /// latencystats` prints. `50 99 99.9`.
    pub latency_tracking_info_percentiles: Vec<f64>,
    /// `save`: RDB save points, (seconds, changes): a `BGSAVE` starts when
    /// at least `changes` writes happened and `seconds` passed since the
    /// last save. Redis 7.0's default `3600 1 300 100 60 10000`; empty: off.
    pub save: Vec<(u64, u64)>,
    /// `dir`: where the RDB file lives, as an absolute path. Redis's default
    /// is the working directory it started in, and so is ours; unlike Redis
    /// we do not `chdir` into it, since the server may share its process
    /// (tests, benches) with other threads that rely on their cwd.
    pub dir: std::path::PathBuf,
    /// `dbfilename`: the RDB file's name in `dir`. `dump.rdb`.
    pub dbfilename: String,
    /// `rdbcompression`: LZF-compress strings over 20 bytes in RDB files and
    /// `DUMP` payloads. yes.
    pub rdbcompression: bool,
    /// `rdbchecksum`: write (and check) the CRC-64 at the end of RDB files. yes.
    pub rdbchecksum: bool,
    /// `maxmemory`: bytes the dataset and client buffers may use before
    /// eviction (0: no limit). 0.
    pub maxmemory: u64,
    /// `maxmemory-policy`. `noeviction`.
    pub maxmemory_policy: Policy,
    /// `maxmemory-samples`: keys sampled per database per eviction. 5.
    pub maxmemory_samples: usize,
    /// `maxmemory-eviction-tenacity`: how long one call may evict, 0..=100. 10.
    pub maxmemory_eviction_tenacity: u32,
    /// `lfu-log-factor`: how slowly the LFU counter grows. 10.
    pub lfu_log_factor: u32,
    /// `lfu-decay-time`: minutes per decrement of an idle key's counter. 1.
    pub lfu_decay_time: u32,
    /// `lazyfree-lazy-*`: which deletions free big values on the lazyfree
    /// thread (eviction, expire, server-del, user-del, user-flush). All no.
    pub lazyfree: Switches,
    /// `appendonly`: log every change to the append-only file. no.
    pub appendonly: bool,
    /// `appendfilename`: the base name of the AOF files. `appendonly.aof`.
    pub appendfilename: String,
    /// `appenddirname`: the directory under `dir` holding them. `appendonlydir`.
    pub appenddirname: String,
    /// `appendfsync`: when the AOF reaches the disk. everysec.
    pub appendfsync: Appendfsync,
    /// `no-appendfsync-on-rewrite`: skip fsyncs while a child writes. no.
    pub no_appendfsync_on_rewrite: bool,
    /// `aof-load-truncated`: load an AOF whose last command is torn, cutting it off. yes.
    pub aof_load_truncated: bool,
    /// `aof-use-rdb-preamble`: write the rewritten base as RDB. yes (see
    /// [`crate::persist::aof::base`]: until the RDB writer is wired in there,
    /// the base is written as commands either way).
    pub aof_use_rdb_preamble: bool,
    /// `aof-timestamp-enabled`: `#TS:` annotations in the AOF. no.
    pub aof_timestamp_enabled: bool,
    /// `aof-rewrite-incremental-fsync`: fsync the rewritten base every 4 MB. yes.
    pub aof_rewrite_incremental_fsync: bool,
    /// `auto-aof-rewrite-percentage`: rewrite when the AOF grew by this
    /// percent over its size after the last rewrite (0: never). 100.
    pub auto_aof_rewrite_percentage: u64,
    /// `auto-aof-rewrite-min-size`: ... and is at least this big. 64mb.
    pub auto_aof_rewrite_min_size: u64,
    /// Not a parameter: the config file the server was started with, as an
    /// absolute path (`CONFIG REWRITE` writes it back); none by default.
    pub config_file: Option<std::path::PathBuf>,
}

/// Redis 7.0's default save points.
pub const DEFAULT_SAVE: [(u64, u64); 3] = [(3600, 1), (300, 100), (60, 10000)];

/// Parameters `CONFIG SET` refuses while `enable-protected-configs` is
/// `no`, Redis 7.0's default (and the only mode kv-cache has).
const PROTECTED: &[&str] = &["dir", "dbfilename"];

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: "127.0.0.1".into(),
            port: 6380,
            requirepass: None,
            maxclients: 10_000,
            timeout: 0,
            databases: 16,
            hz: 10,
            proto_max_bulk_len: DEFAULT_PROTO_MAX_BULK_LEN as u64,
            client_query_buffer_limit: 1024 * 1024 * 1024,
            output_limit_normal: BufferLimit {
                hard: 0,
                soft: 0,
                soft_seconds: 0,
            },
            slowlog_log_slower_than: 10_000,
            slowlog_max_len: 128,
            tracking_table_max_keys: 1_000_000,
            activerehashing: true,
            enable_debug_command: "no".into(),
            output_limit_pubsub: BufferLimit {
                hard: 32 * 1024 * 1024,
                soft: 8 * 1024 * 1024,
                soft_seconds: 60,
            },
            hash_max_listpack_entries: 512,
            hash_max_listpack_value: 64,
            set_max_intset_entries: 512,
            zset_max_listpack_entries: 128,
            zset_max_listpack_value: 64,
            list_max_listpack_size: -2,
            list_compress_depth: 0,
            notify_keyspace_events: 0,
            latency_monitor_threshold: 0,
            latency_tracking: true,
            latency_tracking_info_percentiles: vec![50.0, 99.0, 99.9],
            save: DEFAULT_SAVE.to_vec(),
            dir: std::env::current_dir().unwrap_or_else(|_| ".".into()),
            dbfilename: "dump.rdb".into(),
            rdbcompression: true,
            rdbchecksum: true,
            maxmemory: 0,
            maxmemory_policy: Policy::NoEviction,
            maxmemory_samples: 5,
            maxmemory_eviction_tenacity: 10,
            lfu_log_factor: 10,
            lfu_decay_time: 1,
            lazyfree: Switches::default(),
            appendonly: false,
            appendfilename: "appendonly.aof".into(),
            appenddirname: "appendonlydir".into(),
            appendfsync: Appendfsync::Everysec,
            no_appendfsync_on_rewrite: false,
            aof_load_truncated: true,
            aof_use_rdb_preamble: true,
            aof_timestamp_enabled: false,
            aof_rewrite_incremental_fsync: true,
            auto_aof_rewrite_percentage: 100,
            auto_aof_rewrite_min_size: 64 * 1024 * 1024,
            config_file: None,
        }
    }
}

impl Config {
    /// Where the RDB file is: `dir`/`dbfilename`.
    pub fn rdb_path(&self) -> std::path::PathBuf {
        self.dir.join(&self.dbfilename)
    }
}

/// `save <seconds> <changes> ...` (`setConfigSaveOption`): pairs of
/// non-negative integers; an empty value means no save points.
fn parse_save(v: &str) -> Result<Vec<(u64, u64)>, String> {
    const BAD: &str = "Invalid save parameters";
    let words: Vec<&str> = v.split_whitespace().collect();
    if !words.len().is_multiple_of(2) {
        return Err(BAD.into());
    }
    words
        .chunks(2)
        .map(|w| match (w[0].parse::<u64>(), w[1].parse::<u64>()) {
            (Ok(s), Ok(c)) if s <= i64::MAX as u64 && c <= i32::MAX as u64 => Ok((s, c)),
            _ => Err(BAD.into()),
        })
        .collect()
}

/// `appendfsync`: when the AOF is fsynced. Redis `AOF_FSYNC_*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Appendfsync {
    /// After every event-loop turn, before its replies are sent.
    Always,
    /// Once a second, on a background thread.
    Everysec,
    /// Never: the kernel writes back when it likes.
    No,
}

impl Appendfsync {
    /// The name `CONFIG GET` prints.
    pub fn name(self) -> &'static str {
        match self {
            Appendfsync::Always => "always",
            Appendfsync::Everysec => "everysec",
            Appendfsync::No => "no",
        }
    }
}

/// A file or directory name that must not be a path (Redis `pathIsBaseName`).
fn base_name(v: &str, param: &str, what: &str) -> Result<String, String> {
    if v.is_empty() {
        return Err(format!("{param} can't be empty"));
    }
    if v.contains('/') {
        return Err(format!("{param} can't be a path, just a {what}"));
    }
    Ok(v.to_string())
}

/// A boolean parameter's get/set entry.
macro_rules! bool_param {
    ($name:literal, $field:ident) => {
        Param {
            name: $name,
            mutable: true,
            get: |c| yes_no_text(c.$field),
            set: |c, v| {
                c.$field = yes_no(v)?;
                Ok(())
            },
        }
    };
}

/// How `CONFIG GET save` prints the points.
fn save_text(points: &[(u64, u64)]) -> String {
    let words: Vec<String> = points.iter().map(|(s, c)| format!("{s} {c}")).collect();
    words.join(" ")
}

/// A rejected parameter value, with the reason Redis gives.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// No such parameter.
    #[error("Unknown option or number of arguments for CONFIG SET - '{0}'")]
    Unknown(String),
    /// The value is wrong; `reason` is Redis's text.
    #[error("CONFIG SET failed (possibly related to argument '{name}') - {reason}")]
    Invalid {
        /// The parameter.
        name: String,
        /// Why.
        reason: String,
    },
}

/// One parameter: its names and how to read and write it.
#[derive(Debug)]
pub struct Param {
    /// Redis 7 name.
    pub name: &'static str,
    /// Whether `CONFIG SET` may change it at runtime.
    pub mutable: bool,
    /// Current value as `CONFIG GET` prints it.
    pub get: fn(&Config) -> String,
    /// Parses and stores a value; `Err` holds Redis's reason text.
    pub set: fn(&mut Config, &str) -> Result<(), String>,
}

/// An integer parameter in `lo..=hi`, stored in `field` as `ty`.
macro_rules! int_param {
    ($name:literal, $field:ident, $lo:expr, $hi:expr, $ty:ty) => {
        Param {
            name: $name,
            mutable: true,
            get: |c| c.$field.to_string(),
            set: |c, v| {
                c.$field = int_in(v, $lo as i64, $hi as i64)? as $ty;
                Ok(())
            },
        }
    };
}

/// A `lazyfree-lazy-*` boolean, one field of [`Config::lazyfree`].
macro_rules! lazyfree_param {
    ($name:literal, $field:ident) => {
        Param {
            name: $name,
            mutable: true,
            get: |c| yes_no_text(c.lazyfree.$field),
            set: |c, v| {
                c.lazyfree.$field = yes_no(v)?;
                Ok(())
            },
        }
    };
}

/// Every parameter, in `CONFIG GET *` order.
pub static PARAMS: &[Param] = &[
    Param {
        name: "bind",
        // The network layer rebinds after `CONFIG SET` (see `listen`).
        mutable: true,
        get: |c| c.bind.clone(),
        set: |c, v| {
            listen::check_bind(v)?;
            c.bind = v.split_whitespace().collect::<Vec<_>>().join(" ");
            Ok(())
        },
    },
    Param {
        name: "port",
        mutable: true,
        get: |c| c.port.to_string(),
        set: |c, v| {
            c.port = int_in(v, 0, 65535)? as u16;
            Ok(())
        },
    },
    Param {
        name: "requirepass",
        mutable: true,
        get: |c| {
            c.requirepass
                .as_ref()
                .map(|p| String::from_utf8_lossy(p).into_owned())
                .unwrap_or_default()
        },
        set: |c, v| {
            c.requirepass = if v.is_empty() {
                None
            } else {
                Some(v.as_bytes().to_vec())
            };
            Ok(())
        },
    },
    Param {
        name: "maxclients",
        mutable: true,
        get: |c| c.maxclients.to_string(),
        set: |c, v| {
            c.maxclients = int_in(v, 1, u32::MAX as i64)? as u64;
            Ok(())
        },
    },
    Param {
        name: "timeout",
        mutable: true,
        get: |c| c.timeout.to_string(),
        set: |c, v| {
            c.timeout = int_in(v, 0, i32::MAX as i64)? as u64;
            Ok(())
        },
    },
    Param {
        name: "databases",
        mutable: false,
        get: |c| c.databases.to_string(),
        set: |c, v| {
            c.databases = int_in(v, 1, i32::MAX as i64)? as usize;
            Ok(())
        },
    },
    Param {
        name: "hz",
        mutable: true,
        get: |c| c.hz.to_string(),
        set: |c, v| {
            // Redis clamps out-of-range values to 1..=500 rather than refusing them.
            c.hz = int_in(v, 0, i32::MAX as i64)?.clamp(1, 500) as u32;
            Ok(())
        },
    },
    Param {
        name: "proto-max-bulk-len",
        mutable: true,
        get: |c| c.proto_max_bulk_len.to_string(),
        set: |c, v| {
            c.proto_max_bulk_len = memory_in(v, 1024 * 1024, i64::MAX)?;
            Ok(())
        },
    },
    Param {
        name: "client-query-buffer-limit",
        mutable: true,
        get: |c| c.client_query_buffer_limit.to_string(),
        set: |c, v| {
            c.client_query_buffer_limit = memory_in(v, 1024 * 1024, i64::MAX)?;
            Ok(())
        },
    },
    Param {
        name: "client-output-buffer-limit",
        mutable: true,
        get: |c| {
            let (n, p) = (c.output_limit_normal, c.output_limit_pubsub);
            format!(
                "normal {} {} {} slave 268435456 67108864 60 pubsub {} {} {}",
                n.hard, n.soft, n.soft_seconds, p.hard, p.soft, p.soft_seconds
            )
        },
        set: set_output_limit,
    },
    Param {
        name: "slowlog-log-slower-than",
        mutable: true,
        get: |c| c.slowlog_log_slower_than.to_string(),
        set: |c, v| {
            c.slowlog_log_slower_than = int_in(v, -1, i64::MAX)?;
            Ok(())
        },
    },
    Param {
        name: "slowlog-max-len",
        mutable: true,
        get: |c| c.slowlog_max_len.to_string(),
        set: |c, v| {
            c.slowlog_max_len = int_in(v, 0, i64::MAX)? as usize;
            Ok(())
        },
    },
    Param {
        name: "tracking-table-max-keys",
        mutable: true,
        get: |c| c.tracking_table_max_keys.to_string(),
        set: |c, v| {
            c.tracking_table_max_keys = int_in(v, 0, i64::MAX)? as u64;
            Ok(())
        },
    },
    Param {
        name: "activerehashing",
        mutable: true,
        get: |c| yes_no_text(c.activerehashing),
        set: |c, v| {
            c.activerehashing = yes_no(v)?;
            Ok(())
        },
    },
    Param {
        name: "hash-max-listpack-entries",
        mutable: true,
        get: |c| c.hash_max_listpack_entries.to_string(),
        set: |c, v| {
            c.hash_max_listpack_entries = int_in(v, 0, i64::MAX)? as usize;
            Ok(())
        },
    },
    Param {
        name: "hash-max-listpack-value",
        mutable: true,
        get: |c| c.hash_max_listpack_value.to_string(),
        set: |c, v| {
            c.hash_max_listpack_value = memory_in(v, 0, i64::MAX)? as usize;
            Ok(())
        },
    },
    Param {
        name: "hash-max-ziplist-entries",
        mutable: true,
        get: |c| c.hash_max_listpack_entries.to_string(),
        set: |c, v| {
            c.hash_max_listpack_entries = int_in(v, 0, i64::MAX)? as usize;
            Ok(())
        },
    },
    Param {
        name: "hash-max-ziplist-value",
        mutable: true,
        get: |c| c.hash_max_listpack_value.to_string(),
        set: |c, v| {
            c.hash_max_listpack_value = memory_in(v, 0, i64::MAX)? as usize;
            Ok(())
        },
    },
    Param {
        name: "set-max-intset-entries",
        mutable: true,
        get: |c| c.set_max_intset_entries.to_string(),
        set: |c, v| {
            c.set_max_intset_entries = int_in(v, 0, i64::MAX)? as usize;
            Ok(())
        },
    },
    Param {
        name: "zset-max-listpack-entries",
        mutable: true,
        get: |c| c.zset_max_listpack_entries.to_string(),
        set: |c, v| {
            c.zset_max_listpack_entries = int_in(v, 0, i64::MAX)? as usize;
            Ok(())
        },
    },
    Param {
        name: "zset-max-listpack-value",
        mutable: true,
        get: |c| c.zset_max_listpack_value.to_string(),
        set: |c, v| {
            c.zset_max_listpack_value = memory_in(v, 0, i64::MAX)? as usize;
            Ok(())
        },
    },
    Param {
        name: "zset-max-ziplist-entries",
        mutable: true,
        get: |c| c.zset_max_listpack_entries.to_string(),
        set: |c, v| {
            c.zset_max_listpack_entries = int_in(v, 0, i64::MAX)? as usize;
            Ok(())
        },
    },
    Param {
        name: "zset-max-ziplist-value",
        mutable: true,
        get: |c| c.zset_max_listpack_value.to_string(),
        set: |c, v| {
            c.zset_max_listpack_value = memory_in(v, 0, i64::MAX)? as usize;
            Ok(())
        },
    },
    Param {
        name: "list-max-listpack-size",
        mutable: true,
        get: |c| c.list_max_listpack_size.to_string(),
        set: |c, v| {
            c.list_max_listpack_size = int_in(v, i32::MIN as i64, i32::MAX as i64)?;
            Ok(())
        },
    },
    Param {
        name: "list-max-ziplist-size",
        mutable: true,
        get: |c| c.list_max_listpack_size.to_string(),
        set: |c, v| {
            c.list_max_listpack_size = int_in(v, i32::MIN as i64, i32::MAX as i64)?;
            Ok(())
        },
    },
    Param {
        name: "list-compress-depth",
        mutable: true,
        get: |c| c.list_compress_depth.to_string(),
        set: |c, v| {
            c.list_compress_depth = int_in(v, 0, i32::MAX as i64)?;
            Ok(())
        },
    },
    Param {
        name: "latency-monitor-threshold",
        mutable: true,
        get: |c| c.latency_monitor_threshold.to_string(),
        set: |c, v| {
            c.latency_monitor_threshold = int_in(v, 0, i64::MAX)? as u64;
            Ok(())
        },
    },
    Param {
        name: "latency-tracking",
        mutable: true,
        get: |c| yes_no_text(c.latency_tracking),
        set: |c, v| {
            c.latency_tracking = yes_no(v)?;
            Ok(())
        },
    },
    Param {
        name: "latency-tracking-info-percentiles",
        mutable: true,
        get: |c| {
            let texts: Vec<String> = c
                .latency_tracking_info_percentiles
                .iter()
                .map(|&p| bounds::double_text(p))
                .collect();
            texts.join(" ")
        },
        set: |c, v| {
            c.latency_tracking_info_percentiles = bounds::percentiles(v)?;
            Ok(())
        },
    },
    Param {
        name: "enable-debug-command",
        mutable: false,
        get: |c| c.enable_debug_command.clone(),
        set: |c, v| {
            match v.to_ascii_lowercase().as_str() {
                s @ ("yes" | "no" | "local") => c.enable_debug_command = s.into(),
                _ => return Err("argument(s) must be one of the following: no, yes, local".into()),
            }
            Ok(())
        },
    },
    Param {
        name: "notify-keyspace-events",
        mutable: true,
        get: |c| crate::notify::to_text(c.notify_keyspace_events),
        set: |c, v| {
            c.notify_keyspace_events =
                crate::notify::parse(v.as_bytes()).ok_or(crate::notify::BAD_CLASS)?;
            Ok(())
        },
    },
    Param {
        name: "save",
        mutable: true,
        get: |c| save_text(&c.save),
        set: |c, v| {
            c.save = parse_save(v)?;
            Ok(())
        },
    },
    Param {
        name: "dir",
        mutable: true,
        get: |c| c.dir.display().to_string(),
        set: |c, v| {
            let p = std::path::absolute(v).map_err(|e| e.to_string())?;
            if !p.is_dir() {
                return Err(format!("Can't chdir to '{v}': No such file or directory"));
            }
            c.dir = p;
            Ok(())
        },
    },
    Param {
        name: "dbfilename",
        mutable: true,
        get: |c| c.dbfilename.clone(),
        set: |c, v| {
            if v.contains('/') || v.is_empty() {
                return Err("dbfilename can't be a path, just a filename".into());
            }
            c.dbfilename = v.into();
            Ok(())
        },
    },
    Param {
        name: "rdbcompression",
        mutable: true,
        get: |c| yes_no_text(c.rdbcompression),
        set: |c, v| {
            c.rdbcompression = yes_no(v)?;
            Ok(())
        },
    },
    Param {
        name: "rdbchecksum",
        mutable: false,
        get: |c| yes_no_text(c.rdbchecksum),
        set: |c, v| {
            c.rdbchecksum = yes_no(v)?;
            Ok(())
        },
    },
    // The server applies a change at its next turn (`persist::aof`).
    bool_param!("appendonly", appendonly),
    Param {
        name: "appendfilename",
        mutable: false,
        get: |c| c.appendfilename.clone(),
        set: |c, v| {
            c.appendfilename = base_name(v, "appendfilename", "filename")?;
            Ok(())
        },
    },
    Param {
        name: "appenddirname",
        mutable: false,
        get: |c| c.appenddirname.clone(),
        set: |c, v| {
            c.appenddirname = base_name(v, "appenddirname", "dirname")?;
            Ok(())
        },
    },
    Param {
        name: "appendfsync",
        mutable: true,
        get: |c| c.appendfsync.name().into(),
        set: |c, v| {
            c.appendfsync = match v.to_ascii_lowercase().as_str() {
                "everysec" => Appendfsync::Everysec,
                "always" => Appendfsync::Always,
                "no" => Appendfsync::No,
                _ => {
                    return Err(
                        "argument(s) must be one of the following: everysec, always, no".into(),
                    );
                }
            };
            Ok(())
        },
    },
    bool_param!("no-appendfsync-on-rewrite", no_appendfsync_on_rewrite),
    bool_param!("aof-load-truncated", aof_load_truncated),
    bool_param!("aof-use-rdb-preamble", aof_use_rdb_preamble),
    bool_param!("aof-timestamp-enabled", aof_timestamp_enabled),
    bool_param!(
        "aof-rewrite-incremental-fsync",
        aof_rewrite_incremental_fsync
    ),
    Param {
        name: "auto-aof-rewrite-percentage",
        mutable: true,
        get: |c| c.auto_aof_rewrite_percentage.to_string(),
        set: |c, v| {
            c.auto_aof_rewrite_percentage = int_in(v, 0, i32::MAX as i64)? as u64;
            Ok(())
        },
    },
    Param {
        name: "auto-aof-rewrite-min-size",
        mutable: true,
        get: |c| c.auto_aof_rewrite_min_size.to_string(),
        set: |c, v| {
            c.auto_aof_rewrite_min_size = memory_in(v, 0, i64::MAX)?;
            Ok(())
        },
    },
    Param {
        name: "maxmemory",
        mutable: true,
        get: |c| c.maxmemory.to_string(),
        set: |c, v| {
            c.maxmemory = parse_memory(v).ok_or_else(|| bounds::NOT_MEMORY.to_string())?;
            Ok(())
        },
    },
    Param {
        name: "maxmemory-policy",
        mutable: true,
        get: |c| c.maxmemory_policy.name().into(),
        set: |c, v| {
            c.maxmemory_policy = Policy::parse(v).ok_or_else(Policy::error_text)?;
            Ok(())
        },
    },
    int_param!("maxmemory-samples", maxmemory_samples, 1, i32::MAX, usize),
    int_param!(
        "maxmemory-eviction-tenacity",
        maxmemory_eviction_tenacity,
        0,
        100,
        u32
    ),
    int_param!("lfu-log-factor", lfu_log_factor, 0, i32::MAX, u32),
    int_param!("lfu-decay-time", lfu_decay_time, 0, i32::MAX, u32),
    lazyfree_param!("lazyfree-lazy-eviction", eviction),
    lazyfree_param!("lazyfree-lazy-expire", expire),
    lazyfree_param!("lazyfree-lazy-server-del", server_del),
    lazyfree_param!("lazyfree-lazy-user-del", user_del),
    lazyfree_param!("lazyfree-lazy-user-flush", user_flush),
];

/// `client-output-buffer-limit <class> <hard> <soft> <seconds> ...`:
/// every class checked (its name first, as Redis) before any is changed.
fn set_output_limit(c: &mut Config, v: &str) -> Result<(), String> {
    const BAD_NUMBER: &str =
        "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
    let words: Vec<&str> = v.split_whitespace().collect();
    if words.is_empty() || !words.len().is_multiple_of(4) {
        return Err("Wrong number of arguments in buffer limit configuration.".into());
    }
    let (mut normal, mut pubsub) = (c.output_limit_normal, c.output_limit_pubsub);
    for w in words.chunks(4) {
        let class = w[0].to_ascii_lowercase();
        if !matches!(class.as_str(), "normal" | "pubsub" | "slave" | "replica") {
            return Err("Invalid client class specified in buffer limit configuration.".into());
        }
        let (Some(hard), Some(soft), Ok(soft_seconds)) =
            (parse_memory(w[1]), parse_memory(w[2]), w[3].parse::<u64>())
        else {
            return Err(BAD_NUMBER.into());
        };
        let limit = BufferLimit {
            hard,
            soft,
            soft_seconds,
        };
        match class.as_str() {
            "normal" => normal = limit,
            "pubsub" => pubsub = limit,
            // Replicas do not exist here yet; their limits are accepted
            // only at Redis's defaults.
            _ if (hard, soft, soft_seconds) == (268435456, 67108864, 60) => {}
            _ => {
                return Err(
                    "kv-cache has no replicas; only their default limits are accepted".into(),
                );
            }
        }
    }
    (c.output_limit_normal, c.output_limit_pubsub) = (normal, pubsub);
    Ok(())
}

impl Config {
    /// The parameter called `name` (any case).
    pub fn param(name: &str) -> Option<&'static Param> {
        PARAMS.iter().find(|p| p.name.eq_ignore_ascii_case(name))
    }

    /// Sets one parameter, at startup (immutable ones allowed) or at runtime.
    pub fn apply(&mut self, name: &str, value: &str, at_runtime: bool) -> Result<(), ConfigError> {
        let p = Config::param(name).ok_or_else(|| ConfigError::Unknown(name.to_string()))?;
        let invalid = |reason: String| ConfigError::Invalid {
            name: p.name.to_string(),
            reason,
        };
        if at_runtime && !p.mutable {
            return Err(invalid("can't set immutable config".into()));
        }
        if at_runtime && PROTECTED.contains(&p.name) {
            return Err(invalid("can't set protected config".into()));
        }
        (p.set)(self, value).map_err(invalid)
    }

    // ANCHOR: set_many
    /// Sets several parameters at runtime, all or none, with Redis 7's
    /// checks in its order (`configSetCommand`): first every name is looked
    /// up — the first unknown, immutable or repeated one fails the whole
    /// command — then the values are set on a copy, and the copy replaces
    /// `self` only when every value was accepted. So a failing parameter
    /// leaves the others as they were, which is Redis's rollback.
    pub fn set_many(&mut self, pairs: &[(&str, &str)]) -> Result<(), ConfigError> {
        let mut found: Vec<&'static Param> = Vec::with_capacity(pairs.len());
        for &(name, _) in pairs {
            let typed = |reason: &str| ConfigError::Invalid {
                name: name.to_string(),
                reason: reason.into(),
            };
            let p = Config::param(name).ok_or_else(|| ConfigError::Unknown(name.to_string()))?;
            if !p.mutable {
                return Err(typed("can't set immutable config"));
            }
            if PROTECTED.contains(&p.name) {
                return Err(typed("can't set protected config"));
            }
            // Aliases are parameters of their own, as in Redis 7.0:
            // `hash-max-ziplist-entries 1 hash-max-listpack-entries 2` is accepted.
            if found.iter().any(|q| std::ptr::eq(*q, p)) {
                return Err(typed("duplicate parameter"));
            }
            found.push(p);
        }
        let mut next = self.clone();
        for (p, &(_, value)) in found.iter().zip(pairs) {
            (p.set)(&mut next, value).map_err(|reason| ConfigError::Invalid {
                name: p.name.to_string(),
                reason,
            })?;
        }
        *self = next;
        Ok(())
    }
    // ANCHOR_END: set_many

    /// Applies a redis.conf-style text: one `key value...` per line, `#`
    /// comments, values may be quoted (`save ""`). Returns the first error
    /// with its line number.
    pub fn apply_file(&mut self, text: &str) -> Result<(), String> {
        let mut saw_save = false;
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut out = Vec::new();
            let mut ranges = Vec::new();
            crate::protocol::inline::split_args(line.as_bytes(), &mut out, &mut ranges)
                .map_err(|_| format!("line {}: unbalanced quotes", n + 1))?;
            let words: Vec<String> = ranges
                .iter()
                .map(|&(s, e)| String::from_utf8_lossy(&out[s..e]).into_owned())
                .collect();
            let Some((key, rest)) = words.split_first() else {
                continue;
            };
            // Each `save` line after a file's first adds its points (Redis
            // reads `save 3600 1` and `save 300 100` as two points).
            let earlier = std::mem::take(&mut self.save);
            self.apply(key, &rest.join(" "), false)
                .map_err(|e| format!("line {}: {e}", n + 1))?;
            if key.eq_ignore_ascii_case("save") && saw_save && !self.save.is_empty() {
                self.save.splice(0..0, earlier);
            } else if !key.eq_ignore_ascii_case("save") {
                self.save = earlier;
            }
            saw_save |= key.eq_ignore_ascii_case("save");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Values a user might try: numbers around every bound, memory
    /// amounts, words, empty, and arbitrary short strings.
    fn value() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<i64>().prop_map(|n| n.to_string()),
            (-10i64..1000).prop_map(|n| n.to_string()),
            (
                0u64..5000,
                prop::sample::select(vec!["b", "k", "kb", "mb", "gb", "MB"])
            )
                .prop_map(|(n, u)| format!("{n}{u}")),
            prop::sample::select(vec![
                "yes",
                "no",
                "YES",
                "local",
                "",
                "*",
                "127.0.0.1",
                "-::*"
            ])
            .prop_map(String::from),
            "[a-z0-9 .*:-]{0,12}",
            "normal [0-9]{1,3}(mb)? [0-9]{1,3} [0-9]{1,2}( pubsub 1 2 3| foo 1 2 3| pubsub x 1 1)?",
        ]
    }

    proptest! {
        /// Whatever value a parameter accepts, the text `CONFIG GET` then
        /// prints is accepted too and reads back the same (so `CONFIG SET p
        /// <CONFIG GET p>` is a no-op), and a refused value changes nothing.
        #[test]
        fn get_set_get_is_identical(i in 0..PARAMS.len(), v in value()) {
            let p = &PARAMS[i];
            let mut c = Config::default();
            let before = format!("{c:?}");
            match (p.set)(&mut c, &v) {
                Ok(()) => {
                    let shown = (p.get)(&c);
                    (p.set)(&mut c, &shown).map_err(|e| TestCaseError::fail(format!("{} {shown:?}: {e}", p.name)))?;
                    prop_assert_eq!((p.get)(&c), shown);
                }
                Err(_) => prop_assert_eq!(format!("{c:?}"), before),
            }
        }
    }

    #[test]
    fn set_many_is_all_or_nothing() {
        let mut c = Config::default();
        let err = c
            .set_many(&[("maxclients", "3"), ("timeout", "x")])
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "CONFIG SET failed (possibly related to argument 'timeout') - argument couldn't be parsed into an integer"
        );
        assert_eq!(c.maxclients, 10_000, "rolled back");
        let err = c
            .set_many(&[("maxclients", "1"), ("MAXCLIENTS", "2")])
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "CONFIG SET failed (possibly related to argument 'MAXCLIENTS') - duplicate parameter"
        );
        // The first problem found wins, as in Redis.
        let err = c
            .set_many(&[("DATABASES", "3"), ("nosuch", "1")])
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "CONFIG SET failed (possibly related to argument 'DATABASES') - can't set immutable config"
        );
        c.set_many(&[
            ("maxclients", "5"),
            ("hash-max-ziplist-entries", "3"),
            ("hash-max-listpack-entries", "4"),
        ])
        .unwrap();
        assert_eq!((c.maxclients, c.hash_max_listpack_entries), (5, 4));
    }

    #[test]
    fn config_file_syntax() {
        let mut c = Config::default();
        c.apply_file("# comment\nport 7000\nrequirepass \"s3 cret\"\nsave \"\"\nappendonly no\nclient-output-buffer-limit normal 1mb 0 0\n").unwrap();
        assert_eq!(c.port, 7000);
        assert_eq!(c.requirepass.as_deref(), Some(&b"s3 cret"[..]));
        assert_eq!(c.output_limit_normal.hard, 1024 * 1024);
        assert!(c.apply_file("appendonly maybe").is_err());
        c.apply_file("appendonly yes\nappendfsync always").unwrap();
        assert!(c.appendonly && c.appendfsync == Appendfsync::Always);
        assert_eq!(
            c.apply("appenddirname", "a/b", false)
                .unwrap_err()
                .to_string(),
            "CONFIG SET failed (possibly related to argument 'appenddirname') - appenddirname can't be a path, just a dirname"
        );
        assert!(c.apply_file("nosuch 1").unwrap_err().contains("line 1"));
    }

    #[test]
    fn save_lines_of_a_file_add_up_and_an_empty_one_clears() {
        let mut c = Config::default();
        assert_eq!(c.save, DEFAULT_SAVE);
        c.apply_file("save 900 1\nport 7000\nsave 300 10 60 5\n")
            .unwrap();
        assert_eq!(c.save, [(900, 1), (300, 10), (60, 5)]);
        c.apply_file("save 900 1\nsave \"\"\n").unwrap();
        assert!(c.save.is_empty());
        assert_eq!(
            c.apply("save", "1 -1", true).unwrap_err().to_string(),
            "CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters"
        );
    }

    #[test]
    fn redis_error_texts() {
        let mut c = Config::default();
        assert_eq!(
            c.apply("maxclients", "x", true).unwrap_err().to_string(),
            "CONFIG SET failed (possibly related to argument 'maxclients') - argument couldn't be parsed into an integer"
        );
        assert_eq!(
            c.apply("databases", "3", true).unwrap_err().to_string(),
            "CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config"
        );
        assert_eq!(
            c.apply("foo", "1", true).unwrap_err().to_string(),
            "Unknown option or number of arguments for CONFIG SET - 'foo'"
        );
        assert_eq!(
            c.apply("proto-max-bulk-len", "1", true)
                .unwrap_err()
                .to_string(),
            "CONFIG SET failed (possibly related to argument 'proto-max-bulk-len') - argument must be between 1048576 and 9223372036854775807 inclusive"
        );
        c.apply("hz", "0", true).unwrap();
        assert_eq!(c.hz, 1);
        assert_eq!(parse_memory("1gb"), Some(1 << 30));
        assert_eq!(parse_memory("2k"), Some(2000));
        assert_eq!(parse_memory("x"), None);
    }
}
