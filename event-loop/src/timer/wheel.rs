//! The timer structure: a hierarchical timing wheel whose slots are
//! vectors of entries, with lazy cancellation.
//!
//! The geometry is tokio's `runtime/time/wheel` (6 levels x 64 slots, 1 ms
//! at the bottom) and the Linux kernel's `timer_list` wheel; the comparison
//! with libevent's min-heap and Redis's unsorted list is in
//! `notes/src/event-loop/timers.md`.
//!
//! ```text
// ANCHOR: diagram
//!  level 5  [ 0 | 1 | 2 | ... | 63 ]   slot = 64^5 ms  (~12.4 days), range ~2.2 years
//!  level 4  [ 0 | 1 | 2 | ... | 63 ]   slot = 64^4 ms  (~4.7 hours)
//!  level 3  [ 0 | 1 | 2 | ... | 63 ]   slot = 64^3 ms  (~4.4 minutes)
//!  level 2  [ 0 | 1 | 2 | ... | 63 ]   slot = 4096 ms
//!  level 1  [ 0 | 1 | 2 | ... | 63 ]   slot = 64 ms
//!  level 0  [ 0 | 1 | 2 | ... | 63 ]   slot = 1 ms
//!                  |
//!                  v  each slot is a Vec of 16-byte entries, in insertion order
//!            [ (deadline, node 7, stamp 0) (deadline, node 2, stamp 3) ... ]
//!                               |
//!                               v  nodes: one slab, indexed by TimerKey
//!            node 7 { deadline, generation, stamp, filed, value: T }
//!
//!  an entry is live while its stamp equals its node's stamp:
//!    cancel  = bump the node's stamp and free it         O(1), entry left stale
//!    reset   = bump the stamp, push a new entry          O(1)
//!    stale entries are dropped when their slot is reached, or by a
//!    compaction once they outnumber the live timers (amortized O(1))
//!
//!  overflow: entries >= 2^36 ms ahead, re-filed every 2^36 ms
//!  pending:  deadlines already due when inserted; fired on the next advance
// ANCHOR_END: diagram
//! ```
//!
//! A deadline `d` lives at the level of the highest bit in which it differs
//! from the wheel's `cursor` (how far expiry has got), in slot
//! `(d >> 6*level) & 63`. When time reaches the start of a slot above level
//! 0, its entries are re-filed ("cascaded") into lower levels; a level-0
//! slot holds exactly one millisecond, and its entries fire in order. Each
//! level keeps a 64-bit occupancy mask, so finding the next due slot is a
//! rotate and a `trailing_zeros`, never a scan.
//!
//! Why vectors and not the intrusive doubly linked lists of tokio and
//! Linux: walking a list is pointer chasing, one cache miss after another
//! that the CPU cannot overlap, and with a million timers in a 50 MB slab
//! nearly every node is a miss. A cascade over a vector reads and writes
//! memory sequentially, and it needs only the entry (the deadline travels
//! with it), not the node. The price of O(1) cancel without links is the
//! stale entry, bounded by compaction.
//!
//! Expiry is lazy: [`TimerWheel::advance`] only raises `now`, and
//! [`TimerWheel::pop_expired`] walks the wheel up to it one timer at a time.
//! A timer added while firing with a deadline not after `now` waits for the
//! next advance, so a callback re-adding itself with zero delay cannot spin
//! one advance forever.
//!
//! Ordering: timers fire in deadline order, and timers with the same
//! deadline fire in insertion order (slots are FIFO and a cascade keeps
//! slot order). The property test in `wheel_tests.rs` checks this against a
//! sorted reference model.

/// Bits of time per level: 64 slots.
const LEVEL_BITS: u32 = 6;
/// Slots per level.
const SLOTS: usize = 1 << LEVEL_BITS;
/// Number of wheel levels.
const LEVELS: usize = 6;
/// Deadlines this far ahead of `cursor` (2^36 ms) go to the overflow slot.
const RANGE: u64 = 1 << (LEVEL_BITS as u64 * LEVELS as u64);
/// Index of the overflow slot, after the wheel's slots.
const OVERFLOW: usize = LEVELS * SLOTS;
/// Compact when stale entries exceed both this and the live count (tiny
/// in unit tests, so the property test exercises compaction).
#[cfg(not(test))]
const COMPACT_MIN: usize = 4096;
#[cfg(test)]
const COMPACT_MIN: usize = 4;
/// Entries each slot has room for from the start.
const SLOT_CAPACITY: usize = 4;
/// Null link in the free-cell chain.
const NIL: u32 = u32::MAX;

