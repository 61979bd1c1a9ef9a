//! The demo of the kv-cache talk (`notes/src/talks/kv-cache.md`) runs as
//! written, so a demo never rots.
//!
//! Every ```` ```console ```` block of the talk is a script: `$ command`
//! lines, each followed by the output the audience will see. The test
//! starts a kv-cache server, runs each command with `sh -c` (port 6380
//! replaced by the server's), and compares the output line by line. A line
//! `...` stands for any output (a benchmark's numbers). Because a terminal
//! shows redis-cli's formatted replies (`(integer) 3`) and a pipe gets the
//! raw ones (`3`), `redis-cli` runs with `--no-raw`, which is what the
//! audience sees on a terminal.
//!
//! The same script is also run against a real redis-server when one is
//! installed: the talk claims both print the same.

mod common;

use std::process::Command;

/// The talk whose demo this test keeps true.
const TALK: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../notes/src/talks/kv-cache.md"
);

/// One step of a demo: a shell command and the lines it must print.
#[derive(Debug)]
struct Step {
    command: String,
    expected: Vec<String>,
}

/// The steps of every `console` block of `markdown`.
fn demo_steps(markdown: &str) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    let mut in_block = false;
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            in_block = !in_block && line.trim() == "```console";
            continue;
        }
        if !in_block {
            continue;
        }
        if let Some(cmd) = line.strip_prefix("$ ") {
            steps.push(Step {
                command: cmd.to_string(),
                expected: Vec::new(),
            });
        } else if let Some(step) = steps.last_mut() {
            step.expected.push(line.to_string());
        }
    }
    steps
}

/// Whether `got` matches `expected`, where an expected `...` line matches
/// any number of lines.
fn matches(expected: &[String], got: &[&str]) -> bool {
    match expected.split_first() {
        None => got.is_empty(),
        Some((first, rest)) if first == "..." => {
            (0..=got.len()).any(|skip| matches(rest, &got[skip..]))
        }
        Some((first, rest)) => got.first() == Some(&first.as_str()) && matches(rest, &got[1..]),
    }
}

fn tool_missing(name: &str) -> bool {
    Command::new(name).arg("--version").output().is_err()
}

/// Runs the talk's demo against the server at `port`; returns the first
/// mismatch as a readable report.
fn run_demo(port: u16) -> Result<usize, String> {
    let talk = std::fs::read_to_string(TALK).map_err(|e| format!("reading {TALK}: {e}"))?;
    let steps = demo_steps(&talk);
    if steps.is_empty() {
        return Err(format!("no ```console block in {TALK}"));
    }
    for step in &steps {
        let command = step
            .command
            .replace("redis-cli ", "redis-cli --no-raw ")
            .replace("6380", &port.to_string());
        let out = Command::new("sh")
            .arg("-c")
            .arg(&command)
            .output()
            .map_err(|e| format!("running {command}: {e}"))?;
        let text = String::from_utf8_lossy(&out.stdout);
        let got: Vec<&str> = text.lines().collect();
        if !matches(&step.expected, &got) {
            return Err(format!(
                "$ {}\nexpected:\n{}\ngot:\n{}",
                step.command,
                step.expected.join("\n"),
                text
            ));
        }
    }
    Ok(steps.len())
}

#[test]
fn the_demo_script_parses_and_wildcards_match() {
    let steps = demo_steps("text\n```console\n$ a\nx\n...\n$ b\n```\n```text\n$ c\n```\n");
    assert_eq!(steps.len(), 2);
    assert_eq!(steps[0].expected, ["x", "..."]);
    assert!(steps[1].expected.is_empty());
    let e = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert!(matches(&e(&["x", "..."]), &["x", "1", "2"]));
    assert!(matches(&e(&["...", "end"]), &["a", "end"]));
    assert!(!matches(&e(&["x"]), &["x", "y"]));
    assert!(!matches(&e(&["x", "..."]), &["y"]));
}

#[test]
fn the_kv_cache_talk_demo_prints_what_the_talk_says() {
    if tool_missing("redis-cli") || tool_missing("redis-benchmark") {
        println!(
            "redis-cli/redis-benchmark not installed: skipping the talk demo (apt-get install redis-tools)"
        );
        return;
    }
    let ours = common::start_ours(|_| {});
    let steps = run_demo(ours.addr.port()).unwrap_or_else(|report| panic!("kv-cache: {report}"));
    assert!(steps >= 10, "the demo has {steps} steps");
    if let Some(redis) = common::start_redis() {
        run_demo(redis.addr.port()).unwrap_or_else(|report| panic!("redis-server: {report}"));
    }
}
