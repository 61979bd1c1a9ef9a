//! Crash tests: the `kv-cache-server` binary with the AOF on is killed
//! with SIGKILL at a random moment while a client writes, then restarted
//! on the same directory. Every write whose reply the client read must be
//! there. `KV_AOF_CRASH_ROUNDS=n` repeats each kill n times (default 1).

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::dataset::{TempDir, commands, pipeline, snapshot};
use common::{Conn, bulk, free_port, simple};
use kv_cache::protocol::Value;

/// The server process, killed on drop.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(dir: &Path, fsync: &str) -> Server {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_kv-cache-server"))
        .args(["--port", &port.to_string(), "--appendonly", "yes"])
        .args(["--appendfsync", fsync])
        .arg("--dir")
        .arg(dir)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the server binary starts");
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(addr).is_err() {
        assert!(Instant::now() < deadline, "server did not listen");
        std::thread::sleep(Duration::from_millis(10));
    }
    Server { child, addr }
}

/// A pseudo-random number below `n`, from the clock (a different kill
/// moment every run is the point).
fn random_below(n: u64) -> u64 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as u64;
    (t.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 17) % n
}

/// What the writer saw acknowledged, and when (for the `everysec` bound).
#[derive(Default)]
struct Acked {
    /// Replies read, in order; the i-th write is `INCR n`, `RPUSH l i` or
    /// `SET k:i i` by `i % 3`.
    count: u64,
    /// When each reply was read.
    at: Vec<Instant>,
}

/// Writes with 16 commands in flight until the server dies; returns what
/// was acknowledged.
fn write_until_killed(addr: SocketAddr) -> Acked {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let cmd = |i: u64| -> Vec<u8> {
        let n = i.to_string();
        let key = format!("k:{i}");
        match i % 3 {
            0 => Conn::encode(&[b"INCR", b"n"]),
            1 => Conn::encode(&[b"RPUSH", b"l", n.as_bytes()]),
            _ => Conn::encode(&[b"SET", key.as_bytes(), n.as_bytes()]),
        }
    };
    let mut acked = Acked::default();
    let mut sent = 0u64;
    let mut buf = Vec::new();
    let mut tmp = [0u8; 64 * 1024];
    // Bounded: the server is killed within a second; 30 s is the safety net.
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        let mut out = Vec::new();
        while sent < acked.count + 16 {
            out.extend(cmd(sent));
            sent += 1;
        }
        if s.write_all(&out).is_err() {
            break;
        }
        match s.read(&mut tmp) {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&tmp[..n]),
        }
        while let Ok(Some((v, n))) = Value::parse(&buf) {
            buf.drain(..n);
            assert!(!matches!(v, Value::Error(_)), "{v:?}");
            acked.count += 1;
            acked.at.push(Instant::now());
        }
    }
    acked
}

/// How many of the writer's writes the restarted server holds. The AOF
/// is replayed in order, so that is a prefix `0..p` of the stream: `p` is
/// the sum of INCRs, RPUSHes and SETs found, and each count must be the
/// one that prefix implies.
fn surviving_prefix(c: &mut Conn) -> u64 {
    let int = |v: Value| match v {
        Value::Int(n) => n as u64,
        Value::Bulk(b) => String::from_utf8(b).unwrap().parse().unwrap(),
        Value::Null => 0,
        other => panic!("unexpected {other:?}"),
    };
    let incrs = int(c.cmds(&["GET", "n"]));
    let pushes = int(c.cmds(&["LLEN", "l"]));
    let keys = int(c.cmds(&["DBSIZE"]));
    let sets = keys - u64::from(incrs > 0) - u64::from(pushes > 0);
    let p = incrs + pushes + sets;
    assert_eq!(
        (incrs, pushes, sets),
        (p.div_ceil(3), (p + 1) / 3, p / 3),
        "not a prefix"
    );
    if pushes > 0 {
        let last = 3 * (pushes - 1) + 1;
        assert_eq!(c.cmds(&["LINDEX", "l", "-1"]), bulk(&last.to_string()));
    }
    if sets > 0 {
        let last = 3 * (sets - 1) + 2;
        assert_eq!(
            c.cmd(&[b"GET", format!("k:{last}").as_bytes()]),
            bulk(&last.to_string())
        );
    }
    p
}

fn rounds() -> usize {
    std::env::var("KV_AOF_CRASH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
}

/// One kill: returns (acknowledged, surviving prefix, acks in the last 2 s).
fn kill_while_writing(fsync: &str) -> (u64, u64, u64) {
    let dir = TempDir::new(&format!("crash-{fsync}"));
    let mut srv = start(dir.path(), fsync);
    let addr = srv.addr;
    let writer = std::thread::spawn(move || write_until_killed(addr));
    std::thread::sleep(Duration::from_millis(150 + random_below(350)));
    srv.child.kill().unwrap();
    let killed_at = Instant::now();
    srv.child.wait().unwrap();
    let acked = writer.join().unwrap();
    let recent = acked
        .at
        .iter()
        .filter(|t| killed_at.duration_since(**t) < Duration::from_secs(2))
        .count() as u64;
    drop(srv);
    let srv = start(dir.path(), fsync);
    let mut c = Conn::connect(srv.addr);
    (acked.count, surviving_prefix(&mut c), recent)
}

#[test]
fn appendfsync_always_loses_no_acknowledged_write() {
    for _ in 0..rounds() {
        let (acked, present, _) = kill_while_writing("always");
        println!(
            "appendfsync always: {acked} writes acknowledged, {present} replayed after SIGKILL"
        );
        assert!(acked > 0, "the writer got replies before the kill");
        assert!(
            present >= acked,
            "lost {} acknowledged writes",
            acked - present
        );
    }
}

#[test]
fn appendfsync_everysec_loses_at_most_the_last_seconds() {
    for _ in 0..rounds() {
        let (acked, present, recent) = kill_while_writing("everysec");
        let lost = acked.saturating_sub(present);
        println!(
            "appendfsync everysec: {acked} acknowledged, {present} replayed, {lost} lost ({recent} acknowledged in the last 2 s)"
        );
        // A killed process loses only what it had not written to the
        // kernel; everysec's window is what an OS crash could lose.
        assert!(
            lost <= recent,
            "lost {lost} > {recent} written in the last 2 s"
        );
    }
}

#[test]
fn a_kill_during_bgrewriteaof_leaves_files_that_load() {
    for _ in 0..rounds() {
        let dir = TempDir::new("crash-rewrite");
        let mut srv = start(dir.path(), "always");
        let mut c = Conn::connect(srv.addr);
        let at = (std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64
            + 3600)
            * 1000;
        pipeline(&mut c, &commands(at));
        let before = snapshot(&mut c, 16);
        assert_eq!(
            c.cmds(&["BGREWRITEAOF"]),
            simple("Background append only file rewriting started")
        );
        std::thread::sleep(Duration::from_micros(random_below(3000)));
        srv.child.kill().unwrap();
        srv.child.wait().unwrap();
        drop((c, srv));
        // The orphaned child may still be writing its temp file; the
        // manifest in force is the old one (or the new one, if it ended).
        let srv = start(dir.path(), "always");
        let mut c = Conn::connect(srv.addr);
        assert_eq!(snapshot(&mut c, 16), before);
    }
}
