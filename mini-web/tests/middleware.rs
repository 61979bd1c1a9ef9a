//! The onion: layer order, per-group layers, CORS preflight, timeout.
//! Driven through `Router::dispatch`, no socket needed.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use mini_web::http::StatusCode;
use mini_web::middleware::{Cors, Next, cors, timeout};
use mini_web::router::get;
use mini_web::{Request, Response, Router};

fn req(raw: &str) -> Request {
    Request::parse(raw.as_bytes()).unwrap()
}

#[tokio::test]
async fn layers_wrap_like_an_onion_and_groups_have_their_own() {
    let trace = Arc::new(Mutex::new(Vec::<String>::new()));
    let tag = |name: &'static str, trace: Arc<Mutex<Vec<String>>>| {
        move |req: Request, next: Next| {
            let trace = trace.clone();
            async move {
                trace.lock().unwrap().push(format!("{name} in"));
                let res: Response = next.run(req).await;
                trace.lock().unwrap().push(format!("{name} out"));
                res
            }
        }
    };
    let app = Router::new()
        .route("/open", get(|| async { "open" }))
        .group("/admin", |g| {
            g.route("/panel", get(|| async { "panel" }))
                .layer(tag("auth", trace.clone()))
        })
        .layer(tag("inner", trace.clone()))
        .layer(tag("outer", trace.clone()));

    let res = app
        .dispatch(req("GET /admin/panel HTTP/1.1\r\nHost: h\r\n\r\n"))
        .await;
    assert_eq!(res.body, "panel");
    assert_eq!(
        *trace.lock().unwrap(),
        [
            "outer in",
            "inner in",
            "auth in",
            "auth out",
            "inner out",
            "outer out"
        ]
    );

    trace.lock().unwrap().clear();
    app.dispatch(req("GET /open HTTP/1.1\r\nHost: h\r\n\r\n"))
        .await;
    assert_eq!(
        *trace.lock().unwrap(),
        ["outer in", "inner in", "inner out", "outer out"],
        "no auth outside the group"
    );

    trace.lock().unwrap().clear();
    let res = app
        .dispatch(req("GET /missing HTTP/1.1\r\nHost: h\r\n\r\n"))
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(trace.lock().unwrap().len(), 4, "root layers also see 404s");
}

#[tokio::test]
async fn cors_answers_preflight_and_tags_responses() {
    let cfg = Cors {
        allow_origins: vec!["https://app.example".into()],
        ..Cors::permissive()
    };
    let app = Router::new()
        .route("/data", get(|| async { "data" }))
        .layer(cors(cfg));
    let res = app
        .dispatch(req(
            "OPTIONS /data HTTP/1.1\r\nHost: h\r\nOrigin: https://app.example\r\nAccess-Control-Request-Method: GET\r\n\r\n",
        ))
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    assert_eq!(
        res.header("access-control-allow-origin"),
        Some("https://app.example")
    );
    assert!(res.header("access-control-allow-methods").is_some());

    let res = app
        .dispatch(req(
            "GET /data HTTP/1.1\r\nHost: h\r\nOrigin: https://evil.example\r\n\r\n",
        ))
        .await;
    assert_eq!(res.body, "data");
    assert_eq!(
        res.header("access-control-allow-origin"),
        None,
        "unlisted origin gets no grant"
    );
}

#[tokio::test(start_paused = true)]
async fn timeout_answers_408() {
    let app = Router::new()
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(60)).await;
                "late"
            }),
        )
        .route("/fast", get(|| async { "fast" }))
        .layer(timeout(Duration::from_secs(1)));
    assert_eq!(
        app.dispatch(req("GET /slow HTTP/1.1\r\nHost: h\r\n\r\n"))
            .await
            .status,
        StatusCode::REQUEST_TIMEOUT
    );
    assert_eq!(
        app.dispatch(req("GET /fast HTTP/1.1\r\nHost: h\r\n\r\n"))
            .await
            .body,
        "fast"
    );
}
