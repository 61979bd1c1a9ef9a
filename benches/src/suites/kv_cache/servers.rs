//! Starting kv-cache and redis-server the same way, and a minimal RESP
//! client for loading data and reading `INFO`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, bail};

use crate::runner::shell;
use crate::runner::util::{ChildGuard, free_port, wait_for_port, which};
use crate::runner::{Impl, Provenance, Skip};

/// The install command printed when the Redis tools are missing.
pub(crate) const INSTALL: &str = "apt-get install redis-server redis-tools";

/// The environment variable that names another `kv-cache-server` binary
/// to measure instead of this checkout's (a build of an earlier commit,
/// for a before/after table); it is named in the summary.
pub(crate) const OURS_BIN_ENV: &str = "KV_CACHE_SERVER_BIN";

/// Builds `kv-cache-server` in release mode (a no-op when up to date) and
/// returns its path: next to the runner's own binary, in `target/release`;
/// or the binary [`OURS_BIN_ENV`] names.
pub(crate) fn ours_binary(prov: &mut Provenance) -> anyhow::Result<PathBuf> {
    if let Some(path) = std::env::var_os(OURS_BIN_ENV).map(PathBuf::from) {
        if !path.is_file() {
            bail!("{OURS_BIN_ENV}={} is not a file", path.display());
        }
        prov.note(format!(
            "ours is the binary {OURS_BIN_ENV}={} (not built from this checkout)",
            path.display()
        ));
        return Ok(path);
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let status = Command::new(&cargo)
        .args([
            "build",
            "--release",
            "-q",
            "-p",
            "kv-cache",
            "--bin",
            "kv-cache-server",
        ])
        .current_dir(&root)
        .status()
        .context("running cargo build for kv-cache-server")?;
    if !status.success() {
        bail!("cargo build --release -p kv-cache failed");
    }
    prov.command("cargo build --release -p kv-cache --bin kv-cache-server");
    let exe = std::env::current_exe()?;
    let beside = exe.parent().map(|d| d.join("kv-cache-server"));
    let in_target = root.join("target/release/kv-cache-server");
    beside
        .filter(|p| p.is_file())
        .or(Some(in_target))
        .filter(|p| p.is_file())
        .context("kv-cache-server binary not found after building")
}

/// The Redis tools, or the skip that explains how to install them.
pub(crate) fn redis_tools(need: &[&str]) -> Result<(), Skip> {
    for tool in need {
        if which(tool).is_none() {
            return Err(Skip {
                what: (*tool).to_string(),
                install: INSTALL.into(),
            });
        }
    }
    Ok(())
}

/// Whether process `pid` is alive (exists and is not a zombie).
pub(crate) fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .map(|s| {
            s.lines()
                .any(|l| l.starts_with("State:") && !l.contains("zombie"))
        })
        .unwrap_or(false)
}

/// The implementations of a comparison that runs both servers: ours always
/// (built in release first), redis-server when it is installed, else a skip.
/// Returns ours' binary with them.
pub(crate) fn server_impls(
    prov: &mut Provenance,
) -> anyhow::Result<(PathBuf, Vec<Impl>, Vec<Skip>)> {
    let ours = ours_binary(prov)?;
    let mut impls = vec![Impl {
        name: "ours",
        config: "`kv-cache-server --port $PORT --save ''` (release)".into(),
    }];
    let mut skips = Vec::new();
    match redis_tools(&["redis-server"]) {
        Ok(()) => impls.push(Impl {
            name: "redis",
            config: "`redis-server --port $PORT --bind 127.0.0.1 --save '' --appendonly no`".into(),
        }),
        Err(s) => skips.push(s),
    }
    Ok((ours, impls, skips))
}

/// Adds each server's allocator to its configuration line: the
/// allocators differ and matter wherever RSS is measured.
pub(crate) fn name_allocators(impls: &mut [Impl]) {
    for imp in impls {
        imp.config += if imp.name == "ours" {
            ", system allocator"
        } else {
            ", jemalloc"
        };
    }
}

/// A running server and where it listens.
pub(crate) struct Running {
    /// The process (killed on drop).
    pub(crate) child: ChildGuard,
    /// Its loopback address.
    pub(crate) addr: SocketAddr,
}

/// How a server is started beyond the shared defaults (free port,
/// loopback, persistence off).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Launch<'a> {
    /// A command to run the server under (`valgrind --tool=callgrind ...`); empty for none.
    pub(crate) wrapper: &'a [String],
    /// Settings given to both servers alike, `(name, value)`: redis-server
    /// takes `--name value`, ours `--set name=value`.
    pub(crate) settings: &'a [(&'a str, &'a str)],
    /// How long the server may take to accept (default 10 s).
    pub(crate) ready_within: Option<Duration>,
}

