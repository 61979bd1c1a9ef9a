//! `CONFIG GET/SET/RESETSTAT`. Redis: `src/config.c`. The parameters
//! themselves are in [`crate::config`].

use super::Ctx;
use crate::config::bounds::os_error_text;
use crate::config::{ConfigError, PARAMS, listen, rewrite};
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

/// `CONFIG SET name value [name value ...]`: all or nothing, as Redis 7
/// ([`crate::config::Config::set_many`]).
pub fn config_set(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    if !argv.len().is_multiple_of(2) {
        return ctx.syntax_error();
    }
    let words: Vec<String> = argv
        .iter()
        .skip(2)
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect();
    let pairs: Vec<(&str, &str)> = words
        .chunks(2)
        .map(|w| (w[0].as_str(), w[1].as_str()))
        .collect();
    let before = (ctx.srv.config.bind.clone(), ctx.srv.config.port);
    // A new password leaves already authenticated clients authenticated, as in Redis.
    if let Err(e) = ctx.srv.config.set_many(&pairs) {
        if let ConfigError::Invalid { name, .. } = &e {
            // The argument index of the failing name, for Redis's restore.
            let at = pairs.iter().position(|(n, _)| n.eq_ignore_ascii_case(name));
            super::notify::after_failed_config_set(ctx.srv, argv, 2 + 2 * at.unwrap_or(0));
        }
        return ctx.out.error(&format!("ERR {e}"));
    }
    ctx.srv.sync_logging();
    ctx.srv.sync_eviction();
    let max = ctx.srv.config.maxmemory;
    if max != 0
        && pairs
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("maxmemory"))
    {
        let used = ctx.srv.used_for_evict() as u64;
        if max < used {
            tracing::warn!(
                maxmemory = max,
                used,
                "the new maxmemory value is smaller than the current memory usage: keys will be evicted, or writes refused under the maxmemory-policy"
            );
        }
        // Evict now rather than at the next command (Redis `updateMaxmemory`).
        ctx.srv.evicting = true;
    }
    let config = &ctx.srv.config;
    if (config.bind.as_str(), config.port) != (before.0.as_str(), before.1) {
        let bound = &ctx.srv.listeners.bound;
        match listen::plan(&config.bind, config.port, bound, true) {
            Ok(plan) => ctx.srv.listeners.rebind = Some(plan),
            Err(e) => {
                // The old sockets still listen; the old values come back.
                let (param, reason) = if config.bind != before.0 {
                    ("bind", "Failed to bind to specified addresses.")
                } else {
                    ("port", "Unable to listen on this port. Check server logs.")
                };
                tracing::warn!(error = %e, "Failed applying new configuration. Restoring previous settings.");
                (ctx.srv.config.bind, ctx.srv.config.port) = before;
                let e = ConfigError::Invalid {
                    name: param.into(),
                    reason: reason.into(),
                };
                return ctx.out.error(&format!("ERR {e}"));
            }
        }
    }
    ctx.out.ok();
}

/// `CONFIG REWRITE`: the running configuration written back into the
/// config file, as Redis's rules (see [`crate::config::rewrite`]).
pub fn config_rewrite(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    let Some(path) = ctx.srv.config.config_file.clone() else {
        return ctx
            .out
            .error("ERR The server is running without a config file");
    };
    // A file that vanished is written anew, as Redis does.
    let old = match std::fs::read_to_string(&path) {
        Ok(text) => Ok(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(e) => Err(e),
    };
    let done = old.and_then(|old| {
        let new = rewrite::rewrite(&old, &ctx.srv.config);
        rewrite::overwrite(&path, &new)
    });
    match done {
        Ok(()) => {
            tracing::warn!("CONFIG REWRITE executed with success.");
            ctx.out.ok();
        }
        Err(e) => {
            tracing::warn!(error = %e, "CONFIG REWRITE failed");
            ctx.out
                .error(&format!("ERR Rewriting config file: {}", os_error_text(&e)));
        }
    }
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
            "REWRITE",
            "    Rewrite the configuration file.",
        ],
    );
}
