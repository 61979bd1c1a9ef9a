//! Generated Pub/Sub steps on the test's single connection: it subscribes
//! to channels and patterns, runs commands while subscribed (in RESP2 only
//! PING and the (un)subscribe commands are allowed; the others must fail
//! with Redis's exact text), publishes, asks `PUBSUB`, and always
//! unsubscribes from everything before the sequence goes on.
//!
//! Every step must produce exactly one reply, so subscriptions name one
//! channel or pattern at a time, and messages are published only to
//! channels this connection does not hear (`q:*`): a message to itself
//! would arrive as an extra push. Multi-connection delivery is compared
//! with redis-server in `tests/pubsub.rs`.

use proptest::prelude::*;

use super::{Step, key, v, val};

const CHANNELS: &[&str] = &["ch:a", "ch:b"];
const PATTERNS: &[&str] = &["ch:*", "p?t"];

fn cmd(parts: &[&str]) -> Step {
    Step::Cmd(v(parts))
}

/// One command while subscribed.
fn while_subscribed() -> impl Strategy<Value = Step> {
    prop_oneof![
        2 => Just(cmd(&["PING"])),
        1 => Just(cmd(&["PING", "hi"])),
        2 => key().prop_map(|k| cmd(&["GET", &k])),
        1 => (key(), val()).prop_map(|(k, x)| cmd(&["SET", &k, &x])),
        2 => val().prop_map(|x| cmd(&["PUBLISH", "q:1", &x])),
        1 => Just(cmd(&["PUBSUB", "NUMPAT"])),
        1 => Just(cmd(&["PUBSUB", "NUMSUB", "ch:a", "ch:b", "q:1"])),
        1 => Just(Step::Unordered(v(&["PUBSUB", "CHANNELS"]))),
        1 => Just(Step::Unordered(v(&["PUBSUB", "CHANNELS", "ch:*"]))),
        1 => Just(cmd(&["PUBSUB", "SHARDCHANNELS"])),
        1 => Just(cmd(&["PUBSUB", "NOPE"])),
        1 => prop::sample::select(CHANNELS).prop_map(|c| cmd(&["SUBSCRIBE", c])),
    ]
}

/// Subscribe to one channel and maybe one pattern, run a few commands,
/// then leave every subscription, one at a time.
fn session() -> impl Strategy<Value = Vec<Step>> {
    (
        prop::sample::select(CHANNELS),
        prop::option::of(prop::sample::select(PATTERNS)),
        prop::collection::vec(while_subscribed(), 0..6),
    )
        .prop_map(|(channel, pattern, middle)| {
            let mut steps = vec![cmd(&["SUBSCRIBE", channel])];
            if let Some(p) = pattern {
                steps.push(cmd(&["PSUBSCRIBE", p]));
            }
            steps.extend(middle);
            // Leave in a fixed order, one name per command, so each
            // produces one reply on both servers.
            for c in CHANNELS {
                steps.push(cmd(&["UNSUBSCRIBE", c]));
            }
            for p in PATTERNS {
                steps.push(cmd(&["PUNSUBSCRIBE", p]));
            }
            steps.push(cmd(&["PING"]));
            steps
        })
}

/// Commands outside subscribed mode: publishing to nobody, `PUBSUB`
/// introspection, and unsubscribing while subscribed to nothing.
fn outside() -> impl Strategy<Value = Vec<Step>> {
    prop_oneof![
        val().prop_map(|x| vec![cmd(&["PUBLISH", "q:1", &x])]),
        Just(vec![cmd(&["PUBSUB", "NUMSUB"])]),
        Just(vec![cmd(&["PUBSUB", "NUMPAT"])]),
        Just(vec![cmd(&["PUBSUB", "CHANNELS"])]),
        Just(vec![cmd(&["UNSUBSCRIBE"])]),
        Just(vec![cmd(&["PUNSUBSCRIBE"])]),
        Just(vec![cmd(&["UNSUBSCRIBE", "ch:a"])]),
        Just(vec![cmd(&["PUBLISH", "q:1"])]),
        Just(vec![cmd(&["SUBSCRIBE"])]),
    ]
}

/// A few Pub/Sub commands.
pub(crate) fn steps() -> BoxedStrategy<Vec<Step>> {
    prop_oneof![2 => session(), 1 => outside()].boxed()
}
