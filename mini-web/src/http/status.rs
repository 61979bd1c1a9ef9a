//! Response status codes (RFC 9110 §15), as a small copyable newtype.
//!
//! Mirrors `http::StatusCode` (used by hyper and axum): named constants for
//! the codes this crate produces, and a reason phrase for the status line.

use std::fmt;

/// An HTTP status code, `100..=999`. Mirrors `http::StatusCode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StatusCode(u16);

macro_rules! codes {
    ($($name:ident = $code:expr, $reason:expr;)*) => {
        impl StatusCode {
            $(
                #[doc = concat!("`", stringify!($code), " ", $reason, "`")]
                pub const $name: StatusCode = StatusCode($code);
            )*

            /// The canonical reason phrase, or `""` for an unnamed code.
            pub fn reason(self) -> &'static str {
                match self.0 {
                    $($code => $reason,)*
                    _ => "",
                }
            }
        }
    };
}

codes! {
    CONTINUE = 100, "Continue";
    SWITCHING_PROTOCOLS = 101, "Switching Protocols";
    OK = 200, "OK";
    CREATED = 201, "Created";
    NO_CONTENT = 204, "No Content";
    PARTIAL_CONTENT = 206, "Partial Content";
    MOVED_PERMANENTLY = 301, "Moved Permanently";
    NOT_MODIFIED = 304, "Not Modified";
    PERMANENT_REDIRECT = 308, "Permanent Redirect";
    BAD_REQUEST = 400, "Bad Request";
    UNAUTHORIZED = 401, "Unauthorized";
    FORBIDDEN = 403, "Forbidden";
    NOT_FOUND = 404, "Not Found";
    METHOD_NOT_ALLOWED = 405, "Method Not Allowed";
    REQUEST_TIMEOUT = 408, "Request Timeout";
    CONFLICT = 409, "Conflict";
    LENGTH_REQUIRED = 411, "Length Required";
    PAYLOAD_TOO_LARGE = 413, "Content Too Large";
    URI_TOO_LONG = 414, "URI Too Long";
    UNSUPPORTED_MEDIA_TYPE = 415, "Unsupported Media Type";
    RANGE_NOT_SATISFIABLE = 416, "Range Not Satisfiable";
    EXPECTATION_FAILED = 417, "Expectation Failed";
    UNPROCESSABLE_ENTITY = 422, "Unprocessable Content";
    UPGRADE_REQUIRED = 426, "Upgrade Required";
    REQUEST_HEADER_FIELDS_TOO_LARGE = 431, "Request Header Fields Too Large";
    INTERNAL_SERVER_ERROR = 500, "Internal Server Error";
    NOT_IMPLEMENTED = 501, "Not Implemented";
    SERVICE_UNAVAILABLE = 503, "Service Unavailable";
    HTTP_VERSION_NOT_SUPPORTED = 505, "HTTP Version Not Supported";
}

impl StatusCode {
    /// A status from its number; `None` outside `100..=999`.
    pub fn from_u16(code: u16) -> Option<StatusCode> {
        (100..=999).contains(&code).then_some(StatusCode(code))
    }

    /// The number, e.g. `404`.
    pub fn as_u16(self) -> u16 {
        self.0
    }

    /// `1xx`: no body, and (except 101) not the final response.
    pub fn is_informational(self) -> bool {
        self.0 < 200
    }

    /// Responses that never carry a body (RFC 9110 §6.4.1): 1xx, 204, 304.
    pub fn forbids_body(self) -> bool {
        self.0 < 200 || self.0 == 204 || self.0 == 304
    }
}

impl fmt::Display for StatusCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.0, self.reason())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_and_range() {
        assert_eq!(StatusCode::NOT_FOUND.reason(), "Not Found");
        assert_eq!(StatusCode::from_u16(299).map(StatusCode::reason), Some(""));
        assert_eq!(StatusCode::from_u16(99), None);
        assert!(StatusCode::NOT_MODIFIED.forbids_body());
        assert_eq!(StatusCode::OK.to_string(), "200 OK");
    }
}
