//! An etcd for the `discovery` bench: one member on free loopback ports
//! with a temporary data directory, killed and the directory removed on
//! drop (as the mini-rpc tests start theirs).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context as _;

use crate::runner::util::{ChildGuard, free_port, wait_for_port};

pub(crate) struct EtcdServer {
    /// The client URL's address.
    pub(crate) addr: SocketAddr,
    dir: PathBuf,
    /// `None` once dropped; declared before `dir` is removed.
    process: Option<ChildGuard>,
}

impl EtcdServer {
    /// Starts etcd and waits until its client port accepts.
    pub(crate) fn start() -> anyhow::Result<EtcdServer> {
        let addr: SocketAddr = format!("127.0.0.1:{}", free_port()?).parse()?;
        let peer = format!("http://127.0.0.1:{}", free_port()?);
        let client = format!("http://{addr}");
        let dir = std::env::temp_dir().join(format!(
            "benches-mini-rpc-etcd-{}-{}",
            std::process::id(),
            addr.port()
        ));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let data = dir.join("data");
        let cluster = format!("--initial-cluster=b={peer}");
        let args = [
            "--name",
            "b",
            "--data-dir",
            data.to_str().context("temp dir is not UTF-8")?,
            "--listen-client-urls",
            &client,
            "--advertise-client-urls",
            &client,
            "--listen-peer-urls",
            &peer,
            "--initial-advertise-peer-urls",
            &peer,
            &cluster,
            "--log-level",
            "warn",
        ];
        let mut server = EtcdServer {
            addr,
            dir,
            process: None,
        };
        server.process = Some(ChildGuard::spawn("etcd", &args)?);
        wait_for_port(addr, Duration::from_secs(10))?;
        Ok(server)
    }

    /// The command line it runs.
    pub(crate) fn command(&self) -> String {
        self.process
            .as_ref()
            .map(|p| p.command.clone())
            .unwrap_or_default()
    }

    /// Waits until etcd answers a range request (a port that accepts is
    /// not yet a member that has elected itself leader).
    pub(crate) async fn ready(&self) -> anyhow::Result<()> {
        let etcd = mini_rpc::discover::etcd::Etcd::new(vec![self.addr]);
        let deadline = Instant::now() + Duration::from_secs(10);
        while etcd.range_prefix("/").await.is_err() {
            anyhow::ensure!(Instant::now() < deadline, "etcd did not answer in 10 s");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(())
    }
}

impl Drop for EtcdServer {
    fn drop(&mut self) {
        drop(self.process.take());
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
