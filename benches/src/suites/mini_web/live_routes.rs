//! The routes of benches `websocket` and `sse`, written the same way on
//! both servers with each framework's own API:
//!
//! - `GET /ws`: a WebSocket echo (binary and text back as they came; no
//!   compression — tungstenite under axum has no `permessage-deflate`, and
//!   the load client offers none).
//! - `GET /sse`: an event stream subscribed to the server's broadcast channel.
//! - `POST /publish`: sends the body, as one event's data, to every
//!   subscriber; the body `end` ends every stream instead (so that a
//!   finished bench leaves no endless response for graceful shutdown to wait on).

use std::convert::Infallible;

use tokio::sync::broadcast;

/// The `/publish` body that ends every stream.
pub(crate) const END: &str = "end";

/// Events the broadcast channel holds for a subscriber that lags (the bench
/// publishes one at a time, so one would do).
const BACKLOG: usize = 16;

/// mini-web's `/ws`, `/sse` and `/publish` on `app`.
pub(crate) fn ours(app: mini_web::Router) -> mini_web::Router {
    use mini_web::router::{get, post};
    use mini_web::sse::{Event, Sse};
    use mini_web::ws::{Message, WebSocketUpgrade};

    let (tx, _) = broadcast::channel::<String>(BACKLOG);
    let publish_tx = tx.clone();
    app.route(
        "/ws",
        get(|ws: WebSocketUpgrade| async move {
            ws.on_upgrade(|mut socket| async move {
                while let Some(Ok(msg)) = socket.recv().await {
                    if matches!(msg, Message::Text(_) | Message::Binary(_))
                        && socket.send(msg).await.is_err()
                    {
                        break;
                    }
                }
            })
        }),
    )
    .route(
        "/sse",
        get(move || {
            // Subscribed before the response head goes out: a client that has
            // the head will see the next event.
            let mut rx = tx.subscribe();
            async move {
                let (events, sse) = Sse::channel(BACKLOG);
                tokio::spawn(async move {
                    while let Ok(data) = rx.recv().await {
                        if data == END || events.send(Event::default().data(&data)).await.is_err() {
                            break; // the client went away
                        }
                    }
                });
                // axum's Sse sends no keep-alive unless asked; neither does ours here.
                sse.keep_alive(None)
            }
        }),
    )
    .route(
        "/publish",
        post(move |body: String| {
            let tx = publish_tx.clone();
            async move {
                let _ = tx.send(body);
                "published"
            }
        }),
    )
}

/// axum's `/ws`, `/sse` and `/publish` on `app`.
pub(crate) fn axum(app: axum::Router) -> axum::Router {
    use axum::extract::ws::{Message, WebSocketUpgrade};
    use axum::response::sse::{Event, Sse};
    use axum::routing::{get, post};

    let (tx, _) = broadcast::channel::<String>(BACKLOG);
    let publish_tx = tx.clone();
    app.route(
        "/ws",
        get(|ws: WebSocketUpgrade| async move {
            ws.on_upgrade(|mut socket| async move {
                while let Some(Ok(msg)) = socket.recv().await {
                    if matches!(msg, Message::Text(_) | Message::Binary(_))
                        && socket.send(msg).await.is_err()
                    {
                        break;
                    }
                }
            })
        }),
    )
    .route(
        "/sse",
        get(move || {
            let rx = tx.subscribe();
            async move {
                // The stream polls the channel directly from the connection's task.
                let stream = futures::stream::unfold(rx, |mut rx| async move {
                    let data = rx.recv().await.ok().filter(|d| d != END)?;
                    Some((Ok::<_, Infallible>(Event::default().data(data)), rx))
                });
                Sse::new(stream)
            }
        }),
    )
    .route(
        "/publish",
        post(move |body: String| {
            let tx = publish_tx.clone();
            async move {
                let _ = tx.send(body);
                "published"
            }
        }),
    )
}
