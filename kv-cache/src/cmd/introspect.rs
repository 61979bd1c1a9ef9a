//! `COMMAND [COUNT|INFO|DOCS|LIST|GETKEYS|GETKEYSANDFLAGS|HELP]`: the
//! command table, reported from the same data that drives dispatch. Redis:
//! `commandCommand` and friends in `src/server.c`.

use super::keyspec::{self, Begin, Find, KEY_FLAG_NAMES, KeySpec};
use super::{COMMANDS, Command, Ctx, FLAG_NAMES, docs, is, lookup, lookup_sub};
use crate::db::glob;
use crate::protocol::Argv;
use crate::protocol::Reply;

/// Writes the names of the bits set in `flags`, as a set of simple strings.
fn write_flags(out: &mut Reply<'_>, flags: u32, names: &[(u32, &str)]) {
    let set: Vec<&str> = names
        .iter()
        .filter(|(bit, _)| flags & bit != 0)
        .map(|(_, n)| *n)
        .collect();
    out.set(set.len());
    for f in set {
        out.simple(f);
    }
}

/// Writes one key spec as Redis 7's `COMMAND INFO` does: notes, flags,
/// `begin_search` and `find_keys`, each a type and its spec.
fn write_key_spec(out: &mut Reply<'_>, ks: &KeySpec) {
    out.map(3 + usize::from(ks.notes.is_some()));
    if let Some(notes) = ks.notes {
        out.bulk(b"notes");
        out.bulk(notes.as_bytes());
    }
    out.bulk(b"flags");
    write_flags(out, ks.flags, KEY_FLAG_NAMES);
    out.bulk(b"begin_search");
    out.map(2);
    out.bulk(b"type");
    match ks.begin {
        Begin::Index(i) => {
            out.bulk(b"index");
            out.bulk(b"spec");
            out.map(1);
            out.bulk(b"index");
            out.int(i64::from(i));
        }
        Begin::Keyword {
            keyword,
            start_from,
        } => {
            out.bulk(b"keyword");
            out.bulk(b"spec");
            out.map(2);
            out.bulk(b"keyword");
            out.bulk(keyword.as_bytes());
            out.bulk(b"startfrom");
            out.int(i64::from(start_from));
        }
        Begin::Unknown => {
            out.bulk(b"unknown");
            out.bulk(b"spec");
            out.map(0);
        }
    }
    out.bulk(b"find_keys");
    out.map(2);
    out.bulk(b"type");
    let fields: [(&[u8], i32); 3] = match ks.find {
        Find::Range { last, step, limit } => {
            out.bulk(b"range");
            [(b"lastkey", last), (b"keystep", step), (b"limit", limit)]
        }
        Find::Keynum {
            keynum_idx,
            first,
            step,
        } => {
            out.bulk(b"keynum");
            [
                (b"keynumidx", keynum_idx),
                (b"firstkey", first),
                (b"keystep", step),
            ]
        }
        Find::Unknown => {
            out.bulk(b"unknown");
            out.bulk(b"spec");
            return out.map(0);
        }
    };
    out.bulk(b"spec");
    out.map(fields.len());
    for (name, v) in fields {
        out.bulk(name);
        out.int(i64::from(v));
    }
}

/// Writes one `COMMAND INFO` entry (Redis 7 shape: name, arity, flags,
/// first, last, step, ACL categories, tips, key specs, subcommands).
/// Tips are empty: kv-cache has no cluster to route for.
fn write_info(ctx: &mut Ctx<'_>, c: &Command, parent: Option<&str>) {
    let out = &mut ctx.out;
    out.array(10);
    match parent {
        Some(p) => out.bulk(format!("{p}|{}", c.name).as_bytes()),
        None => out.bulk(c.name.as_bytes()),
    }
    out.int(c.arity as i64);
    write_flags(out, c.flags, FLAG_NAMES);
    out.int(c.first_key as i64);
    out.int(c.last_key as i64);
    out.int(c.step as i64);
    let cats: Vec<&str> = c.acl.split_whitespace().collect();
    out.set(cats.len());
    for cat in cats {
        out.simple(cat);
    }
    out.array(0);
    out.array(c.key_specs.len());
    for ks in c.key_specs {
        write_key_spec(out, ks);
    }
    out.array(c.subcommands.len());
    for s in c.subcommands {
        write_info(ctx, s, Some(c.name));
    }
}

/// `COMMAND`: every command's info.
pub fn command(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.array(COMMANDS.len());
    for c in COMMANDS.iter() {
        write_info(ctx, c, None);
    }
}

