//! Servers in processes of their own, so the runner can read their memory
//! from outside and kill them with SIGKILL (no clean shutdown, no
//! deregistration): `benches __child mini-rpc <what> <args...>` re-runs the
//! runner's binary, which serves, prints its address on the first line of
//! stdout, and exits when its stdin closes (the parent went away).

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::Context as _;

/// How long a child may take to print its address.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// A running child server; killed and reaped on drop.
pub(crate) struct ChildServer {
    child: Child,
    /// Held open: the child exits when it is closed.
    _stdin: ChildStdin,
    /// Where it listens.
    pub(crate) addr: SocketAddr,
    /// The command line, for the summary.
    pub(crate) command: String,
}

impl ChildServer {
    /// Starts `benches __child mini-rpc <args>` and waits for its address.
    pub(crate) fn spawn(args: &[&str]) -> anyhow::Result<ChildServer> {
        let exe = std::env::current_exe().context("finding the runner binary")?;
        let mut child = Command::new(&exe)
            .args(["__child", "mini-rpc"])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("starting {}", exe.display()))?;
        let stdin = child.stdin.take().context("child stdin")?;
        let stdout = child.stdout.take().context("child stdout")?;
        // Read the first line on a thread, so a child that never prints
        // cannot hold the runner.
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let mut reader = BufReader::new(stdout);
            let _ = tx.send(reader.read_line(&mut line).map(|_| line));
            // Keep draining, so the child never blocks on a full pipe.
            let _ = std::io::copy(&mut reader, &mut std::io::sink());
        });
        let mut server = ChildServer {
            child,
            _stdin: stdin,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            command: format!("benches __child mini-rpc {}", args.join(" ")),
        };
        let line = rx
            .recv_timeout(START_TIMEOUT)
            .context("the child printed no address in time")??;
        server.addr = line
            .trim()
            .parse()
            .with_context(|| format!("the child printed {line:?}, not an address"))?;
        Ok(server)
    }

    /// The process id.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL, then reap.
    pub(crate) fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The child's side: prints `addr`, then blocks until stdin closes.
pub(crate) fn announce_and_wait(addr: SocketAddr) -> anyhow::Result<()> {
    println!("{addr}");
    let mut rest = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut rest);
    Ok(())
}
