//! The Pub/Sub registry: which clients listen to which channels, patterns
//! and shard channels. Redis: `server.pubsub_channels` (channel → list of
//! clients), `server.pubsub_patterns` (pattern → list of clients),
//! `server.pubsubshard_channels`, and each client's `pubsub_channels` /
//! `pubsub_patterns` / `pubsubshard_channels`, in `src/pubsub.c`.
//!
//! Shard channels (`SSUBSCRIBE`, `SPUBLISH`) are a namespace of their own:
//! a message published on `a` reaches `SUBSCRIBE a` clients, one published
//! with `SPUBLISH a` reaches `SSUBSCRIBE a` clients, and patterns never see
//! shard messages. On one node that is all there is to them; a cluster
//! routes each shard channel to the node that owns its slot.
//!
//! The commands and the message encoding are in [`crate::cmd::pubsub`];
//! messages to other clients go through the server's
//! [`Outbox`](crate::state::outbox::Outbox).
//!
//! Orders: a channel's subscribers are kept in subscription order (the
//! order messages are delivered in, as Redis's lists). Patterns are kept
//! sorted, and a client's channels too (Redis iterates dicts there, whose
//! order nobody can rely on).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::db::glob;
use crate::idmap::IdMap;
use crate::protocol::Reply;

/// Where a published message for client `id` is written: the layer above
/// owns the connections' buffers (see [`crate::state::outbox`]).
pub trait Sink {
    /// The buffer to append client `id`'s message to.
    fn buf(&mut self, id: u64) -> &mut Vec<u8>;
}

/// What one client listens to.
#[derive(Debug, Default)]
struct Subscriber {
    /// Its protocol version, for the message format (2: arrays, 3: pushes).
    resp: u8,
    /// Channels.
    channels: BTreeSet<Vec<u8>>,
    /// Patterns, in subscription order (Redis 7.0 keeps a list).
    patterns: Vec<Vec<u8>>,
    /// Shard channels.
    shard: BTreeSet<Vec<u8>>,
}

/// Every subscription.
#[derive(Debug, Default)]
pub struct PubSub {
    /// Channel → subscribers, in subscription order.
    channels: HashMap<Vec<u8>, Vec<u64>>,
    /// Pattern → subscribers, in subscription order.
    patterns: BTreeMap<Vec<u8>, Vec<u64>>,
    /// Shard channel → subscribers, in subscription order.
    shard: HashMap<Vec<u8>, Vec<u64>>,
    /// By client.
    clients: IdMap<Subscriber>,
    /// How many of `channels` are keyspace notification channels
    /// (`__keyspace@…`, `__keyevent@…`): with none, and no pattern, a
    /// notification reaches nobody and is not even formatted.
    key_channels: usize,
}

/// The prefix every keyspace notification channel starts with.
const KEY_CHANNEL_PREFIX: &[u8] = b"__key";

impl PubSub {
    /// Whether client `id` has any subscription.
    pub fn is_subscriber(&self, id: u64) -> bool {
        self.clients.contains_key(&id)
    }

    /// Channels plus patterns of client `id` (the count subscribe replies
    /// carry; shard channels are counted apart, see [`PubSub::shard_count`]).
    pub fn count(&self, id: u64) -> usize {
        self.clients
            .get(&id)
            .map_or(0, |s| s.channels.len() + s.patterns.len())
    }

    /// Channels and patterns of client `id` (`CLIENT LIST` `sub=`, `psub=`).
    pub fn counts(&self, id: u64) -> (usize, usize) {
        self.clients
            .get(&id)
            .map_or((0, 0), |s| (s.channels.len(), s.patterns.len()))
    }

    /// Shard channels of client `id` (the count `SSUBSCRIBE` replies carry,
    /// `CLIENT LIST` `ssub=`).
    pub fn shard_count(&self, id: u64) -> usize {
        self.clients.get(&id).map_or(0, |s| s.shard.len())
    }