/// `COMMAND COUNT`
pub fn command_count(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.int(COMMANDS.len() as i64);
}

/// Finds `name` or `container|sub`.
fn find(name: &[u8]) -> Option<(&'static Command, Option<&'static str>)> {
    match name.iter().position(|&b| b == b'|') {
        Some(i) => {
            let (_, top) = lookup(&name[..i])?;
            Some((lookup_sub(top, &name[i + 1..])?, Some(top.name)))
        }
        None => lookup(name).map(|(_, c)| (c, None)),
    }
}

/// `COMMAND INFO [name ...]`: null for unknown names.
pub fn command_info(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    if argv.len() == 2 {
        return command(ctx, argv);
    }
    ctx.out.array(argv.len() - 2);
    for name in argv.iter().skip(2) {
        match find(name) {
            Some((c, parent)) => write_info(ctx, c, parent),
            None => ctx.out.null_array(),
        }
    }
}

/// Writes one `COMMAND DOCS` entry: the name, then its docs map.
fn write_docs(ctx: &mut Ctx<'_>, c: &Command, parent: Option<&str>) {
    let name = match parent {
        Some(p) => format!("{p}|{}", c.name),
        None => c.name.to_string(),
    };
    let docs::Docs { group, since, args } = *c.docs;
    ctx.out.bulk(name.as_bytes());
    let has_subs = !c.subcommands.is_empty();
    ctx.out
        .map(2 + usize::from(!args.is_empty()) + usize::from(has_subs));
    ctx.out.bulk(b"group");
    ctx.out.bulk(group.as_bytes());
    ctx.out.bulk(b"since");
    ctx.out.bulk(since.as_bytes());
    if !args.is_empty() {
        ctx.out.bulk(b"arguments");
        write_args(ctx, args);
    }
    if has_subs {
        ctx.out.bulk(b"subcommands");
        ctx.out.map(c.subcommands.len());
        for s in c.subcommands {
            write_docs(ctx, s, Some(c.name));
        }
    }
}

/// An argument tree, each argument a map as Redis writes it.
fn write_args(ctx: &mut Ctx<'_>, args: &[docs::Arg]) {
    ctx.out.array(args.len());
    for a in args {
        let fields = 2
            + usize::from(a.since.is_some())
            + usize::from(a.deprecated_since.is_some())
            + usize::from(a.key_spec.is_some())
            + usize::from(a.token.is_some())
            + usize::from(a.flags != 0)
            + usize::from(!a.args.is_empty());
        ctx.out.map(fields);
        ctx.out.bulk(b"name");
        ctx.out.bulk(a.name.as_bytes());
        ctx.out.bulk(b"type");
        ctx.out.bulk(a.kind.as_str().as_bytes());
        if let Some(index) = a.key_spec {
            ctx.out.bulk(b"key_spec_index");
            ctx.out.int(i64::from(index));
        }
        if let Some(token) = a.token {
            ctx.out.bulk(b"token");
            ctx.out.bulk(token.as_bytes());
        }
        if let Some(version) = a.since {
            ctx.out.bulk(b"since");
            ctx.out.bulk(version.as_bytes());
        }
        if let Some(version) = a.deprecated_since {
            ctx.out.bulk(b"deprecated_since");
            ctx.out.bulk(version.as_bytes());
        }
        if a.flags != 0 {
            ctx.out.bulk(b"flags");
            ctx.out.set(a.flag_names().count());
            for flag in a.flag_names() {
                ctx.out.simple(flag);
            }
        }
        if !a.args.is_empty() {
            ctx.out.bulk(b"arguments");
            write_args(ctx, a.args);
        }
    }
}

/// `COMMAND DOCS [name ...]`: a map of name to docs — group, since, and the
/// argument tree redis-cli 7 builds its typing hints from (see
/// [`docs`]). Redis's summaries are its prose and are left out.
pub fn command_docs(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let found: Vec<(&Command, Option<&str>)> = if argv.len() == 2 {
        COMMANDS.iter().map(|c| (*c, None)).collect()
    } else {
        argv.iter().skip(2).filter_map(find).collect()
    };
    ctx.out.map(found.len());
    for (c, parent) in found {
        write_docs(ctx, c, parent);
    }
}