/// Starts `imp` (`ours` or `redis`) on a free port, persistence off.
pub(crate) fn start(
    imp: &str,
    ours: &std::path::Path,
    prov: &mut Provenance,
) -> anyhow::Result<Running> {
    start_with(imp, ours, Launch::default(), prov)
}

/// [`start`], with a wrapper command and extra settings.
pub(crate) fn start_with(
    imp: &str,
    ours: &std::path::Path,
    launch: Launch<'_>,
    prov: &mut Provenance,
) -> anyhow::Result<Running> {
    let port = free_port()?;
    let p = port.to_string();
    let mut args: Vec<String> = launch.wrapper.to_vec();
    match imp {
        "ours" => {
            // Persistence off, as redis-server's below: ours saves with
            // Redis's default save points otherwise.
            args.extend([
                ours.display().to_string(),
                "--port".into(),
                p.clone(),
                "--save".into(),
                String::new(),
            ]);
            for (name, value) in launch.settings {
                args.extend(["--set".into(), format!("{name}={value}")]);
            }
        }
        "redis" => {
            args.extend(
                [
                    "redis-server",
                    "--port",
                    &p,
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ]
                .map(String::from),
            );
            for (name, value) in launch.settings {
                args.extend([format!("--{name}"), (*value).to_string()]);
            }
        }
        other => bail!("unknown impl {other}"),
    }
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let child = ChildGuard::spawn(refs[0], &refs[1..])?;
    prov.command(shell::join_with(&args, &[(shell::PORT, &p)]));
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse()?;
    wait_for_port(addr, launch.ready_within.unwrap_or(Duration::from_secs(10)))?;
    Ok(Running { child, addr })
}

/// A blocking RESP connection for setup work (not for timing).
pub(crate) struct Resp {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Resp {
    pub(crate) fn connect(addr: SocketAddr) -> anyhow::Result<Resp> {
        let s = TcpStream::connect(addr)?;
        s.set_nodelay(true)?;
        s.set_read_timeout(Some(Duration::from_secs(60)))?;
        Ok(Resp {
            reader: BufReader::new(s.try_clone()?),
            writer: s,
        })
    }

    /// Appends one command to `buf` in multibulk form.
    pub(crate) fn encode(buf: &mut Vec<u8>, args: &[&[u8]]) {
        buf.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
        for a in args {
            buf.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
            buf.extend_from_slice(a);
            buf.extend_from_slice(b"\r\n");
        }
    }

    /// Sends a batch of `n` encoded commands and checks that none failed.
    pub(crate) fn pipeline(&mut self, batch: &[u8], n: usize) -> anyhow::Result<()> {
        self.writer.write_all(batch)?;
        for _ in 0..n {
            let line = self.line()?;
            if line.starts_with('-') {
                bail!("server error: {line}");
            }
            if let Some(len) = line.strip_prefix('$') {
                self.skip_bulk(len)?;
            }
        }
        Ok(())
    }

    fn line(&mut self) -> anyhow::Result<String> {
        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            bail!("server closed the connection");
        }
        Ok(line.trim_end().to_string())
    }

    fn skip_bulk(&mut self, len: &str) -> anyhow::Result<Vec<u8>> {
        let n: i64 = len.parse()?;
        if n < 0 {
            return Ok(Vec::new());
        }
        let mut body = vec![0u8; n as usize + 2];
        self.reader.read_exact(&mut body)?;
        body.truncate(n as usize);
        Ok(body)
    }

    /// `INFO <section>` as text.
    pub(crate) fn info(&mut self, section: &str) -> anyhow::Result<String> {
        let mut buf = Vec::new();
        Resp::encode(&mut buf, &[b"INFO", section.as_bytes()]);
        self.writer.write_all(&buf)?;
        let head = self.line()?;
        let len = head
            .strip_prefix('$')
            .context("INFO reply is not a bulk string")?;
        Ok(String::from_utf8_lossy(&self.skip_bulk(len)?).into_owned())
    }
}

/// A numeric field of an `INFO` text (`used_memory:1234`).
pub(crate) fn info_field(info: &str, field: &str) -> Option<f64> {
    info.lines().find_map(|l| {
        l.strip_prefix(field)?
            .strip_prefix(':')?
            .trim()
            .parse()
            .ok()
    })
}
