#!/usr/bin/env python3
"""Writes kv-cache's command table — one Rust file per command family under
kv-cache/src/cmd/table/, each `Command` carrying its `COMMAND DOCS` entry —
from a running redis-server 7.0, so that ours report what Redis reports:
arity, flags, key positions, ACL categories (`COMMAND INFO`), group, since
and argument trees (`COMMAND DOCS`, without Redis's prose).

Run from the workspace root:

    python3 kv-cache/tools/gen-table.py            # starts its own redis-server
    python3 kv-cache/tools/gen-table.py --port N   # asks one already running

FAMILIES below is the one list of what kv-cache serves: which commands (and
which of their subcommands), in which family file, in the order `COMMAND`
lists them, and the module of each handler. Handlers are ours and written
by hand; the table only names them: `<module>::<command>` and
`<module>::<container>_<sub>`. Adding a command is a line here and a
handler there, then a run of this script.
"""
import argparse, json, os, shutil, subprocess, sys, tempfile, time

# The command families: (file and static name, Redis group, [(handler module,
# commands)]). A container is followed by the subcommands we serve, written
# `container|sub`, in the order `COMMAND INFO` lists them.
FAMILIES = [
    ("connection", "connection", [
        ("connection", "ping echo select hello auth quit reset"),
        ("client", "client client|id client|setname client|getname client|list"
                   " client|info client|kill client|unblock client|reply client|pause"
                   " client|unpause client|no-evict client|getredir client|tracking"
                   " client|caching client|trackinginfo client|help"),
    ]),
    ("strings", "string", [
        ("strings", "get set setnx setex psetex getset getdel getex mget mset msetnx"),
        ("counters", "incr decr incrby decrby incrbyfloat"),
        ("strings", "append strlen getrange setrange"),
    ]),
    ("keys", "generic", [
        ("keys", "del unlink exists type"),
        ("expire", "expire pexpire expireat pexpireat ttl pttl expiretime pexpiretime persist"),
        ("keys", "rename renamenx keys scan randomkey touch copy move object object|encoding"
                 " object|refcount object|freq object|idletime object|help"),
        ("sort", "sort sort_ro"),
        ("persist", "dump restore"),
    ]),
    ("server", "server", [
        ("server", "dbsize flushdb flushall swapdb time shutdown debug"
                   " slowlog slowlog|get slowlog|len slowlog|reset slowlog|help"),
        ("persist", "save bgsave lastsave"),
        ("info", "info"),
        ("monitor", "monitor"),
        ("config", "config config|get config|set config|resetstat config|rewrite config|help"),
        ("latency", "latency latency|history latency|doctor latency|latest latency|reset"
                    " latency|help latency|graph latency|histogram"),
        ("introspect", "command command|count command|info command|docs command|list"
                       " command|getkeys command|getkeysandflags command|help"),
        ("lolwut", "lolwut"),
        ("module", "module module|list module|load module|loadex module|unload module|help"),
        ("memory", "memory memory|doctor memory|help memory|malloc-stats memory|purge memory|stats"
                   " memory|usage"),
        ("aof", "bgrewriteaof"),
    ]),
    ("scripting", "scripting", [
        ("server", "function function|flush function|help script script|flush script|help"),
    ]),
    ("lists", "list", [
        ("lists", "lpush rpush lpushx rpushx lpop rpop llen lrange lindex lset linsert"
                  " lrem ltrim lpos lmove rpoplpush lmpop blpop brpop blmove brpoplpush"
                  " blmpop"),
    ]),
    ("hashes", "hash", [
        ("hashes", "hset hsetnx hget hmget hmset hdel hexists hlen hkeys hvals hgetall"
                   " hincrby hincrbyfloat hstrlen hrandfield hscan"),
    ]),
    ("sets", "set", [
        ("sets", "sadd srem sismember smismember scard smembers spop srandmember smove"
                 " sinter sintercard sunion sdiff sinterstore sunionstore sdiffstore sscan"),
    ]),
    ("zsets", "sorted-set", [
        ("zsets", "zadd zincrby zrem zscore zmscore zcard zcount zlexcount zrank zrevrank"
                  " zrange zrangebyscore zrevrangebyscore zrangebylex zrevrangebylex"
                  " zrevrange zrangestore zremrangebyrank zremrangebyscore zremrangebylex"
                  " zpopmin zpopmax zmpop bzpopmin bzpopmax bzmpop zunion zinter zintercard zdiff"
                  " zunionstore zinterstore zdiffstore zrandmember zscan"),
    ]),
    ("multi", "transactions", [
        ("multi", "multi exec discard watch unwatch"),
    ]),
    ("pubsub", "pubsub", [
        ("pubsub", "subscribe unsubscribe psubscribe punsubscribe publish pubsub"
                   " pubsub|channels pubsub|help pubsub|numpat pubsub|numsub"
                   " pubsub|shardchannels pubsub|shardnumsub ssubscribe sunsubscribe spublish"),
    ]),
]

