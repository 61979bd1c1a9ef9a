//! Black-box tests with raw bytes on a socket: what a peer that speaks the
//! protocol by hand sees, and what happens to peers that break it.

mod common;

use std::time::Duration;

use bytes::BytesMut;
use common::{EchoClient, start};
use mini_rpc::frame::{DEFAULT_MAX_FRAME, Frame, Request};
use mini_rpc::{Client, Code, CodecKind, Metadata, Server};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const PREFACE: [u8; 8] = [b'M', b'R', b'P', b'C', 1, 1, 0, 0];

async fn read_until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut all = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut all)).await;
    assert!(read.is_ok(), "the server closed the connection");
    all
}

#[tokio::test]
async fn a_hand_built_request_gets_a_hand_readable_response() {
    let server = start(Server::builder()).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream.write_all(&PREFACE).await.unwrap();
    let mut reply = [0u8; 8];
    stream.read_exact(&mut reply).await.unwrap();
    assert_eq!(
        reply,
        [b'M', b'R', b'P', b'C', 1, 1, 0, 0],
        "accepted, postcard"
    );

    let mut out = BytesMut::new();
    Frame::Request(Request {
        id: 42,
        method: "Echo.add".into(),
        deadline: None,
        metadata: Metadata::new(),
        payload: CodecKind::Postcard.encode(&(20i64, 22i64)).unwrap(),
    })
    .encode(&mut out);
    stream.write_all(&out).await.unwrap();

    let mut buf = BytesMut::new();
    let frame = loop {
        if let Some(frame) = Frame::decode(&mut buf, DEFAULT_MAX_FRAME).unwrap() {
            break frame;
        }
        assert_ne!(stream.read_buf(&mut buf).await.unwrap(), 0);
    };
    let Frame::Response(resp) = frame else {
        panic!("expected a response, got {frame:?}")
    };
    assert_eq!((resp.id, resp.status.code), (42, Code::Ok));
    assert_eq!(
        CodecKind::Postcard.decode::<i64>(&resp.payload).unwrap(),
        42
    );
    server.shutdown().await;
}

#[tokio::test]
async fn a_peer_with_the_wrong_magic_is_dropped_at_once() {
    let server = start(Server::builder()).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
    // Closed without a byte of ours: the peer is not a mini-rpc client.
    let got = read_until_closed(&mut stream).await;
    assert!(got.is_empty());
    server.shutdown().await;
}

#[tokio::test]
async fn a_wrong_version_gets_a_refusal_preface() {
    let server = start(Server::builder()).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(&[b'M', b'R', b'P', b'C', 9, 1, 0, 0])
        .await
        .unwrap();
    let got = read_until_closed(&mut stream).await;
    assert_eq!(got.len(), 8);
    assert_eq!(got[6], mini_rpc::frame::preface_status::BAD_VERSION);
    server.shutdown().await;
}

#[tokio::test]
async fn an_oversized_frame_closes_its_connection_and_no_other() {
    let server = start(Server::builder().max_frame(1024)).await;
    let good = EchoClient::new(Client::connect(server.addr).await.unwrap());
    assert_eq!(good.add(1, 1).await.unwrap(), 2);

    let mut bad = TcpStream::connect(server.addr).await.unwrap();
    bad.write_all(&PREFACE).await.unwrap();
    let mut reply = [0u8; 8];
    bad.read_exact(&mut reply).await.unwrap();
    // Announce a 1 MiB frame; the server refuses it from the length alone.
    bad.write_all(&(1u32 << 20).to_be_bytes()).await.unwrap();
    let got = read_until_closed(&mut bad).await;
    assert!(got.is_empty());

    // A malformed frame on a third connection: kind 99.
    let mut odd = TcpStream::connect(server.addr).await.unwrap();
    odd.write_all(&PREFACE).await.unwrap();
    odd.read_exact(&mut reply).await.unwrap();
    let mut frame = 9u32.to_be_bytes().to_vec();
    frame.push(99);
    frame.extend_from_slice(&1u64.to_be_bytes());
    odd.write_all(&frame).await.unwrap();
    assert!(read_until_closed(&mut odd).await.is_empty());

    assert_eq!(
        good.add(2, 2).await.unwrap(),
        4,
        "the well-behaved connection is untouched"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn the_connection_limit_refuses_with_busy() {
    let server = start(Server::builder().max_connections(1)).await;
    let first = EchoClient::new(Client::connect(server.addr).await.unwrap());
    let second = Client::connect(server.addr).await.err().unwrap();
    assert_eq!(second.code, Code::ResourceExhausted);
    assert_eq!(first.add(3, 4).await.unwrap(), 7);
    server.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn keepalive_fails_calls_to_a_server_that_went_silent() {
    // A "server" that answers the preface and then never says a word more,
    // like a host that lost power with the connection open.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut preface = [0u8; 8];
        stream.read_exact(&mut preface).await.unwrap();
        stream.write_all(&PREFACE).await.unwrap();
        let mut sink = Vec::new();
        let _ = stream.read_to_end(&mut sink).await; // swallow everything
    });
    let channel = Client::builder(addr)
        .keepalive(Duration::from_millis(100))
        .connect()
        .await
        .unwrap();
    let client = EchoClient::new(channel);
    // No deadline: only the keepalive can end this call.
    let err = client.add(1, 2).await.unwrap_err();
    assert_eq!(err.code, Code::Unavailable);
    assert!(err.message.contains("keepalive"), "{err}");
}
