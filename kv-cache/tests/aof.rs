//! The append-only file at the wire: what was acknowledged is there after
//! a restart; a torn tail and a corrupt middle; BGREWRITEAOF while clients
//! write; and both directions with redis-server 7.0.15 on the same
//! `appendonlydir`, checked by `redis-check-aof`.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::dataset::{TempDir, commands, pipeline, snapshot};
use common::{Conn, simple, start_ours};
use kv_cache::config::{Appendfsync, Config};
use kv_cache::protocol::Value;
use kv_cache::server::Background;

/// A config with the AOF on in `dir`.
fn aof_config(dir: &Path, c: &mut Config) {
    c.dir = dir.to_path_buf();
    c.appendonly = true;
    c.appendfsync = Appendfsync::Always;
}

fn start_in(dir: &Path) -> Background {
    start_ours(|c| aof_config(dir, c))
}

/// Starting on `dir` (with `tweak`) must fail: the error's text.
fn refused_start(dir: &Path, tweak: impl FnOnce(&mut Config)) -> String {
    let mut c = Config {
        port: 0,
        ..Config::default()
    };
    aof_config(dir, &mut c);
    tweak(&mut c);
    Background::start(c)
        .expect_err("the server refuses to start")
        .to_string()
}

/// A deadline an hour ahead, whole seconds (EXPIREAT keeps seconds).
fn an_hour_ahead() -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    (now / 1000 + 3600) * 1000
}

fn manifest(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("appendonlydir/appendonly.aof.manifest")).unwrap()
}

/// Waits (bounded) until INFO persistence says no rewrite runs.
fn wait_rewrite_done(c: &mut Conn) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let Value::Bulk(info) = c.cmds(&["INFO", "persistence"]) else {
            panic!("INFO replies a bulk")
        };
        let info = String::from_utf8_lossy(&info).into_owned();
        if info.contains("aof_rewrite_in_progress:0") && info.contains("aof_rewrite_scheduled:0") {
            assert!(info.contains("aof_last_bgrewrite_status:ok"), "{info}");
            return;
        }
        assert!(Instant::now() < deadline, "rewrite did not finish: {info}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn every_type_survives_a_restart_and_a_rewrite() {
    let dir = TempDir::new("restart");
    let at = an_hour_ahead();
    let before = {
        let srv = start_in(dir.path());
        let mut c = Conn::connect(srv.addr);
        pipeline(&mut c, &commands(at));
        std::thread::sleep(Duration::from_millis(5));
        snapshot(&mut c, 16)
    };
    assert!(before.len() > 40, "{}", before.len());
    assert!(!before.contains_key(&(0, b"gone".to_vec())));
    let srv = start_in(dir.path());
    let mut c = Conn::connect(srv.addr);
    assert_eq!(snapshot(&mut c, 16), before, "after a restart");
    // A rewrite while a client keeps writing: both halves survive.
    assert_eq!(
        c.cmds(&["BGREWRITEAOF"]),
        simple("Background append only file rewriting started")
    );
    let mut w = Conn::connect(srv.addr);
    for i in 0..200 {
        w.cmds(&["RPUSH", "during", &i.to_string()]);
    }
    wait_rewrite_done(&mut c);
    w.cmds(&["SET", "after", "1"]);
    let m = manifest(dir.path());
    assert!(
        m.starts_with("file appendonly.aof.2.base.aof seq 2 type b\n")
            && m.contains("seq 2 type i"),
        "{m}"
    );
    assert!(!m.contains("type h"), "history removed: {m}");
    let expected = snapshot(&mut c, 16);
    drop((c, w, srv));
    let srv = start_in(dir.path());
    let mut c = Conn::connect(srv.addr);
    assert_eq!(
        snapshot(&mut c, 16),
        expected,
        "after the rewrite and a restart"
    );
    assert_eq!(c.cmds(&["LLEN", "during"]), Value::Int(200));
}

