//! Errors of the Silero VAD.

use std::fmt;

use edgemix_dsp::{AudioError, ConfigError};

#[derive(Debug, Clone, PartialEq)]
pub enum SileroError {
    /// A parameter out of its range (names the parameter and what is allowed).
    Config(ConfigError),
    /// Audio that is empty or not finite.
    Audio(AudioError),
    /// The network could not be loaded or run (not expected with the shipped model).
    Model(String),
}

impl fmt::Display for SileroError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SileroError::Config(e) => e.fmt(f),
            SileroError::Audio(e) => e.fmt(f),
            SileroError::Model(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for SileroError {}

impl From<ConfigError> for SileroError {
    fn from(e: ConfigError) -> Self {
        SileroError::Config(e)
    }
}

impl From<AudioError> for SileroError {
    fn from(e: AudioError) -> Self {
        SileroError::Audio(e)
    }
}
