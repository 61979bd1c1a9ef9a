//! The kv-cache server.
//!
//! ```text
//! cargo run --release -p kv-cache -- --port 6380
//! redis-cli -p 6380 ping
//! redis-benchmark -p 6380 -t set,get -q
//! ```
//!
//! The command line is redis-server's: an optional redis.conf-style file
//! first, then any parameter as `--name value...`, applied after the file
//! so they win over it (`kv-cache-server ./redis.conf --port 7000
//! --maxclients 100`). See [`kv_cache::config::cmdline`].

use std::io::Read;

use kv_cache::alloc::CountingAlloc;
use kv_cache::config::Config;
use kv_cache::config::cmdline::{self, Action};

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

fn main() -> anyhow::Result<()> {
    CountingAlloc::mark_installed();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let line = cmdline::parse(&args).map_err(|e| anyhow::anyhow!("{e}\n\n{}", cmdline::USAGE))?;
    match line.action {
        Action::Version => {
            println!("kv-cache-server v={}", env!("CARGO_PKG_VERSION"));
            return Ok(());
        }
        Action::Help => {
            print!("{}", cmdline::USAGE);
            return Ok(());
        }
        Action::Run => {}
    }
    let mut config = Config::default();
    if let Some(path) = &line.file {
        let text = if path.as_os_str() == "-" {
            let mut s = String::new();
            std::io::stdin().read_to_string(&mut s)?;
            s
        } else {
            std::fs::read_to_string(path)
                .map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?
        };
        config
            .apply_file(&text)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        // Standard input has no file to rewrite (Redis leaves it unset too).
        if path.as_os_str() != "-" {
            config.config_file = Some(std::path::absolute(path)?);
        }
    }
    for (name, value) in &line.options {
        config
            .apply(name, value, false)
            .map_err(|e| anyhow::anyhow!("--{name}: {e}"))?;
    }
    kv_cache::server::run(config)?;
    Ok(())
}
