//! Why a node refused its configuration or its input.

use std::fmt;

use edgemix_dsp::{AnalysisError, AudioError, ConfigError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeErrorKind {
    /// Unknown node or parameter, bad value, bad input: the caller's to fix.
    InvalidArgument,
    /// Out of a bounded resource (WASM instance slots, output size).
    ResourceExhausted,
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