/// Names one timer in a [`TimerWheel`]; stale keys (of removed timers) are
/// detected by a generation count and ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimerKey {
    /// Index of the node in the slab.
    index: u32,
    /// Generation of the node when this key was handed out.
    generation: u32,
}

/// One filing of a timer in a slot (16 bytes).
#[derive(Debug, Clone, Copy)]
struct Entry {
    /// The deadline, carried so cascades need not read the node.
    deadline: u64,
    /// The node filed.
    index: u32,
    /// The node's stamp when filed; a mismatch means the entry is stale.
    stamp: u32,
}

/// One slab cell: a timer, or a free cell.
#[derive(Debug)]
struct Node<T> {
    /// Absolute deadline in wheel milliseconds.
    deadline: u64,
    /// Bumped when the cell is freed, to invalidate old keys.
    generation: u32,
    /// Bumped when the timer is cancelled or reset, to invalidate entries.
    stamp: u32,
    /// Whether a live entry for this timer sits in the wheel (false once
    /// popped: the caller is firing it).
    filed: bool,
    /// Next free cell when this one is free.
    next_free: u32,
    /// The payload; `None` for a free cell.
    value: Option<T>,
}

/// A hierarchical timing wheel over millisecond deadlines, generic over the
/// payload. The event loop stores its timer callbacks in it.
#[derive(Debug)]
pub struct TimerWheel<T> {
    /// Slab of nodes.
    nodes: Vec<Node<T>>,
    /// Head of the free-cell chain.
    free: u32,
    /// `LEVELS * SLOTS` wheel slots, then the overflow slot.
    slots: Vec<Vec<Entry>>,
    /// One occupancy bit per slot, per level (set on push, cleared when the
    /// slot is emptied; a slot of stale entries only costs a visit).
    occupied: [u64; LEVELS],
    /// Entries due when filed; moved to `due` by the next advance.
    pending: Vec<Entry>,
    /// Entries to fire first: what was pending at the last advance.
    due: Vec<Entry>,
    /// Next unread position in `due`.
    due_pos: usize,
    /// The level-0 slot being fired (swapped out of the wheel).
    firing: Vec<Entry>,
    /// Next unread position in `firing`.
    firing_pos: usize,
    /// How far expiry has progressed, in ms (`<= now`; the slots are laid
    /// out relative to it; tokio calls this `elapsed`).
    cursor: u64,
    /// The time of the last `advance`: timers due by it may be popped.
    now: u64,
    /// Live timers.
    len: usize,
    /// Stale entries still sitting in slots.
    stale: usize,
}

impl<T> Default for TimerWheel<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> TimerWheel<T> {
    /// An empty wheel at time 0.
    pub fn new() -> Self {
        Self {
            nodes: Vec::new(),
            free: NIL,
            // A little room in every slot up front (24 KiB in all), so a
            // loop with a few timers never allocates in its steady state.
            slots: (0..=OVERFLOW)
                .map(|_| Vec::with_capacity(SLOT_CAPACITY))
                .collect(),
            occupied: [0; LEVELS],
            pending: Vec::with_capacity(SLOT_CAPACITY),
            due: Vec::with_capacity(SLOT_CAPACITY),
            due_pos: 0,
            firing: Vec::with_capacity(SLOT_CAPACITY),
            firing_pos: 0,
            cursor: 0,
            now: 0,
            len: 0,
            stale: 0,
        }
    }

    /// Number of live timers (pending, in the wheel, or popped and not yet
    /// removed or reset).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the wheel holds no timers.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The time the wheel has been advanced to: the wheel's "now".
    pub fn elapsed(&self) -> u64 {
        self.now
    }

    /// Reserve slab room for `additional` more timers.
    pub fn reserve(&mut self, additional: usize) {
        self.nodes.reserve(additional);
    }

    /// Add a timer due at `deadline` (ms). A deadline not after `elapsed()`
    /// fires on the next [`advance`](Self::advance).
    pub fn insert(&mut self, deadline: u64, value: T) -> TimerKey {
        let index = if self.free != NIL {
            let index = self.free;
            let node = &mut self.nodes[index as usize];
            self.free = node.next_free;
            node.deadline = deadline;
            node.value = Some(value);
            index
        } else {
            let index = self.nodes.len() as u32;
            self.nodes.push(Node {
                deadline,
                generation: 0,
                stamp: 0,
                filed: false,
                next_free: NIL,
                value: Some(value),
            });
            index
        };
        self.len += 1;
        self.file(index);
        TimerKey {
            index,
            generation: self.nodes[index as usize].generation,
        }
    }

    /// Whether `key` names a live timer.
    pub fn contains(&self, key: TimerKey) -> bool {
        self.node(key).is_some()
    }

