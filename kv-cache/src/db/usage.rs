//! What a key costs in memory, for `MEMORY USAGE`: the bytes our own
//! structures asked the allocator for (the sizes the counting allocator
//! of [`crate::alloc`] adds up), not malloc's rounded chunks. Redis:
//! `objectComputeSize` in `src/object.c`.
//!
//! How each part is counted:
//!
//! - the key: its dict entry (which holds the key's first 19 bytes and the
//!   value's first word or string) plus the key's heap bytes;
//! - strings: their heap bytes (none for an integer or a short string);
//! - listpacks and intsets (small hashes, sets, sorted sets): their buffer;
//! - lists: the node array, and the nodes' listpacks, sampled;
//! - hash tables (big hashes and sets): the bucket array and the entries,
//!   with the heap bytes of fields, values and members sampled;
//! - skiplists (big sorted sets): the node and link arrays and the member
//!   index, with the members' heap bytes sampled.
//!
//! Sampling is Redis's: the first `samples` elements (nodes, for a list)
//! are measured and their average extrapolated to all; `usize::MAX`
//! (`SAMPLES 0`) measures everything. Redis's figures differ (jemalloc
//! size classes, `robj` headers, other layouts) but are of the same order.

use std::mem::size_of;

use super::dict::{Dict, Entry};
use super::hash::Hash;
use super::list::List;
use super::set::{Set, walk};
use super::zset::{BigZSet, ZSet};
use super::{Sds, Val};

/// `sum` measured over `seen` elements, extrapolated to `count`.
fn extrapolate(sum: usize, seen: usize, count: usize) -> usize {
    sum.checked_div(seen).unwrap_or(0) * count
}

/// The average of `f` over the first `samples` entries of `d`, times its size.
fn sampled_dict<V>(d: &Dict<V>, samples: usize, f: impl Fn(&Sds, &V) -> usize) -> usize {
    let (mut seen, mut sum) = (0usize, 0usize);
    walk(d, |k, v| {
        seen += 1;
        sum += f(k, v);
        seen < samples
    });
    size_of::<Dict<V>>() + d.overhead_bytes() + extrapolate(sum, seen, d.len())
}

fn list_usage(l: &List, samples: usize) -> usize {
    let nodes = l.nodes();
    let count = nodes.len();
    let (mut seen, mut sum) = (0usize, 0usize);
    for n in nodes.take(samples) {
        seen += 1;
        sum += n.allocated();
    }
    size_of::<List>()
        + count * size_of::<super::listpack::Listpack>()
        + extrapolate(sum, seen, count)
}

/// Heap bytes held by a value, with collections sampled by `samples`.
pub fn value_usage(v: &Val, samples: usize) -> usize {
    match v {
        Val::Int(_) => 0,
        Val::Str(s) => s.heap_size(),
        Val::Buf(b) => size_of::<Vec<u8>>() + b.capacity(),
        // The adopted request buffer, sized to the bulk when it was read.
        Val::Big(b) => size_of::<bytes::Bytes>() + b.len(),
        Val::List(l) => list_usage(l, samples),
        Val::Hash(h) => {
            size_of::<Hash>()
                + match &**h {
                    Hash::Listpack(lp) => lp.allocated(),
                    Hash::Table(d) => {
                        sampled_dict(d, samples, |k, v| k.heap_size() + v.heap_size())
                    }
                }
        }
        Val::Set(s) => {
            size_of::<Set>()
                + match &**s {
                    Set::Ints(i) => i.allocated(),
                    Set::Table(d) => sampled_dict(d, samples, |k, _| k.heap_size()),
                }
        }
        Val::ZSet(z) => {
            size_of::<ZSet>()
                + match &**z {
                    ZSet::Small(s) => s.bytes(),
                    ZSet::Big(b) => size_of::<BigZSet>() + b.allocated_sampled(samples),
                }
        }
    }
}

/// `MEMORY USAGE`: the key's entry, its heap bytes, and its value's.
pub fn key_usage(key: &Sds, v: &Val, samples: usize) -> usize {
    size_of::<Entry<Val>>() + key.heap_size() + value_usage(v, samples)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_cost_their_heap_bytes_and_sampling_extrapolates() {
        let key = Sds::new(b"k");
        let entry = size_of::<Entry<Val>>();
        assert_eq!(key_usage(&key, &Val::Int(7), 5), entry);
        assert_eq!(
            key_usage(&key, &Val::from_bytes(&[b'x'; 100]), 5),
            entry + 100
        );
        let mut set = Set::new_for(b"member-0");
        for i in 0..1000 {
            set.add(
                format!("a-member-long-enough-for-the-heap-{i:04}").as_bytes(),
                512,
            );
        }
        let v = Val::Set(Box::new(set));
        let all = value_usage(&v, usize::MAX);
        let five = value_usage(&v, 5);
        // 999 members of 38 bytes on the heap, and one inline.
        assert!(all > 1000 * 38, "{all}");
        let gap = all.abs_diff(five) as f64 / all as f64;
        assert!(gap < 0.05, "sampled {five} vs all {all}");
    }
}
