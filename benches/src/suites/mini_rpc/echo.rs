//! `echo`: unary echo of a 1 KB string (the shape of the Volo/Kitex
//! benchmark), ours vs tarpc vs tonic, over loopback.
//!
//! Every server runs on its own tokio multi-thread runtime with one worker,
//! and every load generator on another one-worker runtime, so the three
//! implementations get the same two threads; all sockets have TCP_NODELAY.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context as _;

use super::load::{LoadResult, closed_loop, windows};
use super::runtimes::{Servers, one_worker, serve_ours, serve_tonic};
use super::services::{self, OursEcho, TonicEcho, pb};
use crate::runner::{Comparison, Impl, Provenance, Sample, Skip, Target};

/// The payload: 1 KiB of ASCII.
const PAYLOAD_LEN: usize = 1024;

/// The cases as `(concurrency, connections)`.
const CASES: [(usize, usize); 4] = [(1, 1), (64, 1), (256, 1), (256, 8)];

pub(crate) struct EchoBench {
    quick: bool,
    /// One runtime per server, alive for the whole comparison.
    servers: Servers,
}

impl EchoBench {
    pub(crate) fn new() -> EchoBench {
        EchoBench {
            quick: false,
            servers: Servers::default(),
        }
    }
}

fn parse_case(case: &str) -> anyhow::Result<(usize, usize)> {
    let mut c = None;
    let mut conns = None;
    for part in case.split_whitespace() {
        if let Some(v) = part.strip_prefix("c=") {
            c = Some(v.parse()?);
        } else if let Some(v) = part.strip_prefix("conns=") {
            conns = Some(v.parse()?);
        }
    }
    Ok((
        c.context("case without c=")?,
        conns.context("case without conns=")?,
    ))
}

impl Comparison for EchoBench {
    fn crate_name(&self) -> &'static str {
        "mini-rpc"
    }

    fn bench(&self) -> &'static str {
        "echo"
    }

    fn describe(&self) -> String {
        format!(
            "Unary echo of a {PAYLOAD_LEN}-byte string over loopback TCP, closed loop: c tasks each \
             send a call and wait for its reply, spread over `conns` connections. Server on a tokio \
             multi-thread runtime with 1 worker, load generator on another 1-worker runtime, same \
             for every impl; TCP_NODELAY on all sockets; release build. ours: mini-rpc, postcard \
             codec, `Client` with `conns` sub-connections, 10 s deadline per call. tarpc: `#[tarpc::service]`, \
             `serde_transport` with Bincode over a length-delimited TCP framing, BaseChannel::\
             with_defaults, `conns` clients with client::Config::default(), calls with \
             context::current() (its default 10 s deadline). tonic: generated from \
             proto/echo.proto (prost), `transport::Server`, `conns` Channels (one HTTP/2 \
             connection each), no deadline (its default). Latency per call from an HDR histogram (us); throughput = calls \
             completed in the measured window / window."
        )
    }

    fn cases(&self, _quick: bool) -> Vec<String> {
        CASES
            .iter()
            .map(|(c, conns)| format!("c={c} conns={conns}"))
            .collect()
    }

    fn rounds(&self, quick: bool) -> usize {
        if quick { 2 } else { 5 }
    }

    fn targets(&self) -> Vec<Target> {
        vec![
            Target::at_least("tarpc", "throughput", 1.5),
            Target::at_least("tonic", "throughput", 2.0),
            Target::at_most("tarpc", "p99", 1.0),
        ]
    }

    fn prepare(
        &mut self,
        quick: bool,
        prov: &mut Provenance,
    ) -> anyhow::Result<(Vec<Impl>, Vec<Skip>)> {
        self.quick = quick;
        prov.version("tarpc", "0.38 (serde-transport-bincode)");
        prov.version("tonic", "0.14 (prost 0.14)");

        let ours = mini_rpc::Server::builder()
            .max_concurrent_requests(4096)
            .add_service(services::EchoServer::new(OursEcho))
            .build();
        self.servers.add("ours", serve_ours(ours)?);

        let rt = one_worker()?;
        let addr = rt.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            let addr = listener.local_addr()?;
            tokio::spawn(services::serve_tarpc(listener));
            anyhow::Ok(addr)
        })?;
        self.servers.add("tarpc", (addr, rt));

        let tonic = serve_tonic(|addr| {
            tonic::transport::Server::builder()
                .tcp_nodelay(true)
                .add_service(pb::echo_server::EchoServer::new(TonicEcho))
                .serve(addr)
        })?;
        self.servers.add("tonic", tonic);

        let cfg = "1-worker tokio runtime per side, TCP_NODELAY, release".to_string();
        Ok((
            vec![
                Impl {
                    name: "ours",
                    config: format!("mini-rpc postcard; {cfg}"),
                },
                Impl {
                    name: "tarpc",
                    config: format!("tarpc bincode serde_transport; {cfg}"),
                },
                Impl {
                    name: "tonic",
                    config: format!("tonic gRPC/HTTP2 prost; {cfg}"),
                },
            ],
            Vec::new(),
        ))
    }

    fn measure(
        &mut self,
        case: &str,
        imp: &str,
        _prov: &mut Provenance,
    ) -> anyhow::Result<Vec<Sample>> {
        let (c, conns) = parse_case(case)?;
        let addr = self.servers.addr(imp)?;
        let (warmup, window) = windows(self.quick);
        let rt = one_worker()?;
        let result = rt.block_on(run(imp, addr, c, conns, warmup, window))?;
        Ok(vec![
            Sample::new("throughput", result.throughput, "calls/s"),
            Sample::new("p50", result.p50, "us"),
            Sample::new("p99", result.p99, "us"),
        ])
    }

    fn finish(&mut self) {
        self.servers.stop();
    }
}

