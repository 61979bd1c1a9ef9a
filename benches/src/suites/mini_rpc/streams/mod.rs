//! `bidi` and `client-stream`: streaming over one connection, ours vs tonic.
//!
//! - `bidi`: `streams` bidirectional streams, each a closed loop of one
//!   message out and its echo back (the latency of a message is that round
//!   trip); throughput = echoed messages per second.
//! - `client-stream`: `streams` tasks, each uploading [`UPLOAD_ITEMS`]
//!   items on a client stream and waiting for the server's count, again and
//!   again; throughput = items per second of the uploads that completed,
//!   latency = one whole upload.
//!
//! Both use the same message as the unary echo bench's proto (a string of
//! [`PAYLOAD_LEN`] bytes) and run server and load on one-worker runtimes.

mod services;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use futures::SinkExt;
use tokio::sync::Mutex;

use self::services::{OursStreams, StreamsClient, StreamsServer, TonicStreams};
use super::load::{LoadResult, closed_loop, windows};
use super::runtimes::{Servers, one_worker, serve_ours, serve_tonic};
use super::services::pb;
use crate::runner::{Comparison, Impl, Provenance, Sample, Skip, Target};

/// Bytes of every message.
const PAYLOAD_LEN: usize = 256;
/// Items per upload in `client-stream`.
const UPLOAD_ITEMS: usize = 1000;

/// Which of the two benches.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Bidi,
    ClientStream,
}

pub(crate) struct StreamBench {
    kind: Kind,
    quick: bool,
    servers: Servers,
}

impl StreamBench {
    pub(crate) fn bidi() -> StreamBench {
        StreamBench {
            kind: Kind::Bidi,
            quick: false,
            servers: Servers::default(),
        }
    }

    pub(crate) fn client_stream() -> StreamBench {
        StreamBench {
            kind: Kind::ClientStream,
            quick: false,
            servers: Servers::default(),
        }
    }
}

fn parse_streams(case: &str) -> anyhow::Result<usize> {
    let n = case
        .strip_prefix("streams=")
        .with_context(|| format!("case {case:?} without streams="))?;
    Ok(n.parse()?)
}

