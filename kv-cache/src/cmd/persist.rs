//! Persistence commands: SAVE, BGSAVE, LASTSAVE, DUMP, RESTORE, and the
//! server's side of RDB files — the save points checked from the cron,
//! the save before shutdown, the load at startup, `INFO persistence`.
//! Redis: `saveCommand`, `bgsaveCommand`, `rdbSaveBackground`,
//! `backgroundSaveDoneHandler` in `src/rdb.c`; `dumpCommand`,
//! `restoreCommand` in `src/cluster.c`; the save-point loop of `serverCron`.

use std::fmt::Write as _;

use super::{Ctx, is};
use crate::db::clock;
use crate::notify::GENERIC;
use crate::persist::child::{Done, Purpose};
use crate::persist::rdb::file::Options;
use crate::persist::rdb::object::Shape;
use crate::persist::rdb::{dump as payload, save as disk};
use crate::protocol::{Argv, parse_i64};
use crate::state::{Server, unix_ms};

/// A failed `BGSAVE` is retried by the save points after this many seconds
/// (Redis `CONFIG_BGSAVE_RETRY_DELAY`).
const RETRY_DELAY_S: i64 = 5;

fn options(srv: &Server) -> Options {
    Options {
        compress: srv.config.rdbcompression,
        checksum: srv.config.rdbchecksum,
    }
}

fn used_mem() -> u64 {
    crate::alloc::used_memory().unwrap_or(0) as u64
}

/// Saves in the foreground (`rdbSave`); on success the changes count restarts.
pub fn save_now(srv: &mut Server) -> std::io::Result<()> {
    let now_s = unix_ms() / 1000;
    let path = srv.config.rdb_path();
    match disk::save(&srv.ks, &path, options(srv), used_mem(), now_s) {
        Ok(()) => {
            tracing::info!("DB saved on disk");
            srv.rdb.dirty_at_save = srv.ks.dirty;
            srv.rdb.last_save_s = now_s;
            srv.rdb.saves += 1;
            Ok(())
        }
        Err(e) => {
            tracing::warn!(error = %e, path = %path.display(), "Failed saving the DB");
            Err(e)
        }
    }
}

/// Forks a child that writes the snapshot (`rdbSaveBackground`).
pub fn bgsave_start(srv: &mut Server) -> std::io::Result<()> {
    let path = srv.config.rdb_path();
    let opts = options(srv);
    let now_s = unix_ms() / 1000;
    srv.rdb.last_try_s = now_s;
    srv.rdb.dirty_at_fork = srv.ks.dirty;
    let ks = &srv.ks;
    let used = used_mem();
    // The child writes `temp-<its pid>.rdb` and renames it; it logs
    // nothing (the parent's logger is not its to use after fork).
    let started = srv.child.start(Purpose::Rdb, || {
        match disk::save(ks, &path, opts, used, now_s) {
            Ok(()) => 0,
            Err(_) => 1,
        }
    });
    match &started {
        Ok(()) => {
            srv.rdb.scheduled = false;
            tracing::info!(pid = srv.child.pid(), "Background saving started");
        }
        Err(e) => {
            srv.rdb.last_bgsave_ok = false;
            tracing::warn!(error = %e, "Can't save in background: fork failed");
        }
    }
    started
}

/// Records how a `BGSAVE` child ended (`backgroundSaveDoneHandler`).
fn bgsave_done(srv: &mut Server, done: Done, pid: Option<libc::pid_t>) {
    srv.rdb.last_bgsave_time_s = done.elapsed.as_secs() as i64;
    srv.rdb.last_cow_bytes = done.cow_bytes;
    if done.exit.ok() {
        tracing::info!("Background saving terminated with success");
        srv.rdb.dirty_at_save = srv.rdb.dirty_at_fork;
        srv.rdb.last_save_s = srv.rdb.last_try_s;
        srv.rdb.last_bgsave_ok = true;
        srv.rdb.saves += 1;
    } else {
        tracing::warn!(exit = ?done.exit, "Background saving failed");
        srv.rdb.last_bgsave_ok = false;
        // A killed child leaves its temp file behind (Redis `rdbRemoveTempFile`).
        if let Some(pid) = pid {
            let _ = std::fs::remove_file(disk::temp_path(&srv.config.dir, pid as u32));
        }
    }
}

