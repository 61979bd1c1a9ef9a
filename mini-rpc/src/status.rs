//! The outcome of a call: a [`Code`] and a message, as gRPC's `Status`.
//!
//! Every call returns `Result<T, Status>`, on the client as on the server,
//! the way tonic does: a transport failure, a deadline, a rejected request
//! and an application error all arrive as one type the caller matches on.
//! The numbers are gRPC's (`grpc/include/grpcpp/impl/codegen/status_code_enum.h`),
//! so a reader who knows gRPC reads our wire dumps without a table.

use std::fmt;

/// Why a call ended; the numeric values are gRPC's status codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Code {
    /// The call succeeded.
    Ok = 0,
    /// The caller gave up (dropped the call, or sent a cancel frame).
    Cancelled = 1,
    /// An error with no better code, including an unknown code from a peer.
    Unknown = 2,
    /// The arguments could not be decoded or were refused by the handler.
    InvalidArgument = 3,
    /// The deadline passed before a reply came.
    DeadlineExceeded = 4,
    /// No such service or method (also: a key the application did not find).
    NotFound = 5,
    /// A limit was hit: `max_concurrent_requests`, connection limit.
    ResourceExhausted = 8,
    /// The server is shutting down, or refuses the operation in its state.
    FailedPrecondition = 9,
    /// The method exists in no service on this server.
    Unimplemented = 12,
    /// A bug or broken invariant on the other side.
    Internal = 13,
    /// The connection is down or could not be made; safe to retry.
    Unavailable = 14,
    /// Missing or wrong credentials in the call's metadata.
    Unauthenticated = 16,
}

impl Code {
    /// The code for a wire byte; a value we do not know becomes [`Code::Unknown`].
    pub fn from_u8(byte: u8) -> Code {
        match byte {
            0 => Code::Ok,
            1 => Code::Cancelled,
            3 => Code::InvalidArgument,
            4 => Code::DeadlineExceeded,
            5 => Code::NotFound,
            8 => Code::ResourceExhausted,
            9 => Code::FailedPrecondition,
            12 => Code::Unimplemented,
            13 => Code::Internal,
            14 => Code::Unavailable,
            16 => Code::Unauthenticated,
            _ => Code::Unknown,
        }
    }
}

/// A status code and a human-readable message (mirrors `tonic::Status`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    /// The machine-readable outcome.
    pub code: Code,
    /// What went wrong, for people; empty on success.
    pub message: String,
}

impl Status {
    /// A status with `code` and `message`.
    pub fn new(code: Code, message: impl Into<String>) -> Status {
        Status {
            code,
            message: message.into(),
        }
    }

    /// Success, with no message.
    pub fn ok() -> Status {
        Status::new(Code::Ok, "")
    }

    /// [`Code::Cancelled`].
    pub fn cancelled(message: impl Into<String>) -> Status {
        Status::new(Code::Cancelled, message)
    }

    /// [`Code::DeadlineExceeded`].
    pub fn deadline_exceeded(message: impl Into<String>) -> Status {
        Status::new(Code::DeadlineExceeded, message)
    }

    /// [`Code::InvalidArgument`].
    pub fn invalid_argument(message: impl Into<String>) -> Status {
        Status::new(Code::InvalidArgument, message)
    }

    /// [`Code::NotFound`].
    pub fn not_found(message: impl Into<String>) -> Status {
        Status::new(Code::NotFound, message)
    }

    /// [`Code::Internal`].
    pub fn internal(message: impl Into<String>) -> Status {
        Status::new(Code::Internal, message)
    }

    /// [`Code::Unavailable`].
    pub fn unavailable(message: impl Into<String>) -> Status {
        Status::new(Code::Unavailable, message)
    }

    /// [`Code::Unauthenticated`].
    pub fn unauthenticated(message: impl Into<String>) -> Status {
        Status::new(Code::Unauthenticated, message)
    }

    /// [`Code::ResourceExhausted`].
    pub fn resource_exhausted(message: impl Into<String>) -> Status {
        Status::new(Code::ResourceExhausted, message)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.code, self.message)
    }
}

impl std::error::Error for Status {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_survives_its_byte_and_unknown_bytes_become_unknown() {
        for code in [
            Code::Ok,
            Code::Cancelled,
            Code::Unknown,
            Code::InvalidArgument,
            Code::DeadlineExceeded,
            Code::NotFound,
            Code::ResourceExhausted,
            Code::FailedPrecondition,
            Code::Unimplemented,
            Code::Internal,
            Code::Unavailable,
            Code::Unauthenticated,
        ] {
            assert_eq!(Code::from_u8(code as u8), code);
        }
        assert_eq!(Code::from_u8(200), Code::Unknown);
    }
}
