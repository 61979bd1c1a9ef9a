//! The slow log entry of a command that took at least
//! `slowlog-log-slower-than` microseconds. Redis: `src/slowlog.c`.

use crate::protocol::Argv;
use crate::state::{Server, Session, SlowEntry};

/// Appends to the slow log, trimming arguments as Redis's `slowlogCreateEntry`.
pub(super) fn log(srv: &mut Server, session: &Session, argv: &Argv<'_>, us: u64) {
    const MAX_ARGC: usize = 32;
    const MAX_STRING: usize = 128;
    let mut args = Vec::new();
    for (i, a) in argv.iter().enumerate() {
        if i == MAX_ARGC - 1 && argv.len() > MAX_ARGC {
            args.push(format!("... ({} more arguments)", argv.len() - MAX_ARGC + 1).into_bytes());
            break;
        }
        if a.len() > MAX_STRING {
            let mut v = a[..MAX_STRING].to_vec();
            v.extend(format!("... ({} more bytes)", a.len() - MAX_STRING).bytes());
            args.push(v);
        } else {
            args.push(a.to_vec());
        }
    }
    let entry = SlowEntry {
        id: srv.slowlog_next_id,
        time: srv.ks.now_ms / 1000,
        duration_us: us,
        args,
        addr: session.addr.clone(),
        name: session.name.clone().unwrap_or_default(),
    };
    srv.slowlog_next_id += 1;
    srv.slowlog.push_front(entry);
    srv.slowlog.truncate(srv.config.slowlog_max_len);
}