    /// Protocol version messages to `id` are encoded in.
    pub fn resp_of(&self, id: u64) -> u8 {
        self.clients.get(&id).map_or(2, |s| s.resp)
    }

    /// Records that client `id` switched protocol (`HELLO`).
    pub fn set_resp(&mut self, id: u64, resp: u8) {
        if let Some(s) = self.clients.get_mut(&id) {
            s.resp = resp;
        }
    }

    /// Subscribes `id` to `channel`; false if it already was.
    pub fn subscribe(&mut self, id: u64, resp: u8, channel: &[u8]) -> bool {
        let sub = self.clients.entry(id).or_insert_with(|| Subscriber {
            resp,
            ..Subscriber::default()
        });
        if !sub.channels.insert(channel.to_vec()) {
            return false;
        }
        match self.channels.get_mut(channel) {
            Some(list) => list.push(id),
            None => {
                self.channels.insert(channel.to_vec(), vec![id]);
                if channel.starts_with(KEY_CHANNEL_PREFIX) {
                    self.key_channels += 1;
                }
            }
        }
        true
    }

    /// Unsubscribes `id` from `channel`; false if it was not subscribed.
    pub fn unsubscribe(&mut self, id: u64, channel: &[u8]) -> bool {
        let Some(sub) = self.clients.get_mut(&id) else {
            return false;
        };
        if !sub.channels.remove(channel) {
            return false;
        }
        self.remove_from(channel, id);
        self.forget_if_idle(id);
        true
    }

    /// Subscribes `id` to the shard channel `channel`; false if it already was.
    pub fn ssubscribe(&mut self, id: u64, resp: u8, channel: &[u8]) -> bool {
        let sub = self.clients.entry(id).or_insert_with(|| Subscriber {
            resp,
            ..Subscriber::default()
        });
        if !sub.shard.insert(channel.to_vec()) {
            return false;
        }
        self.shard.entry(channel.to_vec()).or_default().push(id);
        true
    }

    /// Unsubscribes `id` from the shard channel `channel`; false if it was
    /// not subscribed.
    pub fn sunsubscribe(&mut self, id: u64, channel: &[u8]) -> bool {
        let Some(sub) = self.clients.get_mut(&id) else {
            return false;
        };
        if !sub.shard.remove(channel) {
            return false;
        }
        drop_id(&mut self.shard, channel, id);
        self.forget_if_idle(id);
        true
    }

    /// Subscribes `id` to `pattern`; false if it already was.
    pub fn psubscribe(&mut self, id: u64, resp: u8, pattern: &[u8]) -> bool {
        let sub = self.clients.entry(id).or_insert_with(|| Subscriber {
            resp,
            ..Subscriber::default()
        });
        if sub.patterns.iter().any(|p| p == pattern) {
            return false;
        }
        sub.patterns.push(pattern.to_vec());
        self.patterns.entry(pattern.to_vec()).or_default().push(id);
        true
    }

    /// Unsubscribes `id` from `pattern`; false if it was not subscribed.
    pub fn punsubscribe(&mut self, id: u64, pattern: &[u8]) -> bool {
        let Some(sub) = self.clients.get_mut(&id) else {
            return false;
        };
        let Some(at) = sub.patterns.iter().position(|p| p == pattern) else {
            return false;
        };
        sub.patterns.remove(at);
        if let Some(list) = self.patterns.get_mut(pattern) {
            list.retain(|&c| c != id);
            if list.is_empty() {
                self.patterns.remove(pattern);
            }
        }
        self.forget_if_idle(id);
        true
    }

    fn forget_if_idle(&mut self, id: u64) {
        if self
            .clients
            .get(&id)
            .is_some_and(|s| s.channels.is_empty() && s.patterns.is_empty() && s.shard.is_empty())
        {
            self.clients.remove(&id);
        }
    }