OUT_DIR = "kv-cache/src/cmd/table"
REGENERATE = "python3 kv-cache/tools/gen-table.py"
HEADER = (f"// @generated by kv-cache/tools/gen-table.py — do not edit; "
          f"regenerate with: {REGENERATE}\n")

FLAGS = {
    "write": "F_WRITE", "readonly": "F_READONLY", "denyoom": "F_DENYOOM",
    "admin": "F_ADMIN", "pubsub": "F_PUBSUB", "noscript": "F_NOSCRIPT",
    "blocking": "F_BLOCKING", "loading": "F_LOADING", "stale": "F_STALE",
    "skip_slowlog": "F_SKIP_SLOWLOG", "fast": "F_FAST", "no_auth": "F_NO_AUTH",
    "no_multi": "F_NO_MULTI", "movablekeys": "F_MOVABLE_KEYS",
    "allow_busy": "F_ALLOW_BUSY", "no_async_loading": "F_NO_ASYNC_LOADING",
}
TYPES = {"key": "KEY", "string": "STRING", "integer": "INTEGER", "double": "DOUBLE",
         "pattern": "PATTERN", "unix-time": "UNIX_TIME", "pure-token": "PURE_TOKEN",
         "oneof": "ONEOF", "block": "BLOCK"}
ARG_FLAGS = {"optional": ".optional()", "multiple": ".multiple()",
             "multiple_token": ".multiple_token()"}
RUST_KEYWORDS = {"type", "move"}


class Redis:
    """A redis-server to ask: the one at --port, or our own on a Unix socket."""

    def __init__(self, port):
        self.proc, self.tmp = None, None
        if port:
            self.target = ["-p", str(port)]
            return
        if not shutil.which("redis-server"):
            sys.exit("redis-server not installed — apt-get install redis-server")
        self.tmp = tempfile.mkdtemp(prefix="gen-table-")
        sock = os.path.join(self.tmp, "redis.sock")
        self.proc = subprocess.Popen(
            ["redis-server", "--port", "0", "--unixsocket", sock, "--save", "",
             "--appendonly", "no", "--dir", self.tmp],
            stdout=subprocess.DEVNULL)
        self.target = ["-s", sock]
        for _ in range(100):
            ping = subprocess.run(["redis-cli", "-s", sock, "ping"], capture_output=True, text=True)
            if ping.stdout.strip() == "PONG":
                return
            time.sleep(0.05)
        self.close()
        sys.exit("redis-server did not start")

    def ask(self, *args, raw=False):
        mode = [] if raw else ["--json"]
        out = subprocess.run(["redis-cli", *self.target, *mode, *args],
                             check=True, capture_output=True, text=True).stdout
        return out if raw else json.loads(out)

    def close(self):
        if self.proc:
            self.proc.terminate()
            self.proc.wait()
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)


def rust_ident(name):
    return f"r#{name}" if name in RUST_KEYWORDS else name


def arg_expr(a):
    s = f"arg(\"{a['name']}\", {TYPES[a['type']]})"
    if "key_spec_index" in a:
        s += f".key_spec({a['key_spec_index']})"
    if "token" in a:
        s += f".token(\"{a['token']}\")"
    if "since" in a:
        s += f".since(\"{a['since']}\")"
    if "deprecated_since" in a:
        s += f".deprecated_since(\"{a['deprecated_since']}\")"
    for f in a.get("flags", []):
        s += ARG_FLAGS[f]
    if "arguments" in a:
        s += ".args(&[" + ", ".join(arg_expr(x) for x in a["arguments"]) + "])"
    return s


KEY_FLAGS = {"RO": "K_RO", "RW": "K_RW", "OW": "K_OW", "RM": "K_RM", "access": "K_ACCESS",
             "update": "K_UPDATE", "insert": "K_INSERT", "delete": "K_DELETE",
             "not_key": "K_NOT_KEY", "incomplete": "K_INCOMPLETE",
             "variable_flags": "K_VARIABLE_FLAGS"}


def key_spec(ks):
    """One `KeySpec { ... }` literal, from a `COMMAND INFO` key spec."""
    flags = " | ".join(KEY_FLAGS[f] for f in ks["flags"]) or "0"
    bs, fk = ks["begin_search"], ks["find_keys"]
    if bs["type"] == "index":
        begin = f"Begin::Index({bs['spec']['index']})"
    elif bs["type"] == "keyword":
        begin = (f"Begin::Keyword {{ keyword: \"{bs['spec']['keyword']}\","
                 f" start_from: {bs['spec']['startfrom']} }}")
    else:
        begin = "Begin::Unknown"
    if fk["type"] == "range":
        r = fk["spec"]
        find = f"Find::Range {{ last: {r['lastkey']}, step: {r['keystep']}, limit: {r['limit']} }}"
    elif fk["type"] == "keynum":
        k = fk["spec"]
        find = (f"Find::Keynum {{ keynum_idx: {k['keynumidx']}, first: {k['firstkey']},"
                f" step: {k['keystep']} }}")
    else:
        find = "Find::Unknown"
    notes = json.dumps(ks["notes"]) if "notes" in ks else None
    notes = f"Some({notes})" if notes else "None"
    return f"KeySpec {{ flags: {flags}, notes: {notes}, begin: {begin}, find: {find} }}"


