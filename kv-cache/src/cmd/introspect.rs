//! `COMMAND [COUNT|INFO|DOCS|LIST|HELP]`: the command table, reported from
//! the same data that drives dispatch. Redis: `commandCommand` and friends.

use super::{COMMANDS, Command, Ctx, FLAG_NAMES, docs, lookup, lookup_sub};
use crate::protocol::Argv;

/// Writes one `COMMAND INFO` entry (Redis 7 shape: name, arity, flags,
/// first, last, step, ACL categories, tips, key specs, subcommands).
/// Tips and key specs are empty: kv-cache has no cluster to route for.
fn write_info(ctx: &mut Ctx<'_>, c: &Command, parent: Option<&str>) {
    let out = &mut ctx.out;
    out.array(10);
    match parent {
        Some(p) => out.bulk(format!("{p}|{}", c.name).as_bytes()),
        None => out.bulk(c.name.as_bytes()),
    }
    out.int(c.arity as i64);
    let flags: Vec<&str> = FLAG_NAMES
        .iter()
        .filter(|(bit, _)| c.flags & bit != 0)
        .map(|(_, n)| *n)
        .collect();
    out.set(flags.len());
    for f in flags {
        out.simple(f);
    }
    out.int(c.first_key as i64);
    out.int(c.last_key as i64);
    out.int(c.step as i64);
    let cats: Vec<&str> = c.acl.split_whitespace().collect();
    out.set(cats.len());
    for cat in cats {
        out.simple(cat);
    }
    out.array(0);
    out.array(0);
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

/// `COMMAND LIST`: every name.
pub fn command_list(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.array(COMMANDS.len());
    for c in COMMANDS.iter() {
        ctx.out.bulk(c.name.as_bytes());
    }
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
            "INFO [<command-name> ...]",
            "    Return details about multiple Redis commands.",
            "DOCS [<command-name> ...]",
            "    Return documentation details about multiple Redis commands.",
        ],
    );
}
