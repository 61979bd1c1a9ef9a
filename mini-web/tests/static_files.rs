//! Static files at the wire: types, ETag/304, ranges, and traversal attempts
//! sent as raw bytes (clients would normalise `..` away before sending).

mod common;

use common::{exchange, spawn, status_of};
use mini_web::Router;
use mini_web::http::Limits;
use mini_web::router::get;
use mini_web::static_files::serve_dir;

#[tokio::test]
async fn serves_files_and_refuses_traversal() {
    let base = std::env::temp_dir().join(format!("mini-web-static-{}", std::process::id()));
    let root = base.join("public");
    std::fs::create_dir_all(root.join("css")).unwrap();
    std::fs::write(root.join("index.html"), "<h1>hi</h1>").unwrap();
    std::fs::write(root.join("css/site.css"), "body{color:red}").unwrap();
    std::fs::write(base.join("secret.txt"), "top secret").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(base.join("secret.txt"), root.join("link.txt")).unwrap();

    let app = Router::new().route("/static/{*path}", get(serve_dir(root.clone())));
    let (addr, _stop, _h) = spawn(app, Limits::default()).await;
    let get = |path: &str, extra: &str| {
        format!("GET /static/{path} HTTP/1.1\r\nHost: h\r\nConnection: close\r\n{extra}\r\n")
    };

    let out = exchange(addr, get("index.html", "").as_bytes()).await;
    assert!(
        out.starts_with("HTTP/1.1 200 OK") && out.contains("content-type: text/html"),
        "{out}"
    );
    assert!(out.ends_with("<h1>hi</h1>"));
    let etag = out
        .lines()
        .find_map(|l| l.strip_prefix("etag: "))
        .unwrap()
        .to_string();

    let out = exchange(
        addr,
        get("index.html", &format!("If-None-Match: {etag}\r\n")).as_bytes(),
    )
    .await;
    assert_eq!(status_of(&out), 304, "{out}");
    assert!(!out.contains("<h1>"));

    let out = exchange(addr, get("css/site.css", "Range: bytes=0-3\r\n").as_bytes()).await;
    assert_eq!(status_of(&out), 206, "{out}");
    assert!(
        out.contains("content-range: bytes 0-3/15") && out.ends_with("body"),
        "{out}"
    );
    let out = exchange(addr, get("css/site.css", "Range: bytes=99-\r\n").as_bytes()).await;
    assert_eq!(status_of(&out), 416, "{out}");

    for attack in [
        "../secret.txt",
        "css/../../secret.txt",
        "%2e%2e/secret.txt",
        "..%2fsecret.txt",
        "link.txt",
        "css",
        "nope.html",
    ] {
        let out = exchange(addr, get(attack, "").as_bytes()).await;
        assert_eq!(status_of(&out), 404, "{attack}: {out}");
        assert!(!out.contains("top secret"), "{attack} leaked");
    }
    let _ = std::fs::remove_dir_all(&base);
}

#[tokio::test]
async fn large_files_stream_with_their_length_ranges_and_head() {
    let root = std::env::temp_dir().join(format!("mini-web-static-big-{}", std::process::id()));
    std::fs::create_dir_all(&root).unwrap();
    // 1 MiB of text, so that the lossy string comparison below is exact.
    let text: String = (0..1 << 20)
        .map(|i| (b'a' + (i % 26) as u8) as char)
        .collect();
    std::fs::write(root.join("big.txt"), &text).unwrap();
    let app = Router::new().route("/static/{*path}", get(serve_dir(root.clone())));
    let (addr, _stop, _h) = spawn(app, Limits::default()).await;
    let req = |method: &str, extra: &str| {
        format!("{method} /static/big.txt HTTP/1.1\r\nHost: h\r\nConnection: close\r\n{extra}\r\n")
    };

    let out = exchange(addr, req("GET", "").as_bytes()).await;
    let (head, body) = out.split_once("\r\n\r\n").unwrap();
    assert!(head.contains("content-length: 1048576\r\n"), "{head}");
    assert!(!head.contains("transfer-encoding"), "{head}");
    assert!(body == text, "the whole file, in order");

    let out = exchange(
        addr,
        req("GET", "Range: bytes=100000-900000\r\n").as_bytes(),
    )
    .await;
    let (head, body) = out.split_once("\r\n\r\n").unwrap();
    assert_eq!(status_of(head), 206, "{head}");
    assert!(
        head.contains("content-range: bytes 100000-900000/1048576\r\n"),
        "{head}"
    );
    assert!(head.contains("content-length: 800001\r\n"), "{head}");
    assert!(body == &text[100000..=900000], "the range, exactly");

    let out = exchange(addr, req("HEAD", "").as_bytes()).await;
    assert!(out.contains("content-length: 1048576\r\n"), "{out}");
    assert!(out.ends_with("\r\n\r\n"), "no body: {out}");
    let _ = std::fs::remove_dir_all(&root);
}
