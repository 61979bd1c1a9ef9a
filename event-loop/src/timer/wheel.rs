//! The timer structure: a hierarchical timing wheel with intrusive lists.
//!
//! Mirrors the shape of tokio's `runtime/time/wheel` (6 levels x 64 slots)
//! and the Linux kernel's `timer_list` wheel; the comparison with libevent's
//! min-heap and Redis's unsorted list is in `notes/src/event-loop/timers.md`.
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
//!                  v  each slot is a doubly linked list threaded through
//!            +------+   +------+   +------+      one slab of nodes:
//!   head --> | node | <-> node | <-> node | <-- tail   insert = push_back, O(1)
//!            +------+   +------+   +------+           cancel = unlink,   O(1)
//!
//!  overflow: one list for deadlines >= 2^36 ms ahead, re-filed every 2^36 ms
//!  pending:  deadlines already due when inserted; fired on the next advance
//!  due:      the pending list as it was at the last advance, fired first
// ANCHOR_END: diagram
//! ```
//!
//! A deadline `d` lives at the level of the highest bit in which it differs
//! from the wheel's `cursor` (how far expiry has got), in slot `(d >> 6*level) & 63`. When time
//! reaches the start of a slot above level 0, its entries are re-filed
//! ("cascaded") into lower levels; a level-0 slot holds exactly one
//! millisecond, and its timers are popped straight from it. Each level
//! keeps a 64-bit occupancy mask, so finding the next due slot is a rotate
//! and a `trailing_zeros`, never a scan.
//!
//! Expiry is lazy: [`TimerWheel::advance`] only raises `now`, and
//! [`TimerWheel::pop_expired`] walks the wheel up to it one timer at a time,
//! cascading as it goes. So each timer is touched once per level it passes
//! through and once to fire, with no separate "collect the expired" pass
//! (which, with a million timers spread over a large slab, costs a cache
//! miss per timer). A timer added while firing with a deadline not after
//! `now` waits for the next advance, so a callback re-adding itself
//! with zero delay cannot spin one advance forever.
//!
//! Ordering: timers fire in deadline order, and timers with the same
//! deadline fire in insertion order (lists are FIFO and a cascade keeps list
//! order). The property test at the bottom checks this against a sorted
//! reference model.

/// Bits of time per level: 64 slots.
const LEVEL_BITS: u32 = 6;
/// Slots per level.
const SLOTS: usize = 1 << LEVEL_BITS;
/// Number of wheel levels.
const LEVELS: usize = 6;
/// Deadlines this far ahead of `cursor` (2^36 ms) go to the overflow list.
const RANGE: u64 = 1 << (LEVEL_BITS as u64 * LEVELS as u64);
/// List index of the overflow list.
const OVERFLOW: u16 = (LEVELS * SLOTS) as u16;
/// List index of the pending list (already due when inserted).
const PENDING: u16 = OVERFLOW + 1;
/// List index of the due list (pending at the last advance).
const DUE: u16 = OVERFLOW + 2;
/// Number of lists.
const LISTS: usize = DUE as usize + 1;
/// Marker: the node is in no list (popped and firing, or free).
const DETACHED: u16 = u16::MAX;
/// Null link.
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

/// One slab node: a timer, or a free cell.
#[derive(Debug)]
struct Node<T> {
    /// Absolute deadline in wheel milliseconds.
    deadline: u64,
    /// Next node in the same list (or next free cell), `NIL` at the end.
    next: u32,
    /// Previous node in the same list.
    prev: u32,
    /// Which list the node is in, or `DETACHED`.
    list: u16,
    /// Bumped each time the cell is freed, to invalidate old keys.
    generation: u32,
    /// The payload; `None` for a free cell.
    value: Option<T>,
}

/// Head and tail of one intrusive list.
#[derive(Debug, Clone, Copy)]
struct List {
    /// First node, `NIL` if empty.
    head: u32,
    /// Last node, `NIL` if empty.
    tail: u32,
}

const EMPTY: List = List {
    head: NIL,
    tail: NIL,
};

