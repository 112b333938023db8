//! What can go wrong reading, writing or resampling audio, by kind (the Node binding
//! gives each kind its stable code).

use std::fmt;

#[derive(Debug)]
pub enum AudioIoError {
    /// The file could not be opened, read or written (the OS reason is in `source`).
    Io {
        path: String,
        source: std::io::Error,
    },
    /// Not a WAV file, or a damaged one (bad header, truncated data).
    Invalid(String),
    /// A well-formed WAV file in an encoding that is not read (compressed, 64-bit float,
    /// odd bit depths): the message names what the file declares.
    Unsupported(String),
    /// Audio that cannot be written or converted: a non-finite sample, a partial frame.
    Audio(String),
    /// An option out of range (a sample rate, a channel count).
    Config(String),
    /// A fault of this crate or of a library it uses, not of the input.
    Internal(String),
}

impl fmt::Display for AudioIoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AudioIoError::Io { path, source } if path.is_empty() => write!(f, "{source}"),
            AudioIoError::Io { path, source } => write!(f, "{path}: {source}"),
            AudioIoError::Invalid(m)
            | AudioIoError::Unsupported(m)
            | AudioIoError::Audio(m)
            | AudioIoError::Config(m)
            | AudioIoError::Internal(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for AudioIoError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            AudioIoError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

pub type Result<T> = std::result::Result<T, AudioIoError>;
