//! The one check every interleaved signal passes before it is written or converted.

use crate::error::{AudioIoError, Result};

/// Checks that `samples` is a whole number of `channels`-sample frames of finite values.
pub fn check_frames(samples: &[f32], channels: usize) -> Result<()> {
    if channels == 0 {
        return Err(AudioIoError::Config("channels must be at least 1".into()));
    }
    if !samples.len().is_multiple_of(channels) {
        return Err(AudioIoError::Audio(format!(
            "{} samples are not a whole number of {channels}-channel frames (interleaved: one sample of every channel per frame)",
            samples.len()
        )));
    }
    if let Some(index) = samples.iter().position(|x| !x.is_finite()) {
        let value = samples[index];
        let name = if value.is_nan() {
            "NaN"
        } else if value > 0.0 {
            "Infinity"
        } else {
            "-Infinity"
        };
        return Err(AudioIoError::Audio(format!(
            "sample {index} (frame {}, channel {}) is {name}: samples must be finite numbers (nominally -1.0 to 1.0)",
            index / channels,
            index % channels
        )));
    }
    Ok(())
}
