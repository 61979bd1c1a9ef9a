//! The kv-cache server.
//!
//! ```text
//! cargo run --release -p kv-cache -- --port 6380
//! redis-cli -p 6380 ping
//! redis-benchmark -p 6380 -t set,get -q
//! ```
//!
//! Options mirror redis-server's: `--bind`, `--port`, `--requirepass`,
//! `--maxclients`, `--timeout`, `--databases`, and `--config <file>` in
//! redis.conf syntax (command-line options win over the file, as in Redis).

use clap::Parser;
use kv_cache::alloc::CountingAlloc;
use kv_cache::config::Config;

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

/// A Redis-compatible server on infra-lab's event-loop.
#[derive(Debug, Parser)]
#[command(name = "kv-cache-server", version)]
struct Args {
    /// A redis.conf-style file (`port 6380`, `requirepass "x"` ...).
    #[arg(long)]
    config: Option<std::path::PathBuf>,
    /// Address to listen on (default 127.0.0.1).
    #[arg(long)]
    bind: Option<String>,
    /// TCP port (default 6380).
    #[arg(long)]
    port: Option<u16>,
    /// Require `AUTH <password>` before other commands.
    #[arg(long)]
    requirepass: Option<String>,
    /// Most simultaneous clients (default 10000).
    #[arg(long)]
    maxclients: Option<u64>,
    /// Close clients idle this many seconds (0: never).
    #[arg(long)]
    timeout: Option<u64>,
    /// Number of databases (default 16).
    #[arg(long)]
    databases: Option<usize>,
    /// Any other parameter as `name=value` (e.g. `--set hz=100`).
    #[arg(long = "set", value_name = "NAME=VALUE")]
    set: Vec<String>,
}

fn main() -> anyhow::Result<()> {
    CountingAlloc::mark_installed();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args = Args::parse();
    let mut config = Config::default();
    if let Some(path) = &args.config {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?;
        config
            .apply_file(&text)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    }
    let mut pairs: Vec<(String, String)> = Vec::new();
    let opt = |name: &str, v: Option<String>, pairs: &mut Vec<(String, String)>| {
        if let Some(v) = v {
            pairs.push((name.to_string(), v));
        }
    };
    opt("bind", args.bind, &mut pairs);
    opt("port", args.port.map(|p| p.to_string()), &mut pairs);
    opt("requirepass", args.requirepass, &mut pairs);
    opt(
        "maxclients",
        args.maxclients.map(|v| v.to_string()),
        &mut pairs,
    );
    opt("timeout", args.timeout.map(|v| v.to_string()), &mut pairs);
    opt(
        "databases",
        args.databases.map(|v| v.to_string()),
        &mut pairs,
    );
    for kv in &args.set {
        let (k, v) = kv
            .split_once('=')
            .ok_or_else(|| anyhow::anyhow!("--set expects NAME=VALUE, got {kv:?}"))?;
        pairs.push((k.to_string(), v.to_string()));
    }
    for (k, v) in pairs {
        config
            .apply(&k, &v, false)
            .map_err(|e| anyhow::anyhow!("{k}: {e}"))?;
    }
    kv_cache::server::run(config)?;
    Ok(())
}
