//! The captures of one lookup, kept as offsets into the path. Mirrors
//! `matchit::Params`: a few inline slots, so typical routes allocate nothing.

use std::sync::Arc;

/// Captured parameters of one lookup: `(name, start, end)` offsets into the
/// path. Four live inline (no allocation for typical routes), more spill.
#[derive(Debug, Default)]
pub struct Params<'k> {
    /// Captures held, inline and spilled together.
    len: usize,
    /// The first four captures: no allocation for typical routes.
    inline: [Option<(&'k Arc<str>, usize, usize)>; 4],
    /// Captures after the fourth.
    spill: Vec<(&'k Arc<str>, usize, usize)>,
}

impl<'k> Params<'k> {
    pub(super) fn push(&mut self, item: (&'k Arc<str>, usize, usize)) {
        match self.inline.get_mut(self.len) {
            Some(slot) => *slot = Some(item),
            None => self.spill.push(item),
        }
        self.len += 1;
    }

    pub(super) fn truncate(&mut self, len: usize) {
        self.len = len.min(self.len);
        self.spill
            .truncate(self.len.saturating_sub(self.inline.len()));
    }

    /// Number of captures.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing was captured.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// `(name, start, end)` for each capture, in route order.
    pub fn iter(&self) -> impl Iterator<Item = (&'k Arc<str>, usize, usize)> + '_ {
        self.inline
            .iter()
            .take(self.len)
            .flatten()
            .copied()
            .chain(self.spill.iter().copied())
    }
}
