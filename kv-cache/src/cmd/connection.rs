//! Connection commands: PING, ECHO, SELECT, HELLO, AUTH, QUIT, RESET
//! (`CLIENT` has [its own file](super::client)). Redis: `src/networking.c`
//! (HELLO), `src/acl.c` (AUTH), `src/server.c`.

use super::args::db_index;
use super::client::{set_name, valid_name};
use super::{Ctx, is};
use crate::protocol::Argv;
use crate::state::S_PUBSUB;

/// The Redis version kv-cache is compatible with, reported where clients
/// look for one (`HELLO`, `INFO`), since clients gate features on it.
pub const REDIS_VERSION: &str = "7.0.15";

/// `PING [message]`. A subscribed RESP2 connection gets `["pong", message]`
/// instead, since it reads everything as arrays.
pub fn ping(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    if ctx.client.flags & S_PUBSUB != 0 && ctx.client.resp == 2 && argv.len() <= 2 {
        ctx.out.array(2);
        ctx.out.bulk(b"pong");
        ctx.out
            .bulk(if argv.len() == 2 { argv.get(1) } else { b"" });
        return;
    }
    match argv.len() {
        1 => ctx.out.simple("PONG"),
        2 => ctx.out.bulk(argv.get(1)),
        _ => ctx.wrong_arity("ping"),
    }
}

/// `ECHO message`
pub fn echo(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    ctx.out.bulk(argv.get(1));
}

/// `SELECT index`
pub fn select(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(n) = db_index(ctx, argv.get(1)) else {
        return;
    };
    ctx.client.db = n;
    ctx.out.ok();
}

/// Checks a password for user `default`; `true` if it matches.
fn check_password(ctx: &mut Ctx<'_>, user: Option<&[u8]>, pass: &[u8]) -> bool {
    let user_ok = user.is_none_or(|u| u == b"default");
    let pass_ok = match &ctx.srv.config.requirepass {
        Some(p) => p.as_slice() == pass,
        // Without requirepass the default user has `nopass`: any password works.
        None => true,
    };
    if user_ok && pass_ok {
        ctx.client.authenticated = true;
        true
    } else {
        false
    }
}

const WRONGPASS: &str = "WRONGPASS invalid username-password pair or user is disabled.";

/// `AUTH [username] password`
pub fn auth(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    if argv.len() > 3 {
        return ctx.syntax_error();
    }
    if argv.len() == 2 && ctx.srv.config.requirepass.is_none() {
        return ctx.out.error(
            "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?",
        );
    }
    let (user, pass) = if argv.len() == 3 {
        (Some(argv.get(1)), argv.get(2))
    } else {
        (None, argv.get(1))
    };
    if check_password(ctx, user, pass) {
        ctx.out.ok()
    } else {
        ctx.out.error(WRONGPASS)
    }
}

/// `HELLO [protover [AUTH username password] [SETNAME clientname]]`
pub fn hello(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let mut ver = None;
    if argv.len() >= 2 {
        match crate::protocol::parse_i64(argv.get(1)) {
            Some(v) if (2..=3).contains(&v) => ver = Some(v as u8),
            Some(_) => return ctx.out.error("NOPROTO unsupported protocol version"),
            None => {
                return ctx
                    .out
                    .error("ERR Protocol version is not an integer or out of range");
            }
        }
    }
    let mut auth = None;
    let mut name = None;
    let mut j = 2;
    while j < argv.len() {
        let left = argv.len() - j - 1;
        let a = argv.get(j);
        if is(a, "auth") && left >= 2 {
            auth = Some((argv.get(j + 1), argv.get(j + 2)));
            j += 3;
        } else if is(a, "setname") && left >= 1 {
            name = Some(argv.get(j + 1));
            j += 2;
        } else {
            return ctx.out.error(&format!(
                "ERR Syntax error in HELLO option '{}'",
                String::from_utf8_lossy(a)
            ));
        }
    }
    if let Some((user, pass)) = auth
        && !check_password(ctx, Some(user), pass)
    {
        return ctx.out.error(WRONGPASS);
    }
    if !ctx.client.authenticated {
        return ctx.out.error(
            "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time",
        );
    }
    if let Some(n) = name {
        if !valid_name(n) {
            return ctx
                .out
                .error("ERR Client names cannot contain spaces, newlines or special characters.");
        }
        set_name(ctx, n);
    }
    if let Some(v) = ver {
        ctx.client.resp = v;
        ctx.out.resp = v;
        // Messages to a subscriber are encoded in its protocol.
        if ctx.client.flags & S_PUBSUB != 0 {
            ctx.srv.pubsub.set_resp(ctx.client.id, v);
        }
    }
    let out = &mut ctx.out;
    out.map(7);
    out.bulk(b"server");
    out.bulk(b"redis");
    out.bulk(b"version");
    out.bulk(REDIS_VERSION.as_bytes());
    out.bulk(b"proto");
    out.int(ctx.client.resp as i64);
    out.bulk(b"id");
    out.int(ctx.client.id as i64);
    out.bulk(b"mode");
    out.bulk(b"standalone");
    out.bulk(b"role");
    out.bulk(b"master");
    out.bulk(b"modules");
    out.array(0);
}

/// `QUIT`: OK, then the connection closes once the reply is written.
pub fn quit(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.client.close_after_reply = true;
    ctx.out.ok();
}

/// `RESET`: back to a fresh connection's state (no transaction, no
/// watched keys, no subscriptions, db 0, RESP2, no name, unauthenticated
/// when a password is set). Redis: `clearClientConnectionState`.
pub fn reset(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    super::multi::reset_transaction(ctx);
    super::pubsub::reset_subscriptions(ctx);
    super::client::reset_modes(ctx);
    ctx.client.db = 0;
    ctx.client.resp = 2;
    ctx.out.resp = 2;
    ctx.client.authenticated = ctx.srv.config.requirepass.is_none();
    ctx.client.name = None;
    ctx.out.simple("RESET");
}
