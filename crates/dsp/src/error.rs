//! Errors of the DSP core: a rejected configuration or a rejected block of audio.

use std::fmt;

use serde_json::Value;

/// A configuration value that is unknown, of the wrong type or out of range.
///
/// `param` is the dotted path of the parameter (`compressor.ratio`); `message` says what
/// was wrong and what is allowed.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigError {
    pub param: String,
    pub message: String,
}

impl ConfigError {
    pub fn new(param: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            param: param.into(),
            message: message.into(),
        }
    }
}

/// Deserialises a configuration `T` from JSON, naming the offending key in the error
/// (`what`: "mixer config", "vad config", ...).
pub(crate) fn parse_config<T: serde::de::DeserializeOwned>(
    value: &Value,
    what: &str,
) -> Result<T, ConfigError> {
    serde_path_to_error::deserialize(value).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner().to_string();
        if path == "." {
            ConfigError::new("", format!("invalid {what}: {inner}"))
        } else {
            ConfigError::new(path.clone(), format!("invalid {what} at {path}: {inner}"))
        }
    })
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigError {}

/// A block of audio the processors refuse; the processor state is left untouched.
#[derive(Debug, Clone, PartialEq)]
pub enum AudioError {
    /// The block holds no samples.
    Empty,
    /// A sample is NaN or ±Infinity.
    NonFinite { index: usize, value: f32 },
    /// An interleaved block whose length is not a whole number of frames.
    PartialFrame { samples: usize, channels: usize },
}

impl fmt::Display for AudioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AudioError::Empty => {
                f.write_str("audio block is empty: expected at least one sample (a frame is 960 samples at 48 kHz)")
            }
            AudioError::NonFinite { index, value } => {
                // Spelled as JavaScript prints them.
                let value = if value.is_nan() {
                    "NaN"
                } else if *value > 0.0 {
                    "Infinity"
                } else {
                    "-Infinity"
                };
                write!(f, "audio sample {index} is {value}: samples must be finite numbers (nominally -1.0 to 1.0)")
            }
            AudioError::PartialFrame { samples, channels } => write!(
                f,
                "audio block of {samples} samples is not a whole number of {channels}-channel frames: \
                 interleaved blocks hold one sample of every channel per frame (a length divisible by {channels})"
            ),
        }
    }
}

impl std::error::Error for AudioError {}

/// Checks that a block is non-empty and holds only finite samples.
pub fn check_audio(block: &[f32]) -> Result<(), AudioError> {
    if block.is_empty() {
        return Err(AudioError::Empty);
    }
    // A sample is NaN or infinite exactly when its exponent bits are all ones. The OR
    // over the block vectorises; the search for the index runs only on bad input.
    const EXPONENT: u32 = 0x7f80_0000;
    let any_bad = block.iter().fold(0u32, |acc, x| {
        acc | u32::from(x.to_bits() & EXPONENT == EXPONENT)
    });
    if any_bad != 0 {
        let index = block.iter().position(|x| !x.is_finite()).unwrap_or(0);
        return Err(AudioError::NonFinite {
            index,
            value: block[index],
        });
    }
    Ok(())
}
