//! The comparison runner: runs every registered [`Comparison`], alternating
//! ours and the counterparts, and reports medians and per-round ratios.
//!
//! Data flow: [`run::run_comparison`] turns a [`Comparison`] into an
//! [`run::Outcome`] of raw rows; [`table`] reduces rows to lines (medians,
//! ratios, targets); [`report`] prints the tables and writes the results
//! folder, with [`svg`] charts and [`machine`] provenance; [`shell`]
//! prints the commands a reader can paste, and [`markdown`] keeps the
//! comparisons' prose from being read as HTML. [`regen`] re-renders an
//! existing results folder from its `raw.csv` with the current report.
//!
//! Per-request costs of a server process, for the comparisons that start
//! servers: [`cpu`] (CPU time from `/proc`), [`strace`] (syscall counts,
//! of a child run or attached to a running server) and [`instructions`]
//! (`perf stat`, or callgrind where perf has no counters).

mod comparison;
pub mod cpu;
pub mod instructions;
pub mod machine;
pub mod markdown;
pub mod regen;
pub mod report;
pub mod run;
pub mod shell;
pub mod strace;
pub mod svg;
pub mod table;
pub mod util;

pub use comparison::{Better, Comparison, ExtraRow, Impl, Op, Provenance, Sample, Skip, Target};
