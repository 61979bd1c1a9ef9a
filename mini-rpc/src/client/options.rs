//! Per-call options and the client's retry and reconnect policies.

use std::hash::{BuildHasher, Hash};
use std::time::Duration;

use crate::metadata::Metadata;
use crate::service::Context;

/// How one call is made (gRPC's `CallOptions`, tarpc's client `Context`).
#[derive(Clone, Debug, Default)]
pub struct CallOptions {
    /// How long to wait for the reply; sent to the server as a relative deadline.
    pub deadline: Option<Duration>,
    /// Pairs sent with the request.
    pub metadata: Metadata,
    /// Whether the call may be sent again after a transport failure
    /// (`Unavailable`): set for reads and for writes that set a value.
    pub idempotent: bool,
    /// The key a consistent-hashing balancer routes by.
    pub hash_key: Option<u64>,
}

impl CallOptions {
    /// No deadline, no metadata, not idempotent.
    pub fn new() -> CallOptions {
        CallOptions::default()
    }

    /// Gives up after `d`; the server is told the same budget.
    pub fn deadline(mut self, d: Duration) -> CallOptions {
        self.deadline = Some(d);
        self
    }

    /// Adds a metadata pair.
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> CallOptions {
        self.metadata.insert(key, value);
        self
    }

    /// Marks the call safe to retry.
    pub fn idempotent(mut self) -> CallOptions {
        self.idempotent = true;
        self
    }

    /// Routes by `key` under a consistent-hashing balancer.
    pub fn hash_key(mut self, key: &(impl Hash + ?Sized)) -> CallOptions {
        self.hash_key = Some(stable_hash(key));
        self
    }

    /// Inherits the time left on a handler's deadline, so a call made while
    /// serving a call never outlives its caller (deadline propagation).
    pub fn with_context(mut self, ctx: &Context) -> CallOptions {
        if let Some(left) = ctx.remaining() {
            self.deadline = Some(self.deadline.map_or(left, |d| d.min(left)));
        }
        self
    }
}

/// A hash that is the same in every process (unlike `RandomState`), so all
/// clients map a key to the same server.
pub(crate) fn stable_hash(key: &(impl Hash + ?Sized)) -> u64 {
    std::hash::BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default()
        .hash_one(key)
}

/// Exponential backoff between attempts: `initial`, doubled each time, capped at `max`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// The first delay.
    pub initial: Duration,
    /// The largest delay.
    pub max: Duration,
}

impl Backoff {
    /// The delay before attempt number `attempt` (1 = the first retry).
    pub fn delay(&self, attempt: u32) -> Duration {
        let factor = 1u32 << attempt.saturating_sub(1).min(16);
        self.initial.saturating_mul(factor).min(self.max)
    }
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            initial: Duration::from_millis(20),
            max: Duration::from_secs(2),
        }
    }
}

/// When idempotent calls are sent again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, the first included (1 = never retry).
    pub max_attempts: u32,
    /// Wait between attempts.
    pub backoff: Backoff,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            backoff: Backoff {
                initial: Duration::from_millis(10),
                max: Duration::from_millis(200),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let b = Backoff {
            initial: Duration::from_millis(10),
            max: Duration::from_millis(50),
        };
        let delays: Vec<u64> = (1..=5).map(|a| b.delay(a).as_millis() as u64).collect();
        assert_eq!(delays, vec![10, 20, 40, 50, 50]);
    }

    #[test]
    fn context_deadline_shrinks_but_never_grows_a_call_deadline() {
        let ctx = Context {
            deadline: Some(tokio::time::Instant::now() + Duration::from_secs(1)),
            ..Context::default()
        };
        let long = CallOptions::new()
            .deadline(Duration::from_secs(5))
            .with_context(&ctx);
        assert!(long.deadline.unwrap() <= Duration::from_secs(1));
        let short = CallOptions::new()
            .deadline(Duration::from_millis(5))
            .with_context(&ctx);
        assert_eq!(short.deadline, Some(Duration::from_millis(5)));
    }
}
