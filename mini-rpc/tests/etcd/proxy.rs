//! A TCP proxy the test can break in two ways: `cut` drops open
//! connections and closes new ones at once (etcd unreachable for one client
//! only); `black_hole` keeps open connections open but forwards nothing
//! more on them (a NAT that forgot them), while new ones work.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

/// One proxied connection: its two copying tasks and whether it went dark.
struct Pipe {
    tasks: [AbortHandle; 2],
    dark: Arc<AtomicBool>,
}

pub(crate) struct Proxy {
    pub(crate) addr: SocketAddr,
    open: Arc<AtomicBool>,
    pipes: Arc<Mutex<Vec<Pipe>>>,
    task: tokio::task::JoinHandle<()>,
}

/// Copies `from` to `to` until either ends; once `dark`, reads and drops.
async fn copy(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    dark: Arc<AtomicBool>,
) {
    let mut buf = vec![0u8; 16 * 1024];
    while let Ok(n) = from.read(&mut buf).await {
        if n == 0 {
            break;
        }
        if !dark.load(Ordering::SeqCst) && to.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
}

impl Proxy {
    pub(crate) async fn start(target: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let open = Arc::new(AtomicBool::new(true));
        let pipes = Arc::new(Mutex::new(Vec::new()));
        let (is_open, held) = (open.clone(), pipes.clone());
        let task = tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                if !is_open.load(Ordering::SeqCst) {
                    continue; // dropped: closed at once
                }
                let Ok(outbound) = TcpStream::connect(target).await else {
                    continue;
                };
                let (in_rd, in_wr) = inbound.into_split();
                let (out_rd, out_wr) = outbound.into_split();
                let dark = Arc::new(AtomicBool::new(false));
                let up = tokio::spawn(copy(in_rd, out_wr, dark.clone()));
                let down = tokio::spawn(copy(out_rd, in_wr, dark.clone()));
                let tasks = [up.abort_handle(), down.abort_handle()];
                held.lock().unwrap().push(Pipe { tasks, dark });
            }
        });
        Proxy {
            addr,
            open,
            pipes,
            task,
        }
    }

    pub(crate) fn cut(&self) {
        self.open.store(false, Ordering::SeqCst);
        for pipe in self.pipes.lock().unwrap().drain(..) {
            pipe.tasks.iter().for_each(AbortHandle::abort);
        }
    }

    pub(crate) fn resume(&self) {
        self.open.store(true, Ordering::SeqCst);
    }

    /// Open connections stay open and silent; new ones work.
    pub(crate) fn black_hole(&self) {
        for pipe in self.pipes.lock().unwrap().iter() {
            pipe.dark.store(true, Ordering::SeqCst);
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.cut();
        self.task.abort();
    }
}