/// A hierarchical timing wheel over millisecond deadlines, generic over the
/// payload. The event loop stores its timer callbacks in it.
#[derive(Debug)]
pub struct TimerWheel<T> {
    /// Slab of nodes; freed cells are chained through `next` from `free`.
    nodes: Vec<Node<T>>,
    /// Head of the free-cell chain.
    free: u32,
    /// All list heads: `LEVELS * SLOTS` wheel slots, then overflow,
    /// pending, due.
    lists: Box<[List; LISTS]>,
    /// One occupancy bit per slot, per level.
    occupied: [u64; LEVELS],
    /// How far expiry has progressed, in ms (`<= now`; the wheel's
    /// slots are laid out relative to it; tokio calls this `elapsed`).
    cursor: u64,
    /// The time of the last `advance`: timers due by it may be popped.
    now: u64,
    /// Timers inserted and not yet removed or popped.
    len: usize,
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
            lists: Box::new([EMPTY; LISTS]),
            occupied: [0; LEVELS],
            cursor: 0,
            now: 0,
            len: 0,
        }
    }

    /// Number of timers held (pending, in the wheel, or expired and not yet
    /// popped).
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
            self.free = node.next;
            node.deadline = deadline;
            node.value = Some(value);
            index
        } else {
            let index = self.nodes.len() as u32;
            self.nodes.push(Node {
                deadline,
                next: NIL,
                prev: NIL,
                list: DETACHED,
                generation: 0,
                value: Some(value),
            });
            index
        };
        self.len += 1;
        self.file(index, false);
        TimerKey {
            index,
            generation: self.nodes[index as usize].generation,
        }
    }

    /// Whether `key` names a live timer (filed, expired or popped-and-firing).
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

    /// Whether a live timer has been popped and is in no list (it is being
    /// fired by the caller).
    pub fn is_detached(&self, key: TimerKey) -> bool {
        self.node(key).is_some_and(|n| n.list == DETACHED)
    }

    /// Remove a timer, returning its payload; `None` if `key` is stale.
    pub fn remove(&mut self, key: TimerKey) -> Option<T> {
        self.node(key)?;
        let index = key.index;
        self.unlink(index);
        let node = &mut self.nodes[index as usize];
        let value = node.value.take();
        node.generation = node.generation.wrapping_add(1);
        node.next = self.free;
        self.free = index;
        self.len -= 1;
        value
    }

    /// Move a live timer to a new deadline, keeping its key. Works on a
    /// popped (firing) timer too, which re-files it. Returns false if `key`
    /// is stale.
    pub fn reset(&mut self, key: TimerKey, deadline: u64) -> bool {
        if self.node(key).is_none() {
            return false;
        }
        self.unlink(key.index);
        self.nodes[key.index as usize].deadline = deadline;
        self.file(key.index, false);
        true
    }

    /// The earliest time at which a timer can be due: `elapsed()` if some
    /// are pending or due, else the start of the next occupied slot (a lower
    /// bound for slots above level 0), or `None` when empty.
    pub fn next_deadline(&self) -> Option<u64> {
        if self.lists[PENDING as usize].head != NIL || self.lists[DUE as usize].head != NIL {
            return Some(self.now);
        }
        self.next_slot().map(|(_, _, at)| at)
    }

    /// Advance time to `now`: every timer due at or before `now` can then
    /// be popped, in (deadline, insertion) order. Time never goes
    /// backwards; an earlier `now` only releases pending timers.
    pub fn advance(&mut self, now: u64) {
        self.splice(PENDING, DUE);
        self.now = self.now.max(now);
    }

    /// Take the next timer due by the last advance. It stays live (and its
    /// key valid) in a detached state: the caller then
    /// [`remove`](Self::remove)s it, or [`reset`](Self::reset)s it to repeat.
    pub fn pop_expired(&mut self) -> Option<TimerKey> {
        let mut index = self.lists[DUE as usize].head;
        while index == NIL {
            let Some((level, slot, at)) = self.next_slot() else {
                break;
            };
            if at > self.now {
                break;
            }
            self.cursor = at;
            let list = level * SLOTS + slot;
            if level == 0 {
                index = self.lists[list].head;
            } else {
                self.cascade(list as u16);
                if level < LEVELS {
                    self.occupied[level] &= !(1 << slot);
                }
            }
        }
        if index == NIL {
            self.cursor = self.now;
            return None;
        }
        self.unlink(index);
        Some(TimerKey {
            index,
            generation: self.nodes[index as usize].generation,
        })
    }

    /// Take the next expired timer and free it, returning its deadline and
    /// payload.
    pub fn pop_expired_value(&mut self) -> Option<(TimerKey, u64, T)> {
        let key = self.pop_expired()?;
        let deadline = self.nodes[key.index as usize].deadline;
        let value = self.remove(key)?;
        Some((key, deadline, value))
    }

    fn node(&self, key: TimerKey) -> Option<&Node<T>> {
        let node = self.nodes.get(key.index as usize)?;
        (node.generation == key.generation && node.value.is_some()).then_some(node)
    }

    /// Put a detached node into the list its deadline calls for. A new
    /// deadline not after `now` is pending; a cascaded one (never
    /// before `cursor`) goes by wheel position, even when equal to
    /// `cursor`: the current level-0 slot, about to be popped.
    fn file(&mut self, index: u32, cascading: bool) {
        let deadline = self.nodes[index as usize].deadline;
        let list = if !cascading && deadline <= self.now {
            PENDING
        } else {
            // Highest differing bit picks the level; `| 63` keeps level 0
            // for deadlines inside the current 64 ms block.
            let masked = (deadline ^ self.cursor) | (SLOTS as u64 - 1);
            if masked >= RANGE {
                OVERFLOW
            } else {
                let level = ((63 - masked.leading_zeros()) / LEVEL_BITS) as usize;
                let slot = ((deadline >> (level as u32 * LEVEL_BITS)) as usize) & (SLOTS - 1);
                self.occupied[level] |= 1 << slot;
                (level * SLOTS + slot) as u16
            }
        };
        self.push_back(list, index);
    }

    /// The next slot holding timers, as (level, slot, start time). Lower
    /// levels always come first: a level-L entry agrees with `cursor` on
    /// every bit above level L, so it is due before anything at level L+1.
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
        if self.lists[OVERFLOW as usize].head != NIL {
            // Re-file the overflow list at the next 2^36 ms boundary.
            let at = (self.cursor | (RANGE - 1)) + 1;
            return Some((LEVELS, 0, at));
        }
        None
    }

    /// Re-file every node of `list` against the current `cursor`.
    fn cascade(&mut self, list: u16) {
        let mut index = self.lists[list as usize].head;
        self.lists[list as usize] = EMPTY;
        while index != NIL {
            let next = self.nodes[index as usize].next;
            self.nodes[index as usize].list = DETACHED;
            self.file(index, true);
            index = next;
        }
    }

    /// Move all of `from` to the tail of `to`, keeping order.
    fn splice(&mut self, from: u16, to: u16) {
        let src = self.lists[from as usize];
        if src.head == NIL {
            return;
        }
        let mut index = src.head;
        while index != NIL {
            let node = &mut self.nodes[index as usize];
            node.list = to;
            index = node.next;
        }
        let dst = self.lists[to as usize];
        if dst.tail == NIL {
            self.lists[to as usize] = src;
        } else {
            self.nodes[dst.tail as usize].next = src.head;
            self.nodes[src.head as usize].prev = dst.tail;
            self.lists[to as usize].tail = src.tail;
        }
        self.lists[from as usize] = EMPTY;
    }

    fn push_back(&mut self, list: u16, index: u32) {
        let tail = self.lists[list as usize].tail;
        {
            let node = &mut self.nodes[index as usize];
            node.list = list;
            node.prev = tail;
            node.next = NIL;
        }
        if tail == NIL {
            self.lists[list as usize].head = index;
        } else {
            self.nodes[tail as usize].next = index;
        }
        self.lists[list as usize].tail = index;
    }

    /// Take a node out of whatever list holds it.
    fn unlink(&mut self, index: u32) {
        let (list, prev, next) = {
            let node = &self.nodes[index as usize];
            (node.list, node.prev, node.next)
        };
        if list == DETACHED {
            return;
        }
        if prev == NIL {
            self.lists[list as usize].head = next;
        } else {
            self.nodes[prev as usize].next = next;
        }
        if next == NIL {
            self.lists[list as usize].tail = prev;
        } else {
            self.nodes[next as usize].prev = prev;
        }
        if (list as usize) < LEVELS * SLOTS && self.lists[list as usize].head == NIL {
            let level = list as usize / SLOTS;
            self.occupied[level] &= !(1 << (list as usize % SLOTS));
        }
        let node = &mut self.nodes[index as usize];
        node.list = DETACHED;
        node.prev = NIL;
        node.next = NIL;
    }
}