/// What `COMMAND LIST FILTERBY` keeps.
enum Filter<'a> {
    /// No filter: every command and subcommand.
    All,
    /// Commands of a module: none, kv-cache has no modules.
    Module,
    /// Commands in this ACL category (no `@`; an unknown one keeps none).
    AclCat(&'a [u8]),
    /// Full names (`config|get`) matching this glob, ignoring case.
    Pattern(&'a [u8]),
}

impl Filter<'_> {
    fn keeps(&self, c: &Command, full: &str) -> bool {
        match self {
            Filter::All => true,
            Filter::Module => false,
            Filter::AclCat(cat) => c
                .acl
                .split_whitespace()
                .any(|a| a.strip_prefix('@').is_some_and(|a| is(cat, a))),
            Filter::Pattern(p) => glob::matches(p, full.as_bytes(), true),
        }
    }
}

/// `COMMAND LIST [FILTERBY MODULE name|ACLCAT category|PATTERN pattern]`:
/// every command's name and every subcommand's `container|sub`, as Redis
/// 7.0 lists them (its order is its hash table's; ours is the table's).
pub fn command_list(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let mut filter = Filter::All;
    let mut i = 2;
    while i < argv.len() {
        if !(is(argv.get(i), "filterby") && argv.len() - 1 - i == 2) {
            return ctx.syntax_error();
        }
        let (kind, arg) = (argv.get(i + 1), argv.get(i + 2));
        filter = if is(kind, "module") {
            Filter::Module
        } else if is(kind, "aclcat") {
            Filter::AclCat(arg)
        } else if is(kind, "pattern") {
            Filter::Pattern(arg)
        } else {
            return ctx.syntax_error();
        };
        i += 3;
    }
    let mut names = Vec::new();
    for c in COMMANDS.iter() {
        if filter.keeps(c, c.name) {
            names.push(c.name.to_string());
        }
        for s in c.subcommands {
            let full = format!("{}|{}", c.name, s.name);
            if filter.keeps(s, &full) {
                names.push(full);
            }
        }
    }
    ctx.out.array(names.len());
    for n in names {
        ctx.out.bulk(n.as_bytes());
    }
}

/// `COMMAND GETKEYS` and `GETKEYSANDFLAGS`: the keys of the command in
/// `argv[2..]`, found by [`keyspec::keys`], with Redis's errors.
fn getkeys(ctx: &mut Ctx<'_>, argv: &Argv<'_>, with_flags: bool) {
    let args: Vec<&[u8]> = argv.iter().skip(2).collect();
    // A container resolves to its subcommand when one is named.
    let cmd = lookup(args[0]).and_then(|(_, top)| match args.get(1) {
        Some(sub) if !top.subcommands.is_empty() => lookup_sub(top, sub),
        _ => Some(top),
    });
    let Some(cmd) = cmd else {
        return ctx.out.error("ERR Invalid command specified");
    };
    if !keyspec::has_keys(cmd) {
        return ctx.out.error("ERR The command has no key arguments");
    }
    if !super::arity_ok(cmd.arity, args.len()) {
        return ctx
            .out
            .error("ERR Invalid number of arguments specified for command");
    }
    let keys = keyspec::keys(cmd, &args);
    if keys.is_empty() {
        return ctx.out.error("ERR Invalid arguments specified for command");
    }
    ctx.out.array(keys.len());
    for k in keys {
        if with_flags {
            ctx.out.array(2);
            ctx.out.bulk(args[k.pos]);
            write_flags(&mut ctx.out, k.flags, KEY_FLAG_NAMES);
        } else {
            ctx.out.bulk(args[k.pos]);
        }
    }
}

/// `COMMAND GETKEYS command [arg ...]`
pub fn command_getkeys(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    getkeys(ctx, argv, false);
}

/// `COMMAND GETKEYSANDFLAGS command [arg ...]`
pub fn command_getkeysandflags(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    getkeys(ctx, argv, true);
}

/// `COMMAND HELP`
pub fn command_help(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    super::server::help(
        ctx,
        "COMMAND",
        &[
            "(no subcommand)",
            "    Return details about all Redis commands.",
            "COUNT",
            "    Return the total number of commands in this Redis server.",
            "LIST",
            "    Return a list of all commands in this Redis server.",
            "LIST [FILTERBY (MODULE <module-name>|ACLCAT <category>|PATTERN <pattern>)]",
            "    Return the names of the commands and subcommands, optionally filtered.",
            "INFO [<command-name> ...]",
            "    Return details about the named commands, or about all of them.",
            "DOCS [<command-name> ...]",
            "    Return documentation details about the named commands, or about all of them.",
            "GETKEYS <full-command>",
            "    Return the key arguments of a full command.",
            "GETKEYSANDFLAGS <full-command>",
            "    Return the key arguments of a full command, with their access flags.",
        ],
    );
}
