//! Helpers shared by the wire tests: a kv-cache server on a free port, a
//! real redis-server when one is installed, and a raw RESP connection.
#![allow(dead_code, unreachable_pub)]

pub mod procs;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use kv_cache::config::Config;
use kv_cache::protocol::Value;
use kv_cache::server::Background;

pub mod dataset;

/// A kv-cache server on a free port with `tweak` applied to its config.
pub fn start_ours(tweak: impl FnOnce(&mut Config)) -> Background {
    let mut config = Config {
        port: 0,
        ..Config::default()
    };
    config.enable_debug_command = "yes".into();
    // Persistence off unless a test asks: no dump.rdb in the crate directory.
    config.save.clear();
    tweak(&mut config);
    Background::start(config).expect("kv-cache starts on a free port")
}

/// A free loopback port (free when asked; bind it soon).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A redis-server child process, killed on drop.
pub struct RedisServer {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `redis-server` on a free port with persistence off, or returns
/// `None` (printing why) when it is not installed.
pub fn start_redis() -> Option<RedisServer> {
    let found = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join("redis-server").is_file()))
        .unwrap_or(false);
    if !found {
        println!(
            "redis-server not on PATH: skipping the comparison (apt-get install redis-server)"
        );
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .ok()?
        .local_addr()
        .ok()?
        .port();
    let child = Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .args([
            "--enable-debug-command",
            "yes",
            "--daemonize",
            "no",
            "--loglevel",
            "warning",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().ok()?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(addr).is_err() {
        if Instant::now() > deadline {
            println!("redis-server did not start: skipping the comparison");
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Some(RedisServer { child, addr })
}

/// A raw RESP connection: sends commands as multibulk, reads replies with
/// kv-cache's own RESP value parser.
pub struct Conn {
    pub stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    pub fn connect(addr: SocketAddr) -> Conn {
        let stream = TcpStream::connect(addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        stream.set_nodelay(true).expect("nodelay");
        Conn {
            stream,
            buf: Vec::new(),
        }
    }

    pub fn encode(args: &[&[u8]]) -> Vec<u8> {
        let mut out = format!("*{}\r\n", args.len()).into_bytes();
        for a in args {
            out.extend(format!("${}\r\n", a.len()).bytes());
            out.extend_from_slice(a);
            out.extend_from_slice(b"\r\n");
        }
        out
    }

    /// Sends one command and reads its reply.
    pub fn cmd(&mut self, args: &[&[u8]]) -> Value {
        self.send_raw(&Self::encode(args));
        self.read().expect("a reply")
    }

    /// `cmd` with string arguments.
    pub fn cmds(&mut self, args: &[&str]) -> Value {
        let a: Vec<&[u8]> = args.iter().map(|s| s.as_bytes()).collect();
        self.cmd(&a)
    }

    /// Sends one command with string arguments, without reading a reply.
    pub fn send(&mut self, args: &[&str]) {
        let a: Vec<&[u8]> = args.iter().map(|s| s.as_bytes()).collect();
        self.send_raw(&Self::encode(&a));
    }

    /// Sends `PING` and returns every frame that arrives before its reply
    /// (`+PONG`, or `pong` in RESP2 subscribed mode): the pushes already
    /// queued for this connection. Bounded: 100 frames at most.
    pub fn before_pong(&mut self) -> Vec<Value> {
        self.send(&["PING"]);
        let mut got = Vec::new();
        for _ in 0..100 {
            match self.read().expect("a frame before PONG") {
                Value::Simple(s) if s == "PONG" => return got,
                Value::Array(a) if a.first() == Some(&bulk("pong")) => return got,
                v => got.push(v),
            }
        }
        panic!("no PONG among 100 frames: {got:?}")
    }

    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("write");
    }

    /// Reads one reply; `None` if the server closed the connection.
    pub fn read(&mut self) -> Option<Value> {
        loop {
            if let Some((v, n)) = Value::parse(&self.buf).expect("valid RESP") {
                self.buf.drain(..n);
                return Some(v);
            }
            let mut tmp = [0u8; 64 * 1024];
            match self.stream.read(&mut tmp) {
                Ok(0) | Err(_) => return None,
                Ok(n) => self.buf.extend_from_slice(&tmp[..n]),
            }
        }
    }

    /// Whether the server closed the connection (reads to EOF).
    pub fn is_closed(&mut self) -> bool {
        let mut tmp = [0u8; 1024];
        matches!(self.stream.read(&mut tmp), Ok(0) | Err(_))
    }
}

pub fn bulk(s: &str) -> Value {
    Value::Bulk(s.as_bytes().to_vec())
}

pub fn simple(s: &str) -> Value {
    Value::Simple(s.to_string())
}

pub fn err(s: &str) -> Value {
    Value::Error(s.to_string())
}

/// Runs `scenario` on kv-cache, and on redis-server when installed, and
/// checks both produce the same transcript; returns ours. The
/// multi-connection tests (blocking, transactions, Pub/Sub) are written as
/// such scenarios.
pub fn on_both(scenario: fn(SocketAddr) -> Vec<Value>) -> Vec<Value> {
    let ours = start_ours(|_| {});
    let got = scenario(ours.addr);
    if let Some(redis) = start_redis() {
        let want = scenario(redis.addr);
        assert_eq!(got, want, "kv-cache vs redis-server");
    }
    got
}

/// `INFO clients` field `name` as a number.
pub fn info_field(c: &mut Conn, name: &str) -> i64 {
    info_in(c, "clients", name)
}

/// Field `name` of `INFO <section>` as a number.
pub fn info_in(c: &mut Conn, section: &str, name: &str) -> i64 {
    let Value::Bulk(text) = c.cmds(&["INFO", section]) else {
        panic!("INFO is a bulk string")
    };
    let text = String::from_utf8_lossy(&text).into_owned();
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {name} in {text}"))
}

/// Waits (bounded) until the server reports `n` blocked clients.
pub fn wait_blocked(c: &mut Conn, n: i64) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while info_field(c, "blocked_clients") != n {
        assert!(Instant::now() < deadline, "never saw {n} blocked clients");
        std::thread::sleep(Duration::from_millis(2));
    }
}