impl Comparison for StreamBench {
    fn crate_name(&self) -> &'static str {
        "mini-rpc"
    }

    fn bench(&self) -> &'static str {
        match self.kind {
            Kind::Bidi => "bidi",
            Kind::ClientStream => "client-stream",
        }
    }

    fn describe(&self) -> String {
        let what = match self.kind {
            Kind::Bidi => format!(
                "Bidirectional streaming echo: `streams` streams over one connection, each a closed loop that \
                 sends one {PAYLOAD_LEN}-byte message and waits for its echo before the next; throughput = \
                 echoed messages/s, latency = one message's round trip (HDR histogram, us). ours: the server \
                 handler forwards its RequestStream into a ServerStream::channel(16) from a task, the client \
                 uses the (ClientSink, ClientStream) pair. tonic: the handler maps the incoming \
                 Streaming into the reply stream; the client feeds a futures mpsc channel (capacity 16) and \
                 reads Streaming::message()."
            ),
            Kind::ClientStream => format!(
                "Client streaming: `streams` tasks over one connection, each uploading {UPLOAD_ITEMS} messages of \
                 {PAYLOAD_LEN} bytes on a client stream and awaiting the server's count, in a loop; throughput = \
                 items/s of the uploads completed in the window, latency = one whole upload (us). ours: \
                 Upload::send per item, then finish(). tonic: the request is a futures stream::iter of the \
                 items. The server counts the items it reads."
            ),
        };
        format!(
            "{what} Both sides use their default stream flow control (ours: 64 KiB credit window per stream; \
             tonic/h2: 64 KiB HTTP/2 stream window). Server on a 1-worker tokio runtime, load on another, \
             TCP_NODELAY, release build, no deadline."
        )
    }

    fn cases(&self, _quick: bool) -> Vec<String> {
        let streams: &[usize] = match self.kind {
            Kind::Bidi => &[1, 16, 64],
            Kind::ClientStream => &[1, 16],
        };
        streams.iter().map(|n| format!("streams={n}")).collect()
    }

    fn targets(&self) -> Vec<Target> {
        vec![Target::at_least("tonic", "throughput", 2.0)]
    }

    fn prepare(
        &mut self,
        quick: bool,
        prov: &mut Provenance,
    ) -> anyhow::Result<(Vec<Impl>, Vec<Skip>)> {
        self.quick = quick;
        prov.version("tonic", "0.14 (prost 0.14)");

        let ours = mini_rpc::Server::builder()
            .add_service(StreamsServer::new(OursStreams))
            .build();
        self.servers.add("ours", serve_ours(ours)?);
        let tonic = serve_tonic(|addr| {
            tonic::transport::Server::builder()
                .tcp_nodelay(true)
                .add_service(pb::streams_server::StreamsServer::new(TonicStreams))
                .serve(addr)
        })?;
        self.servers.add("tonic", tonic);

        let cfg = "1-worker tokio runtime per side, TCP_NODELAY, release";
        Ok((
            vec![
                Impl {
                    name: "ours",
                    config: format!("mini-rpc postcard, one connection; {cfg}"),
                },
                Impl {
                    name: "tonic",
                    config: format!("tonic gRPC/HTTP2 prost, one Channel; {cfg}"),
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
        let streams = parse_streams(case)?;
        let addr = self.servers.addr(imp)?;
        let (warmup, window) = windows(self.quick);
        let load = Load {
            streams,
            warmup,
            window,
        };
        let rt = one_worker()?;
        let (result, unit, per_call) = match (self.kind, imp) {
            (Kind::Bidi, "ours") => (rt.block_on(load.ours_bidi(addr))?, "msgs/s", 1),
            (Kind::Bidi, "tonic") => (rt.block_on(load.tonic_bidi(addr))?, "msgs/s", 1),
            (Kind::ClientStream, "ours") => (
                rt.block_on(load.ours_upload(addr))?,
                "items/s",
                UPLOAD_ITEMS,
            ),
            (Kind::ClientStream, "tonic") => (
                rt.block_on(load.tonic_upload(addr))?,
                "items/s",
                UPLOAD_ITEMS,
            ),
            (_, other) => anyhow::bail!("unknown impl {other}"),
        };
        rt.shutdown_background();
        Ok(vec![
            Sample::new("throughput", result.throughput * per_call as f64, unit),
            Sample::new("p50", result.p50, "us"),
            Sample::new("p99", result.p99, "us"),
        ])
    }

    fn finish(&mut self) {
        self.servers.stop();
    }
}

/// One measured run: how many streams, for how long.
struct Load {
    streams: usize,
    warmup: Duration,
    window: Duration,
}

/// A per-task stream pair, locked only by its own task.
type Pair<S, R> = Arc<Mutex<(S, R)>>;

impl Load {
    async fn ours_bidi(&self, addr: std::net::SocketAddr) -> anyhow::Result<LoadResult> {
        let client = StreamsClient::new(mini_rpc::Client::connect(addr).await?);
        let mut pairs: Vec<Pair<_, _>> = Vec::new();
        for _ in 0..self.streams {
            pairs.push(Arc::new(Mutex::new(client.chat().await?)));
        }
        let payload = "x".repeat(PAYLOAD_LEN);
        closed_loop(self.streams, self.warmup, self.window, move |task| {
            let (pair, payload) = (pairs[task].clone(), payload.clone());
            async move {
                let mut pair = pair.lock().await;
                let (say, hear) = &mut *pair;
                say.send(payload).await?;
                let echo = hear.next().await.context("chat ended")??;
                anyhow::ensure!(echo.len() == PAYLOAD_LEN, "short echo");
                Ok(())
            }
        })
        .await
    }

    async fn tonic_bidi(&self, addr: std::net::SocketAddr) -> anyhow::Result<LoadResult> {
        let client = tonic_client(addr).await?;
        let mut pairs: Vec<Pair<_, _>> = Vec::new();
        for _ in 0..self.streams {
            let (tx, rx) = futures::channel::mpsc::channel::<pb::EchoRequest>(16);
            let replies = client.clone().chat(rx).await?.into_inner();
            pairs.push(Arc::new(Mutex::new((tx, replies))));
        }
        let payload = "x".repeat(PAYLOAD_LEN);
        closed_loop(self.streams, self.warmup, self.window, move |task| {
            let (pair, payload) = (pairs[task].clone(), payload.clone());
            async move {
                let mut pair = pair.lock().await;
                let (say, hear) = &mut *pair;
                say.send(pb::EchoRequest { payload }).await?;
                let echo = hear.message().await?.context("chat ended")?;
                anyhow::ensure!(echo.payload.len() == PAYLOAD_LEN, "short echo");
                Ok(())
            }
        })
        .await
    }

    async fn ours_upload(&self, addr: std::net::SocketAddr) -> anyhow::Result<LoadResult> {
        let client = StreamsClient::new(mini_rpc::Client::connect(addr).await?);
        let payload = "x".repeat(PAYLOAD_LEN);
        closed_loop(self.streams, self.warmup, self.window, move |_| {
            let (client, payload) = (client.clone(), payload.clone());
            async move {
                let mut upload = client.upload().await?;
                for _ in 0..UPLOAD_ITEMS {
                    upload.send(payload.clone()).await?;
                }
                let count = upload.finish().await?;
                anyhow::ensure!(count == UPLOAD_ITEMS as u64, "server counted {count}");
                Ok(())
            }
        })
        .await
    }

    async fn tonic_upload(&self, addr: std::net::SocketAddr) -> anyhow::Result<LoadResult> {
        let client = tonic_client(addr).await?;
        let payload = "x".repeat(PAYLOAD_LEN);
        closed_loop(self.streams, self.warmup, self.window, move |_| {
            let (mut client, payload) = (client.clone(), payload.clone());
            async move {
                let items = (0..UPLOAD_ITEMS).map(move |_| pb::EchoRequest {
                    payload: payload.clone(),
                });
                let reply = client.upload(futures::stream::iter(items)).await?;
                let count = reply.into_inner().items;
                anyhow::ensure!(count == UPLOAD_ITEMS as u64, "server counted {count}");
                Ok(())
            }
        })
        .await
    }
}

/// A tonic client over one HTTP/2 connection with TCP_NODELAY.
async fn tonic_client(
    addr: std::net::SocketAddr,
) -> anyhow::Result<pb::streams_client::StreamsClient<tonic::transport::Channel>> {
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{addr}"))?
        .tcp_nodelay(true)
        .connect()
        .await?;
    Ok(pb::streams_client::StreamsClient::new(channel))
}