/// The cron's part (`serverCron`): reap a finished child, start a
/// scheduled `BGSAVE`, or one a save point asks for.
pub fn cron(srv: &mut Server) {
    let pid = srv.child.pid();
    if let Some(done) = srv.child.poll() {
        match done.purpose {
            Purpose::Rdb => bgsave_done(srv, done, pid),
            // The AOF rewrite reads its own result when it lands.
            Purpose::Aof => {}
        }
    }
    if srv.has_active_child() {
        return;
    }
    if srv.rdb.scheduled {
        let _ = bgsave_start(srv);
        return;
    }
    let now_s = unix_ms() / 1000;
    let changes = srv.ks.dirty.wrapping_sub(srv.rdb.dirty_at_save);
    let may_retry = srv.rdb.last_bgsave_ok || now_s - srv.rdb.last_try_s > RETRY_DELAY_S;
    let due =
        srv.config.save.iter().find(|&&(secs, n)| {
            changes >= n && now_s - srv.rdb.last_save_s > secs as i64 && may_retry
        });
    if let Some(&(secs, n)) = due {
        tracing::info!("{n} changes in {secs} seconds. Saving...");
        let _ = bgsave_start(srv);
    }
}

/// Before the server exits (`SHUTDOWN`, SIGTERM): stops a running
/// `BGSAVE` and saves in the foreground when save points are configured
/// or `SAVE` was asked, unless `NOSAVE`. Returns whether it may exit.
pub fn before_exit(srv: &mut Server, save: Option<bool>) -> bool {
    if srv.child.busy() == Some(Purpose::Rdb) {
        let pid = srv.child.pid();
        if let Some(done) = srv.child.kill() {
            tracing::warn!("There is a child saving an .rdb. Killing it!");
            bgsave_done(srv, done, pid);
        }
    }
    let wanted = save.unwrap_or(!srv.config.save.is_empty());
    if !wanted {
        return true;
    }
    tracing::info!("Saving the final RDB snapshot before exiting.");
    save_now(srv).is_ok()
}

/// After `FLUSHALL` (`flushAllDataAndResetRDB`): a running `BGSAVE` would
/// write the old data, so it is stopped; with save points configured the
/// empty dataset is saved at once.
pub fn after_flushall(srv: &mut Server) {
    if srv.child.busy() == Some(Purpose::Rdb) {
        let pid = srv.child.pid();
        if let Some(done) = srv.child.kill() {
            bgsave_done(srv, done, pid);
        }
    }
    if !srv.config.save.is_empty() {
        let _ = save_now(srv);
    }
}

/// `DEBUG RELOAD`: save, empty the dataset, load the file back.
pub fn debug_reload(srv: &mut Server) -> Result<(), &'static str> {
    save_now(srv).map_err(|_| "ERR")?;
    load_at_startup(srv).map_err(|e| {
        tracing::warn!(error = %e, "DEBUG RELOAD could not load the file");
        "ERR Error trying to load the RDB dump, check server logs."
    })
}

