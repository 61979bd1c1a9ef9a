//! Provenance of a run: the machine, the toolchain, the date, and the
//! versions of the crates being compared (read from `Cargo.lock`).

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use super::util::tool_version;

/// What the summary says about where and when it was measured.
#[derive(Clone, Debug)]
pub struct Machine {
    /// Host name (also part of the results folder's name).
    pub host: String,
    /// Logical CPUs available to the process.
    pub nproc: usize,
    /// `model name` from /proc/cpuinfo.
    pub cpu: String,
    /// Kernel release.
    pub kernel: String,
    /// Total memory, from /proc/meminfo.
    pub memory: String,
    /// `rustc --version`.
    pub rustc: String,
    /// UTC date, `YYYY-MM-DD`.
    pub date: String,
    /// UTC time, `HH:MM`.
    pub time: String,
}

impl Machine {
    /// Reads the facts of this machine (best effort: unknowns say so).
    pub fn detect() -> Machine {
        let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
        let cpuinfo = read("/proc/cpuinfo");
        let cpu = cpuinfo
            .lines()
            .find(|l| l.starts_with("model name"))
            .and_then(|l| l.split(':').nth(1))
            .map_or("unknown".to_string(), |s| s.trim().to_string());
        let meminfo = read("/proc/meminfo");
        let memory = meminfo
            .lines()
            .find(|l| l.starts_with("MemTotal:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<u64>().ok())
            .map_or("unknown".to_string(), |kb| {
                format!("{:.1} GiB", kb as f64 / 1024.0 / 1024.0)
            });
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let (date, time) = utc(secs);
        Machine {
            host: read("/proc/sys/kernel/hostname").trim().to_string(),
            nproc: std::thread::available_parallelism().map_or(0, |n| n.get()),
            cpu,
            kernel: read("/proc/sys/kernel/osrelease").trim().to_string(),
            memory,
            rustc: tool_version("rustc", &["--version"]).unwrap_or_else(|| "unknown".into()),
            date,
            time,
        }
    }
}

/// The source a run measured: the checkout's commit and whether its tree
/// had changes not in that commit (then the numbers belong to no commit).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkout {
    /// `git rev-parse HEAD`, or `unknown` outside a git checkout.
    pub commit: String,
    /// The lines of `git status --porcelain`: files changed, added or
    /// unknown to git; empty for a clean tree.
    pub changes: Vec<String>,
}

impl Checkout {
    /// Asks git about the checkout at `workspace` (best effort: without
    /// git the commit is `unknown`).
    pub fn detect(workspace: &Path) -> Checkout {
        let git = |args: &[&str]| {
            std::process::Command::new("git")
                .arg("-C")
                .arg(workspace)
                .args(args)
                .output()
                .ok()
                .filter(|o| o.status.success())
                .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        };
        let commit = git(&["rev-parse", "HEAD"]).map(|s| s.trim().to_string());
        let changes = git(&["status", "--porcelain"])
            .map(|s| s.lines().map(String::from).collect())
            .unwrap_or_default();
        Checkout {
            commit: commit
                .filter(|c| !c.is_empty())
                .unwrap_or_else(|| "unknown".into()),
            changes,
        }
    }

    /// The summary's line: the commit, and `clean` or how many paths differ.
    pub fn describe(&self) -> String {
        match self.changes.len() {
            0 => format!("`{}` (clean tree)", self.commit),
            n => format!(
                "`{}` **plus uncommitted changes** ({n} path{} in `git status --porcelain`)",
                self.commit,
                if n == 1 { "" } else { "s" }
            ),
        }
    }
}

/// `(YYYY-MM-DD, HH:MM)` in UTC for seconds since the Unix epoch
/// (the civil-from-days algorithm, to avoid a date crate for one line).
pub fn utc(secs: u64) -> (String, String) {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        format!("{year:04}-{month:02}-{day:02}"),
        format!("{:02}:{:02}", rem / 3600, rem % 3600 / 60),
    )
}

/// `(name, version)` of the packages in `Cargo.lock` whose names are in
/// `wanted`, so the summary states exactly which counterparts were measured.
pub fn locked_versions(lock: &Path, wanted: &[&str]) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(lock).unwrap_or_default();
    let mut out = Vec::new();
    let mut name: Option<&str> = None;
    for line in text.lines() {
        if let Some(n) = line.strip_prefix("name = ") {
            name = Some(n.trim_matches('"'));
        } else if let (Some(n), Some(v)) = (name, line.strip_prefix("version = ")) {
            if wanted.contains(&n) {
                out.push((n.to_string(), v.trim_matches('"').to_string()));
            }
            name = None;
        }
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_checkout_has_a_commit() {
        let here = Checkout::detect(Path::new(env!("CARGO_MANIFEST_DIR")));
        // Built from a git checkout (CI clones one); a source tarball would say `unknown`.
        if here.commit != "unknown" {
            assert_eq!(here.commit.len(), 40, "{here:?}");
            assert!(here.commit.chars().all(|c| c.is_ascii_hexdigit()));
        }
        let dirty = Checkout {
            commit: "abc".into(),
            changes: vec![" M Cargo.toml".into()],
        };
        assert!(dirty.describe().contains("uncommitted changes** (1 path "));
        assert!(
            Checkout {
                changes: Vec::new(),
                ..dirty
            }
            .describe()
            .ends_with("(clean tree)")
        );
    }

    #[test]
    fn civil_dates() {
        assert_eq!(utc(0), ("1970-01-01".to_string(), "00:00".to_string()));
        // 2026-11-25 19:10 UTC
        assert_eq!(
            utc(1_795_633_800),
            ("2026-11-25".to_string(), "19:10".to_string())
        );
        // A leap day.
        assert_eq!(utc(951_782_400).0, "2000-02-29");
    }
}
