//! Deferred writes: a connection's output waits for the pending pass after
//! the before-sleep hooks, and leaves in one write with whatever else was
//! queued for it in the turn; close-after-flush and half-close still hold.
//! Driven turn by turn with `run_once` over Unix socket pairs.

use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream as Client;
use std::time::Duration;

use event_loop::{BufferedConn, Builder, ConnHandler, EventLoop, IoId};
use mio::net::UnixStream;

/// A server end for the loop and a non-blocking client end for the test.
fn pair() -> (UnixStream, Client) {
    let (server, client) = Client::pair().unwrap();
    server.set_nonblocking(true).unwrap();
    client.set_nonblocking(true).unwrap();
    (UnixStream::from_std(server), client)
}

/// Everything the client can read without blocking; `None` at EOF.
fn drain(client: &mut Client) -> Option<Vec<u8>> {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match client.read(&mut buf) {
            Ok(0) => return None,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Some(got),
            Err(e) => panic!("client read: {e}"),
        }
    }
}

/// Turn the loop without sleeping.
fn turn<S: 'static>(ev: &mut EventLoop<S>, state: &mut S) {
    ev.run_once(state, Some(Duration::from_millis(50))).unwrap();
}

/// What the test watches: connection ids, and every append made to `a` in
/// the order it was made.
#[derive(Default)]
struct World {
    /// The connection whose output everybody writes to.
    a: Option<IoId>,
    /// Appends to `a`'s output, in order.
    appended: Vec<u8>,
    /// The before-sleep hook writes to `a` too.
    hook_writes: bool,
    /// What the before-sleep hook saw: `a`'s output still queued.
    seen_by_hook: Vec<usize>,
}

/// Replies to its own input, and (for `b`) writes to `a` by id as well.
struct Replier {
    /// Prefix of this connection's replies.
    name: &'static str,
}

impl ConnHandler<World> for Replier {
    fn on_read(&mut self, ev: &mut EventLoop<World>, w: &mut World, conn: &mut BufferedConn) {
        let input = conn.input_mut().split();
        let reply = format!("{}:{};", self.name, String::from_utf8_lossy(&input));
        if Some(conn.id()) == w.a {
            conn.write(reply.as_bytes());
            w.appended.extend_from_slice(reply.as_bytes());
        } else if let Some(a) = w.a
            && let Some(other) = ev.conn_mut(a)
        {
            // A message for another client (Pub/Sub style).
            other.write(reply.as_bytes());
            w.appended.extend_from_slice(reply.as_bytes());
        }
    }
}

#[test]
fn deferred_output_leaves_after_the_hooks_before_the_poll_in_append_order() {
    let mut ev: EventLoop<World> = Builder::default().deferred_writes(true).build().unwrap();
    let (a_server, mut a_client) = pair();
    let (b_server, mut b_client) = pair();
    let mut w = World::default();
    let a = ev.add_conn(a_server, Replier { name: "a" }).unwrap();
    ev.add_conn(b_server, Replier { name: "b" }).unwrap();
    w.a = Some(a);
    ev.before_sleep(move |ev, w: &mut World| {
        // Runs before the pending pass: nothing of this turn is out yet.
        w.seen_by_hook
            .push(ev.conn(a).map_or(0, |c| c.output_len()));
        if w.hook_writes
            && let Some(conn) = ev.conn_mut(a)
        {
            conn.write(b"hook;");
            w.appended.extend_from_slice(b"hook;");
        }
    });

    // Both sockets are readable before the poll, so one turn runs both
    // callbacks; their replies to `a` are only queued.
    a_client.write_all(b"1").unwrap();
    b_client.write_all(b"2").unwrap();
    turn(&mut ev, &mut w);
    assert_eq!(w.appended.len(), "a:1;b:2;".len(), "both callbacks ran");
    assert_eq!(
        drain(&mut a_client).unwrap(),
        b"",
        "nothing deferred is out yet"
    );
    let queued = ev.conn(a).unwrap().output_len();
    assert_eq!(queued, "a:1;b:2;".len());

    // Next turn: the hook sees the replies still queued and adds its own;
    // the pass writes all of it, in append order, before the poll.
    w.hook_writes = true;
    ev.run_once(&mut w, Some(Duration::ZERO)).unwrap();
    assert_eq!(w.seen_by_hook.last(), Some(&queued));
    let got = drain(&mut a_client).unwrap();
    assert_eq!(
        got, w.appended,
        "bytes leave in the order they were appended"
    );
    assert!(got.ends_with(b"hook;"));
    assert_eq!(ev.conn(a).unwrap().output_len(), 0);
    assert_eq!(drain(&mut b_client).unwrap(), b"", "b wrote only to a");
}

