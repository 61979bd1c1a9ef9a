//! Client-side caching, the commands: `CLIENT TRACKING`, `CLIENT CACHING`,
//! `CLIENT GETREDIR`, `CLIENT TRACKINGINFO`, with Redis's checks in
//! Redis's order and its error texts. Redis: the `tracking` branches of
//! `clientCommand` (`src/networking.c`) and `enableTracking`,
//! `checkPrefixCollisionsOrReply` (`src/tracking.c`). The registry is
//! [`crate::tracking`]; the invalidations are sent by `exec::track`.

use super::super::{Ctx, is};
use crate::protocol::{Argv, parse_i64};
use crate::state::S_TRACKING;
use crate::tracking::{Tracker, overlap};

/// `CLIENT TRACKING ON|OFF [REDIRECT id] [BCAST] [PREFIX p]... [OPTIN] [OPTOUT] [NOLOOP]`
pub fn client_tracking(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let mut opts = Tracker::default();
    let mut prefixes: Vec<&[u8]> = Vec::new();
    let mut j = 3;
    while j < argv.len() {
        let a = argv.get(j);
        let more = j + 1 < argv.len();
        if is(a, "redirect") && more {
            j += 1;
            if opts.redirect != 0 {
                return ctx
                    .out
                    .error("ERR A client can only redirect to a single other client");
            }
            let Some(id) = parse_i64(argv.get(j)) else {
                return ctx.not_integer();
            };
            // The client must exist now, even if it may leave later.
            let exists = id > 0
                && (id as u64 == ctx.client.id || ctx.srv.clients.contains_key(&(id as u64)));
            if !exists {
                return ctx
                    .out
                    .error("ERR The client ID you want redirect to does not exist");
            }
            opts.redirect = id as u64;
        } else if is(a, "bcast") {
            opts.bcast = true;
        } else if is(a, "optin") {
            opts.optin = true;
        } else if is(a, "optout") {
            opts.optout = true;
        } else if is(a, "noloop") {
            opts.noloop = true;
        } else if is(a, "prefix") && more {
            j += 1;
            prefixes.push(argv.get(j));
        } else {
            return ctx.syntax_error();
        }
        j += 1;
    }
    let mode = argv.get(2);
    if is(mode, "on") {
        if let Err(msg) = check(ctx, &opts, &prefixes) {
            return ctx.out.error(&msg);
        }
        let id = ctx.client.id;
        ctx.srv.tracking.enable(id, opts, &prefixes);
        ctx.client.flags |= S_TRACKING;
        ctx.srv.ks.log_changes = true;
    } else if is(mode, "off") {
        disable(ctx);
    } else {
        return ctx.syntax_error();
    }
    ctx.out.ok();
}

/// Turns tracking off for the calling client (`CLIENT TRACKING OFF`, `RESET`).
pub(in crate::cmd) fn disable(ctx: &mut Ctx<'_>) {
    ctx.srv.tracking.disable(ctx.client.id);
    ctx.client.flags &= !S_TRACKING;
    if ctx.srv.tracking.clients() == 0 {
        ctx.srv.ks.log_changes = false;
        ctx.srv.ks.changed_log.clear();
        ctx.srv.ks.flushed = false;
    }
}

/// The options against each other and against the tracking already on.
fn check(ctx: &Ctx<'_>, opts: &Tracker, prefixes: &[&[u8]]) -> Result<(), String> {
    if !opts.bcast && !prefixes.is_empty() {
        return Err("ERR PREFIX option requires BCAST mode to be enabled".into());
    }
    let current = ctx.srv.tracking.get(ctx.client.id);
    if current.is_some_and(|t| t.bcast != opts.bcast) {
        return Err("ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.".into());
    }
    if opts.bcast && (opts.optin || opts.optout) {
        return Err("ERR OPTIN and OPTOUT are not compatible with BCAST".into());
    }
    if opts.optin && opts.optout {
        return Err("ERR You can't specify both OPTIN mode and OPTOUT mode".into());
    }
    if current.is_some_and(|t| (opts.optin && t.optout) || (opts.optout && t.optin)) {
        return Err("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.".into());
    }
    if opts.bcast {
        let lossy = String::from_utf8_lossy;
        for (i, p) in prefixes.iter().enumerate() {
            if let Some(old) = ctx.srv.tracking.prefix_collision(ctx.client.id, p) {
                return Err(format!(
                    "ERR Prefix '{}' overlaps with an existing prefix '{}'. Prefixes for a single client must not overlap.",
                    lossy(p),
                    lossy(old)
                ));
            }
            if let Some(q) = prefixes[i + 1..].iter().find(|q| overlap(p, q)) {
                return Err(format!(
                    "ERR Prefix '{}' overlaps with another provided prefix '{}'. Prefixes for a single client must not overlap.",
                    lossy(p),
                    lossy(q)
                ));
            }
        }
    }
    Ok(())
}

/// `CLIENT CACHING YES|NO`: for the next command (or transaction) only,
/// track its keys (`OPTIN`) or do not (`OPTOUT`).
pub fn client_caching(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(t) = ctx.srv.tracking.get_mut(ctx.client.id) else {
        return ctx.out.error("ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled");
    };
    let v = argv.get(2);
    if is(v, "yes") {
        if !t.optin {
            return ctx.out.error(
                "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.",
            );
        }
    } else if is(v, "no") {
        if !t.optout {
            return ctx.out.error(
                "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.",
            );
        }
    } else {
        return ctx.syntax_error();
    }
    t.caching = true;
    ctx.out.ok();
}

/// `CLIENT GETREDIR`: the redirect client's id, 0 for none, -1 when not tracking.
pub fn client_getredir(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    let redir = ctx
        .srv
        .tracking
        .get(ctx.client.id)
        .map_or(-1, |t| t.redirect as i64);
    ctx.out.int(redir);
}

/// `CLIENT TRACKINGINFO`: a map of `flags` (a set), `redirect`, `prefixes`.
pub fn client_trackinginfo(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    let t = ctx.srv.tracking.get(ctx.client.id);
    let mut flags: Vec<&str> = vec![if t.is_some() { "on" } else { "off" }];
    if let Some(t) = t {
        let caching = t.caching;
        for (on, name) in [
            (t.bcast, "bcast"),
            (t.optin, "optin"),
            (t.optin && caching, "caching-yes"),
            (t.optout, "optout"),
            (t.optout && caching, "caching-no"),
            (t.noloop, "noloop"),
            (t.broken_redirect, "broken_redirect"),
        ] {
            if on {
                flags.push(name);
            }
        }
    }
    let redirect = t.map_or(-1, |t| t.redirect as i64);
    let prefixes: Vec<Vec<u8>> = t
        .map(|t| t.prefixes.iter().cloned().collect())
        .unwrap_or_default();
    let out = &mut ctx.out;
    out.map(3);
    out.bulk(b"flags");
    out.set(flags.len());
    for f in flags {
        out.bulk(f.as_bytes());
    }
    out.bulk(b"redirect");
    out.int(redirect);
    out.bulk(b"prefixes");
    out.array(prefixes.len());
    for p in &prefixes {
        out.bulk(p);
    }
}
