//! A real etcd for one test: a child process on free loopback ports with a
//! temporary data directory, killed (SIGKILL) and the directory removed on
//! drop, also when the test panics.

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use mini_rpc::discover::etcd::Etcd;

pub(crate) struct EtcdServer {
    /// The client address (`--listen-client-urls`).
    pub(crate) addr: SocketAddr,
    peer: SocketAddr,
    dir: PathBuf,
    child: Option<Child>,
}

fn free_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local addr")
}

impl EtcdServer {
    /// Starts etcd and waits until it answers; `None` (with the reason
    /// printed) when etcd is not installed.
    pub(crate) async fn start() -> Option<EtcdServer> {
        if Command::new("etcd").arg("--version").output().is_err() {
            println!("skipped: etcd not installed — apt-get install etcd-server");
            return None;
        }
        let dir = std::env::temp_dir().join(format!(
            "mini-rpc-etcd-{}-{}",
            std::process::id(),
            free_port().port()
        ));
        let mut server = EtcdServer {
            addr: free_port(),
            peer: free_port(),
            dir,
            child: None,
        };
        server.restart().await;
        Some(server)
    }

    /// Starts the process again on the same ports and data (after `kill`).
    pub(crate) async fn restart(&mut self) {
        let client = format!("http://{}", self.addr);
        let peer = format!("http://{}", self.peer);
        let log = std::fs::create_dir_all(&self.dir)
            .and_then(|()| std::fs::File::create(self.dir.join("etcd.log")))
            .expect("etcd log file");
        let child = Command::new("etcd")
            .args(["--name", "t", "--data-dir"])
            .arg(self.dir.join("data"))
            .args([
                "--listen-client-urls",
                &client,
                "--advertise-client-urls",
                &client,
            ])
            .args([
                "--listen-peer-urls",
                &peer,
                "--initial-advertise-peer-urls",
                &peer,
            ])
            .arg(format!("--initial-cluster=t={peer}"))
            .args(["--log-level", "warn"])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("spawn etcd");
        self.child = Some(child);
        let etcd = Etcd::new(vec![self.addr]);
        for _ in 0..100 {
            if etcd.range_prefix("/").await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "etcd did not answer within 10 s; see {}",
            self.dir.display()
        );
    }

    /// SIGKILL: no clean shutdown.
    pub(crate) fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for EtcdServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