/// Loads `dir/dbfilename` at startup if it exists; a bad file is refused
/// whole, with what was wrong and at which offset.
pub fn load_at_startup(srv: &mut Server) -> Result<(), disk::LoadError> {
    let path = srv.config.rdb_path();
    let began = std::time::Instant::now();
    let shape = Shape::of(&srv.config);
    let now = unix_ms();
    let loaded = disk::load(
        &path,
        srv.config.databases,
        &shape,
        now,
        srv.config.rdbchecksum,
    )?;
    if let Some((mut ks, info)) = loaded {
        // The databases are replaced whole; WATCHers of keys that change
        // see it (a no-op at startup, where nobody watches yet).
        for i in 0..srv.ks.dbs.len() {
            srv.ks.flush(i);
        }
        srv.ks.dbs = std::mem::take(&mut ks.dbs);
        srv.rdb.dirty_at_save = srv.ks.dirty;
        srv.rdb.loaded_keys = info.keys;
        srv.rdb.loaded_expired = info.expired;
        tracing::info!(
            "Done loading RDB, keys loaded: {}, keys expired: {}.",
            info.keys,
            info.expired
        );
        tracing::info!(
            "DB loaded from disk: {:.3} seconds",
            began.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

/// The `# Persistence` section of `INFO` (the AOF fields at their off values).
pub fn info(srv: &Server, o: &mut String) {
    let r = &srv.rdb;
    let bg = srv.child.busy() == Some(Purpose::Rdb);
    let current = match srv.child.elapsed() {
        Some(d) if bg => d.as_secs() as i64,
        _ => -1,
    };
    let _ = write!(
        o,
        "# Persistence\r\nloading:0\r\nasync_loading:0\r\ncurrent_cow_peak:0\r\ncurrent_cow_size:0\r\ncurrent_cow_size_age:0\r\ncurrent_fork_perc:0.00\r\ncurrent_save_keys_processed:0\r\ncurrent_save_keys_total:0\r\nrdb_changes_since_last_save:{}\r\nrdb_bgsave_in_progress:{}\r\nrdb_last_save_time:{}\r\nrdb_last_bgsave_status:{}\r\nrdb_last_bgsave_time_sec:{}\r\nrdb_current_bgsave_time_sec:{current}\r\nrdb_saves:{}\r\nrdb_last_cow_size:{}\r\nrdb_last_load_keys_expired:{}\r\nrdb_last_load_keys_loaded:{}\r\n",
        srv.ks.dirty.wrapping_sub(r.dirty_at_save),
        bg as u8,
        r.last_save_s,
        if r.last_bgsave_ok { "ok" } else { "err" },
        r.last_bgsave_time_s,
        r.saves,
        r.last_cow_bytes,
        r.loaded_expired,
        r.loaded_keys,
    );
    srv.aof.info(o);
    o.push_str(
        "aof_last_cow_size:0\r\nmodule_fork_in_progress:0\r\nmodule_fork_last_cow_size:0\r\n\r\n",
    );
}

const IN_PROGRESS: &str = "ERR Background save already in progress";

/// `SAVE`
pub fn save(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    if ctx.srv.child.busy() == Some(Purpose::Rdb) {
        return ctx.out.error(IN_PROGRESS);
    }
    match save_now(ctx.srv) {
        Ok(()) => ctx.out.ok(),
        Err(_) => ctx.out.error("ERR"),
    }
}

/// `BGSAVE [SCHEDULE]`
pub fn bgsave(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let schedule = match argv.len() {
        1 => false,
        2 if is(argv.get(1), "schedule") => true,
        _ => return ctx.syntax_error(),
    };
    match ctx.srv.busy_child() {
        Some(Purpose::Rdb) => ctx.out.error(IN_PROGRESS),
        Some(Purpose::Aof) if schedule => {
            ctx.srv.rdb.scheduled = true;
            ctx.out.simple("Background saving scheduled");
        }
        Some(Purpose::Aof) => ctx.out.error(
            "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.",
        ),
        None => match bgsave_start(ctx.srv) {
            Ok(()) => ctx.out.simple("Background saving started"),
            Err(_) => ctx.out.error("ERR"),
        },
    }
}

/// `LASTSAVE`: the Unix time of the last successful save (startup before one).
pub fn lastsave(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let _ = argv;
    ctx.out.int(ctx.srv.rdb.last_save_s);
}

/// `DUMP key`
pub fn dump(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let db = ctx.db();
    let compress = ctx.srv.config.rdbcompression;
    match ctx.srv.ks.get(db, argv.get(1)) {
        Some(v) => {
            let p = payload::create(v, compress);
            ctx.out.bulk(&p);
        }
        None => ctx.out.null(),
    }
}

/// The options of `RESTORE` after the payload.
struct RestoreOpts {
    replace: bool,
    absttl: bool,
    idle_s: Option<i64>,
}

fn restore_opts(ctx: &mut Ctx<'_>, argv: &Argv<'_>) -> Option<RestoreOpts> {
    let mut o = RestoreOpts {
        replace: false,
        absttl: false,
        idle_s: None,
    };
    let mut freq = false;
    let mut j = 4;
    while j < argv.len() {
        let a = argv.get(j);
        let more = j + 1 < argv.len();
        if is(a, "replace") {
            o.replace = true;
        } else if is(a, "absttl") {
            o.absttl = true;
        } else if is(a, "idletime") && more && !freq {
            let Some(n) = parse_i64(argv.get(j + 1)) else {
                ctx.not_integer();
                return None;
            };
            if n < 0 {
                ctx.out.error("ERR Invalid IDLETIME value, must be >= 0");
                return None;
            }
            o.idle_s = Some(n);
            j += 1;
        } else if is(a, "freq") && more && o.idle_s.is_none() {
            let Some(n) = parse_i64(argv.get(j + 1)) else {
                ctx.not_integer();
                return None;
            };
            if !(0..=255).contains(&n) {
                ctx.out
                    .error("ERR Invalid FREQ value, must be >= 0 and <= 255");
                return None;
            }
            // No LFU policy here: Redis ignores the counter then too.
            freq = true;
            j += 1;
        } else {
            ctx.syntax_error();
            return None;
        }
        j += 1;
    }
    Some(o)
}

/// `RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME s] [FREQ f]`
pub fn restore(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let Some(o) = restore_opts(ctx, argv) else {
        return;
    };
    let (db, key) = (ctx.db(), argv.get(1));
    if !o.replace && ctx.srv.ks.get_for_write(db, key).is_some() {
        return ctx.out.error("BUSYKEY Target key name already exists.");
    }
    let Some(mut ttl) = parse_i64(argv.get(2)) else {
        return ctx.not_integer();
    };
    if ttl < 0 {
        return ctx.out.error("ERR Invalid TTL value, must be >= 0");
    }
    let shape = Shape::of(&ctx.srv.config);
    let val = match payload::restore(argv.get(3), &shape, true) {
        Ok(v) => v,
        Err(payload::Refused::VersionOrChecksum) => {
            return ctx
                .out
                .error("ERR DUMP payload version or checksum are wrong");
        }
        Err(payload::Refused::BadFormat) => return ctx.out.error("ERR Bad data format"),
    };
    let now = ctx.srv.ks.now_ms;
    if ttl > 0 && !o.absttl {
        ttl = ttl.saturating_add(now);
    }
    if ttl > 0 && ttl <= now {
        // Already expired: the key is not created; an old one replaced is
        // deleted, and that is what replicates.
        if o.replace && ctx.srv.ks.delete(db, key) {
            ctx.propagate_as(&[b"DEL", key]);
            ctx.notify(GENERIC, "del", key);
        }
        return ctx.out.ok();
    }
    ctx.srv.ks.set(db, key, val, false);
    if ttl > 0 {
        ctx.srv.ks.set_expire(db, key, Some(ttl));
        if !o.absttl && ctx.propagating() {
            // Replicas get the deadline, not the relative TTL.
            let at = ttl.to_string();
            let mut args: Vec<&[u8]> = argv.iter().collect();
            args[2] = at.as_bytes();
            args.push(b"ABSTTL");
            ctx.propagate_as(&args);
        }
    }
    if let Some(idle) = o.idle_s
        && let Some(e) = ctx.srv.ks.dbs[db].dict.get_mut(key)
    {
        let at = now.saturating_sub(idle.saturating_mul(1000));
        e.set_key_meta(clock::lru_clock(at));
    }
    ctx.notify(GENERIC, "restore", key);
    ctx.out.ok();
}
