//! Why a node refused its configuration or its input.

use std::fmt;

use edgemix_dsp::{AnalysisError, AudioError, ConfigError};
// Messages quote callers' text through the runtime's bounded helpers (one rule for
// the WASM host and the nodes).
pub use edgemix_runtime::text::{clip, echo, ECHO_CHARS, MESSAGE_CHARS};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeErrorKind {
    /// Unknown node or parameter, bad value, bad input: the caller's to fix.
    InvalidArgument,
    /// Out of a bounded resource (WASM instance slots, output size).
    ResourceExhausted,
    /// The node ran past a time limit of its own (a WASM guest's `timeoutMs`).
    DeadlineExceeded,
    /// A node failed on valid input.
    Internal,
}

/// A refused configuration or input; `message` says what was wrong and what is allowed.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeError {
    pub kind: NodeErrorKind,
    pub message: String,
}

impl NodeError {
    pub fn invalid(message: impl Into<String>) -> Self {
        Self {
            kind: NodeErrorKind::InvalidArgument,
            message: message.into(),
        }
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self {
            kind: NodeErrorKind::Internal,
            message: message.into(),
        }
    }

    /// The same error with `context` ("AudioMixer: ") in front of its message.
    pub fn context(mut self, context: &str) -> Self {
        self.message = format!("{context}: {}", self.message);
        self
    }
}

impl fmt::Display for NodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for NodeError {}

impl From<ConfigError> for NodeError {
    fn from(err: ConfigError) -> Self {
        Self::invalid(err.message)
    }
}

impl From<AudioError> for NodeError {
    fn from(err: AudioError) -> Self {
        Self::invalid(err.to_string())
    }
}

impl From<AnalysisError> for NodeError {
    fn from(err: AnalysisError) -> Self {
        Self::invalid(err.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echo_quotes_short_input_and_cuts_long_input() {
        assert_eq!(echo("Mixer"), "\"Mixer\"");
        let long = "é".repeat(ECHO_CHARS + 5000);
        let echoed = echo(&long);
        assert!(echoed.starts_with(&format!("\"{}\"…", "é".repeat(ECHO_CHARS))), "{echoed}");
        assert!(echoed.ends_with("(5000 more characters)"), "{echoed}");
        assert_eq!(clip("short", 10), "short");
        assert_eq!(clip("abcdef", 3), "abc… (3 more characters)");
    }
}