/// Replies `bye`, then closes after the flush (or half-closes).
struct Bye {
    /// Half-close instead of closing.
    half: bool,
}

impl ConnHandler<Vec<&'static str>> for Bye {
    fn on_read(
        &mut self,
        _: &mut EventLoop<Vec<&'static str>>,
        log: &mut Vec<&'static str>,
        conn: &mut BufferedConn,
    ) {
        let input = conn.input_mut().split();
        if input.as_ref() == b"late" {
            log.push("read after half-close");
            return;
        }
        conn.write(b"bye");
        if self.half {
            conn.shutdown_write();
        } else {
            conn.close_after_flush();
        }
    }
    fn on_close(
        &mut self,
        _: &mut EventLoop<Vec<&'static str>>,
        log: &mut Vec<&'static str>,
        _: IoId,
    ) {
        log.push("closed");
    }
}

/// A deferring loop with one `Bye` connection that has read `request` in
/// one turn; its reply is queued, not yet written.
fn bye_after_one_turn(
    half: bool,
    request: &[u8],
) -> (
    EventLoop<Vec<&'static str>>,
    Client,
    IoId,
    Vec<&'static str>,
) {
    let mut ev = Builder::default().deferred_writes(true).build().unwrap();
    let (server, mut client) = pair();
    let id = ev.add_conn(server, Bye { half }).unwrap();
    let mut log = Vec::new();
    client.write_all(request).unwrap();
    turn(&mut ev, &mut log);
    assert_eq!(drain(&mut client).unwrap(), b"", "written before the pass");
    (ev, client, id, log)
}

/// Everything up to EOF, blocking.
fn read_to_eof(client: &mut Client) -> Vec<u8> {
    let mut got = Vec::new();
    client.set_nonblocking(false).unwrap();
    client.read_to_end(&mut got).unwrap();
    got
}

#[test]
fn close_after_flush_in_deferred_mode_sends_the_reply_then_closes() {
    let (mut ev, mut client, id, mut log) = bye_after_one_turn(false, b"quit");
    assert!(log.is_empty(), "closed before the reply was written");
    assert!(ev.contains(id));
    ev.run_once(&mut log, Some(Duration::ZERO)).unwrap();
    assert_eq!(log, ["closed"]);
    assert!(!ev.contains(id));
    assert_eq!(read_to_eof(&mut client), b"bye", "the reply, then EOF");
}

#[test]
fn half_close_in_deferred_mode_sends_the_reply_then_eof_and_keeps_reading() {
    let (mut ev, mut client, id, mut log) = bye_after_one_turn(true, b"done");
    ev.run_once(&mut log, Some(Duration::ZERO)).unwrap();
    assert_eq!(read_to_eof(&mut client), b"bye", "the reply, then EOF");
    client.write_all(b"late").unwrap();
    while log.is_empty() {
        turn(&mut ev, &mut log);
    }
    assert_eq!(log, ["read after half-close"]);
    assert!(ev.contains(id));
}

#[test]
fn a_connection_can_opt_in_by_itself() {
    // Default loop; the handler turns deferral on for its own connection.
    let mut ev: EventLoop<u32> = EventLoop::new().unwrap();
    let (server, mut client) = pair();
    ev.add_conn(
        server,
        |_: &mut EventLoop<u32>, n: &mut u32, conn: &mut BufferedConn| {
            conn.set_deferred_write(true);
            let input = conn.input_mut().split();
            conn.write(&input);
            *n += 1;
        },
    )
    .unwrap();
    let mut n = 0;
    client.write_all(b"ping").unwrap();
    while n == 0 {
        turn(&mut ev, &mut n);
    }
    assert_eq!(drain(&mut client).unwrap(), b"");
    ev.run_once(&mut n, Some(Duration::ZERO)).unwrap();
    assert_eq!(drain(&mut client).unwrap(), b"ping");
}
