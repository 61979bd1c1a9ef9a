//! An example binary run as a server process for a test: started on a free
//! port, waited for, killed (and reaped) on drop — also when the test panics.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running example server.
pub(crate) struct ExampleServer {
    child: Child,
    /// The port it listens on (127.0.0.1).
    pub(crate) port: u16,
}

impl ExampleServer {
    /// Starts example `name` with `--port <free> <args>`; `None` (after
    /// printing why) when the binary is not built.
    pub(crate) fn start(name: &str, args: &[&str]) -> Option<ExampleServer> {
        let exe = std::env::current_exe().ok()?;
        let path: PathBuf = exe.parent()?.parent()?.join("examples").join(name);
        if !path.is_file() {
            eprintln!(
                "skipped: the {name} example is not built — cargo build -p mini-web --example {name} (cargo test builds it)"
            );
            return None;
        }
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").ok()?;
            l.local_addr().ok()?.port()
        };
        let child = Command::new(&path)
            .arg("--port")
            .arg(port.to_string())
            .args(args)
            .stdout(Stdio::null())
            .spawn()
            .ok()?;
        let server = ExampleServer { child, port };
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "{name} did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(server)
    }

    /// A field of `/proc/<pid>/status` in KiB (`VmRSS`, `VmHWM` ...); `None`
    /// where there is no procfs.
    pub(crate) fn status_kib(&self, field: &str) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    }
}

impl Drop for ExampleServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
