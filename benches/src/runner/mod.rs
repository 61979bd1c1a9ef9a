//! The comparison runner: runs every registered [`Comparison`], alternating
//! ours and the counterparts, and reports medians and per-round ratios.

mod comparison;
pub mod util;

pub use comparison::{Better, Comparison, ExtraRow, Impl, Op, Provenance, Sample, Skip, Target};
