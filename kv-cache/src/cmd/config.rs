//! `CONFIG GET/SET/RESETSTAT`. Redis: `src/config.c`. The parameters
//! themselves are in [`crate::config`].

use super::Ctx;
use crate::config::{ConfigError, PARAMS};
use crate::db::glob;
use crate::protocol::Argv;

/// `CONFIG` without a subcommand never reaches here (arity -2).
pub fn config(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.wrong_arity("config");
}

/// `CONFIG GET pattern [pattern ...]`: a map of every matching parameter.
pub fn config_get(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let mut found: Vec<(&str, String)> = Vec::new();
    for pat in argv.iter().skip(2) {
        for p in PARAMS {
            if glob::matches(pat, p.name.as_bytes(), true)
                && !found.iter().any(|(n, _)| *n == p.name)
            {
                found.push((p.name, (p.get)(&ctx.srv.config)));
            }
        }
    }
    ctx.out.map(found.len());
    for (name, value) in &found {
        ctx.out.bulk(name.as_bytes());
        ctx.out.bulk(value.as_bytes());
    }
}

/// `CONFIG SET name value [name value ...]`: all or nothing, as Redis 7.
pub fn config_set(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    if !argv.len().is_multiple_of(2) {
        let last = String::from_utf8_lossy(argv.get(argv.len() - 1)).into_owned();
        return ctx
            .out
            .error(&format!("ERR {}", ConfigError::Unknown(last)));
    }
    let mut next = ctx.srv.config.clone();
    for i in (2..argv.len()).step_by(2) {
        let name = String::from_utf8_lossy(argv.get(i)).into_owned();
        let value = String::from_utf8_lossy(argv.get(i + 1)).into_owned();
        if let Err(e) = next.apply(&name, &value, true) {
            super::notify::after_failed_config_set(ctx.srv, argv, i);
            return ctx.out.error(&format!("ERR {e}"));
        }
    }
    // A new password leaves already authenticated clients authenticated, as in Redis.
    ctx.srv.config = next;
    ctx.srv.sync_logging();
    ctx.out.ok();
}

/// `CONFIG RESETSTAT`
pub fn config_resetstat(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.srv.reset_stats();
    ctx.srv.slowlog.clear();
    ctx.out.ok();
}

/// `CONFIG HELP`
pub fn config_help(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    super::server::help(
        ctx,
        "CONFIG",
        &[
            "GET <pattern>",
            "    Return parameters matching the glob-like <pattern> and their values.",
            "SET <directive> <value>",
            "    Set the configuration <directive> to <value>.",
            "RESETSTAT",
            "    Reset statistics reported by the INFO command.",
        ],
    );
}
