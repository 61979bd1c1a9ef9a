//! The libevent side: finds the system libevent, compiles our C harness
//! (`benches/c/pingpong.c`) against it, runs it and reads what it prints.
//!
//! libevent is an external counterpart: when it (or a C compiler) is not on
//! this machine the comparison goes on without it and says how to install
//! it. Setting `BENCHES_HIDE_LIBEVENT=1` hides an installed libevent, to
//! show that path on a machine that has it.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, bail};

use super::workload::{Params, Run};
use crate::runner::{Skip, shell};

/// The harness source, embedded so the runner needs no source tree at run time.
const SOURCE: &str = include_str!("../../../../c/pingpong.c");

/// Environment variable that makes the runner act as if libevent were absent.
pub(crate) const HIDE_ENV: &str = "BENCHES_HIDE_LIBEVENT";

/// Headers to look for when `pkg-config` is not installed.
const HEADER_DIRS: &[&str] = &["/usr/include", "/usr/local/include"];

/// A compiled harness, removed from disk when dropped.
#[derive(Debug)]
pub(crate) struct Harness {
    /// The compiled program.
    pub(crate) exe: PathBuf,
    /// The scratch directory holding the source and the program.
    dir: PathBuf,
    /// The exact compile command, for the summary.
    pub(crate) compile_command: String,
    /// libevent's version as `pkg-config` reports it, when it does.
    pub(crate) pkg_version: Option<String>,
}

