//! Placeholder for the Set type; its real encodings replace this file.

/// A set value.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Set {}

impl Set {
    /// The encoding name `OBJECT ENCODING` reports.
    pub fn encoding(&self) -> &'static str {
        "intset"
    }
}
