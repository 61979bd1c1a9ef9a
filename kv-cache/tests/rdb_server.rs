//! The server's side of RDB files, at the wire, against our binary: SAVE,
//! BGSAVE and what `INFO persistence`/`LASTSAVE` say about them, save
//! points firing from the cron, SHUTDOWN saving (or not), the file loaded
//! at the next start, and a corrupt file refused at startup with its
//! offset. Every wait is bounded.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::Conn;
use common::procs::{Proc, TempDir};
use kv_cache::protocol::Value;

const OURS: &str = env!("CARGO_BIN_EXE_kv-cache-server");

fn field(c: &mut Conn, name: &str) -> String {
    let Value::Bulk(t) = c.cmds(&["INFO", "persistence"]) else {
        panic!("INFO is a bulk")
    };
    let t = String::from_utf8_lossy(&t).into_owned();
    t.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")))
        .map(str::to_string)
        .unwrap_or_else(|| panic!("no {name} in {t}"))
}

/// Polls until `f` holds (at most `secs` seconds).
fn eventually(secs: u64, mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// `CONFIG GET save`'s value.
fn save_points(c: &mut Conn) -> String {
    match c.cmds(&["CONFIG", "GET", "save"]) {
        Value::Array(a) if a.len() == 2 => match &a[1] {
            Value::Bulk(b) => String::from_utf8_lossy(b).into_owned(),
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
}

fn simple(s: &str) -> Value {
    Value::Simple(s.into())
}

#[test]
fn bgsave_is_reported_and_its_file_loads_at_the_next_start() {
    let dir = TempDir::new("bgsave");
    let ours = Proc::start(OURS, &dir.0);
    let mut c = ours.conn();
    let started = match c.cmds(&["LASTSAVE"]) {
        Value::Int(n) => n,
        other => panic!("{other:?}"),
    };
    for i in 0..50 {
        c.cmds(&["SET", &format!("k{i}"), "v"]);
    }
    c.cmds(&["EXPIRE", "k0", "1000"]);
    assert_eq!(field(&mut c, "rdb_changes_since_last_save"), "51");
    assert_eq!(c.cmds(&["BGSAVE"]), simple("Background saving started"));
    assert!(eventually(10, || field(&mut c, "rdb_bgsave_in_progress") == "0"));
    assert_eq!(field(&mut c, "rdb_last_bgsave_status"), "ok");
    assert_eq!(field(&mut c, "rdb_changes_since_last_save"), "0");
    assert_eq!(field(&mut c, "rdb_saves"), "1");
    assert!(matches!(c.cmds(&["LASTSAVE"]), Value::Int(n) if n >= started));
    assert_eq!(
        c.cmds(&["BGSAVE", "FOO"]),
        Value::Error("ERR syntax error".into())
    );
    drop(ours);
    let again = Proc::start(OURS, &dir.0);
    let mut c = again.conn();
    assert_eq!(c.cmds(&["DBSIZE"]), Value::Int(50));
    assert!(matches!(c.cmds(&["TTL", "k0"]), Value::Int(t) if (990..=1000).contains(&t)));
    assert_eq!(field(&mut c, "rdb_last_load_keys_loaded"), "50");
}

#[test]
fn a_save_point_starts_a_background_save_from_the_cron() {
    let dir = TempDir::new("savepoint");
    let ours = Proc::start(OURS, &dir.0);
    let mut c = ours.conn();
    assert_eq!(c.cmds(&["CONFIG", "SET", "save", "1 2"]), simple("OK"));
    assert_eq!(save_points(&mut c), "1 2");
    c.cmds(&["SET", "a", "1"]);
    c.cmds(&["SET", "b", "2"]);
    // More than a second after the last save, two changes: a BGSAVE.
    assert!(
        eventually(8, || dir.0.join("dump.rdb").exists()),
        "no save point fired"
    );
    assert!(eventually(8, || field(
        &mut c,
        "rdb_changes_since_last_save"
    ) == "0"));
}

#[test]
fn shutdown_saves_when_save_points_exist_and_not_with_nosave() {
    let dir = TempDir::new("shutdown");
    let ours = Proc::start_with(OURS, &dir.0, &[]);
    let mut c = ours.conn();
    assert_eq!(save_points(&mut c), "3600 1 300 100 60 10000");
    c.cmds(&["SET", "kept", "yes"]);
    c.send(&["SHUTDOWN"]);
    assert!(c.read().is_none(), "SHUTDOWN closes without a reply");
    assert!(eventually(5, || dir.0.join("dump.rdb").exists()));
    drop(ours);
    let next = Proc::start_with(OURS, &dir.0, &[]);
    let mut c = next.conn();
    assert_eq!(c.cmds(&["GET", "kept"]), Value::Bulk(b"yes".to_vec()));
    c.cmds(&["SET", "kept", "changed"]);
    c.send(&["SHUTDOWN", "NOSAVE"]);
    assert!(c.read().is_none());
    drop(next);
    let last = Proc::start(OURS, &dir.0);
    assert_eq!(
        last.conn().cmds(&["GET", "kept"]),
        Value::Bulk(b"yes".to_vec())
    );
}

#[test]
fn protected_and_bad_parameters_are_refused_as_redis_does() {
    let dir = TempDir::new("params");
    let ours = Proc::start(OURS, &dir.0);
    let mut c = ours.conn();
    let e = |s: &str| Value::Error(s.into());
    assert_eq!(
        c.cmds(&["CONFIG", "SET", "save", "100"]),
        e("ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters")
    );
    assert_eq!(
        c.cmds(&["CONFIG", "SET", "dir", "/"]),
        e(
            "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config"
        )
    );
    assert_eq!(
        c.cmds(&["CONFIG", "SET", "dbfilename", "x.rdb"]),
        e(
            "ERR CONFIG SET failed (possibly related to argument 'dbfilename') - can't set protected config"
        )
    );
    assert_eq!(
        c.cmds(&["CONFIG", "SET", "rdbcompression", "maybe"]),
        e(
            "ERR CONFIG SET failed (possibly related to argument 'rdbcompression') - argument must be 'yes' or 'no'"
        )
    );
    assert_eq!(
        c.cmds(&["SAVE", "x"]),
        e("ERR wrong number of arguments for 'save' command")
    );
}

#[test]
fn a_corrupt_file_is_refused_at_startup_with_its_offset() {
    let dir = TempDir::new("corrupt");
    // A valid header, a SELECTDB, then a string key cut short.
    std::fs::write(dir.0.join("dump.rdb"), b"REDIS0010\xfe\x00\x00\x03ke").unwrap();
    let port = common::free_port().to_string();
    let d = dir.0.display().to_string();
    let mut child = Command::new(OURS)
        .args(["--port", &port, "--dir", &d, "--save", ""])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    assert!(
        eventually(10, || child.try_wait().unwrap().is_some()),
        "the server kept running"
    );
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("unexpected end of file") && said.contains("at byte offset 13"),
        "{said}"
    );
}
