//! The README's main command, end to end: `benches event-loop --quick`
//! must run every event-loop comparison and print one table for each. This
//! is the smoke test `--quick` exists for; figures are not judged here
//! (speed targets live in the benchmarks, not in tests).

use std::process::Command;

#[test]
fn quick_event_loop_run_prints_its_three_tables() {
    let out = Command::new(env!("CARGO_BIN_EXE_benches"))
        .args(["event-loop", "--quick", "--rounds", "1", "--no-write"])
        .output()
        .expect("run the benches binary");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "exit {:?}\n{stdout}\n{stderr}",
        out.status
    );
    for bench in ["pingpong", "timers", "echo"] {
        let heading = format!("### event-loop / {bench}");
        let table = stdout
            .split(&heading)
            .nth(1)
            .unwrap_or_else(|| panic!("no {heading}:\n{stdout}"));
        // Each table has at least one measured line with ours against a counterpart.
        assert!(
            table
                .lines()
                .any(|l| l.starts_with(&format!("| {bench} |"))),
            "{heading} has no rows:\n{stdout}"
        );
    }
    assert!(!stdout.contains("error:"), "a comparison failed:\n{stdout}");
}
