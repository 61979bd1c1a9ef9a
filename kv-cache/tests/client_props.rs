//! Property tests of the connection modes, driven through
//! [`kv_cache::exec::execute`] without sockets: arbitrary sequences of
//! `CLIENT TRACKING/CACHING/REPLY/PAUSE/...`, `MONITOR`, `RESET`, `HELLO`,
//! reads, writes, flushes and disconnections from a few clients, with
//! option words and arbitrary bytes mixed in. Nothing may panic, and the
//! registries must stay consistent: the tracking flag of every session
//! matches the registry, the keyspace logs changes exactly while someone
//! tracks, and a pause never loses a client.

mod common;

use common::Conn;
use kv_cache::config::Config;
use kv_cache::exec::{execute, track};
use kv_cache::protocol::RequestParser;
use kv_cache::protocol::request::Parsed;
use kv_cache::state::{S_PAUSED, S_TRACKING, Server};
use proptest::prelude::*;

/// Words the commands understand, plus some they do not.
const WORDS: &[&str] = &[
    "ON",
    "OFF",
    "REDIRECT",
    "1",
    "2",
    "3",
    "0",
    "-1",
    "BCAST",
    "PREFIX",
    "p",
    "pa",
    "",
    "OPTIN",
    "OPTOUT",
    "NOLOOP",
    "YES",
    "NO",
    "SKIP",
    "WRITE",
    "ALL",
    "99999999999999999999",
    "x",
];

fn word() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => prop::sample::select(WORDS).prop_map(|w| w.as_bytes().to_vec()),
        1 => prop::collection::vec(any::<u8>(), 0..6),
    ]
}

fn args(head: &'static [&'static str]) -> impl Strategy<Value = Vec<Vec<u8>>> {
    prop::collection::vec(word(), 0..6).prop_map(move |rest| {
        let mut v: Vec<Vec<u8>> = head.iter().map(|w| w.as_bytes().to_vec()).collect();
        v.extend(rest);
        v
    })
}

fn fixed(words: &'static [&'static str]) -> impl Strategy<Value = Vec<Vec<u8>>> {
    Just(words.iter().map(|w| w.as_bytes().to_vec()).collect())
}

/// One command.
fn command() -> impl Strategy<Value = Vec<Vec<u8>>> {
    prop_oneof![
        3 => args(&["CLIENT", "TRACKING"]),
        1 => args(&["CLIENT", "CACHING"]),
        1 => args(&["CLIENT", "REPLY"]),
        1 => args(&["CLIENT", "PAUSE"]),
        1 => args(&["CLIENT", "NO-EVICT"]),
        1 => args(&["CLIENT", "LIST"]),
        1 => fixed(&["CLIENT", "UNPAUSE"]),
        1 => fixed(&["CLIENT", "TRACKINGINFO"]),
        1 => fixed(&["CLIENT", "GETREDIR"]),
        1 => fixed(&["CLIENT", "INFO"]),
        1 => fixed(&["MONITOR"]),
        1 => fixed(&["RESET"]),
        1 => fixed(&["HELLO", "3"]),
        1 => fixed(&["HELLO", "2"]),
        1 => fixed(&["MULTI"]),
        1 => fixed(&["EXEC"]),
        1 => fixed(&["SUBSCRIBE", "__redis__:invalidate"]),
        1 => fixed(&["FLUSHALL"]),
        3 => args(&["GET"]),
        2 => args(&["MGET", "p1"]),
        3 => args(&["SET", "p1"]),
        1 => args(&["DEL", "pa"]),
        1 => args(&["ZUNION"]),
        1 => args(&["SINTERCARD"]),
    ]
}

/// A step: which of the clients sends it, or a disconnection.
#[derive(Debug, Clone)]
enum Step {
    Run(usize, Vec<Vec<u8>>),
    Disconnect(usize),
    /// The loop turns: broadcasts, the cron, the pause deadline.
    Turn,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        12 => (0..3usize, command()).prop_map(|(c, a)| Step::Run(c, a)),
        1 => (0..3usize).prop_map(Step::Disconnect),
        2 => Just(Step::Turn),
    ]
}

fn connect(srv: &mut Server) -> u64 {
    srv.connect("127.0.0.1:1".into(), "127.0.0.1:2".into(), -1)
}

fn check(srv: &Server, ids: &[u64]) {
    let tracking = ids
        .iter()
        .filter(|&&id| {
            let flagged = srv
                .clients
                .get(&id)
                .is_some_and(|c| c.flags & S_TRACKING != 0);
            assert_eq!(flagged, srv.tracking.get(id).is_some(), "client {id}");
            flagged
        })
        .count();
    assert_eq!(tracking, srv.tracking.clients());
    assert_eq!(srv.ks.log_changes, tracking > 0);
    assert!(srv.tracking.total_items() >= srv.tracking.total_keys());
    for id in &srv.pause.postponed {
        assert!(ids.contains(id), "a held client that is gone: {id}");
    }
    assert_eq!(srv.ks.expire_paused, srv.pause.is_on());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn modes_never_panic_and_registries_stay_consistent(steps in prop::collection::vec(step(), 1..40)) {
        // No save points: FLUSHALL would save dump.rdb into the crate directory.
        let mut srv = Server::new(Config { save: Vec::new(), ..Config::default() });
        let mut ids: Vec<u64> = (0..3).map(|_| connect(&mut srv)).collect();
        for s in steps {
            match s {
                Step::Run(c, argv) => {
                    let id = ids[c];
                    let Some(mut session) = srv.take_client(id) else { continue };
                    // A held client reads nothing more until resumed.
                    if session.flags & S_PAUSED != 0 {
                        if srv.pause.holds(id) {
                            srv.put_client(session);
                            continue;
                        }
                        session.flags &= !S_PAUSED;
                    }
                    let parts: Vec<&[u8]> = argv.iter().map(Vec::as_slice).collect();
                    let bytes = Conn::encode(&parts);
                    let mut parser = RequestParser::new(1 << 20);
                    let Ok(Parsed::Request(_)) = parser.parse(&bytes) else {
                        srv.put_client(session);
                        continue;
                    };
                    let mut out = Vec::new();
                    execute(&mut srv, &mut session, &parser.argv(&bytes), &mut out);
                    srv.put_client(session);
                }
                Step::Disconnect(c) => {
                    srv.disconnect(ids[c]);
                    ids[c] = connect(&mut srv);
                }
                Step::Turn => {
                    track::broadcast(&mut srv);
                    track::after_cron(&mut srv);
                    srv.ks.now_ms += 1_000;
                    if srv.pause.expired(srv.ks.now_ms) {
                        srv.end_pause();
                    }
                }
            }
            let _ = srv.outbox.drain();
            let _ = srv.outbox.take_resumed();
            check(&srv, &ids);
        }
    }
}