    /// The payload of a live timer.
    pub fn get_mut(&mut self, key: TimerKey) -> Option<&mut T> {
        let node = self.nodes.get_mut(key.index as usize)?;
        if node.generation != key.generation {
            return None;
        }
        node.value.as_mut()
    }

    /// The deadline of a live timer.
    pub fn deadline(&self, key: TimerKey) -> Option<u64> {
        self.node(key).map(|n| n.deadline)
    }

    /// Whether a live timer has been popped and not re-filed (the caller is
    /// firing it).
    pub fn is_detached(&self, key: TimerKey) -> bool {
        self.node(key).is_some_and(|n| !n.filed)
    }

    /// Remove a timer, returning its payload; `None` if `key` is stale.
    pub fn remove(&mut self, key: TimerKey) -> Option<T> {
        self.node(key)?;
        let node = &mut self.nodes[key.index as usize];
        let was_filed = node.filed;
        node.filed = false;
        node.stamp = node.stamp.wrapping_add(1);
        node.generation = node.generation.wrapping_add(1);
        node.next_free = self.free;
        let value = node.value.take();
        self.free = key.index;
        self.len -= 1;
        if was_filed {
            // Only a cancel leaves a stale entry behind; removing a fired
            // timer does not, and must not trigger a compaction pass.
            self.stale += 1;
            self.maybe_compact();
        }
        value
    }

    /// Move a live timer to a new deadline, keeping its key. Works on a
    /// popped (firing) timer too, which re-files it. Returns false if `key`
    /// is stale.
    pub fn reset(&mut self, key: TimerKey, deadline: u64) -> bool {
        if self.node(key).is_none() {
            return false;
        }
        let node = &mut self.nodes[key.index as usize];
        let was_filed = node.filed;
        node.stamp = node.stamp.wrapping_add(1);
        node.deadline = deadline;
        self.file(key.index);
        if was_filed {
            self.stale += 1;
            self.maybe_compact();
        }
        true
    }

    /// The earliest time at which a timer can be due: `elapsed()` if some
    /// are pending or being fired, else the start of the next occupied slot
    /// (a lower bound: it may be a slot holding only cancelled entries),
    /// or `None` when there are no timers.
    pub fn next_deadline(&self) -> Option<u64> {
        if self.len == 0 {
            return None;
        }
        if !self.pending.is_empty()
            || self.due_pos < self.due.len()
            || self.firing_pos < self.firing.len()
        {
            return Some(self.now);
        }
        self.next_slot().map(|(_, _, at)| at)
    }

    /// Advance time to `now`: every timer due at or before `now` can then
    /// be popped, in (deadline, insertion) order. Time never goes
    /// backwards; an earlier `now` only releases pending timers.
    pub fn advance(&mut self, now: u64) {
        if self.due_pos == self.due.len() {
            self.due.clear();
            self.due_pos = 0;
            std::mem::swap(&mut self.due, &mut self.pending);
        } else {
            self.due.append(&mut self.pending);
        }
        self.now = self.now.max(now);
    }

    /// Take the next timer due by the last advance. It stays live (and its
    /// key valid) in a detached state: the caller then
    /// [`remove`](Self::remove)s it, or [`reset`](Self::reset)s it to repeat.
    pub fn pop_expired(&mut self) -> Option<TimerKey> {
        loop {
            let entry = if self.due_pos < self.due.len() {
                self.due_pos += 1;
                self.due[self.due_pos - 1]
            } else if self.firing_pos < self.firing.len() {
                self.firing_pos += 1;
                self.firing[self.firing_pos - 1]
            } else {
                if !self.step() {
                    return None;
                }
                continue;
            };
            let node = &mut self.nodes[entry.index as usize];
            if node.stamp != entry.stamp || !node.filed {
                self.stale -= 1;
                continue;
            }
            node.filed = false;
            return Some(TimerKey {
                index: entry.index,
                generation: node.generation,
            });
        }
    }

    /// Take the next expired timer and free it, returning its deadline and
    /// payload.
    pub fn pop_expired_value(&mut self) -> Option<(TimerKey, u64, T)> {
        let key = self.pop_expired()?;
        let deadline = self.nodes[key.index as usize].deadline;
        let value = self.remove(key)?;
        Some((key, deadline, value))
    }

