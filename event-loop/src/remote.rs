//! The cross-thread handle: run a closure on the loop, or stop it.
//!
//! libevent makes a whole `event_base` lockable (`evthread_use_pthreads`)
//! and wakes it through a notify pipe/eventfd (`evthread_notify_base`);
//! Redis has no cross-thread entry and uses pipes per feature. We keep the
//! loop single-threaded and lock-free in its hot path: other threads push a
//! boxed closure onto a mutex-guarded queue and wake the poll through a mio
//! `Waker` (an eventfd on Linux). The push that finds the queue empty is the
//! only one that pays the wake-up syscall.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use mio::Waker;

use crate::error::{Error, Result};
use crate::event_loop::EventLoop;

/// A closure sent from another thread.
type RemoteFn<S> = Box<dyn FnOnce(&mut EventLoop<S>, &mut S) + Send>;

/// What the loop and its handles share.
struct Shared<S> {
    /// Closures waiting to run on the loop.
    queue: Mutex<Vec<RemoteFn<S>>>,
    /// Wakes the loop's poll.
    waker: Waker,
    /// Set by `LoopHandle::stop`, consumed by `EventLoop::run`.
    stop: AtomicBool,
    /// Set when the loop is dropped.
    closed: AtomicBool,
}

/// The loop's side of the cross-thread queue.
pub(crate) struct Remote<S> {
    /// Shared with every `LoopHandle`.
    shared: Arc<Shared<S>>,
    /// Spare queue swapped with the shared one when draining it, so the
    /// lock is held for a swap only and no turn allocates.
    spare: Vec<RemoteFn<S>>,
}

impl<S> Remote<S> {
    /// The loop's side, waking the poll through `waker`.
    pub(crate) fn new(waker: Waker) -> Self {
        let shared = Shared {
            queue: Mutex::new(Vec::new()),
            waker,
            stop: AtomicBool::new(false),
            closed: AtomicBool::new(false),
        };
        Self {
            shared: Arc::new(shared),
            spare: Vec::new(),
        }
    }

    /// Whether a handle asked the loop to stop (and forget the request).
    pub(crate) fn take_stop(&self) -> bool {
        // A plain load first: the swap (a locked instruction) only when
        // another thread actually asked.
        self.shared.stop.load(Ordering::Relaxed) && self.shared.stop.swap(false, Ordering::AcqRel)
    }

    /// Tell the handles the loop is gone.
    pub(crate) fn close(&self) {
        self.shared.closed.store(true, Ordering::Release);
    }
}

/// A cloneable, `Send + Sync` handle to an [`EventLoop`] for other threads.
///
/// There is no direct counterpart in libevent or ae; it plays the part of
/// `event_base_once` called under libevent's base lock plus
/// `event_base_loopbreak` from another thread.
pub struct LoopHandle<S> {
    /// Shared with the loop.
    shared: Arc<Shared<S>>,
}

impl<S> Clone for LoopHandle<S> {
    fn clone(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<S> std::fmt::Debug for LoopHandle<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoopHandle")
            .field("closed", &self.shared.closed.load(Ordering::Relaxed))
            .finish()
    }
}

impl<S> LoopHandle<S> {
    /// Run `job` on the loop thread during its next turn, with the loop and
    /// the user state. Closures run in the order they were sent.
    pub fn run<F>(&self, job: F) -> Result<()>
    where
        F: FnOnce(&mut EventLoop<S>, &mut S) + Send + 'static,
    {
        if self.shared.closed.load(Ordering::Acquire) {
            return Err(Error::LoopGone);
        }
        let was_empty = {
            let mut queue = self.shared.queue.lock().unwrap_or_else(|e| e.into_inner());
            queue.push(Box::new(job));
            queue.len() == 1
        };
        if was_empty {
            self.shared.waker.wake()?;
        }
        Ok(())
    }

    /// Make [`EventLoop::run`] return after its current turn.
    pub fn stop(&self) -> Result<()> {
        if self.shared.closed.load(Ordering::Acquire) {
            return Err(Error::LoopGone);
        }
        self.shared.stop.store(true, Ordering::Release);
        self.shared.waker.wake()?;
        Ok(())
    }

    /// Wake the loop without sending anything (its poll returns early).
    pub fn wake(&self) -> Result<()> {
        Ok(self.shared.waker.wake()?)
    }
}

impl<S: 'static> EventLoop<S> {
    /// A handle other threads can use to run closures here and stop the loop.
    pub fn handle(&self) -> LoopHandle<S> {
        LoopHandle {
            shared: Arc::clone(&self.remote.shared),
        }
    }

    /// Drain the cross-thread queue: run every closure sent so far, in order.
    pub(crate) fn run_remote(&mut self, state: &mut S) {
        let mut batch = std::mem::take(&mut self.remote.spare);
        {
            let shared = &self.remote.shared;
            let mut queue = shared.queue.lock().unwrap_or_else(|e| e.into_inner());
            std::mem::swap(&mut *queue, &mut batch);
        }
        for job in batch.drain(..) {
            job(self, state);
        }
        self.remote.spare = batch;
    }
}
