//! Before `AUTH`, Redis 7.0 refuses requests announcing more than 1M
//! arguments or bulks over 16 KB as protocol errors, so a client that has
//! not logged in cannot make the server wait for (and buffer) a huge
//! request. Compared with redis-server, password set on both.

mod common;

use std::net::SocketAddr;

use common::{Conn, start_ours, start_redis};
use kv_cache::protocol::Value;

fn before_auth(addr: SocketAddr) -> Vec<Option<Value>> {
    let mut t = Vec::new();
    for raw in [
        &b"*2\r\n$3\r\nGET\r\n$16385\r\n"[..],
        b"*1048577\r\n",
        b"AUTH pw\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$16385\r\n",
    ] {
        let mut c = Conn::connect(addr);
        c.send_raw(raw);
        t.push(c.read());
        if raw.starts_with(b"AUTH") {
            // Logged in within the same batch: the big bulk is fine.
            c.send_raw(&vec![b'v'; 16385]);
            c.send_raw(b"\r\n");
            t.push(c.read());
        } else {
            t.push(c.read());
        }
    }
    let mut c = Conn::connect(addr);
    c.send_raw(b"*2\r\n$3\r\nGET\r\n$16384\r\n");
    c.send_raw(&vec![b'k'; 16384]);
    c.send_raw(b"\r\n");
    t.push(c.read());
    t
}

#[test]
fn smaller_request_limits_before_auth_as_redis() {
    let ours = start_ours(|c| c.requirepass = Some(b"pw".to_vec()));
    let got = before_auth(ours.addr);
    assert_eq!(
        got[0],
        Some(Value::Error(
            "ERR Protocol error: unauthenticated bulk length".into()
        ))
    );
    assert_eq!(got[1], None, "closed after the error");
    if let Some(redis) = start_redis() {
        let mut c = Conn::connect(redis.addr);
        c.cmds(&["CONFIG", "SET", "requirepass", "pw"]);
        assert_eq!(got, before_auth(redis.addr));
    }
}
