//! Placeholder for the List type; its real encodings replace this file.

/// A list value.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct List {}

impl List {
    /// The encoding name `OBJECT ENCODING` reports.
    pub fn encoding(&self) -> &'static str {
        "quicklist"
    }
}
