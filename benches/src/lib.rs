//! infra-lab's comparison runner and stress tool.
//!
//! `cargo run --release -p benches` runs every crate of the workspace against
//! the production system it imitates and writes the results to
//! `notes/src/results/<date>-<host>/`.
//!
//! # Layout
//!
//! - [`runner`]: the [`Comparison`](runner::Comparison) contract, the
//!   alternating-rounds orchestration, and the reports (table, `summary.md`,
//!   `raw.csv`, SVG charts).
//! - [`suites`]: the registered comparisons, one module per crate.
//! - [`stress`]: the closed-loop load generator (HTTP/1.1 and RESP) behind
//!   `cargo run --release -p benches -- stress ...`.

pub mod runner;
pub mod stress;
pub mod suites;
