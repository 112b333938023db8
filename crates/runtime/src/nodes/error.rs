//! Why a node refused its configuration or its input.

use std::fmt;

use edgemix_dsp::{AnalysisError, AudioError, ConfigError};

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

/// Most characters of a caller's input (a node type, a parameter name or value, a format
/// or module name) a message repeats: enough to recognise it, never enough to make the
/// message large (a gRPC status travels in a header, where a long one fails the reply).
pub const ECHO_CHARS: usize = 200;

/// Most characters of a whole message; longer ones are cut (see [`clip`]).
pub const MESSAGE_CHARS: usize = 1000;

/// `text` split after `max` characters: the kept part and how many characters follow.
fn cut(text: &str, max: usize) -> Option<(&str, usize)> {
    let (end, _) = text.char_indices().nth(max)?;
    Some((&text[..end], text[end..].chars().count()))
}

/// `text` cut after `max` characters, saying how many were left out.
pub fn clip(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match cut(text, max) {
        None => text.into(),
        Some((kept, rest)) => format!("{kept}… ({rest} more characters)").into(),
    }
}

/// A caller's input as a message repeats it: quoted, at most [`ECHO_CHARS`] characters.
pub fn echo(text: &str) -> String {
    match cut(text, ECHO_CHARS) {
        None => format!("{text:?}"),
        Some((kept, rest)) => format!("{kept:?}… ({rest} more characters)"),
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
