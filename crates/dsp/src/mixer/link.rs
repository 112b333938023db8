//! Linked multichannel dynamics: how the chain processes stereo.
//!
//! A multichannel block is interleaved (`L R L R …`); a *frame* is one sample of every
//! channel. The gate, compressor and limiter each compute **one gain per frame** from the
//! frame's **linked level** — the largest magnitude over its channels, `max(|L|, |R|)` —
//! and apply it to every channel, so the stereo image never shifts (an unlinked
//! compressor would duck one side alone). The maximum rather than the sum or the mean:
//!
//! - the limiter must keep *every* sample at or below its ceiling, which only the largest
//!   magnitude guarantees (a mean would let a one-sided peak through at up to twice it);
//! - a source panned hard to one side is gated and compressed exactly as the same source
//!   in mono (a mean would read it 6 dB quieter, a power sum 3 dB);
//! - identical channels give the mono level bit for bit (`max(|x|, |x|) = |x|`), so a
//!   dual-mono file comes out as the mono file would.
//!
//! The EQ runs per channel (independent filter state). The loudness-normalisation stage
//! measures as BS.1770 does — the sum of the channels' K-weighted powers — because its
//! target is the programme loudness a meter reports for the file; it too applies one gain
//! to both channels. (A dual-mono signal therefore measures 3.01 dB louder than its mono
//! version and gets 3.01 dB less normalisation gain, as any BS.1770 meter would say.)

use serde::{Deserialize, Serialize};

use crate::error::ConfigError;
use crate::math::fastmath;
use crate::range::Range;

/// Channel layouts the chain processes: mono, or interleaved stereo with linked gain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(try_from = "f64", into = "f64")]
pub enum Channels {
    #[default]
    Mono,
    Stereo,
}

impl Channels {
    /// `channels`: samples per frame, a whole number (what the conversion from a number
    /// accepts).
    pub const RANGE: Range = Range::new("channels", 1.0, 2.0, "");

    /// Samples per frame.
    pub const fn count(self) -> usize {
        match self {
            Channels::Mono => 1,
            Channels::Stereo => 2,
        }
    }
}

impl TryFrom<f64> for Channels {
    type Error = ConfigError;

    fn try_from(value: f64) -> Result<Self, ConfigError> {
        if value == Self::RANGE.min {
            Ok(Channels::Mono)
        } else if value == Self::RANGE.max {
            Ok(Channels::Stereo)
        } else {
            Err(ConfigError::new(
                "channels",
                format!("channels = {value} is not supported: allowed 1 (mono) or 2 (interleaved stereo, linked gain)"),
            ))
        }
    }
}

impl From<Channels> for f64 {
    fn from(channels: Channels) -> f64 {
        channels.count() as f64
    }
}

/// The linked level of one frame of `C` interleaved samples: the largest magnitude.
#[inline(always)]
pub(crate) fn level<const C: usize>(frame: &[f32]) -> f32 {
    let mut level = frame[0].abs();
    for x in &frame[1..C] {
        level = fastmath::max(level, x.abs());
    }
    level
}

/// Multiplies every sample of a frame by `gain`.
#[inline(always)]
pub(crate) fn scale(frame: &mut [f32], gain: f32) {
    for x in frame {
        *x *= gain;
    }
}
