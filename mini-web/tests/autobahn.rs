//! Autobahn|Testsuite's fuzzing client against the `ws_echo` example:
//! sections 1–10 of the WebSocket conformance suite (framing, pings,
//! reserved bits, opcodes, fragmentation, UTF-8, close handling, limits and
//! performance, auto-fragmentation), and sections 12–13 (`permessage-deflate`;
//! a subset in CI, all with `MINI_WEB_AUTOBAHN_FULL=1`). Every case must end `OK`,
//! `NON-STRICT` or `INFORMATIONAL` — none `FAILED` — for both the case and
//! its close, as the report's `index.json` records them.
//!
//! Skips, saying why, when `wstest` or the example binary is missing.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::process::{find_example, run_bounded, start_example};

/// `wstest` from `$WSTEST`, pyenv's Python 2.7 (where the suite installs),
/// or `PATH` — but not a pyenv shim, which exists once any pyenv Python has
/// the command and fails when the selected Python lacks it.
fn find_wstest() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("WSTEST") {
        return Some(PathBuf::from(p));
    }
    let pyenv = std::env::var_os("PYENV_ROOT")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".pyenv")))
        .map(|root| root.join("versions/2.7.18/bin/wstest"))
        .filter(|p| p.is_file());
    pyenv.or_else(|| {
        let paths = std::env::var_os("PATH")?;
        std::env::split_paths(&paths)
            .filter(|d| !d.ends_with("shims"))
            .map(|d| d.join("wstest"))
            .find(|p| p.is_file())
    })
}

/// Checks `index.json`: at least `min_cases` ran, none failed.
fn check_report(index: &Path, min_cases: usize) {
    let text = std::fs::read_to_string(index).expect("wstest wrote no index.json");
    let report: serde_json::Value = serde_json::from_str(&text).expect("index.json is JSON");
    let cases = report["mini-web"]
        .as_object()
        .expect("no results for agent mini-web");
    let mut failed = Vec::new();
    let mut tally = std::collections::BTreeMap::<String, usize>::new();
    for (id, result) in cases {
        let behavior = result["behavior"].as_str().unwrap_or("?");
        let close = result["behaviorClose"].as_str().unwrap_or("?");
        *tally.entry(format!("{behavior}/{close}")).or_default() += 1;
        let ok = matches!(behavior, "OK" | "NON-STRICT" | "INFORMATIONAL")
            && matches!(close, "OK" | "INFORMATIONAL");
        if !ok {
            failed.push(format!("{id}: {behavior} (close {close})"));
        }
    }
    eprintln!("autobahn: {} cases: {tally:?}", cases.len());
    assert!(cases.len() >= min_cases, "only {} cases ran", cases.len());
    assert!(failed.is_empty(), "cases not passed: {failed:#?}");
}

/// Runs the fuzzing client on `cases` against a fresh `ws_echo`, then checks the report.
fn run_suite(name: &str, cases: &[String], min_cases: usize, limit: Duration) {
    let Some(wstest) = find_wstest() else {
        eprintln!(
            "skipped: wstest (Autobahn|Testsuite) not installed — $(pyenv root)/versions/2.7.18/bin/python -m pip install autobahntestsuite"
        );
        return;
    };
    let Some(example) = find_example("ws_echo") else {
        eprintln!(
            "skipped: the ws_echo example is not built — cargo build -p mini-web --example ws_echo (cargo test builds it)"
        );
        return;
    };
    let (_server, port) = start_example(&example);
    let dir = std::env::temp_dir().join(format!("mini-web-autobahn-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let spec = serde_json::json!({
        "outdir": dir.join("reports"),
        "servers": [{"agent": "mini-web", "url": format!("ws://127.0.0.1:{port}/")}],
        "cases": cases,
        "exclude-cases": [],
        "exclude-agent-cases": {}
    });
    let spec_path = dir.join("spec.json");
    std::fs::write(&spec_path, spec.to_string()).unwrap();
    let mut cmd = Command::new(&wstest);
    cmd.args(["-m", "fuzzingclient", "-s"])
        .arg(&spec_path)
        .current_dir(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let status = run_bounded(cmd, limit);
    assert!(
        status.is_some_and(|s| s.success()),
        "wstest failed or ran over {limit:?}"
    );
    check_report(&dir.join("reports/index.json"), min_cases);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn autobahn_sections_1_to_10_pass() {
    let cases = [
        "1.*", "2.*", "3.*", "4.*", "5.*", "6.*", "7.*", "9.*", "10.*",
    ]
    .map(String::from);
    // Sections 1-10 hold 301 cases in autobahntestsuite 25.10.1 (section 8 is empty).
    run_suite("1-10", &cases, 300, Duration::from_secs(300));
}

/// Sections 12 (compressed echo of five kinds of data) and 13 (the same
/// under seven offer/accept combinations of context takeover and window
/// bits): 216 cases of 1,000 messages each, up to 128 KiB, which takes
/// far too long for CI (each 16-byte case alone takes 2–3 s, most of it in
/// the Python 2 client). CI runs the smallest case of every data set and of
/// every parameter combination, and one auto-fragmented case (8 KiB
/// messages in 256-byte frames) in each section: 14 cases.
/// `MINI_WEB_AUTOBAHN_FULL=1` runs all 216 (allowed 3 hours: a debug
/// build on a busy 2-core machine did not finish them in one).
#[test]
fn autobahn_sections_12_13_permessage_deflate_pass() {
    let full = std::env::var_os("MINI_WEB_AUTOBAHN_FULL").is_some_and(|v| v == "1");
    let (cases, min, limit): (Vec<String>, usize, u64) = if full {
        (vec!["12.*".into(), "13.*".into()], 216, 10_800)
    } else {
        let smallest = (1..=5)
            .map(|g| format!("12.{g}.1"))
            .chain((1..=7).map(|g| format!("13.{g}.1")));
        let fragmented = ["12.1.11", "13.7.11"].map(String::from);
        (smallest.chain(fragmented).collect(), 14, 300)
    };
    run_suite("12-13", &cases, min, Duration::from_secs(limit));
}
