//! Server processes for the persistence tests: ours (the binary) or
//! redis-server, on a free port with a data directory, in their own
//! process group so a kill -9 also reaches a forked `BGSAVE` child.

use std::net::{SocketAddr, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{Conn, free_port};

/// A server process in its own process group (so a kill reaches a
/// `BGSAVE` child too), killed on drop.
pub struct Proc {
    pub child: Child,
    pub addr: SocketAddr,
}

impl Proc {
    /// `program` with persistence off but for its data directory.
    pub fn start(program: &str, dir: &Path) -> Proc {
        Proc::start_with(program, dir, &["--save", ""])
    }

    /// `program` on `dir`/dump.rdb with `extra` arguments after the rest.
    pub fn start_with(program: &str, dir: &Path, extra: &[&str]) -> Proc {
        let port = free_port();
        let p = port.to_string();
        let d = dir.display().to_string();
        let mut args = vec!["--port", &p, "--dir", &d, "--dbfilename", "dump.rdb"];
        if program == "redis-server" {
            args.extend([
                "--bind",
                "127.0.0.1",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ]);
        }
        args.extend(extra);
        let child = Command::new(program)
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("server starts");
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(addr).is_err() {
            assert!(Instant::now() < deadline, "{program} did not listen");
            std::thread::sleep(Duration::from_millis(20));
        }
        Proc { child, addr }
    }

    pub fn conn(&self) -> Conn {
        Conn::connect(self.addr)
    }

    /// SIGKILL to the server and any child it forked.
    pub fn kill9(&mut self) {
        // SAFETY: signalling the process group we created.
        unsafe { libc::kill(-(self.child.id() as i32), libc::SIGKILL) };
        let _ = self.child.wait();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// A temporary directory, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        let d = std::env::temp_dir().join(format!("kv-rdb-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        TempDir(d)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn installed(tool: &str) -> bool {
    let found = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
        .unwrap_or(false);
    if !found {
        println!("skipped: {tool} not installed — apt-get install redis-server");
    }
    found
}
