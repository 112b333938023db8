//! Pure DSP for edgemix: the processors of the mixer chain, with no I/O and no async.
//!
//! Every processor is mono, works at any sample rate from 8 kHz to 192 kHz and on any
//! block length, and carries its state across blocks: feeding a signal as one buffer or
//! as blocks of any size gives bit-identical output.
//!
//! Signal levels are in dBFS (0 dBFS = full-scale sample value 1.0); times in
//! milliseconds; frequencies in hertz. Every configurable parameter is checked against a
//! documented [`Range`] and an out-of-range value is reported as a [`ConfigError`] that
//! names the parameter and what is allowed.

mod biquad;
mod chain;
mod compressor;
mod eq;
mod error;
mod fastmath;
mod gate;
mod limiter;
mod meters;
mod range;
mod sliding_min;
mod units;

pub use biquad::{Biquad, BiquadCoefficients};
pub use chain::{ChainConfig, MixerChain, FRAME_SAMPLES, SAMPLE_RATE_HZ};
pub use compressor::{Compressor, CompressorConfig};
pub use eq::{EqConfig, ThreeBandEq};
pub use error::{check_audio, AudioError, ConfigError};
pub use gate::{NoiseGate, NoiseGateConfig};
pub use limiter::{Limiter, LimiterConfig};
pub use meters::Meters;
pub use range::Range;
pub use units::{db_to_gain, gain_to_db, ms_to_samples};