/// Connects `conns` clients of `imp` and drives the closed loop.
async fn run(
    imp: &str,
    addr: SocketAddr,
    c: usize,
    conns: usize,
    warmup: Duration,
    window: Duration,
) -> anyhow::Result<LoadResult> {
    let payload = "x".repeat(PAYLOAD_LEN);
    match imp {
        "ours" => {
            let channel = mini_rpc::Client::builder(addr)
                .connections(conns)
                .connect()
                .await?;
            let client = services::EchoClient::new(channel);
            // The same 10 s deadline tarpc's `context::current()` gives its
            // calls, so both sides run a deadline timer per call.
            let opts = mini_rpc::CallOptions::new().deadline(Duration::from_secs(10));
            closed_loop(c, warmup, window, move |_| {
                let (client, payload, opts) = (client.clone(), payload.clone(), opts.clone());
                async move {
                    let reply = client.echo_with(opts, payload).await?;
                    anyhow::ensure!(reply.len() == PAYLOAD_LEN, "short echo");
                    Ok(())
                }
            })
            .await
        }
        "tarpc" => {
            let mut clients = Vec::new();
            for _ in 0..conns {
                clients.push(services::tarpc_client(addr).await?);
            }
            closed_loop(c, warmup, window, move |task| {
                let client = clients[task % clients.len()].clone();
                let payload = payload.clone();
                async move {
                    let reply = client.echo(tarpc::context::current(), payload).await?;
                    anyhow::ensure!(reply.len() == PAYLOAD_LEN, "short echo");
                    Ok(())
                }
            })
            .await
        }
        "tonic" => {
            let mut clients = Vec::new();
            for _ in 0..conns {
                let channel = tonic::transport::Endpoint::from_shared(format!("http://{addr}"))?
                    .tcp_nodelay(true)
                    .connect()
                    .await?;
                clients.push(pb::echo_client::EchoClient::new(channel));
            }
            closed_loop(c, warmup, window, move |task| {
                let mut client = clients[task % clients.len()].clone();
                let payload = payload.clone();
                async move {
                    let reply = client.echo(pb::EchoRequest { payload }).await?;
                    anyhow::ensure!(
                        reply.into_inner().payload.len() == PAYLOAD_LEN,
                        "short echo"
                    );
                    Ok(())
                }
            })
            .await
        }
        other => anyhow::bail!("unknown impl {other}"),
    }
}