/// Appends `bytes` to the current increment.
fn append_to_incr(dir: &Path, bytes: &[u8]) -> std::path::PathBuf {
    use std::io::Write;
    let m = manifest(dir);
    let name = m
        .lines()
        .rev()
        .find(|l| l.ends_with("type i"))
        .and_then(|l| l.split(' ').nth(1))
        .unwrap()
        .to_string();
    let path = dir.join("appendonlydir").join(name);
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    f.write_all(bytes).unwrap();
    path
}

#[test]
fn a_torn_tail_is_cut_off_only_with_aof_load_truncated() {
    let dir = TempDir::new("torn");
    {
        let srv = start_in(dir.path());
        let mut c = Conn::connect(srv.addr);
        c.cmds(&["SET", "k", "v"]);
    }
    let torn = b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$5\r\nab";
    let incr = append_to_incr(dir.path(), torn);
    let whole = std::fs::metadata(&incr).unwrap().len() - torn.len() as u64;
    let e = refused_start(dir.path(), |c| c.aof_load_truncated = false);
    assert!(
        e.contains("Unexpected end of file reading the append only file appendonly.aof.1.incr.aof"),
        "{e}"
    );
    assert!(e.contains(&format!("offset {whole}")), "{e}");
    let srv = start_in(dir.path());
    let mut c = Conn::connect(srv.addr);
    assert_eq!(c.cmds(&["GET", "k"]), common::bulk("v"));
    assert_eq!(c.cmds(&["EXISTS", "x"]), Value::Int(0));
    assert_eq!(std::fs::metadata(&incr).unwrap().len(), whole, "cut back");
    // Writes after the cut are whole commands again.
    c.cmds(&["SET", "y", "1"]);
    drop((c, srv));
    let srv = start_in(dir.path());
    let mut c = Conn::connect(srv.addr);
    assert_eq!(c.cmds(&["GET", "y"]), common::bulk("1"));
}

#[test]
fn a_corrupt_middle_is_refused_with_the_file_and_offset() {
    let dir = TempDir::new("corrupt");
    {
        let srv = start_in(dir.path());
        let mut c = Conn::connect(srv.addr);
        c.cmds(&["SET", "k", "v"]);
    }
    let bad = b"garbage\r\n*1\r\n$4\r\nPING\r\n";
    let incr = append_to_incr(dir.path(), bad);
    let at = std::fs::metadata(&incr).unwrap().len() - bad.len() as u64;
    let e = refused_start(dir.path(), |_| {});
    assert!(
        e.contains(&format!(
            "Bad file format reading the append only file appendonly.aof.1.incr.aof at offset {at}"
        )),
        "{e}"
    );
    // An unknown command is refused too, as Redis does.
    let dir = TempDir::new("unknown");
    drop(start_in(dir.path()));
    append_to_incr(dir.path(), b"*1\r\n$7\r\nNOSUCHC\r\n");
    let e = refused_start(dir.path(), |_| {});
    assert!(
        e.contains("Unknown command 'NOSUCHC' reading the append only file"),
        "{e}"
    );
}

#[test]
fn config_set_appendonly_starts_and_stops_the_aof() {
    let dir = TempDir::new("config");
    let srv = start_ours(|c| c.dir = dir.path().to_path_buf());
    let mut c = Conn::connect(srv.addr);
    c.cmds(&["SET", "before", "1"]);
    assert_eq!(
        c.cmds(&["CONFIG", "SET", "appendonly", "yes"]),
        simple("OK")
    );
    c.cmds(&["SET", "while", "2"]);
    wait_rewrite_done(&mut c);
    c.cmds(&["SET", "after", "3"]);
    let m = manifest(dir.path());
    assert_eq!(
        m,
        "file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"
    );
    assert_eq!(c.cmds(&["CONFIG", "SET", "appendonly", "no"]), simple("OK"));
    c.cmds(&["SET", "off", "4"]);
    drop((c, srv));
    let srv = start_in(dir.path());
    let mut c = Conn::connect(srv.addr);
    let got = snapshot(&mut c, 1);
    let keys: Vec<&[u8]> = got.keys().map(|(_, k)| k.as_slice()).collect();
    assert_eq!(keys, [&b"after"[..], b"before", b"while"]);
}

