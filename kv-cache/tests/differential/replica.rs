//! Taps on both servers' replication streams, and how two streams are
//! compared; used by [`super::propagation`].
//!
//! - Redis's stream is read as a 7.0 replica reads it ([`ReplicaLink`]).
//! - Ours comes from a [`RespFeed`] on the propagation point writing into
//!   a buffer the test reads ([`Shared`]).
//! - A `PUBLISH` on channel [`MARK`] ends each stretch to compare;
//!   deadlines from relative TTLs may differ by the clocks' skew
//!   ([`same_command`]), and runs of expiry `DEL`s are compared as sets
//!   ([`normalized`]).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kv_cache::exec::propagate::RespFeed;
use kv_cache::protocol::Value;
use kv_cache::state::propagation::TO_ALL;

use super::common::{Conn, start_ours, start_redis};

/// The channel of the end-of-sequence marker.
pub(crate) const MARK: &str = "__propagation_mark__";

/// A writer the server thread appends to and the test reads.
#[derive(Debug, Clone, Default)]
pub(crate) struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Commands as lists of byte strings.
pub(crate) type Stream = Vec<Vec<Vec<u8>>>;

/// Parses every complete command at the front of `buf`, removing it.
fn take_commands(buf: &mut Vec<u8>) -> Stream {
    let mut out = Vec::new();
    let mut used = 0;
    while let Ok(Some((v, n))) = Value::parse(&buf[used..]) {
        used += n;
        if let Value::Array(items) = v {
            out.push(
                items
                    .iter()
                    .map(|i| i.as_bytes().unwrap_or_default().to_vec())
                    .collect(),
            );
        }
    }
    buf.drain(..used);
    out
}

/// Whether `cmd` is the marker `PUBLISH` number `n`.
fn is_mark(cmd: &[Vec<u8>], n: usize) -> bool {
    cmd.len() == 3
        && cmd[0].eq_ignore_ascii_case(b"publish")
        && cmd[1] == MARK.as_bytes()
        && cmd[2] == n.to_string().as_bytes()
}

/// Redis's replication stream, read as a replica.
pub(crate) struct ReplicaLink {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl ReplicaLink {
    pub(crate) fn connect(addr: SocketAddr) -> ReplicaLink {
        let mut stream = TcpStream::connect(addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_millis(200)))
            .expect("timeout");
        let mut link = ReplicaLink {
            stream: stream.try_clone().expect("clone"),
            buf: Vec::new(),
        };
        // One at a time: Redis refuses SYNC while a reply is unread.
        stream.write_all(b"REPLCONF capa eof\r\n").expect("write");
        link.read_until(|b| b.starts_with(b"+OK\r\n"));
        link.buf.drain(..5);
        stream.write_all(b"SYNC\r\n").expect("write");
        // Newlines keep the link alive while the RDB is produced.
        link.read_until(|b| b.iter().any(|&c| c != b'\n'));
        let start = link.buf.iter().position(|&c| c != b'\n').unwrap_or(0);
        link.buf.drain(..start);
        link.read_until(|b| b.len() >= 47);
        assert!(link.buf.starts_with(b"$EOF:"), "diskless sync expected");
        let mark = link.buf[5..45].to_vec();
        link.buf.drain(..47);
        link.read_until(|b| b.windows(40).any(|w| w == mark));
        let end = link.buf.windows(40).position(|w| w == mark).unwrap_or(0) + 40;
        link.buf.drain(..end);
        link.ack();
        link
    }

    /// `REPLCONF ACK 0`, as a replica sends every second. After a diskless
    /// sync the master streams to a replica only once it has acknowledged
    /// after the master saw the transfer end (Redis
    /// `repl_put_online_on_ack`), so the reader repeats it while it waits.
    fn ack(&mut self) {
        self.stream
            .write_all(b"*3\r\n$8\r\nREPLCONF\r\n$3\r\nACK\r\n$1\r\n0\r\n")
            .expect("write");
    }

