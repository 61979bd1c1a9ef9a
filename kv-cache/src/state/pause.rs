//! `CLIENT PAUSE`: while the server is paused, the commands it covers wait
//! — they are not refused — and run when the pause ends. Redis:
//! `pauseClients`, `unpauseClients` and the `BLOCKED_POSTPONE` check in
//! `processCommand` (`src/networking.c`, `src/server.c`).
//!
//! A postponed client's command stays in its query buffer, unparsed for
//! good: the connection stops reading requests (flag `S_PAUSED`) and the
//! network layer runs the same bytes again once [`Server::end_pause`] resumes it.
//! So a paused client is never lost: it waits in [`Pause::postponed`]
//! until the pause ends by its deadline (the cron looks, as Redis's
//! `serverCron`) or by `CLIENT UNPAUSE`, or until it disconnects.

use super::Server;

/// What a pause holds back (Redis `pause_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum PauseMode {
    /// Not paused.
    #[default]
    Off,
    /// `WRITE`: commands that may change data or replicate (writes,
    /// `PUBLISH`, `EXEC` of a transaction holding one); also expiry.
    Write,
    /// `ALL`: every command of every client.
    All,
}

/// The pause in force and the clients it holds.
#[derive(Debug, Default)]
pub struct Pause {
    /// The mode in force.
    pub mode: PauseMode,
    /// When it ends, Unix ms.
    pub end_ms: i64,
    /// Clients whose command waits, in the order they arrived.
    pub postponed: Vec<u64>,
}

impl Pause {
    /// Whether some pause is in force (the one test the command path pays).
    #[inline]
    pub fn is_on(&self) -> bool {
        self.mode != PauseMode::Off
    }

    /// `CLIENT PAUSE`: a second pause keeps the stricter mode and the later
    /// end, as Redis merges pauses of the same purpose.
    fn start(&mut self, mode: PauseMode, end_ms: i64) {
        if self.is_on() {
            self.mode = self.mode.max(mode);
            self.end_ms = self.end_ms.max(end_ms);
        } else {
            self.mode = mode;
            self.end_ms = end_ms;
        }
    }

    /// Ends the pause (`CLIENT UNPAUSE`, or its deadline passed); returns
    /// the clients to resume, in arrival order. Each runs its command
    /// again, and may be paused again by a newer pause.
    fn end(&mut self) -> Vec<u64> {
        self.mode = PauseMode::Off;
        std::mem::take(&mut self.postponed)
    }

    /// Whether the deadline passed at `now_ms`.
    pub fn expired(&self, now_ms: i64) -> bool {
        self.is_on() && self.end_ms < now_ms
    }

    /// Records that client `id`'s command waits.
    pub fn postpone(&mut self, id: u64) {
        if !self.postponed.contains(&id) {
            self.postponed.push(id);
        }
    }

    /// Whether client `id` waits.
    pub fn holds(&self, id: u64) -> bool {
        self.postponed.contains(&id)
    }

    /// Forgets a client that disconnected.
    pub fn forget(&mut self, id: u64) {
        self.postponed.retain(|&c| c != id);
    }
}

impl Server {
    /// `CLIENT PAUSE`: from now on commands may wait, and keys stop
    /// expiring (lazily and actively) until the pause ends.
    pub fn start_pause(&mut self, mode: PauseMode, end_ms: i64) {
        self.pause.start(mode, end_ms);
        self.ks.expire_paused = true;
    }

    /// Ends the pause (`CLIENT UNPAUSE`, or its deadline passed): its
    /// clients are handed to the network layer to run their commands.
    pub fn end_pause(&mut self) {
        self.ks.expire_paused = false;
        for id in self.pause.end() {
            self.outbox.resume(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_merge_and_end_with_every_postponed_client() {
        let mut p = Pause::default();
        assert!(!p.is_on() && !p.expired(0));
        p.start(PauseMode::All, 100);
        p.start(PauseMode::Write, 200);
        assert_eq!((p.mode, p.end_ms), (PauseMode::All, 200));
        p.postpone(3);
        p.postpone(1);
        p.postpone(3);
        p.forget(7);
        assert!(p.holds(1) && !p.expired(200) && p.expired(201));
        assert_eq!(p.end(), vec![3, 1]);
        assert!(!p.is_on() && !p.holds(1));
    }
}
