//! `COMMAND` introspection, `MODULE` and `LOLWUT` at the wire, compared
//! with redis-server where it answers the same: key extraction
//! (`GETKEYS`, `GETKEYSANDFLAGS`) with its errors, `COMMAND INFO` (key
//! specs included) and `COMMAND LIST` with its filters, for every command
//! kv-cache serves.

mod common;

use std::collections::BTreeSet;
use std::net::SocketAddr;

use common::{Conn, on_both, start_ours, start_redis};
use kv_cache::protocol::Value;

/// `COMMAND GETKEYS[ANDFLAGS]` cases: fixed and movable keys, the
/// commands' own extractions, subcommands, and every error.
const GETKEYS: &[&[&str]] = &[
    &["COMMAND", "GETKEYS", "foo", "x"],
    &["COMMAND", "GETKEYS", "ping", "x"],
    &["COMMAND", "GETKEYS", "get"],
    &["COMMAND", "GETKEYS", "get", "a", "b"],
    &["COMMAND", "GETKEYS", "GET", "a"],
    &["COMMAND", "GETKEYS", "mset", "a", "1", "b", "2"],
    &["COMMAND", "GETKEYS", "zunionstore", "d", "0", "a"],
    &["COMMAND", "GETKEYS", "zunionstore", "d", "2x", "a", "b"],
    &["COMMAND", "GETKEYS", "zunionstore", "d", "3", "a", "b"],
    &[
        "COMMAND",
        "GETKEYSANDFLAGS",
        "zunionstore",
        "d",
        "2",
        "a",
        "b",
    ],
    &["COMMAND", "GETKEYSANDFLAGS", "sort", "k", "store", "d"],
    &[
        "COMMAND",
        "GETKEYSANDFLAGS",
        "sort",
        "k",
        "by",
        "x",
        "limit",
        "1",
        "2",
        "store",
        "d",
        "store",
        "e",
    ],
    &["COMMAND", "GETKEYSANDFLAGS", "sort_ro", "k", "store", "d"],
    &["COMMAND", "GETKEYSANDFLAGS", "set", "k", "v", "get"],
    &["COMMAND", "GETKEYSANDFLAGS", "set", "k", "v", "EX", "1"],
    &["COMMAND", "GETKEYS", "config", "get", "x"],
    &["COMMAND", "GETKEYS", "object", "encoding", "k"],
    &["COMMAND", "GETKEYS", "object", "foo", "k"],
    &[
        "COMMAND",
        "GETKEYSANDFLAGS",
        "blmpop",
        "0",
        "2",
        "a",
        "b",
        "left",
    ],
    &[
        "COMMAND",
        "GETKEYSANDFLAGS",
        "bzmpop",
        "0",
        "-1",
        "a",
        "min",
    ],
    &["COMMAND", "GETKEYSANDFLAGS", "zintercard", "2", "a", "b"],
    &[
        "COMMAND",
        "GETKEYSANDFLAGS",
        "lmove",
        "a",
        "b",
        "left",
        "right",
    ],
    &["COMMAND", "GETKEYSANDFLAGS", "copy", "a", "b"],
    &["COMMAND", "GETKEYSANDFLAGS", "publish", "a", "b"],
    &["COMMAND", "GETKEYSANDFLAGS", "blpop", "a", "b", "0"],
    &[
        "COMMAND",
        "GETKEYSANDFLAGS",
        "zrangestore",
        "d",
        "s",
        "0",
        "1",
    ],
    &["COMMAND", "LIST", "FILTERBY", "foo", "x"],
    &["COMMAND", "LIST", "FILTERBY"],
    &["COMMAND", "LIST", "foo"],
    &["COMMAND", "LIST", "FILTERBY", "module", "x"],
    &["COMMAND", "LIST", "FILTERBY", "aclcat", "nosuch"],
    &["MODULE", "LIST"],
    &["MODULE", "FOO"],
    &["LOLWUT", "VERSION", "x"],
];

fn getkeys_transcript(addr: SocketAddr) -> Vec<Value> {
    let mut c = Conn::connect(addr);
    GETKEYS.iter().map(|args| c.cmds(args)).collect()
}

#[test]
fn getkeys_and_its_errors_match_redis() {
    let got = on_both(getkeys_transcript);
    assert_eq!(got[0], Value::Error("ERR Invalid command specified".into()));
}

