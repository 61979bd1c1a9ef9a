//! mini-rpc against tarpc and tonic: unary echo under load (`echo`) and the
//! payload codec on a realistic request (`codec`).

mod codec;
mod echo;
mod load;
mod services;

use crate::runner::Comparison;

/// The mini-rpc comparisons, in the order the issue lists them.
pub(crate) fn comparisons() -> Vec<Box<dyn Comparison>> {
    vec![
        Box::new(echo::EchoBench::new()),
        Box::new(codec::CodecBench::new()),
    ]
}
