//! The AOF's places in the server's life: loading at startup, the flush
//! before each sleep, the cron's rewrite checks, `CONFIG SET appendonly`,
//! and the last flush at shutdown. The AOF itself is
//! [`crate::persist::aof`]; this file is only where the server calls it,
//! and the replay of loaded commands through the normal command path.

use crate::cmd;
use crate::exec::execute;
use crate::persist::aof::rewrite::write_base;
use crate::persist::aof::{State, dir, load, lock};
use crate::protocol::OwnedArgv;
use crate::state::{Server, Session};

/// Whether a background child of any kind runs ([`Server::has_active_child`]).
fn child_running(srv: &Server) -> bool {
    srv.has_active_child()
}

/// Loads the AOF and opens it for appending, with `appendonly yes` (Redis
/// `loadAppendOnlyFiles` + `aofOpenIfNeededOnServerStart`). An error
/// means the server must not start: serving a half-loaded dataset as if it
/// were whole would be worse than not serving.
pub fn open_at_start(srv: &mut Server) -> Result<(), String> {
    if !srv.config.appendonly {
        return Ok(());
    }
    let config = srv.config.clone();
    let mut session = Session::new(0, true);
    let mut out = Vec::new();
    let loaded = load::load(&config, |argv, first| {
        if first {
            session = Session::new(0, true);
        }
        let Some(name) = argv.first() else {
            return Ok(());
        };
        if cmd::lookup(name).is_none() {
            return Err(format!(
                "Unknown command '{}'",
                String::from_utf8_lossy(&name[..name.len().min(128)])
            ));
        }
        let mut owned = OwnedArgv::default();
        for a in argv {
            owned.push(a);
        }
        srv.refresh_clock();
        execute(srv, &mut session, &owned.argv(), &mut out);
        out.clear();
        Ok(())
    })
    .map_err(|e| e.to_string())?;
    // Loading is not serving: the counters start at zero, as after Redis's load.
    srv.cmdstats.clear();
    srv.substats.clear();
    srv.stats = Default::default();
    let aof = &mut srv.aof;
    aof.dir = dir::aof_dir(&config);
    aof.filename = config.appendfilename.clone();
    aof.manifest = loaded.manifest;
    aof.current_size = loaded.total_size;
    aof.rewrite_base_size = loaded.base_size;
    let at = |e: std::io::Error| {
        format!(
            "Can't open or create append-only dir {}: {e}",
            aof_dir_text(&config)
        )
    };
    dir::ensure(&aof.dir).map_err(at)?;
    if aof.manifest.base.is_none() && aof.manifest.incr.is_empty() {
        // An empty start still gets a base, so the directory is complete
        // from the first moment (Redis does the same).
        let name = aof.manifest.new_base(&aof.filename, false);
        let path = aof.dir.join(&name);
        write_base(&srv.ks, &config, &path)
            .map_err(|e| format!("Can't create the AOF base file {name}: {e}"))?;
        tracing::info!("Creating AOF base file {name} on server start");
        aof.current_size += dir::size(&path);
    }
    let name = aof.manifest.last_incr(&aof.filename);
    let file = dir::open_append(&aof.dir.join(&name))
        .map_err(|e| format!("Can't open the append-only file {name}: {e}"))?;
    dir::persist_manifest(&aof.dir, &aof.filename, &aof.manifest)
        .map_err(|e| format!("Can't persist the AOF manifest: {e}"))?;
    aof.last_incr_size = file.metadata().map_or(0, |m| m.len());
    aof.last_incr_fsync_offset = aof.last_incr_size;
    aof.file = Some(std::sync::Arc::new(file));
    aof.state = State::On;
    tracing::info!("Opening AOF incr file {name} on server start");
    let feed = srv.aof.feed();
    srv.add_feed(Box::new(feed));
    sync_annotations(srv);
    Ok(())
}

fn aof_dir_text(c: &crate::config::Config) -> String {
    dir::aof_dir(c).display().to_string()
}

/// Before the loop sleeps: this turn's changes go to the file, before its
/// replies (which the loop writes after the hooks).
#[inline]
pub fn before_sleep(srv: &mut Server) {
    if srv.aof.state != State::Off {
        let child = child_running(srv);
        srv.aof.flush(&srv.config, false, child);
    }
}

/// The cron's part: a finished rewrite, a scheduled one, the automatic one.
pub fn cron(srv: &mut Server) {
    srv.aof.check_child();
    let want = srv.aof.rewrite_scheduled || srv.aof.wants_auto_rewrite(&srv.config);
    if want && !child_running(srv) {
        if !srv.aof.rewrite_scheduled {
            let growth = srv.aof.current_size * 100 / srv.aof.rewrite_base_size.max(1);
            tracing::info!(
                "Starting automatic rewriting of AOF on {}% growth",
                growth.saturating_sub(100)
            );
        }
        let _ = srv.aof.start_rewrite(&srv.ks, &srv.config);
    }
}

/// Applies a `CONFIG SET appendonly` change after the batch (Redis
/// `startAppendOnly` / `stopAppendOnly`).
pub fn apply_config(srv: &mut Server) {
    let on = srv.aof.state != State::Off;
    if on {
        sync_annotations(srv);
    }
    if srv.config.appendonly == on {
        return;
    }
    if on {
        srv.aof.flush_and_sync(&srv.config);
        srv.aof.kill_child();
        let aof = &mut srv.aof;
        aof.file = None;
        aof.state = State::Off;
        aof.rewrite_scheduled = false;
        lock(&aof.pending).bytes.clear();
        srv.remove_feed("aof");
        return;
    }
    let aof = &mut srv.aof;
    aof.dir = dir::aof_dir(&srv.config);
    aof.filename = srv.config.appendfilename.clone();
    // Files of an earlier run become history after the first rewrite.
    aof.manifest = load::read_manifest(&aof.dir, &aof.filename)
        .ok()
        .flatten()
        .unwrap_or_default();
    aof.state = State::WaitRewrite;
    aof.last_write_ok = true;
    let feed = aof.feed();
    srv.add_feed(Box::new(feed));
    sync_annotations(srv);
    if child_running(srv) {
        srv.aof.kill_child();
    }
    if srv.aof.start_rewrite(&srv.ks, &srv.config).is_err() {
        tracing::warn!(
            "Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the above logs for more info about the error."
        );
        srv.aof.state = State::Off;
        srv.config.appendonly = false;
        srv.remove_feed("aof");
    }
}

/// `aof-timestamp-enabled`: the feed writes `#TS:` lines while it is on.
fn sync_annotations(srv: &mut Server) {
    let mut p = lock(&srv.aof.pending);
    if srv.config.aof_timestamp_enabled != p.annotate_from.is_some() {
        p.annotate_from = srv.config.aof_timestamp_enabled.then_some(0);
    }
}

/// At shutdown: everything written and fsynced; a running rewrite is
/// stopped (its temp file removed), as Redis's `prepareForShutdown`.
pub fn shutdown(srv: &mut Server) {
    srv.aof.kill_child();
    srv.aof.flush_and_sync(&srv.config);
}
