//! A tutorial, kept as Markdown next to the code (`src/guide.md`) and
//! included here so that its examples are compiled and run as doc tests.
#![doc = include_str!("guide.md")]
