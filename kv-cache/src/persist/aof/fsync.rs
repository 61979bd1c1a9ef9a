//! The background fsync thread: `appendfsync everysec` hands the AOF's
//! `fdatasync` to it, so a slow disk delays the durability of the last
//! second of writes, not the event loop. Redis: the `BIO_AOF_FSYNC` job
//! type of `bio.c`, and `aofFsyncInProgress`.
//!
//! ```text
//!  event loop ──Job::Fsync(file)──► channel ──► "aof-fsync" thread: fdatasync
//!      │                                              │
//!      └──── pending() > 0 ? (postpone the write) ◄───┘ pending -= 1
//! ```
//!
//! Why postpone the *write* while an fsync runs: on Linux a `write` to a
//! file being fsynced blocks until the fsync ends, which would stall the
//! loop anyway (Redis's observation in `flushAppendOnlyFile`).

use std::fs::File;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

/// One request to the thread.
#[derive(Debug)]
enum Job {
    /// fdatasync the file (it stays open).
    Fsync(Arc<File>),
    /// fdatasync it, then close it (the increment a rewrite just retired).
    FsyncClose(Arc<File>),
}

/// The thread's handle: submit, and ask how many jobs are still running.
#[derive(Debug)]
pub struct FsyncThread {
    tx: Option<mpsc::Sender<Job>>,
    /// Jobs submitted and not finished.
    pending: Arc<AtomicUsize>,
    /// An fsync failed since the last [`FsyncThread::take_error`]
    /// (Redis `aof_bio_fsync_status`).
    failed: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Default for FsyncThread {
    fn default() -> Self {
        FsyncThread::start()
    }
}

impl FsyncThread {
    /// Starts the thread. If the OS refuses a thread, fsyncs run inline on
    /// submit (slower, still correct).
    pub fn start() -> FsyncThread {
        let (tx, rx) = mpsc::channel::<Job>();
        let pending = Arc::new(AtomicUsize::new(0));
        let failed = Arc::new(AtomicBool::new(false));
        let (p, f) = (pending.clone(), failed.clone());
        let thread = std::thread::Builder::new()
            .name("aof-fsync".into())
            .spawn(move || {
                for job in rx {
                    let (Job::Fsync(file) | Job::FsyncClose(file)) = &job;
                    if let Err(e) = file.sync_data() {
                        tracing::warn!(error = %e, "Fail to fsync the AOF file");
                        f.store(true, Ordering::Relaxed);
                    }
                    drop(job);
                    p.fetch_sub(1, Ordering::Release);
                }
            })
            .ok();
        FsyncThread {
            tx: thread.as_ref().map(|_| tx),
            pending,
            failed,
            thread,
        }
    }

    fn submit(&self, job: Job) {
        self.pending.fetch_add(1, Ordering::Acquire);
        let job = match &self.tx {
            Some(tx) => match tx.send(job) {
                Ok(()) => return,
                Err(mpsc::SendError(job)) => job,
            },
            None => job,
        };
        let (Job::Fsync(file) | Job::FsyncClose(file)) = &job;
        if file.sync_data().is_err() {
            self.failed.store(true, Ordering::Relaxed);
        }
        self.pending.fetch_sub(1, Ordering::Release);
    }

    /// Queues an fsync of `file`.
    pub fn fsync(&self, file: Arc<File>) {
        self.submit(Job::Fsync(file));
    }

    /// Queues an fsync of `file`, closed after it (the last reference).
    pub fn fsync_and_close(&self, file: Arc<File>) {
        self.submit(Job::FsyncClose(file));
    }

    /// Jobs not finished yet (Redis `bioPendingJobsOfType(BIO_AOF_FSYNC)`).
    pub fn pending(&self) -> usize {
        self.pending.load(Ordering::Acquire)
    }

    /// Whether an fsync failed since the last call; clears the flag.
    pub fn take_error(&self) -> bool {
        self.failed.swap(false, Ordering::Relaxed)
    }

    /// Waits (bounded) for queued fsyncs, at shutdown.
    pub fn drain(&self, limit: std::time::Duration) {
        let deadline = std::time::Instant::now() + limit;
        while self.pending() > 0 && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    }
}

impl Drop for FsyncThread {
    fn drop(&mut self) {
        // Closing the channel ends the thread after the queued jobs.
        self.tx = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
