//! Blocking commands' shared machinery (placeholder API; the blocking work
//! replaces the bodies): timeouts, and parking a client on keys.
//! Redis: `src/blocked.c`.

use super::Ctx;
use crate::protocol::Argv;

/// What a blocked command replies when its timeout passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnTimeout {
    /// A null array (`BLPOP`, `BZPOPMIN`, `BLMPOP`, `BZMPOP`).
    NullArray,
    /// A null bulk string (`BLMOVE`, `BRPOPLPUSH`).
    NullBulk,
}

/// Parses a blocking timeout in seconds (fractions allowed, `0` = forever)
/// into a deadline in Unix ms; replies Redis's error and returns `None`
/// when it is not a number or negative.
pub fn parse_timeout(ctx: &mut Ctx<'_>, arg: &[u8]) -> Option<Option<i64>> {
    let _ = arg;
    ctx.out.error("ERR timeout is not a float or out of range");
    None
}

impl Ctx<'_> {
    /// Whether the current command may block: false inside `MULTI`/`EXEC`,
    /// where blocking commands behave as if their timeout passed at once.
    pub fn can_block(&self) -> bool {
        false
    }

    /// Parks the client on `keys` until one of them is pushed to or
    /// `deadline` (Unix ms; `None` = forever) passes. The command is run
    /// again, whole, when a key becomes ready; when the deadline passes the
    /// client gets `on_timeout`. Replies nothing now.
    pub fn block(
        &mut self,
        argv: &Argv<'_>,
        keys: &[&[u8]],
        deadline: Option<i64>,
        on_timeout: OnTimeout,
    ) {
        let _ = (argv, keys, deadline);
        match on_timeout {
            OnTimeout::NullArray => self.out.null_array(),
            OnTimeout::NullBulk => self.out.null(),
        }
    }

    /// Whether this run is a blocked command being retried because a key
    /// it waits on became ready. A retry that finds a key of the wrong type
    /// keeps waiting instead of replying `WRONGTYPE` (Redis 7.0 serves
    /// blocked clients only from keys of the type they wait for).
    pub fn is_retry(&self) -> bool {
        false
    }
}
