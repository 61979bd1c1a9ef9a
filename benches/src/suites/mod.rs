//! Every registered comparison, by crate. Each crate's comparisons live in
//! their own module; adding a crate is one line in [`all`].

/// Every comparison of every crate, in the README's crate order.
pub fn all() -> Vec<Box<dyn crate::runner::Comparison>> {
    let mut all: Vec<Box<dyn crate::runner::Comparison>> = Vec::new();
    // One line per crate: all.extend(event_loop::comparisons());
    all.shrink_to_fit();
    all
}
