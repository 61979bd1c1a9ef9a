//! The streaming service twice — ours and tonic's — each written the way
//! its users write it: a bidirectional echo (`chat`) and a client stream
//! answered with its item count (`upload`).

use std::pin::Pin;

use futures::{Stream, StreamExt};
use mini_rpc::{Context, RequestStream, ServerStream, Status};

use crate::suites::mini_rpc::services::pb;

/// Ours: declared with `#[mini_rpc::service]`.
#[mini_rpc::service]
pub(crate) trait Streams {
    /// Answers every message with itself, as it comes.
    async fn chat(msgs: Streaming<String>) -> Streaming<String>;
    /// Reads every item; answers with how many there were.
    async fn upload(items: Streaming<String>) -> u64;
}

#[derive(Clone)]
pub(crate) struct OursStreams;

/// Replies the handler's task may queue before it waits for the client:
/// a reply channel is how mini-rpc handlers produce a stream.
const REPLY_QUEUE: usize = 16;

impl Streams for OursStreams {
    async fn chat(
        &self,
        _ctx: Context,
        mut msgs: RequestStream<String>,
    ) -> Result<ServerStream<String>, Status> {
        let (tx, stream) = ServerStream::channel(REPLY_QUEUE);
        tokio::spawn(async move {
            while let Some(msg) = msgs.next().await {
                match msg {
                    Ok(msg) => {
                        if tx.send(msg).await.is_err() {
                            return; // the client is gone
                        }
                    }
                    Err(status) => return tx.fail(status).await,
                }
            }
        });
        Ok(stream)
    }

    async fn upload(&self, _ctx: Context, mut items: RequestStream<String>) -> Result<u64, Status> {
        let mut count = 0;
        while let Some(item) = items.next().await {
            item?;
            count += 1;
        }
        Ok(count)
    }
}

/// tonic: the generated `Streams` server trait.
#[derive(Clone, Copy, Default)]
pub(crate) struct TonicStreams;

type ChatReplies = Pin<Box<dyn Stream<Item = Result<pb::EchoReply, tonic::Status>> + Send>>;

#[tonic::async_trait]
impl pb::streams_server::Streams for TonicStreams {
    type ChatStream = ChatReplies;

    /// Maps the incoming stream straight into the reply stream, as tonic's
    /// streaming example does (no task, no channel).
    async fn chat(
        &self,
        request: tonic::Request<tonic::Streaming<pb::EchoRequest>>,
    ) -> Result<tonic::Response<ChatReplies>, tonic::Status> {
        let replies = request.into_inner().map(|msg| {
            msg.map(|msg| pb::EchoReply {
                payload: msg.payload,
            })
        });
        Ok(tonic::Response::new(Box::pin(replies)))
    }

    async fn upload(
        &self,
        request: tonic::Request<tonic::Streaming<pb::EchoRequest>>,
    ) -> Result<tonic::Response<pb::UploadReply>, tonic::Status> {
        let mut items = request.into_inner();
        let mut count = 0;
        while let Some(item) = items.next().await {
            item?;
            count += 1;
        }
        Ok(tonic::Response::new(pb::UploadReply { items: count }))
    }
}
