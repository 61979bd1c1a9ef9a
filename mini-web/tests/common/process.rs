//! Child processes for the real-client tests: an example binary started on
//! a free port, killed and reaped on drop (also when the test panics).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Kills and reaps a child process on drop.
pub(crate) struct Guard(pub(crate) Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The example `name` next to this test binary (`cargo test` builds examples).
pub(crate) fn find_example(name: &str) -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let p = exe.parent()?.parent()?.join("examples").join(name);
    p.is_file().then_some(p)
}

/// A loopback port that was free a moment ago.
pub(crate) fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// Starts `example --port <free port>` and waits until it accepts.
pub(crate) fn start_example(example: &PathBuf) -> (Guard, u16) {
    let port = free_port();
    let guard = Guard(
        Command::new(example)
            .args(["--port", &port.to_string()])
            .stdout(Stdio::null())
            .spawn()
            .expect("starting the example"),
    );
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{example:?} did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    (guard, port)
}

/// Runs `cmd` until it exits, or kills it after `limit`; its exit status
/// (`None` when it ran over).
pub(crate) fn run_bounded(mut cmd: Command, limit: Duration) -> Option<std::process::ExitStatus> {
    let mut child = Guard(cmd.spawn().expect("starting a client"));
    let start = Instant::now();
    loop {
        if let Ok(Some(status)) = child.0.try_wait() {
            return Some(status);
        }
        if start.elapsed() > limit {
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
