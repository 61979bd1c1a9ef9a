//! The wire: our own HTTP/1.1 request parser, body framing, body decoders
//! and response writer (RFC 9112). Mirrors the roles of `httparse` and
//! hyper's `proto::h1`.

mod chunked;
mod date;
mod decode;
mod error;
mod framing;
mod host;
mod limits;
mod method;
mod parse;
mod status;
mod write;

pub use chunked::ChunkedDecoder;
pub use date::{DATE_LEN, append_date, format_imf};
pub use decode::{BodyDecoder, Decoded};
pub use error::ParseError;
pub use framing::{BodyKind, Framing, name_is};
pub use host::valid_host;
pub use limits::Limits;
pub use method::{Method, Version};
pub use parse::{HeaderSpan, RequestHead, Span, parse_head};
pub use status::StatusCode;
pub use write::{WriteOptions, write_chunk, write_continue, write_last_chunk, write_response};
