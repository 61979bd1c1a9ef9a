//! Generated zsets steps (placeholder: none yet).

use proptest::prelude::*;

use super::Step;

/// A few zsets commands.
pub(crate) fn steps() -> BoxedStrategy<Vec<Step>> {
    Just(Vec::new()).boxed()
}
