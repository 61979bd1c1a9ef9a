//! Autobahn|Testsuite's fuzzing client against the `ws_echo` example:
//! sections 1–10 of the WebSocket conformance suite (framing, pings,
//! reserved bits, opcodes, fragmentation, UTF-8, close handling, limits and
//! performance, auto-fragmentation). Every case must end `OK`,
//! `NON-STRICT` or `INFORMATIONAL` — none `FAILED` — for both the case and
//! its close, as the report's `index.json` records them.
//!
//! Skips, saying why, when `wstest` or the example binary is missing.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Kills and reaps a child process on drop, also when the test panics.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `wstest` from `$WSTEST`, `PATH`, or pyenv's Python 2.7 (where the suite installs).
fn find_wstest() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("WSTEST") {
        return Some(PathBuf::from(p));
    }
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("wstest"))
            .find(|p| p.is_file())
    });
    on_path.or_else(|| {
        let root = std::env::var_os("PYENV_ROOT")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".pyenv")))?;
        let p = root.join("versions/2.7.18/bin/wstest");
        p.is_file().then_some(p)
    })
}

/// The `ws_echo` example next to this test binary (`cargo test` builds examples).
fn find_example() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let p = exe.parent()?.parent()?.join("examples").join("ws_echo");
    p.is_file().then_some(p)
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

fn wait_for_port(port: u16) {
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "ws_echo did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs `wstest` until it exits, or kills it after `limit`.
fn run_bounded(mut cmd: Command, limit: Duration) -> bool {
    let mut child = Guard(cmd.spawn().expect("starting wstest"));
    let start = Instant::now();
    loop {
        if let Ok(Some(status)) = child.0.try_wait() {
            return status.success();
        }
        if start.elapsed() > limit {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn check_report(index: &Path) {
    let text = std::fs::read_to_string(index).expect("wstest wrote no index.json");
    let report: serde_json::Value = serde_json::from_str(&text).expect("index.json is JSON");
    let cases = report["mini-web"]
        .as_object()
        .expect("no results for agent mini-web");
    let mut failed = Vec::new();
    let mut tally = std::collections::BTreeMap::<String, usize>::new();
    for (id, result) in cases {
        let behavior = result["behavior"].as_str().unwrap_or("?");
        let close = result["behaviorClose"].as_str().unwrap_or("?");
        *tally.entry(format!("{behavior}/{close}")).or_default() += 1;
        let ok = matches!(behavior, "OK" | "NON-STRICT" | "INFORMATIONAL")
            && matches!(close, "OK" | "INFORMATIONAL");
        if !ok {
            failed.push(format!("{id}: {behavior} (close {close})"));
        }
    }
    eprintln!("autobahn: {} cases: {tally:?}", cases.len());
    // Sections 1-10 hold 301 cases in autobahntestsuite 25.10.1 (section 8 is empty).
    assert!(cases.len() >= 300, "only {} cases ran", cases.len());
    assert!(failed.is_empty(), "cases not passed: {failed:#?}");
}

#[test]
fn autobahn_sections_1_to_10_pass() {
    let Some(wstest) = find_wstest() else {
        eprintln!(
            "skipped: wstest (Autobahn|Testsuite) not installed — $(pyenv root)/versions/2.7.18/bin/python -m pip install autobahntestsuite"
        );
        return;
    };
    let Some(example) = find_example() else {
        eprintln!(
            "skipped: the ws_echo example is not built — cargo build -p mini-web --example ws_echo (cargo test builds it)"
        );
        return;
    };
    let port = free_port();
    let _server = Guard(
        Command::new(&example)
            .args(["--port", &port.to_string()])
            .stdout(Stdio::null())
            .spawn()
            .expect("starting ws_echo"),
    );
    wait_for_port(port);
    let dir = std::env::temp_dir().join(format!("mini-web-autobahn-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let spec = serde_json::json!({
        "outdir": dir.join("reports"),
        "servers": [{"agent": "mini-web", "url": format!("ws://127.0.0.1:{port}/")}],
        "cases": ["1.*", "2.*", "3.*", "4.*", "5.*", "6.*", "7.*", "9.*", "10.*"],
        "exclude-cases": [],
        "exclude-agent-cases": {}
    });
    let spec_path = dir.join("spec.json");
    std::fs::write(&spec_path, spec.to_string()).unwrap();
    let mut cmd = Command::new(&wstest);
    cmd.args(["-m", "fuzzingclient", "-s"])
        .arg(&spec_path)
        .current_dir(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    assert!(
        run_bounded(cmd, Duration::from_secs(300)),
        "wstest failed or ran over 300 s"
    );
    check_report(&dir.join("reports/index.json"));
    let _ = std::fs::remove_dir_all(&dir);
}
