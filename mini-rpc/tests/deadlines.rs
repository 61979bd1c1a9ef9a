//! Deadlines, cancellation, graceful shutdown and reconnect, over real TCP.
//! Deadline and cancel tests run on tokio's paused clock: sleeps are
//! instantaneous and ordered, so a 10-second handler costs no real time.

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use common::{EchoClient, start, start_on, wait_for};
use mini_rpc::client::{Backoff, RetryPolicy};
use mini_rpc::{CallOptions, Client, Code, Server};

#[tokio::test(start_paused = true)]
async fn a_deadline_fails_the_call_and_stops_the_handler() {
    let server = start(Server::builder()).await;
    let client = EchoClient::new(Client::connect(server.addr).await.unwrap());
    let opts = CallOptions::new().deadline(Duration::from_millis(50));
    let err = client.slow_with(opts, 10_000).await.unwrap_err();
    assert_eq!(err.code, Code::DeadlineExceeded);
    assert!(
        wait_for(&server.service.dropped, 1).await,
        "the handler future was dropped"
    );
    // The connection is still good for the next call.
    assert_eq!(client.slow(5).await.unwrap(), 5);
    server.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn the_server_enforces_the_deadline_it_was_sent() {
    use mini_rpc::Channel;
    let server = start(Server::builder()).await;
    let channel = Client::connect(server.addr).await.unwrap();
    // Give the server a 30 ms budget but wait far longer on the client, by
    // calling the raw channel with a deadline the server sees...
    let payload = mini_rpc::CodecKind::Postcard.encode(&(10_000u64,)).unwrap();
    let opts = CallOptions::new().deadline(Duration::from_millis(30));
    let err = channel.unary("Echo.slow", payload, opts).await.unwrap_err();
    // ...either side may notice first; both say DeadlineExceeded.
    assert_eq!(err.code, Code::DeadlineExceeded);
    assert!(wait_for(&server.service.dropped, 1).await);
    server.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn dropping_a_call_cancels_its_handler_on_the_server() {
    let server = start(Server::builder()).await;
    let client = EchoClient::new(Client::connect(server.addr).await.unwrap());
    let call = tokio::spawn({
        let client = client.clone();
        async move { client.slow(60_000).await }
    });
    assert!(
        wait_for(&server.service.started, 1).await,
        "the handler started"
    );
    call.abort(); // drops the call future: a cancel frame goes out
    assert!(
        wait_for(&server.service.dropped, 1).await,
        "the handler was cancelled"
    );
    assert_eq!(
        client.echo("still here".into()).await.unwrap(),
        "still here"
    );
    server.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn graceful_shutdown_finishes_in_flight_calls_and_refuses_new_ones() {
    let server = start(Server::builder()).await;
    let addr = server.addr;
    let client = EchoClient::new(Client::connect(addr).await.unwrap());
    let in_flight = tokio::spawn({
        let client = client.clone();
        async move { client.slow(500).await }
    });
    assert!(wait_for(&server.service.started, 1).await);
    let dropped = server.service.dropped.clone();
    server.shutdown().await;
    assert_eq!(
        in_flight.await.unwrap().unwrap(),
        500,
        "the in-flight call completed"
    );
    assert_eq!(dropped.load(Ordering::SeqCst), 0);
    let err = Client::connect(addr).await.err().unwrap();
    assert_eq!(err.code, Code::Unavailable, "nothing listens any more");
}

#[tokio::test]
async fn the_client_reconnects_after_a_server_restart() {
    let server = start(Server::builder()).await;
    let addr = server.addr;
    let channel = Client::builder(addr)
        .reconnect(Backoff {
            initial: Duration::from_millis(5),
            max: Duration::from_millis(20),
        })
        .retry(RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        })
        .connect()
        .await
        .unwrap();
    let client = EchoClient::new(channel);
    assert_eq!(client.add(1, 2).await.unwrap(), 3);
    server.shutdown().await;
    let err = client.add(1, 2).await.unwrap_err();
    assert_eq!(err.code, Code::Unavailable);

    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    let server = start_on(listener, Server::builder());
    let mut answer = None;
    for _ in 0..100 {
        match client.add(2, 3).await {
            Ok(v) => {
                answer = Some(v);
                break;
            }
            Err(e) => {
                assert_eq!(e.code, Code::Unavailable);
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
    }
    assert_eq!(
        answer,
        Some(5),
        "calls succeed again once the server is back"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn idempotent_calls_are_retried_across_a_restart() {
    let server = start(Server::builder()).await;
    let addr = server.addr;
    let channel = Client::builder(addr)
        .reconnect(Backoff {
            initial: Duration::from_millis(1),
            max: Duration::from_millis(5),
        })
        .retry(RetryPolicy {
            max_attempts: 50,
            backoff: Backoff {
                initial: Duration::from_millis(5),
                max: Duration::from_millis(10),
            },
        })
        .connect()
        .await
        .unwrap();
    let client = EchoClient::new(channel);
    server.shutdown().await;
    let restart = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(30)).await;
        start_on(
            tokio::net::TcpListener::bind(addr).await.unwrap(),
            Server::builder(),
        )
    });
    // `echo` is #[idempotent]: it waits out the restart through retries.
    assert_eq!(client.echo("again".into()).await.unwrap(), "again");
    restart.await.unwrap().shutdown().await;
}

#[tokio::test]
async fn an_enormous_deadline_means_no_deadline_not_a_panic() {
    let server = start(Server::builder()).await;
    let client = EchoClient::new(Client::connect(server.addr).await.unwrap());
    let opts = CallOptions::new().deadline(Duration::MAX);
    assert_eq!(client.add_with(opts, 1, 1).await.unwrap(), 2);
    assert_eq!(client.add(2, 2).await.unwrap(), 4, "the server survived it");
    server.shutdown().await;
}
