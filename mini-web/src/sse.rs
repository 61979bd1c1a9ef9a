//! Server-Sent Events (WHATWG HTML §9.2, `text/event-stream`): events with
//! `event`, `id`, `retry` and `data` fields, keep-alive comments, and the
//! `Last-Event-ID` a reconnecting client sends. Mirrors axum's
//! `response::sse::{Sse, Event, KeepAlive}`.
//!
//! ```text
//! handler ──Event──► mpsc ──► forwarder task ──Bytes──► BodyStream ──► conn writes chunks
//!                              │ every keep_alive: ":\n\n"
//!                              └ ends when the events end or the client is gone
//! ```
//!
//! A client that goes away ends everything: the connection drops the body
//! stream, the forwarder sees its sender closed and returns, dropping the
//! events' receiver, and the producer's next `send` fails.

use std::fmt::Write as _;
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::mpsc;

use crate::Request;
use crate::extract::FromRequestParts;
use crate::http::StatusCode;
use crate::response::{IntoResponse, Response};
use crate::stream::BodyStream;

/// One event. Mirrors `axum::response::sse::Event`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Event {
    /// The encoded fields, ready for the wire.
    text: String,
}

impl Event {
    /// Sets the `data` field; a multi-line value becomes one `data:` line per line.
    pub fn data(mut self, data: &str) -> Event {
        for line in data.split('\n') {
            let line = line.strip_suffix('\r').unwrap_or(line);
            self.field("data", line);
        }
        self
    }

    /// Sets the `event` field (the type the client's `addEventListener` names).
    /// Line breaks are removed: they would end the field early.
    pub fn event(mut self, name: &str) -> Event {
        self.field("event", &one_line(name));
        self
    }

    /// Sets the `id` field, which the client sends back as `Last-Event-ID`
    /// when it reconnects. Line breaks and NUL are removed (a NUL makes the
    /// client ignore the field).
    pub fn id(mut self, id: &str) -> Event {
        self.field("id", &one_line(id).replace('\0', ""));
        self
    }

    /// Sets the `retry` field: how long the client waits before reconnecting.
    pub fn retry(mut self, after: Duration) -> Event {
        self.field("retry", &after.as_millis().to_string());
        self
    }

    /// A comment line (`: text`), which clients ignore: used for keep-alives.
    pub fn comment(mut self, text: &str) -> Event {
        let _ = writeln!(self.text, ":{}", one_line(text));
        self
    }

    fn field(&mut self, name: &str, value: &str) {
        let _ = writeln!(self.text, "{name}: {value}");
    }

    /// The event on the wire: its fields and the blank line that ends it.
    pub fn to_bytes(&self) -> Bytes {
        let mut out = String::with_capacity(self.text.len() + 1);
        out.push_str(&self.text);
        out.push('\n');
        Bytes::from(out)
    }
}

fn one_line(s: &str) -> String {
    s.replace(['\r', '\n'], "")
}

/// An event stream response: events from `events`, keep-alive comments
/// between them. Mirrors `axum::response::Sse`.
#[derive(Debug)]
pub struct Sse {
    /// Where the events come from.
    events: mpsc::Receiver<Event>,
    /// Quiet time after which a keep-alive comment is sent; `None`: never.
    keep_alive: Option<Duration>,
}

impl Sse {
    /// A stream of the events sent to the returned sender; `capacity` may
    /// wait unsent (a producer past it waits: backpressure).
    pub fn channel(capacity: usize) -> (mpsc::Sender<Event>, Sse) {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        (tx, Sse::new(rx))
    }

    /// A stream of the events `events` yields. Keep-alive every 15 s, as axum's default.
    pub fn new(events: mpsc::Receiver<Event>) -> Sse {
        Sse {
            events,
            keep_alive: Some(Duration::from_secs(15)),
        }
    }

    /// Sets the keep-alive interval (`None` turns keep-alives off).
    pub fn keep_alive(mut self, every: Option<Duration>) -> Sse {
        self.keep_alive = every;
        self
    }
}

/// Turns events into body chunks until the events end or the client is gone.
async fn forward(
    mut events: mpsc::Receiver<Event>,
    out: mpsc::Sender<Bytes>,
    keep_alive: Option<Duration>,
) {
    let ping = Event::default().comment("").to_bytes();
    loop {
        let quiet = async {
            match keep_alive {
                Some(d) => tokio::time::sleep(d).await,
                None => std::future::pending().await,
            }
        };
        let chunk = tokio::select! {
            ev = events.recv() => match ev {
                Some(ev) => ev.to_bytes(),
                None => return,
            },
            () = quiet => ping.clone(),
            () = out.closed() => return,
        };
        if out.send(chunk).await.is_err() {
            return;
        }
    }
}

impl IntoResponse for Sse {
    fn into_response(self) -> Response {
        let (tx, body) = BodyStream::channel(16);
        tokio::spawn(forward(self.events, tx, self.keep_alive));
        let mut res = Response::new(StatusCode::OK)
            .with_header("content-type", "text/event-stream")
            .with_header("cache-control", "no-cache");
        res.stream = Some(body);
        res
    }
}

/// The `Last-Event-ID` a reconnecting client sent, if any.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LastEventId(pub Option<String>);

impl<S> FromRequestParts<S> for LastEventId {
    type Rejection = std::convert::Infallible;
    fn from_request_parts(req: &Request, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(LastEventId(
            req.header_str("last-event-id").map(String::from),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_fields() {
        let ev = Event::default()
            .event("tick\nx")
            .id("7")
            .retry(Duration::from_millis(1500))
            .data("a\nb\r\nc");
        assert_eq!(
            &ev.to_bytes()[..],
            b"event: tickx\nid: 7\nretry: 1500\ndata: a\ndata: b\ndata: c\n\n"
        );
        assert_eq!(&Event::default().comment("").to_bytes()[..], b":\n\n");
    }
}
