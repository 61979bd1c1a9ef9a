//! A counting global allocator, so that `INFO memory` can report
//! `used_memory` as Redis does with its `zmalloc` wrapper
//! (`src/zmalloc.c`): the bytes the allocator really holds for the
//! server — each block's usable size (`malloc_usable_size`, Redis's
//! `zmalloc_size`), not the size asked for, which would hide the
//! allocator's rounding. The server binary installs it; a process without
//! it reports RSS instead.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

static ALLOCATED: AtomicUsize = AtomicUsize::new(0);
static INSTALLED: AtomicBool = AtomicBool::new(false);

/// The system allocator, counting live bytes. Mirrors Redis's `zmalloc`.
#[derive(Debug)]
pub struct CountingAlloc;

// SAFETY: every method forwards to `System` with the same layout, and only
// adds relaxed counter updates, which cannot affect the allocation itself.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            ALLOCATED.fetch_add(usable(p, layout.size()), Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        ALLOCATED.fetch_sub(usable(ptr, layout.size()), Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) };
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            ALLOCATED.fetch_add(usable(p, layout.size()), Ordering::Relaxed);
        }
        p
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let old = usable(ptr, layout.size());
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            ALLOCATED.fetch_sub(old, Ordering::Relaxed);
            ALLOCATED.fetch_add(usable(p, new_size), Ordering::Relaxed);
        }
        p
    }
}

/// The usable size of a live block `System` handed out for `size` bytes:
/// on Linux `System` is the C allocator (`malloc`, or `posix_memalign` for
/// large alignments), whose blocks all answer `malloc_usable_size`.
#[cfg(target_os = "linux")]
#[inline]
fn usable(p: *mut u8, size: usize) -> usize {
    let _ = size;
    // SAFETY: `p` is a live block from the C allocator (see above), which
    // is all `malloc_usable_size` requires.
    unsafe { libc::malloc_usable_size(p.cast()) }
}

/// Elsewhere: the size asked for.
#[cfg(not(target_os = "linux"))]
#[inline]
fn usable(_p: *mut u8, size: usize) -> usize {
    size
}

impl CountingAlloc {
    /// Marks the allocator as installed; call first thing in `main`.
    pub fn mark_installed() {
        INSTALLED.store(true, Ordering::Relaxed);
    }
}

/// Live heap bytes, if the counting allocator is installed.
pub fn used_memory() -> Option<usize> {
    INSTALLED
        .load(Ordering::Relaxed)
        .then(|| ALLOCATED.load(Ordering::Relaxed))
}

/// Resident set size of this process, from `/proc/self/statm`.
pub fn rss_bytes() -> usize {
    let pages = std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .nth(1)
                .and_then(|v| v.parse::<usize>().ok())
        })
        .unwrap_or(0);
    pages * 4096
}
