//! # Guide: using the event loop
//!
//! (Written step by step below; every example is compiled and run by
//! `cargo test --doc`.)