/// Whether `prog` is on PATH, printing the skip reason when not.
fn installed(prog: &str) -> bool {
    let found = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(prog).is_file()))
        .unwrap_or(false);
    if !found {
        println!("skipped: {prog} not installed — apt-get install redis-server redis-tools");
    }
    found
}

/// redis-server on `dir` with the AOF on (command-form base), killed on drop.
struct Redis {
    child: std::process::Child,
    addr: std::net::SocketAddr,
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn redis_on(dir: &Path, preamble: bool) -> Redis {
    let port = common::free_port();
    let child = Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
        ])
        .args(["--appendonly", "yes", "--appendfsync", "always"])
        .args([
            "--aof-use-rdb-preamble",
            if preamble { "yes" } else { "no" },
        ])
        .arg("--dir")
        .arg(dir)
        .args(["--daemonize", "no", "--loglevel", "warning"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-server starts");
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    // Connected is not loaded: PING answers -LOADING until the AOF is in.
    loop {
        if let Ok(s) = std::net::TcpStream::connect(addr) {
            drop(s);
            let mut c = Conn::connect(addr);
            if c.cmds(&["PING"]) == simple("PONG") {
                break;
            }
        }
        assert!(Instant::now() < deadline, "redis-server did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    Redis { child, addr }
}

fn check_aof(dir: &Path) {
    let out = Command::new("redis-check-aof")
        .arg(dir.join("appendonlydir/appendonly.aof.manifest"))
        .output()
        .expect("redis-check-aof runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("All AOF files and manifest are valid"),
        "{text}"
    );
}

#[test]
fn redis_server_loads_our_appendonlydir_and_we_load_its() {
    if !installed("redis-server") || !installed("redis-check-aof") {
        return;
    }
    let at = an_hour_ahead();
    // Ours → redis-server: once with a base and increments after a rewrite.
    let dir = TempDir::new("to-redis");
    let ours = {
        let srv = start_in(dir.path());
        let mut c = Conn::connect(srv.addr);
        pipeline(&mut c, &commands(at));
        c.cmds(&["BGREWRITEAOF"]);
        wait_rewrite_done(&mut c);
        c.cmds(&["INCR", "after-rewrite"]);
        std::thread::sleep(Duration::from_millis(5));
        snapshot(&mut c, 16)
    };
    check_aof(dir.path());
    {
        let redis = redis_on(dir.path(), false);
        let mut r = Conn::connect(redis.addr);
        assert_eq!(snapshot(&mut r, 16), ours, "redis-server holds our dataset");
    }
    // redis-server → ours, base written by its own rewrite, plus an increment.
    let dir = TempDir::new("from-redis");
    let theirs = {
        let redis = redis_on(dir.path(), false);
        let mut r = Conn::connect(redis.addr);
        pipeline(&mut r, &commands(at));
        r.cmds(&["BGREWRITEAOF"]);
        wait_rewrite_done(&mut r);
        r.cmds(&["INCR", "after-rewrite"]);
        std::thread::sleep(Duration::from_millis(5));
        snapshot(&mut r, 16)
    };
    let srv = start_in(dir.path());
    let mut c = Conn::connect(srv.addr);
    assert_eq!(
        snapshot(&mut c, 16),
        theirs,
        "we hold redis-server's dataset"
    );
    drop((c, srv));
    check_aof(dir.path());
    println!(
        "skipped: an appendonlydir with an RDB base (aof-use-rdb-preamble yes) — kv-cache has no RDB reader yet"
    );
}
