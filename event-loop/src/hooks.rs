//! Before-sleep and after-sleep hooks, and the callback list they share
//! with signal handlers.
//!
//! Mirrors Redis's `aeSetBeforeSleepProc` / `aeSetAfterSleepProc` (Redis
//! flushes pending client replies in `beforeSleep`), but any number of hooks
//! may be installed; they run in installation order.

use crate::event_loop::EventLoop;

/// Tag of before-sleep hooks in the list.
pub(crate) const BEFORE_SLEEP: i32 = -1;
/// Tag of after-sleep hooks in the list.
pub(crate) const AFTER_SLEEP: i32 = -2;

/// Finds a callback list inside the loop (the hooks, or the signals').
type ListOf<S> = fn(&mut EventLoop<S>) -> Option<&mut Callbacks<S>>;

/// Names an installed hook or signal handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HookId(pub(crate) u64);

/// A hook or signal callback; the `i32` is the signal number (or the hook tag).
pub(crate) type Callback<S> = Box<dyn FnMut(&mut EventLoop<S>, &mut S, i32)>;

/// One entry of a callback list.
struct Entry<S> {
    /// Unique id, 0 for a removed entry.
    id: u64,
    /// Hook kind or signal number.
    tag: i32,
    /// The callback; `None` while it runs.
    callback: Option<Callback<S>>,
}

/// An ordered list of tagged callbacks that tolerates additions and
/// removals while one of them runs: removal leaves a tombstone, compacted
/// when no callback runs.
pub(crate) struct Callbacks<S> {
    /// Entries in installation order.
    entries: Vec<Entry<S>>,
    /// Last id handed out.
    last_id: u64,
    /// Tombstones waiting for compaction.
    dead: usize,
    /// Nesting depth of [`run_tagged`] (compaction waits for 0).
    running: usize,
}

impl<S> Default for Callbacks<S> {
    fn default() -> Self {
        Self {
            entries: Vec::new(),
            last_id: 0,
            dead: 0,
            running: 0,
        }
    }
}

impl<S> Callbacks<S> {
    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub(crate) fn add(&mut self, tag: i32, callback: Callback<S>) -> HookId {
        self.last_id += 1;
        self.entries.push(Entry {
            id: self.last_id,
            tag,
            callback: Some(callback),
        });
        HookId(self.last_id)
    }

    /// Tombstone an entry; returns its tag if it was live.
    pub(crate) fn remove(&mut self, id: HookId) -> Option<i32> {
        let entry = self
            .entries
            .iter_mut()
            .find(|e| e.id == id.0 && id.0 != 0)?;
        let tag = entry.tag;
        entry.id = 0;
        entry.callback = None;
        self.dead += 1;
        self.compact();
        Some(tag)
    }

    fn compact(&mut self) {
        if self.running == 0 && self.dead > 0 {
            self.entries.retain(|e| e.id != 0);
            self.dead = 0;
        }
    }
}

impl<S: 'static> EventLoop<S> {
    /// Install a hook run at the start of each turn, before the loop may
    /// sleep (Redis `beforeSleep`): the place to flush batched output.
    /// Connections written to by the hook are flushed right after it.
    pub fn before_sleep<F>(&mut self, mut hook: F) -> HookId
    where
        F: FnMut(&mut EventLoop<S>, &mut S) + 'static,
    {
        self.hooks
            .add(BEFORE_SLEEP, Box::new(move |ev, s, _| hook(ev, s)))
    }

    /// Install a hook run right after the poll returns, before any callback
    /// of the turn (Redis `afterSleep`).
    pub fn after_sleep<F>(&mut self, mut hook: F) -> HookId
    where
        F: FnMut(&mut EventLoop<S>, &mut S) + 'static,
    {
        self.hooks
            .add(AFTER_SLEEP, Box::new(move |ev, s, _| hook(ev, s)))
    }

    /// Remove a hook; false if it was already removed.
    pub fn remove_hook(&mut self, id: HookId) -> bool {
        self.hooks.remove(id).is_some()
    }

    /// Run every hook with `tag`, in order.
    pub(crate) fn run_hooks(&mut self, state: &mut S, tag: i32) {
        run_tagged(self, state, tag, hook_list);
    }
}

/// Where the hooks live in the loop.
fn hook_list<S>(ev: &mut EventLoop<S>) -> Option<&mut Callbacks<S>> {
    Some(&mut ev.hooks)
}

/// Run every callback of the list `list` finds whose tag is `tag`, in
/// installation order. Each is taken out while it runs, so it may add or
/// remove callbacks (even itself); the list is looked up again after each
/// call because a callback may change the loop around it.
pub(crate) fn run_tagged<S: 'static>(
    ev: &mut EventLoop<S>,
    state: &mut S,
    tag: i32,
    list: ListOf<S>,
) {
    let Some(callbacks) = list(ev) else {
        return;
    };
    callbacks.running += 1;
    let count = callbacks.entries.len();
    for i in 0..count {
        let Some(callbacks) = list(ev) else {
            return;
        };
        let entry = &mut callbacks.entries[i];
        if entry.tag != tag || entry.id == 0 {
            continue;
        }
        let id = entry.id;
        let Some(mut callback) = entry.callback.take() else {
            continue;
        };
        callback(ev, state, tag);
        if let Some(entry) = list(ev).and_then(|c| c.entries.get_mut(i))
            && entry.id == id
        {
            entry.callback = Some(callback);
        }
    }
    if let Some(callbacks) = list(ev) {
        callbacks.running -= 1;
        callbacks.compact();
    }
}