impl Drop for Harness {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// What one harness run reported.
#[derive(Debug)]
pub(crate) struct Report {
    /// The loop times and callback count.
    pub(crate) run: Run,
    /// `event_get_version()`.
    pub(crate) version: String,
    /// `event_base_get_method()`: the backend libevent chose (`epoll`).
    pub(crate) method: String,
}

/// The `Skip` for a missing libevent.
pub(crate) fn skip_libevent() -> Skip {
    Skip {
        what: "libevent".into(),
        install: "apt-get install libevent-dev".into(),
    }
}

/// `program` in the directories of `search_path` (a `PATH`-style list).
fn find_in(search_path: &OsStr, program: &str) -> Option<PathBuf> {
    std::env::split_paths(search_path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// Finds libevent and a C compiler on `search_path` (the process `PATH`
/// when `None`) and compiles the harness into a scratch directory.
/// `Ok(Err(skip))` means a missing piece, not a failure.
pub(crate) fn build(search_path: Option<&OsStr>) -> anyhow::Result<Result<Harness, Skip>> {
    if std::env::var_os(HIDE_ENV).is_some_and(|v| !v.is_empty()) {
        return Ok(Err(skip_libevent()));
    }
    let search_path: OsString = match search_path {
        Some(p) => p.to_owned(),
        None => std::env::var_os("PATH").unwrap_or_default(),
    };
    let Some(cc) = find_in(&search_path, "cc") else {
        return Ok(Err(Skip {
            what: "cc (to build the libevent harness)".into(),
            install: "apt-get install gcc libevent-dev".into(),
        }));
    };
    let Some((flags, pkg_version)) = libevent_flags(&search_path) else {
        return Ok(Err(skip_libevent()));
    };

    // One directory per build, so two builds in one process never collide.
    static BUILDS: AtomicUsize = AtomicUsize::new(0);
    let build_no = BUILDS.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!(
        "infra-lab-libevent-{}-{build_no}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let src = dir.join("pingpong.c");
    let exe = dir.join("libevent-pingpong");
    std::fs::write(&src, SOURCE).context("writing the harness source")?;
    let mut args: Vec<String> = vec![
        "-O2".into(),
        "-o".into(),
        exe.display().to_string(),
        src.display().to_string(),
    ];
    args.extend(flags);
    let out = Command::new(&cc)
        .args(&args)
        .output()
        .context("running cc")?;
    let harness = Harness {
        exe,
        dir,
        compile_command: shell::join(&[&[cc.display().to_string()], &args[..]].concat()),
        pkg_version,
    };
    if !out.status.success() {
        let why = String::from_utf8_lossy(&out.stderr);
        let first = why.lines().next().unwrap_or("no output").to_string();
        return Ok(Err(Skip {
            what: format!("libevent (the harness did not compile: {first})"),
            install: "apt-get install libevent-dev".into(),
        }));
    }
    Ok(Ok(harness))
}

/// Compiler flags for libevent: from `pkg-config` when it knows libevent,
/// else `-levent` when the header is in a standard place, else `None`.
fn libevent_flags(search_path: &OsStr) -> Option<(Vec<String>, Option<String>)> {
    if let Some(pkg_config) = find_in(search_path, "pkg-config") {
        let run = |args: &[&str]| {
            Command::new(&pkg_config)
                .args(args)
                .output()
                .ok()
                .filter(|o| o.status.success())
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        };
        if let Some(flags) = run(&["--cflags", "--libs", "libevent"]) {
            let version = run(&["--modversion", "libevent"]);
            return Some((
                flags.split_whitespace().map(String::from).collect(),
                version,
            ));
        }
    }
    HEADER_DIRS
        .iter()
        .any(|dir| Path::new(dir).join("event2/event.h").is_file())
        .then(|| (vec!["-levent".to_string()], None))
}

impl Harness {
    /// The command line that runs `loops` timed loops of `params`.
    pub(crate) fn args(params: &Params, loops: usize) -> Vec<String> {
        [params.pipes, params.active, params.writes, loops]
            .iter()
            .map(|n| n.to_string())
            .collect()
    }

    /// Runs the harness once and parses its report.
    pub(crate) fn run(&self, params: &Params, loops: usize) -> anyhow::Result<Report> {
        let out = Command::new(&self.exe)
            .args(Self::args(params, loops))
            .output()
            .with_context(|| format!("running {}", self.exe.display()))?;
        if !out.status.success() {
            bail!(
                "libevent harness failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        parse_report(&String::from_utf8_lossy(&out.stdout))
    }
}

/// Parses the harness's `key value` lines.
pub(crate) fn parse_report(text: &str) -> anyhow::Result<Report> {
    let mut report = Report {
        run: Run::default(),
        version: String::new(),
        method: String::new(),
    };
    let mut saw_callbacks = false;
    for line in text.lines() {
        let (key, value) = line.split_once(' ').unwrap_or((line, ""));
        match key {
            "version" => report.version = value.to_string(),
            "method" => report.method = value.to_string(),
            "loop_us" => report.run.loop_us.push(
                value
                    .parse()
                    .with_context(|| format!("bad line {line:?}"))?,
            ),
            "callbacks" => {
                report.run.callbacks = value
                    .parse()
                    .with_context(|| format!("bad line {line:?}"))?;
                saw_callbacks = true;
            }
            _ => bail!("unexpected harness line {line:?}"),
        }
    }
    if !saw_callbacks || report.run.loop_us.is_empty() {
        bail!("incomplete harness report: {text:?}");
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_report_and_rejects_a_truncated_one() {
        let r = parse_report(
            "version 2.1.12-stable\nmethod epoll\nloop_us 12.5\nloop_us 13\ncallbacks 40\n",
        )
        .unwrap();
        assert_eq!(r.run.loop_us, vec![12.5, 13.0]);
        assert_eq!(r.run.callbacks, 40);
        assert_eq!(r.method, "epoll");
        assert!(parse_report("version x\nloop_us 1\n").is_err());
        assert!(parse_report("loop_us abc\ncallbacks 1\n").is_err());
    }

    #[test]
    fn an_empty_path_is_a_skip_with_the_install_command() {
        let empty =
            std::env::temp_dir().join(format!("infra-lab-empty-path-{}", std::process::id()));
        std::fs::create_dir_all(&empty).unwrap();
        let skip = build(Some(empty.as_os_str())).unwrap().unwrap_err();
        assert!(skip.install.starts_with("apt-get install"), "{skip}");
        assert!(skip.to_string().starts_with("skipped: "), "{skip}");
        std::fs::remove_dir_all(&empty).unwrap();
    }

    #[test]
    fn builds_and_runs_when_libevent_is_installed() {
        match build(None).unwrap() {
            Err(skip) => eprintln!("libevent path not exercised here: {skip}"),
            Ok(harness) => {
                let params = Params {
                    pipes: 20,
                    active: 5,
                    writes: 50,
                };
                let report = harness.run(&params, 3).unwrap();
                assert_eq!(report.run.loop_us.len(), 3);
                assert!(report.version.starts_with("2."), "{report:?}");
            }
        }
    }
}
