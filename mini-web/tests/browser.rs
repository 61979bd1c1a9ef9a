//! A real browser: headless Chromium loads the `live_page` example, whose
//! page talks to the server by WebSocket (with the `permessage-deflate`
//! the browser offers) and by Server-Sent Events (with the reconnect and
//! `Last-Event-ID` EventSource does by itself), and writes what it received
//! into the DOM; the test reads the DOM Chromium dumps.
//!
//! Skips, saying why, when Chromium or the example binary is missing.

mod common;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::process::{Guard, find_example, start_example};

/// `chromium` (Debian's name) or `chromium-browser`, from `PATH`.
fn find_chromium() -> Option<PathBuf> {
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .flat_map(|d| [d.join("chromium"), d.join("chromium-browser")])
        .find(|p| p.is_file())
}

/// Loads `url` and returns the DOM after the page's scripts ran.
fn dump_dom(chromium: &PathBuf, url: &str) -> String {
    let profile = std::env::temp_dir().join(format!("mini-web-chromium-{}", std::process::id()));
    // No sandbox, GPU or /dev/shm in a container; a profile of its own so
    // that a concurrent Chromium does not share it. The virtual-time budget
    // lets the page's timers (EventSource's 100 ms retry) run without real
    // waiting; Chromium exits once it is spent.
    let mut cmd = Command::new(chromium);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--virtual-time-budget=5000",
        "--dump-dom",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .arg(url)
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::null());
    let mut guard = Guard(cmd.spawn().expect("starting chromium"));
    // Read stdout on a thread so the wait below is bounded.
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = guard.0.stdout.take();
    std::thread::spawn(move || {
        let mut out = String::new();
        if let Some(mut s) = stdout {
            let _ = std::io::Read::read_to_string(&mut s, &mut out);
        }
        let _ = tx.send(out);
    });
    let dom = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("chromium ran over 60 s");
    drop(guard);
    let _ = std::fs::remove_dir_all(&profile);
    dom
}

#[test]
fn chromium_receives_websocket_and_sse() {
    let Some(chromium) = find_chromium() else {
        eprintln!("skipped: chromium not installed — apt-get install -y chromium");
        return;
    };
    let Some(example) = find_example("live_page") else {
        eprintln!(
            "skipped: the live_page example is not built — cargo build -p mini-web --example live_page (cargo test builds it)"
        );
        return;
    };
    let (_server, port) = start_example(&example);
    let dom = dump_dom(&chromium, &format!("http://127.0.0.1:{port}/"));
    let expect = [
        // The handshake as the browser saw it: our subprotocol and the extension agreed.
        "<li>protocol=echo extensions=permessage-deflate</li>",
        "<li>echo: hello from the browser</li>",
        "<li>echo: text of 2008 chars starting héllo ✓ </li>",
        "<li>echo: binary 1,2,3,250</li>",
        r#"<span id="ws-state">closed code=1000 clean=true</span>"#,
        // Three ticks, the stream's end, the reconnect with Last-Event-ID: 3, three more.
        "<li>id=1 data=tick 1</li><li>id=2 data=tick 2</li><li>id=3 data=tick 3</li><li>open</li><li>id=4 data=tick 4</li>",
        "<li>id=6 data=tick 6</li>",
        r#"<p id="done">all done</p>"#,
    ];
    let missing: Vec<&str> = expect
        .iter()
        .copied()
        .filter(|e| !dom.contains(e))
        .collect();
    assert!(
        missing.is_empty(),
        "missing from the DOM: {missing:#?}\n{dom}"
    );
}