    fn read_until(&mut self, done: impl Fn(&[u8]) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut tmp = [0u8; 64 * 1024];
        while !done(&self.buf) {
            match self.stream.read(&mut tmp) {
                Ok(0) => panic!("master closed the replication link"),
                Ok(n) => self.buf.extend_from_slice(&tmp[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    assert!(Instant::now() < deadline, "no full sync from redis-server");
                }
                Err(e) => panic!("replication link: {e}"),
            }
        }
    }

    /// The commands up to marker `n` (excluded), without the master's
    /// keepalive `PING`s.
    pub(crate) fn until_mark(&mut self, n: usize) -> Stream {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut got = Vec::new();
        let mut tmp = [0u8; 64 * 1024];
        loop {
            for c in take_commands(&mut self.buf) {
                if is_mark(&c, n) {
                    return got;
                }
                if !(c.len() == 1 && c[0].eq_ignore_ascii_case(b"ping")) {
                    got.push(c);
                }
            }
            let k = match self.stream.read(&mut tmp) {
                Ok(k) => k,
                Err(e)
                    if e.kind() == std::io::ErrorKind::WouldBlock && Instant::now() < deadline =>
                {
                    self.ack();
                    continue;
                }
                Err(e) => panic!(
                    "replication stream: {e}; so far {:?}, unparsed {:?}",
                    show(&got),
                    String::from_utf8_lossy(&self.buf[..self.buf.len().min(300)])
                ),
            };
            assert!(k > 0, "master closed the replication link");
            self.buf.extend_from_slice(&tmp[..k]);
        }
    }
}

/// Our stream up to marker `n` (excluded).
pub(crate) fn ours_until_mark(feed: &Shared, pending: &mut Vec<u8>, n: usize) -> Stream {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut got = Vec::new();
    loop {
        if let Ok(mut b) = feed.0.lock() {
            pending.append(&mut b);
        }
        for c in take_commands(pending) {
            if is_mark(&c, n) {
                return got;
            }
            got.push(c);
        }
        assert!(
            Instant::now() < deadline,
            "our marker never came; so far: {:?}",
            show(&got)
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Sorts each run of single-key `DEL`s (expiry order is hash order).
pub(crate) fn normalized(mut s: Stream) -> Stream {
    let is_del = |c: &Vec<Vec<u8>>| c.len() == 2 && c[0] == b"DEL";
    let mut i = 0;
    while i < s.len() {
        let mut j = i;
        while j < s.len() && is_del(&s[j]) {
            j += 1;
        }
        s[i..j].sort();
        i = j.max(i + 1);
    }
    s
}

/// Whether two propagated commands are the same, an absolute deadline
/// that a relative TTL produced allowed to differ by the clocks' skew.
pub(crate) fn same_command(a: &[Vec<u8>], b: &[Vec<u8>]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y || near_deadlines(x, y))
}

/// Both are Unix-ms times within 3,000 days of now (relative TTLs reach
/// 1,000 days; the absolute times the generator writes are decades away)
/// and at most 2 s apart.
fn near_deadlines(x: &[u8], y: &[u8]) -> bool {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    let near = |t: &[u8]| {
        std::str::from_utf8(t)
            .ok()
            .and_then(|t| t.parse::<i64>().ok())
            .filter(|t| (t - now).abs() < 3_000 * 86_400_000)
    };
    matches!((near(x), near(y)), (Some(a), Some(b)) if (a - b).abs() <= 2_000)
}

/// Commands as text, each cut at 160 characters.
pub(crate) fn show(s: &[Vec<Vec<u8>>]) -> Vec<String> {
    s.iter()
        .map(|c| {
            let line = c
                .iter()
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect::<Vec<_>>()
                .join(" ");
            line.chars().take(160).collect()
        })
        .collect()
}

/// Both servers, each with its replication stream tapped: ours through a
/// feed on the propagation point, Redis's through a replica link.
pub(crate) struct Pair {
    /// The redis-server.
    pub(crate) real: super::common::RedisServer,
    /// Ours, with the feed attached.
    pub(crate) srv: kv_cache::server::Background,
    /// What our feed wrote.
    pub(crate) feed: Shared,
    /// Redis's replication stream.
    pub(crate) link: ReplicaLink,
}

impl Pair {
    /// `None` (the reason printed) when redis-server is not installed.
    pub(crate) fn start() -> Option<Pair> {
        let real = start_redis()?;
        let srv = start_ours(|_| {});
        let feed = Shared::default();
        let f = feed.clone();
        srv.with_state(move |rt| rt.srv.add_feed(Box::new(RespFeed::new(f, TO_ALL))))
            .expect("server thread");
        let mut admin = Conn::connect(real.addr);
        // The RDB streams straight from memory, at once.
        admin.cmds(&["CONFIG", "SET", "repl-diskless-sync", "yes"]);
        admin.cmds(&["CONFIG", "SET", "repl-diskless-sync-delay", "0"]);
        let link = ReplicaLink::connect(real.addr);
        Some(Pair {
            real,
            srv,
            feed,
            link,
        })
    }
}
