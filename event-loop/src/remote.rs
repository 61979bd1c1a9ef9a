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
pub(crate) type RemoteFn<S> = Box<dyn FnOnce(&mut EventLoop<S>, &mut S) + Send>;

/// What the loop and its handles share.
pub(crate) struct Shared<S> {
    /// Closures waiting to run on the loop.
    pub(crate) queue: Mutex<Vec<RemoteFn<S>>>,
    /// Wakes the loop's poll.
    pub(crate) waker: Waker,
    /// Set by `LoopHandle::stop`, consumed by `EventLoop::run`.
    pub(crate) stop: AtomicBool,
    /// Set when the loop is dropped.
    pub(crate) closed: AtomicBool,
}

impl<S> Shared<S> {
    pub(crate) fn new(waker: Waker) -> Self {
        Self {
            queue: Mutex::new(Vec::new()),
            waker,
            stop: AtomicBool::new(false),
            closed: AtomicBool::new(false),
        }
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
            shared: Arc::clone(&self.remote),
        }
    }
}