/// A `COMMAND INFO` entry without its tips (kv-cache routes no cluster)
/// and its subcommands (kv-cache serves some; each is compared alone).
fn without_tips(v: &Value) -> (Value, Vec<Value>) {
    let Value::Array(parts) = v else {
        return (v.clone(), vec![]);
    };
    let mut parts = parts.clone();
    let mut subs = vec![];
    if parts.len() == 10 {
        parts[7] = Value::Null;
        if let Value::Array(s) = std::mem::replace(&mut parts[9], Value::Null) {
            subs = s;
        }
    }
    (Value::Array(parts), subs)
}

/// Compares our `COMMAND INFO` entry with Redis's for the same name.
fn same_info(ours: &Value, redis: &mut Conn) {
    let Value::Array(parts) = ours else {
        panic!("an entry is an array")
    };
    let name = parts[0].as_bytes().expect("a name");
    let Value::Array(theirs) = redis.cmd(&[b"COMMAND", b"INFO", name]) else {
        panic!("COMMAND INFO is an array")
    };
    let (entry, subs) = without_tips(ours);
    assert_eq!(
        entry,
        without_tips(&theirs[0]).0,
        "{}",
        String::from_utf8_lossy(name)
    );
    for sub in &subs {
        same_info(sub, redis);
    }
}

fn names(v: Value) -> BTreeSet<Vec<u8>> {
    let Value::Array(items) = v else {
        panic!("an array: {v:?}")
    };
    items
        .into_iter()
        .map(|i| i.as_bytes().expect("a name").to_vec())
        .collect()
}

#[test]
fn command_info_and_list_match_redis_for_every_served_command() {
    let Some(real) = start_redis() else { return };
    let srv = start_ours(|_| {});
    let (mut ours, mut redis) = (Conn::connect(srv.addr), Conn::connect(real.addr));
    let Value::Array(entries) = ours.cmds(&["COMMAND", "INFO"]) else {
        panic!("COMMAND INFO is an array")
    };
    for e in &entries {
        same_info(e, &mut redis);
    }
    let served = names(ours.cmds(&["COMMAND", "LIST"]));
    let all = names(redis.cmds(&["COMMAND", "LIST"]));
    assert!(
        served.is_subset(&all),
        "{:?}",
        served.difference(&all).collect::<Vec<_>>()
    );
    // Subcommands are listed, as `container|sub`.
    assert!(served.contains(&b"config|get"[..]));
    // Every container Redis gives a HELP has one here too (CLIENT's is
    // CLIENT's own work, with the rest of CLIENT).
    for name in &served {
        let Some(bar) = name.iter().position(|&b| b == b'|') else {
            continue;
        };
        let help = [&name[..bar], b"|help"].concat();
        if all.contains(&help) && &name[..bar] != b"client" {
            assert!(served.contains(&help), "{}", String::from_utf8_lossy(&help));
        }
    }
    for filter in [
        ["aclcat", "string"],
        ["aclcat", "KEYSPACE"],
        ["pattern", "CONFIG*"],
        ["pattern", "*|h?lp"],
    ] {
        let args = ["COMMAND", "LIST", "FILTERBY", filter[0], filter[1]];
        let got = names(ours.cmds(&args));
        let want: BTreeSet<Vec<u8>> = names(redis.cmds(&args))
            .intersection(&served)
            .cloned()
            .collect();
        assert_eq!(got, want, "{filter:?}");
    }
}

#[test]
fn module_answers_as_a_server_without_modules() {
    let srv = start_ours(|_| {});
    let mut c = Conn::connect(srv.addr);
    assert_eq!(c.cmds(&["MODULE", "LIST"]), Value::Array(vec![]));
    let failed =
        Value::Error("ERR Error loading the extension. Please check the server logs.".into());
    assert_eq!(c.cmds(&["MODULE", "LOAD", "/no/such.so"]), failed);
    assert_eq!(
        c.cmds(&["MODULE", "LOADEX", "/no/such.so", "ARGS", "x"]),
        failed
    );
    assert_eq!(
        c.cmds(&["MODULE", "UNLOAD", "x"]),
        Value::Error("ERR Error unloading module: no such module with that name".into())
    );
    let Value::Bulk(art) = c.cmds(&["LOLWUT"]) else {
        panic!("LOLWUT is a bulk string in RESP2")
    };
    let art = String::from_utf8(art).expect("UTF-8 art");
    assert!(
        art.ends_with(&format!("kv-cache ver. {}\n", env!("CARGO_PKG_VERSION"))),
        "{art}"
    );
}
