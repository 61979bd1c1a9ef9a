//! The `kv-cache-server` binary: command-line options, `--config` files in
//! redis.conf syntax, and a graceful exit on SIGTERM.

mod common;

use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Conn, err, free_port, simple};

/// The server process, killed on drop, also when a test panics.
struct Guard(Child);

impl std::ops::Deref for Guard {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.0
    }
}

impl std::ops::DerefMut for Guard {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(args: &[&str]) -> Guard {
    Guard(
        Command::new(env!("CARGO_BIN_EXE_kv-cache-server"))
            .args(args)
            // No save points: a SIGTERM would otherwise write dump.rdb
            // into the test's working directory (Redis's default points).
            .args(["--save", ""])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the server binary starts"),
    )
}

fn wait_for(addr: SocketAddr) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(addr).is_err() {
        assert!(Instant::now() < deadline, "server did not listen on {addr}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn wait_exit(child: &mut Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "server did not exit");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A directory of its own holding `name` with `text`; returns both paths.
fn temp_conf(tag: &str, name: &str, text: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("kv-cache-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let conf = dir.join(name);
    std::fs::write(&conf, text).unwrap();
    (dir, conf)
}

#[test]
fn config_file_and_flags_then_sigterm_exits_cleanly() {
    let port = free_port();
    let (dir, conf) = temp_conf(
        "conf",
        "kv.conf",
        "# redis.conf syntax\nrequirepass \"s3cret\"\ndatabases 4\nsave \"\"\nappendonly no\n",
    );
    let mut child = spawn(&[
        "--config",
        conf.to_str().unwrap(),
        "--port",
        &port.to_string(),
        "--maxclients",
        "7",
    ]);
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    wait_for(addr);
    let mut c = Conn::connect(addr);
    assert_eq!(c.cmds(&["PING"]), err("NOAUTH Authentication required."));
    assert_eq!(c.cmds(&["AUTH", "s3cret"]), simple("OK"));
    assert_eq!(
        c.cmds(&["SELECT", "4"]),
        err("ERR DB index is out of range")
    );
    assert_eq!(
        c.cmds(&["CONFIG", "GET", "maxclients"]),
        kv_cache::protocol::Value::Array(vec![common::bulk("maxclients"), common::bulk("7")])
    );
    // SIGTERM: the loop stops, the process exits 0, as redis-server does.
    // SAFETY: kill(2) with a valid pid of our own child and a valid signal.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGTERM) }, 0);
    assert!(wait_exit(&mut child).success());
    assert!(c.is_closed());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_config_is_refused_at_startup() {
    let mut child = spawn(&[
        "--port",
        &free_port().to_string(),
        "--set",
        "appendfsync=sometimes",
    ]);
    assert!(!wait_exit(&mut child).success());
}

#[test]
fn redis_server_command_line_forms() {
    // `kv-cache-server <file> --name value...`, as redis-server takes it:
    // the file first, options after it win, several values join.
    let port = free_port();
    let (dir, conf) = temp_conf("argv", "redis.conf", "port 1\nhz 5\n");
    let mut child = spawn(&[
        conf.to_str().unwrap(),
        "--port",
        &port.to_string(),
        "--client-output-buffer-limit",
        "pubsub",
        "32mb",
        "8mb",
        "60",
        "--save",
        "",
    ]);
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    wait_for(addr);
    let mut c = Conn::connect(addr);
    assert_eq!(
        c.cmds(&["CONFIG", "GET", "hz"]),
        kv_cache::protocol::Value::Array(vec![common::bulk("hz"), common::bulk("5")])
    );
    match c.cmds(&["CONFIG", "GET", "client-output-buffer-limit"]) {
        kv_cache::protocol::Value::Array(v) => {
            let text = String::from_utf8_lossy(v[1].as_bytes().unwrap_or_default()).into_owned();
            assert!(text.contains("pubsub 33554432 8388608 60"), "{text}");
        }
        other => panic!("CONFIG GET: {other:?}"),
    }
    // SAFETY: kill(2) with a valid pid of our own child and a valid signal.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGTERM) }, 0);
    assert!(wait_exit(&mut child).success());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_stray_value_prints_usage_and_fails() {
    let out = Command::new(env!("CARGO_BIN_EXE_kv-cache-server"))
        .args(["a.conf", "stray"])
        .output()
        .expect("runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Usage: kv-cache-server"));
}

#[test]
fn config_rewrite_writes_the_running_config_back_into_the_file() {
    let port = free_port();
    let (dir, conf) = temp_conf(
        "rewrite",
        "redis.conf",
        "# my server\nhz 20\n\n\nhash-max-ziplist-entries 64\nhz 30\nappendonly no\n",
    );
    let mut child = spawn(&[conf.to_str().unwrap(), "--port", &port.to_string()]);
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    wait_for(addr);
    let mut c = Conn::connect(addr);
    assert_eq!(c.cmds(&["CONFIG", "SET", "maxclients", "50"]), simple("OK"));
    assert_eq!(c.cmds(&["CONFIG", "REWRITE"]), simple("OK"));
    // As redis-server 7.0.15 rewrites the same file: the first `hz` line
    // holds the value in force, the second is blanked, the alias is written
    // under its name, and what differs from the default is appended.
    assert_eq!(
        std::fs::read_to_string(&conf).unwrap(),
        format!(
            "# my server\nhz 30\n\nhash-max-listpack-entries 64\n\nappendonly no\n\n\
             # Generated by CONFIG REWRITE\nport {port}\nmaxclients 50\n\
             latency-tracking-info-percentiles 50 99 99.9\nsave \"\"\n"
        )
    );
    // Nothing is left beside it (the temporary file was renamed over it).
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
    // SAFETY: kill(2) with a valid pid of our own child and a valid signal.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGTERM) }, 0);
    assert!(wait_exit(&mut child).success());
    let _ = std::fs::remove_dir_all(&dir);
}
