//! The comparison runner: runs every registered [`Comparison`], alternating
//! ours and the counterparts, and reports medians and per-round ratios.
//!
//! Data flow: [`run::run_comparison`] turns a [`Comparison`] into an
//! [`run::Outcome`] of raw rows; [`table`] reduces rows to lines (medians,
//! ratios, targets); [`report`] prints the tables and writes the results
//! folder, with [`svg`] charts and [`machine`] provenance.

mod comparison;
pub mod machine;
pub mod report;
pub mod run;
pub mod svg;
pub mod table;
pub mod util;

pub use comparison::{Better, Comparison, ExtraRow, Impl, Op, Provenance, Sample, Skip, Target};