def command(info, docs, group, handler, subs):
    """One `Command { ... }` literal."""
    name, arity, flags, first, last, step, acl = info[:7]
    specs = ", ".join(key_spec(ks) for ks in info[8])
    if docs["group"] != group:
        sys.exit(f"{name}: Redis puts it in group {docs['group']}, FAMILIES in {group}")
    fl = " | ".join(FLAGS[f] for f in flags) or "F_NONE"
    args = ", ".join(arg_expr(a) for a in docs.get("arguments", []))
    return (f"Command {{ name: \"{name.split('|')[-1]}\", arity: {arity}, flags: {fl},"
            f" first_key: {first}, last_key: {last}, step: {step},"
            f" acl: \"{' '.join(acl)}\", key_specs: &[{specs}], handler: {handler},"
            f" docs: &Docs {{ group: \"{group}\", since: \"{docs['since']}\", args: &[{args}] }},"
            f" subcommands: {subs} }},\n")


def family(redis_info, redis_docs, file, group, chunks):
    """The Rust source of one family file."""
    upper = file.upper()
    top, subtables, modules = [], [], []
    for module, names in chunks:
        if module not in modules:
            modules.append(module)
        names = names.split()
        for name in (n for n in names if "|" not in n):
            subs = [n for n in names if n.startswith(name + "|")]
            info, docs = redis_info[name], redis_docs[name]
            sub_info = {s[0]: s for s in info[9]}
            entries = []
            for s in subs:
                handler = f"{module}::{s.replace('|', '_').replace('-', '_')}"
                entries.append(command(sub_info[s], docs["subcommands"][s], group, handler, "&[]"))
            table = "&[]"
            if subs:
                table = f"{name.upper()}_SUBCOMMANDS"
                subtables.append(f"\n/// The `{name.upper()}` subcommands kv-cache serves.\n"
                                 f"static {table}: &[Command] = &[\n{''.join(entries)}];\n")
            top.append(command(info, docs, group, f"{module}::{rust_ident(name)}", table))
    links = ", ".join(f"[`{m}`](crate::cmd::{m})" for m in modules)
    uses_specs = any("KeySpec {" in t for t in top + subtables)
    spec_import = "use crate::cmd::keyspec::*;\n" if uses_specs else ""
    return (f"{HEADER}"
            f"//! The `{group}` commands (Redis's group name): their table entries and\n"
            f"//! `COMMAND DOCS` trees, from redis-server 7.0.\n//! Handlers: {links}.\n\n"
            f"use crate::cmd::docs::*;\n"
            f"{spec_import}"
            f"use crate::cmd::*;\n\n"
            f"/// The `{group}` commands, in the order `COMMAND` lists them.\n"
            f"pub(super) static {upper}: &[Command] = &[\n{''.join(top)}];\n"
            f"{''.join(subtables)}")


def table_mod(version):
    """The Rust source of `table/mod.rs`: the families joined."""
    mods = "".join(f"mod {f};\n" for f, _, _ in FAMILIES)
    joined = "".join(f"        {f}::{f.upper()},\n" for f, _, _ in FAMILIES)
    return (f"{HEADER}"
            f"//! The command table: one file per command family, each generated with\n"
            f"//! its `COMMAND DOCS` trees from redis-server {version} (the family list\n"
            f"//! is `FAMILIES` in `kv-cache/tools/gen-table.py`); handlers are ours.\n\n"
            f"use super::Command;\n\n{mods}\n"
            f"/// Every command kv-cache serves, in the order `COMMAND` lists them: the\n"
            f"/// family tables joined once, at first use.\n"
            f"pub static COMMANDS: std::sync::LazyLock<Vec<&'static Command>> =\n"
            f"    std::sync::LazyLock::new(|| {{\n        [\n{joined}        ]\n"
            f"        .into_iter()\n        .flatten()\n        .collect()\n    }});\n")


def rustfmt(source):
    return subprocess.run(["rustfmt", "--edition", "2024", "--emit", "stdout"], input=source,
                          check=True, capture_output=True, text=True).stdout


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port", type=int, help="a running redis-server 7.0 (default: start one)")
    opts = p.parse_args()
    if not os.path.isdir(OUT_DIR):
        sys.exit(f"run from the workspace root: {OUT_DIR} not found")
    redis = Redis(opts.port)
    try:
        version = next(line.split(":")[1] for line in
                       redis.ask("info", "server", raw=True).splitlines()
                       if line.startswith("redis_version:"))
        if not version.startswith("7.0."):
            sys.exit(f"redis-server {version}: the table follows 7.0")
        redis_info = {e[0]: e for e in redis.ask("command", "info")}
        redis_docs = redis.ask("command", "docs")
    finally:
        redis.close()
    files = {f"{f}.rs": family(redis_info, redis_docs, f, g, c) for f, g, c in FAMILIES}
    files["mod.rs"] = table_mod(version.strip())
    for name, source in files.items():
        with open(os.path.join(OUT_DIR, name), "w") as out:
            out.write(rustfmt(source))


main()
