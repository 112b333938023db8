//! Errors of cloud calls, with stable codes.

use std::fmt;

use tonic::Code;

/// The stable code of a [`CloudError`] (also the JS `err.code`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CloudErrorCode {
    /// No server reachable (connection refused, reset, TLS failure, server shutting down).
    Unavailable,
    /// No answer within the deadline.
    Timeout,
    /// The server refused the bearer token.
    Unauthenticated,
    /// The server refused the request: unknown node, format or parameter, bad input,
    /// message too large; the message says what is allowed.
    Rejected,
    /// The server does not implement the method.
    Unimplemented,
    /// Anything else (a node failure, a protocol error).
    Internal,
    /// Client options that are not allowed (no endpoint, bad address, zero timeout).
    InvalidOptions,
}

impl CloudErrorCode {
    pub fn as_str(&self) -> &'static str {
        match self {
            CloudErrorCode::Unavailable => "ERR_CLOUD_UNAVAILABLE",
            CloudErrorCode::Timeout => "ERR_CLOUD_TIMEOUT",
            CloudErrorCode::Unauthenticated => "ERR_CLOUD_UNAUTHENTICATED",
            CloudErrorCode::Rejected => "ERR_CLOUD_REJECTED",
            CloudErrorCode::Unimplemented => "ERR_CLOUD_UNIMPLEMENTED",
            CloudErrorCode::Internal => "ERR_CLOUD_INTERNAL",
            CloudErrorCode::InvalidOptions => "ERR_INVALID_CONFIG",
        }
    }
}

/// A failed cloud call.
#[derive(Debug, Clone, PartialEq)]
pub struct CloudError {
    pub code: CloudErrorCode,
    pub message: String,
}

impl CloudError {
    pub fn new(code: CloudErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    pub(crate) fn unavailable(&self) -> bool {
        self.code == CloudErrorCode::Unavailable
    }

    /// Whether the call failed before it was sent: no connection could be made (tonic
    /// reports the connector's error: "tcp connect error", "dns error"), or the
    /// connection closed before the request was written (hyper: "operation was canceled").
    pub(crate) fn not_sent(&self) -> bool {
        self.unavailable()
            && ["connect error", "dns error", "operation was canceled"]
                .iter()
                .any(|m| self.message.contains(m))
    }

    /// The error for a gRPC status answered to `what` ("ExecuteNode AudioMixer").
    pub fn from_status(status: &tonic::Status, what: &str) -> Self {
        let code = match status.code() {
            Code::Unavailable => CloudErrorCode::Unavailable,
            Code::DeadlineExceeded => CloudErrorCode::Timeout,
            // tonic's server answers an expired grpc-timeout with CANCELLED.
            Code::Cancelled if status.message().contains("Timeout expired") => {
                CloudErrorCode::Timeout
            }
            // Client-side transport failures without a status from any server: the
            // connection closed under the request (a server going away).
            Code::Cancelled | Code::Unknown | Code::Internal
                if transport_failure(status.message()) =>
            {
                CloudErrorCode::Unavailable
            }
            Code::Unauthenticated | Code::PermissionDenied => CloudErrorCode::Unauthenticated,
            Code::InvalidArgument
            | Code::FailedPrecondition
            | Code::NotFound
            | Code::OutOfRange
            | Code::ResourceExhausted => CloudErrorCode::Rejected,
            Code::Unimplemented => CloudErrorCode::Unimplemented,
            _ => CloudErrorCode::Internal,
        };
        let detail = if status.message().is_empty() {
            format!("{:?}", status.code())
        } else {
            status.message().to_owned()
        };
        Self::new(code, format!("{what}: {detail} (gRPC {:?})", status.code()))
    }
}

/// Messages of hyper / h2 errors tonic reports when a connection went away.
fn transport_failure(message: &str) -> bool {
    [
        "operation was canceled",
        "connection closed",
        "connection reset",
        "broken pipe",
        "transport error",
        "GoAway",
        // hyper, when the connection drops while a response body (a stream) is read.
        "error reading a body from connection",
        // h2, when the peer does not speak HTTP/2 at all: a TLS server answering a
        // plaintext client with an alert record reads as a frame of over a megabyte.
        "frame with invalid size",
    ]
    .iter()
    .any(|m| message.contains(m))
}

impl fmt::Display for CloudError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for CloudError {}