    /// The channels `id` is subscribed to.
    pub fn channels_of(&self, id: u64) -> Vec<Vec<u8>> {
        self.clients
            .get(&id)
            .map(|s| s.channels.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// The shard channels `id` is subscribed to.
    pub fn shard_channels_of(&self, id: u64) -> Vec<Vec<u8>> {
        self.clients
            .get(&id)
            .map(|s| s.shard.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// The patterns `id` is subscribed to, in subscription order.
    pub fn patterns_of(&self, id: u64) -> Vec<Vec<u8>> {
        self.clients
            .get(&id)
            .map(|s| s.patterns.clone())
            .unwrap_or_default()
    }

    /// Drops every subscription of `id` without telling it (disconnection,
    /// `RESET`, a subscriber closed for its output buffer).
    pub fn remove_client(&mut self, id: u64) {
        let Some(sub) = self.clients.remove(&id) else {
            return;
        };
        for ch in &sub.channels {
            self.remove_from(ch, id);
        }
        for ch in &sub.shard {
            drop_id(&mut self.shard, ch, id);
        }
        for p in &sub.patterns {
            if let Some(list) = self.patterns.get_mut(p.as_slice()) {
                list.retain(|&c| c != id);
                if list.is_empty() {
                    self.patterns.remove(p.as_slice());
                }
            }
        }
    }

    /// Subscribers of `channel`, in subscription order.
    pub fn subscribers(&self, channel: &[u8]) -> &[u64] {
        self.channels.get(channel).map_or(&[], Vec::as_slice)
    }

    /// Subscribers of the shard channel `channel`, in subscription order.
    pub fn shard_subscribers(&self, channel: &[u8]) -> &[u64] {
        self.shard.get(channel).map_or(&[], Vec::as_slice)
    }

    /// Shard channels with at least one subscriber (`PUBSUB SHARDCHANNELS`).
    pub fn shard_channel_names(&self) -> impl Iterator<Item = &[u8]> {
        self.shard.keys().map(Vec::as_slice)
    }

    /// Shard channels with subscribers (`INFO stats pubsubshard_channels`).
    pub fn shard_channel_count(&self) -> usize {
        self.shard.len()
    }

    /// Whether any pattern subscription exists.
    pub fn has_patterns(&self) -> bool {
        !self.patterns.is_empty()
    }

    /// Whether a keyspace notification could reach anyone: some pattern
    /// (it may match), or a subscribed channel named like one. When not,
    /// a notification is not even formatted.
    #[inline]
    pub fn may_hear_notifications(&self) -> bool {
        self.key_channels != 0 || !self.patterns.is_empty()
    }

    /// Removes `id` from the list of `name`, dropping an emptied list.
    fn remove_from(&mut self, name: &[u8], id: u64) {
        if drop_id(&mut self.channels, name, id) && name.starts_with(KEY_CHANNEL_PREFIX) {
            self.key_channels -= 1;
        }
    }

    /// Delivers `msg` on `channel` to its subscribers, then to those of
    /// each matching pattern, each in its protocol (RESP2 array, RESP3
    /// push); returns the number of receivers. Redis: `pubsubPublishMessage`.
    pub fn publish(&self, channel: &[u8], msg: &[u8], sink: &mut impl Sink) -> usize {
        let mut receivers = 0;
        for &id in self.subscribers(channel) {
            let mut r = Reply::new(sink.buf(id), self.resp_of(id));
            r.push(3);
            r.bulk(b"message");
            r.bulk(channel);
            r.bulk(msg);
            receivers += 1;
        }
        for (pattern, ids) in self.patterns() {
            if !glob::matches(pattern, channel, false) {
                continue;
            }
            for &id in ids {
                let mut r = Reply::new(sink.buf(id), self.resp_of(id));
                r.push(4);
                r.bulk(b"pmessage");
                r.bulk(pattern);
                r.bulk(channel);
                r.bulk(msg);
                receivers += 1;
            }
        }
        receivers
    }

    /// Delivers `msg` on shard channel `channel` to its subscribers, as
    /// `smessage`; returns the number of receivers. Redis:
    /// `pubsubPublishMessage` with the shard type.
    pub fn spublish(&self, channel: &[u8], msg: &[u8], sink: &mut impl Sink) -> usize {
        let ids = self.shard_subscribers(channel);
        for &id in ids {
            let mut r = Reply::new(sink.buf(id), self.resp_of(id));
            r.push(3);
            r.bulk(b"smessage");
            r.bulk(channel);
            r.bulk(msg);
        }
        ids.len()
    }

    /// Every pattern with its subscribers.
    pub fn patterns(&self) -> impl Iterator<Item = (&[u8], &[u64])> {
        self.patterns
            .iter()
            .map(|(p, ids)| (p.as_slice(), ids.as_slice()))
    }

    /// Channels with at least one subscriber (`PUBSUB CHANNELS`).
    pub fn channel_names(&self) -> impl Iterator<Item = &[u8]> {
        self.channels.keys().map(Vec::as_slice)
    }

    /// Channels with subscribers (`INFO stats pubsub_channels`).
    pub fn channel_count(&self) -> usize {
        self.channels.len()
    }

    /// Distinct patterns subscribed to (`PUBSUB NUMPAT`).
    pub fn pattern_count(&self) -> usize {
        self.patterns.len()
    }
}

/// Removes `id` from the list of `name` in `map`; returns whether that
/// emptied the list, which is then dropped.
fn drop_id(map: &mut HashMap<Vec<u8>, Vec<u64>>, name: &[u8], id: u64) -> bool {
    let Some(list) = map.get_mut(name) else {
        return false;
    };
    if let Some(at) = list.iter().position(|&c| c == id) {
        list.remove(at);
    }
    let emptied = list.is_empty();
    if emptied {
        map.remove(name);
    }
    emptied
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscriptions_are_counted_once_and_cleaned_up() {
        let mut ps = PubSub::default();
        assert!(ps.subscribe(1, 2, b"a"));
        assert!(!ps.subscribe(1, 2, b"a"));
        assert!(ps.subscribe(2, 3, b"a"));
        assert!(ps.psubscribe(1, 2, b"a*"));
        assert!(!ps.psubscribe(1, 2, b"a*"));
        assert_eq!(ps.count(1), 2);
        assert_eq!(ps.subscribers(b"a"), &[1, 2]);
        assert_eq!(ps.pattern_count(), 1);
        assert_eq!(ps.resp_of(2), 3);
        assert!(ps.unsubscribe(1, b"a"));
        assert!(!ps.unsubscribe(1, b"a"));
        assert_eq!(ps.subscribers(b"a"), &[2]);
        assert!(ps.is_subscriber(1), "still has a pattern");
        assert!(ps.punsubscribe(1, b"a*"));
        assert!(!ps.is_subscriber(1));
        assert_eq!(ps.pattern_count(), 0);
        assert!(!ps.may_hear_notifications());
        assert!(ps.subscribe(2, 2, b"__keyspace@0__:k"));
        assert!(ps.may_hear_notifications());
        ps.remove_client(2);
        assert!(!ps.may_hear_notifications());
        assert_eq!(ps.channel_count(), 0);
        assert!(ps.subscribers(b"a").is_empty());
    }

    #[test]
    fn shard_channels_are_a_namespace_of_their_own() {
        let mut ps = PubSub::default();
        assert!(ps.ssubscribe(1, 2, b"a"));
        assert!(!ps.ssubscribe(1, 2, b"a"));
        assert!(ps.subscribe(1, 2, b"a"));
        assert_eq!((ps.count(1), ps.shard_count(1)), (1, 1));
        assert_eq!(ps.shard_subscribers(b"a"), &[1]);
        assert!(ps.unsubscribe(1, b"a"));
        assert!(ps.is_subscriber(1), "still has a shard channel");
        assert_eq!(ps.shard_channel_count(), 1);
        assert!(ps.sunsubscribe(1, b"a"));
        assert!(!ps.is_subscriber(1));
        assert!(ps.ssubscribe(2, 3, b"b"));
        ps.remove_client(2);
        assert_eq!(ps.shard_channel_count(), 0);
    }
}
