//! A streamed response body, connection side: chunks from the handler's
//! channel go out as they come (chunked, or raw under a known
//! `Content-Length`), while the socket is watched so that a client that
//! goes away ends the stream at once — or, when the handler still reads the
//! request body (full duplex, like an echo), while that body keeps feeding.

use std::time::Duration;

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::request_body::Feed;
use super::{Conn, ReadEnd};
use crate::http::{Version, write_chunk, write_last_chunk};

/// What the socket side did while a stream waited for its next chunk.
enum Watch {
    /// Bytes came in (buffered for later, or fed to the request body).
    Going,
    /// The client closed or reset.
    Gone,
}

impl<IO: AsyncRead + AsyncWrite + Send + Unpin + 'static> Conn<IO> {
    /// Sends a streamed body as its chunks arrive, then its end. `Ok(false)`:
    /// the connection cannot carry another response (the client went away,
    /// or a sized stream ended short or ran long).
    pub(super) async fn stream_body(
        &mut self,
        mut rx: mpsc::Receiver<Bytes>,
        version: Version,
        len: Option<u64>,
        mut feed: Option<&mut Feed>,
    ) -> std::io::Result<bool> {
        self.flush().await?;
        let mut sent = 0u64;
        loop {
            let chunk = tokio::select! {
                chunk = rx.recv() => chunk,
                watch = self.feed_or_watch(feed.as_deref_mut()) => match watch? {
                    Watch::Going => continue,
                    Watch::Gone => return Ok(false),
                },
            };
            let Some(data) = chunk else {
                return Ok(match len {
                    Some(len) if sent < len => {
                        tracing::warn!(sent, len, "a sized body stream ended short; closing");
                        false
                    }
                    Some(_) => true,
                    None => {
                        write_last_chunk(&mut self.write, version);
                        true
                    }
                });
            };
            match len {
                Some(len) => {
                    let room = usize::try_from(len - sent).unwrap_or(usize::MAX);
                    let take = data.len().min(room);
                    self.write.extend_from_slice(&data[..take]);
                    sent += take as u64;
                    if take < data.len() {
                        tracing::warn!(len, "a sized body stream ran long; closing");
                        self.flush().await?;
                        return Ok(false);
                    }
                }
                None => write_chunk(&mut self.write, &data, version),
            }
            self.flush().await?;
        }
    }

    /// Feeds the request body if it is still streaming in, else waits for
    /// the client's next bytes: pipelined requests stay buffered for after
    /// the stream (up to one head's worth, then reading stops), and an end
    /// of file means the client is gone.
    async fn feed_or_watch(&mut self, feed: Option<&mut Feed>) -> std::io::Result<Watch> {
        if let Some(feed) = feed.filter(|f| f.running()) {
            self.feed_step(feed).await?;
            return Ok(Watch::Going);
        }
        if self.read.len() >= self.limits.max_head_bytes {
            std::future::pending::<()>().await;
        }
        let far = Instant::now() + Duration::from_secs(24 * 3600);
        Ok(match self.read_more(far, false).await? {
            ReadEnd::Data => Watch::Going,
            _ => Watch::Gone,
        })
    }
}
