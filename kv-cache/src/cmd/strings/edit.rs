//! Changing a string in place: APPEND and SETRANGE, which turn it into a
//! growable buffer (Redis: the `raw` encoding). Redis: `appendCommand`,
//! `setrangeCommand`.

use crate::cmd::lookup::{Str, Typed, WrongType};
use crate::cmd::{Ctx, int_arg};
use crate::db::Val;
use crate::notify::STRING;
use crate::protocol::Argv;

fn too_big(ctx: &mut Ctx<'_>, len: u64) -> bool {
    if len > ctx.srv.config.proto_max_bulk_len {
        ctx.out
            .error("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
        return true;
    }
    false
}

/// `APPEND key value`: the new length.
pub fn append(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    let add = argv.get(2);
    let cur_len = ctx
        .srv
        .ks
        .write_as::<Str>(db, argv.get(1))
        .map(|v| v.map(|v| v.str_len()));
    match cur_len {
        Err(WrongType) => ctx.wrong_type(),
        Ok(None) => {
            ctx.srv.ks.set(db, argv.get(1), Val::from_bytes(add), false);
            ctx.notify(STRING, "append", argv.get(1));
            ctx.out.int(add.len() as i64);
        }
        Ok(Some(len)) => {
            if too_big(ctx, (len + add.len()) as u64) {
                return;
            }
            if let Some(v) = ctx.srv.ks.get_for_write(db, argv.get(1)) {
                let buf = v.make_buf();
                buf.extend_from_slice(add);
                ctx.out.int(buf.len() as i64);
            }
            ctx.srv.ks.touch(db, argv.get(1));
            ctx.notify(STRING, "append", argv.get(1));
        }
    }
}

/// `SETRANGE key offset value`: the new length.
pub fn setrange(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(offset) = int_arg(ctx, argv.get(2)) else {
        return;
    };
    if offset < 0 {
        return ctx.out.error("ERR offset is out of range");
    }
    let offset = offset as usize;
    let value = argv.get(3);
    let db = ctx.db();
    let key = argv.get(1);
    let cur_len = match ctx.srv.ks.write_as::<Str>(db, key) {
        Ok(v) => v.map(|v| v.str_len()),
        Err(WrongType) => return ctx.wrong_type(),
    };
    if value.is_empty() {
        return ctx.out.int(cur_len.unwrap_or(0) as i64);
    }
    if too_big(ctx, (offset + value.len()) as u64) {
        return;
    }
    if cur_len.is_none() {
        ctx.srv.ks.set(db, key, Val::Buf(Box::default()), false);
    }
    if let Some(v) = ctx.srv.ks.get_for_write(db, key) {
        let buf = v.make_buf();
        if buf.len() < offset + value.len() {
            buf.resize(offset + value.len(), 0);
        }
        buf[offset..offset + value.len()].copy_from_slice(value);
        ctx.out.int(buf.len() as i64);
    }
    ctx.srv.ks.touch(db, key);
    ctx.notify(STRING, "setrange", key);
}