    /// Move expiry forward to the next occupied slot due by `now`: fire a
    /// level-0 slot (swap it into `firing`) or cascade a higher one. False
    /// when nothing more is due.
    fn step(&mut self) -> bool {
        self.firing.clear();
        self.firing_pos = 0;
        let Some((level, slot, at)) = self.next_slot() else {
            self.cursor = self.now;
            return false;
        };
        if at > self.now {
            self.cursor = self.now;
            return false;
        }
        self.cursor = at;
        let index = level * SLOTS + slot;
        if level < LEVELS {
            self.occupied[level] &= !(1 << slot);
        }
        if level == 0 {
            // The emptied `firing` buffer goes back into the slot, so both
            // keep their capacity.
            std::mem::swap(&mut self.firing, &mut self.slots[index]);
        } else {
            let mut entries = std::mem::take(&mut self.slots[index]);
            for entry in entries.drain(..) {
                self.place(entry);
            }
            // Only the overflow slot can receive its own entries back.
            if self.slots[index].is_empty() {
                self.slots[index] = entries;
            }
        }
        true
    }

    /// Entries held in all slots and queues, live or stale.
    #[cfg(test)]
    pub(crate) fn entries(&self) -> usize {
        self.slots.iter().map(Vec::len).sum::<usize>()
            + self.pending.len()
            + (self.due.len() - self.due_pos)
            + (self.firing.len() - self.firing_pos)
    }

    fn node(&self, key: TimerKey) -> Option<&Node<T>> {
        let node = self.nodes.get(key.index as usize)?;
        (node.generation == key.generation && node.value.is_some()).then_some(node)
    }

    /// File a node's current deadline: pending if not after `now`, else by
    /// wheel position.
    fn file(&mut self, index: u32) {
        let node = &mut self.nodes[index as usize];
        node.filed = true;
        let entry = Entry {
            deadline: node.deadline,
            index,
            stamp: node.stamp,
        };
        if entry.deadline <= self.now {
            self.pending.push(entry);
        } else {
            self.place(entry);
        }
    }

    /// Put an entry in the slot its deadline calls for, relative to
    /// `cursor`. Cascaded entries may equal `cursor`: they land in the
    /// current level-0 slot, which is visited next.
    fn place(&mut self, entry: Entry) {
        // Highest differing bit picks the level; `| 63` keeps level 0 for
        // deadlines inside the current 64 ms block.
        let masked = (entry.deadline ^ self.cursor) | (SLOTS as u64 - 1);
        if masked >= RANGE {
            self.slots[OVERFLOW].push(entry);
            return;
        }
        let level = ((63 - masked.leading_zeros()) / LEVEL_BITS) as usize;
        let slot = ((entry.deadline >> (level as u32 * LEVEL_BITS)) as usize) & (SLOTS - 1);
        self.occupied[level] |= 1 << slot;
        self.slots[level * SLOTS + slot].push(entry);
    }

    /// The next occupied slot, as (level, slot, start time). Lower levels
    /// always come first: a level-L entry agrees with `cursor` on every bit
    /// above level L, so it is due before anything at level L+1.
    fn next_slot(&self) -> Option<(usize, usize, u64)> {
        for level in 0..LEVELS {
            let mask = self.occupied[level];
            if mask == 0 {
                continue;
            }
            let shift = level as u32 * LEVEL_BITS;
            let pos = ((self.cursor >> shift) as usize) & (SLOTS - 1);
            // Entries never sit behind `pos` at their level, so no wrap.
            let slot = pos + mask.rotate_right(pos as u32).trailing_zeros() as usize;
            let level_span = 1u64 << (shift + LEVEL_BITS);
            let base = self.cursor & !(level_span - 1);
            return Some((level, slot, base + ((slot as u64) << shift)));
        }
        if !self.slots[OVERFLOW].is_empty() {
            // Re-file the overflow slot at the next 2^36 ms boundary.
            let at = (self.cursor | (RANGE - 1)) + 1;
            return Some((LEVELS, 0, at));
        }
        None
    }

    /// Drop every stale entry once they outnumber the live timers, so
    /// cancel-heavy use (idle timeouts reset per request) stays bounded.
    fn maybe_compact(&mut self) {
        if self.stale < COMPACT_MIN || self.stale <= self.len {
            return;
        }
        let nodes = &self.nodes;
        let live = |e: &Entry| {
            let node = &nodes[e.index as usize];
            node.stamp == e.stamp && node.filed
        };
        for (i, slot) in self.slots.iter_mut().enumerate() {
            slot.retain(live);
            if slot.is_empty() && i < OVERFLOW {
                self.occupied[i / SLOTS] &= !(1 << (i % SLOTS));
            }
        }
        self.pending.retain(live);
        self.due.drain(..self.due_pos);
        self.due_pos = 0;
        self.due.retain(live);
        self.firing.drain(..self.firing_pos);
        self.firing_pos = 0;
        self.firing.retain(live);
        self.stale = 0;
    }
}
