//! Client and bidirectional streams: flow control in both directions,
//! interleaving, deadlines and cancellation reaching both ends, and peers
//! that ignore the window.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use bytes::BytesMut;
use mini_rpc::frame::{DEFAULT_MAX_FRAME, Frame, Request, STREAM_WINDOW};
use mini_rpc::{
    CallOptions, Client, Code, CodecKind, Context, Metadata, RequestStream, Server, ServerStream,
    Status,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The streaming service under test.
#[mini_rpc::service]
pub trait Pipes {
    /// Sums the items; slow (1 ms each) for the first `slow` of them.
    async fn sum(slow: u32, items: Streaming<u32>) -> u64;
    /// Answers each message as it comes.
    async fn chat(msgs: Streaming<String>) -> Streaming<String>;
    /// Fails once it has read `n` items.
    async fn fail_after(n: u32, items: Streaming<u32>) -> u32;
    /// Never reads its stream.
    async fn stall(items: Streaming<u32>) -> u32;
    /// Answers with the first item, without reading the rest.
    async fn first(items: Streaming<u32>) -> u32;
}

#[derive(Clone, Default)]
struct PipesImpl {
    /// Items the handlers have read.
    consumed: Arc<AtomicU64>,
    /// Handlers dropped before they finished (cancelled, deadline, client gone).
    dropped: Arc<AtomicUsize>,
}

/// Counts a handler dropped before it disarmed the guard.
struct Armed(Arc<AtomicUsize>, bool);

impl Drop for Armed {
    fn drop(&mut self) {
        if self.1 {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
}

impl Pipes for PipesImpl {
    async fn sum(
        &self,
        _ctx: Context,
        slow: u32,
        mut items: RequestStream<u32>,
    ) -> Result<u64, Status> {
        let mut total = 0u64;
        let mut seen = 0u32;
        while let Some(item) = items.next().await {
            total += u64::from(item?);
            seen += 1;
            self.consumed.fetch_add(1, Ordering::SeqCst);
            if seen <= slow {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
        Ok(total)
    }

    async fn chat(
        &self,
        _ctx: Context,
        mut msgs: RequestStream<String>,
    ) -> Result<ServerStream<String>, Status> {
        let (tx, stream) = ServerStream::channel(4);
        let dropped = self.dropped.clone();
        tokio::spawn(async move {
            let mut guard = Armed(dropped, true);
            loop {
                tokio::select! {
                    msg = msgs.next() => match msg {
                        Some(Ok(msg)) => {
                            if tx.send(format!("echo: {msg}")).await.is_err() {
                                return; // the client is gone: the guard counts it
                            }
                        }
                        Some(Err(status)) => return tx.fail(status).await,
                        None => break,
                    },
                    _ = tx.closed() => return,
                }
            }
            guard.1 = false;
        });
        Ok(stream)
    }

    async fn fail_after(
        &self,
        _ctx: Context,
        n: u32,
        mut items: RequestStream<u32>,
    ) -> Result<u32, Status> {
        for _ in 0..n {
            items.next().await;
        }
        Err(Status::invalid_argument(format!("no more than {n} items")))
    }

    async fn first(&self, _ctx: Context, mut items: RequestStream<u32>) -> Result<u32, Status> {
        match items.next().await {
            Some(item) => item,
            None => Err(Status::invalid_argument("no items")),
        }
    }

    async fn stall(&self, _ctx: Context, _items: RequestStream<u32>) -> Result<u32, Status> {
        let mut guard = Armed(self.dropped.clone(), true);
        tokio::time::sleep(Duration::from_secs(3600)).await;
        guard.1 = false;
        Ok(0)
    }
}

async fn serve() -> (std::net::SocketAddr, PipesImpl) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let service = PipesImpl::default();
    let server = Server::builder()
        .add_service(PipesServer::new(service.clone()))
        .build();
    tokio::spawn(async move { server.serve(listener).await });
    (addr, service)
}

/// Waits (at most 5 s) until a handler was dropped before finishing.
async fn handler_dropped(service: &PipesImpl) -> bool {
    let dropped = async {
        while service.dropped.load(Ordering::SeqCst) == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(5), dropped)
        .await
        .is_ok()
}

/// Sends items (at most 100 000) until one fails; that failure.
async fn first_failure(upload: &mut mini_rpc::Upload<u32, u32>) -> Option<Status> {
    for i in 0..100_000u32 {
        if let Err(status) = upload.send(i).await {
            return Some(status);
        }
    }
    None
}

async fn client(addr: std::net::SocketAddr) -> PipesClient {
    PipesClient::new(Client::connect(addr).await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_million_items_to_a_slow_server_never_run_ahead_of_its_window() {
    let (addr, service) = serve().await;
    let pipes = client(addr).await;
    let n = 1_000_000u32;
    let mut upload = pipes.sum(200).await.unwrap();
    let mut ahead_max = 0;
    for i in 0..n {
        upload.send(i).await.unwrap();
        // Items sent but not yet read by the handler: only the window.
        let ahead = u64::from(i + 1) - service.consumed.load(Ordering::SeqCst);
        ahead_max = ahead_max.max(ahead);
    }
    let total = upload.finish().await.unwrap();
    assert_eq!(total, u64::from(n - 1) * u64::from(n) / 2);
    println!("at most {ahead_max} items ahead of a handler reading 1 per ms at first");
    // An item costs its payload (1 to 5 bytes) plus the 13-byte head: the
    // window holds at most WINDOW / 14 of them, plus the one that may go on
    // a window still open, plus the one the handler holds uncounted.
    let most = u64::from(STREAM_WINDOW) / 14 + 2;
    assert!(ahead_max <= most, "{ahead_max} items in flight");
    assert!(
        ahead_max >= u64::from(STREAM_WINDOW) / 2 / 18,
        "the window was used"
    );
}

#[tokio::test]
async fn a_bidi_chat_interleaves_and_ends_cleanly() {
    let (addr, _) = serve().await;
    let (mut say, mut hear) = client(addr).await.chat().await.unwrap();
    for word in ["one", "two", "three"] {
        say.send(word.to_string()).await.unwrap();
        // The answer comes before the next message is sent: no buffering to the end.
        let answer = tokio::time::timeout(Duration::from_secs(5), hear.next()).await;
        assert_eq!(answer.unwrap().unwrap().unwrap(), format!("echo: {word}"));
    }
    say.finish();
    let end = tokio::time::timeout(Duration::from_secs(5), hear.next()).await;
    assert!(
        end.unwrap().is_none(),
        "the server's stream ends after ours"
    );
}

#[tokio::test]
async fn a_client_dropping_a_chat_ends_the_handler() {
    let (addr, service) = serve().await;
    let (mut say, mut hear) = client(addr).await.chat().await.unwrap();
    say.send("hi".into()).await.unwrap();
    assert!(hear.next().await.unwrap().is_ok());
    drop(hear); // cancels the call
    drop(say);
    assert!(handler_dropped(&service).await, "the handler was stopped");
}

#[tokio::test]
async fn a_server_ending_early_fails_the_clients_sends_with_its_status() {
    let (addr, _) = serve().await;
    let mut upload = client(addr).await.fail_after(3).await.unwrap();
    let failure = first_failure(&mut upload).await;
    let status = failure.expect("sends fail once the server has replied");
    assert_eq!(status.code, Code::InvalidArgument, "{status}");
}

#[tokio::test]
async fn an_early_success_fails_later_sends_and_finish_still_returns_it() {
    let (addr, _) = serve().await;
    let mut upload = client(addr).await.first().await.unwrap();
    upload.send(7).await.unwrap();
    let status = first_failure(&mut upload)
        .await
        .expect("sends fail after the reply");
    assert_eq!(status.code, Code::FailedPrecondition, "{status}");
    assert_eq!(upload.finish().await.unwrap(), 7);
}

#[tokio::test]
async fn a_deadline_ends_a_stalled_upload_on_both_sides() {
    let (addr, service) = serve().await;
    let pipes = client(addr).await;
    let opts = CallOptions::new().deadline(Duration::from_millis(200));
    let mut upload = pipes.stall_with(opts).await.unwrap();
    let failure = first_failure(&mut upload).await;
    assert_eq!(
        failure.expect("the window runs out").code,
        Code::DeadlineExceeded
    );
    assert!(handler_dropped(&service).await, "the handler was stopped");
}

async fn handshake(stream: &mut TcpStream) {
    stream.write_all(b"MRPC\x01\x01\x00\x00").await.unwrap();
    let mut reply = [0u8; 8];
    stream.read_exact(&mut reply).await.unwrap();
}

#[tokio::test]
async fn a_client_sending_past_the_window_is_disconnected() {
    let (addr, _) = serve().await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    handshake(&mut stream).await;
    let mut out = BytesMut::new();
    Frame::Request(Request {
        id: 1,
        method: "Pipes.stall".into(),
        deadline: None,
        metadata: Metadata::new(),
        payload: CodecKind::Postcard.encode(&()).unwrap(),
    })
    .encode(&mut out);
    // 1 KiB items, more than the 64 KiB window holds.
    let item = bytes::Bytes::from(vec![7u8; 1024]);
    for _ in 0..=STREAM_WINDOW / 1024 + 1 {
        let payload = item.clone();
        Frame::StreamMessage { id: 1, payload }.encode(&mut out);
    }
    stream.write_all(&out).await.unwrap();
    let mut sink = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut sink)).await;
    assert!(closed.is_ok(), "the server closed the connection");
}

#[tokio::test]
async fn a_server_sending_past_the_window_fails_the_stream() {
    // A hand-written server that answers a chat with more than the window.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut preface = [0u8; 8];
        stream.read_exact(&mut preface).await.unwrap();
        stream.write_all(b"MRPC\x01\x01\x00\x00").await.unwrap();
        let mut buf = BytesMut::new();
        let id = loop {
            if let Some(Frame::Request(req)) = Frame::decode(&mut buf, DEFAULT_MAX_FRAME).unwrap() {
                break req.id;
            }
            assert_ne!(stream.read_buf(&mut buf).await.unwrap(), 0);
        };
        let mut out = BytesMut::new();
        // 1 KiB items, more than the 64 KiB window holds.
        let item = "x".repeat(1024);
        for _ in 0..STREAM_WINDOW / 1024 + 8 {
            let payload = CodecKind::Postcard.encode(&item).unwrap();
            Frame::StreamMessage { id, payload }.encode(&mut out);
        }
        let _ = stream.write_all(&out).await;
        tokio::time::sleep(Duration::from_secs(5)).await;
    });
    let (_say, mut hear) = client(addr).await.chat().await.unwrap();
    // Read nothing until all arrived, so no credit goes back.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut got = 0;
    let ended = loop {
        match tokio::time::timeout(Duration::from_secs(5), hear.next())
            .await
            .unwrap()
        {
            Some(Ok(_)) => got += 1,
            Some(Err(status)) => break status,
            None => panic!("the stream ended cleanly"),
        }
    };
    assert!(
        got <= STREAM_WINDOW as usize / 1024 + 1,
        "{got} items accepted"
    );
    assert_eq!(ended.code, Code::Unavailable, "{ended}");
    assert!(ended.message.contains("window"), "{ended}");
}
