//! The chain's configuration: one JSON document (camelCase keys), the same natively, in
//! `mixer.wasm` and over the wire. Omitted keys take their defaults; unknown keys and
//! out-of-range values are rejected with the parameter's dotted path.
//!
//! Reading a document ([`ChainConfig::from_json`], [`ChainConfig::merged`]) also records
//! which preset-managed parameters it names, so those methods live above the presets, in
//! [`crate::mixer::document`].

use serde::{Deserialize, Serialize};

use crate::error::ConfigError;
use crate::mixer::adaptive::AdaptiveConfig;
use crate::mixer::compressor::CompressorConfig;
use crate::mixer::denoise::DenoiseConfig;
use crate::mixer::eq::EqConfig;
use crate::mixer::gate::NoiseGateConfig;
use crate::mixer::limiter::LimiterConfig;
use crate::mixer::link::Channels;
use crate::mixer::normalizer::LoudnessStageConfig;
use crate::range::Range;

/// The default sample rate, Hz.
pub const SAMPLE_RATE_HZ: f64 = 48_000.0;
/// Samples in one 20 ms frame at 48 kHz. The chain accepts blocks of any length.
pub const FRAME_SAMPLES: usize = 960;

/// Configuration of the whole chain. The defaults are a podcast/voice chain: a gentle
/// gate at −50 dBFS, 3:1 compression from −20 dBFS with 3 dB makeup, a low-shelf cut, a
/// presence and an air lift, and a −1 dBFS limiter with 5 ms lookahead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ChainConfig {
    /// Sample rate, Hz. 8000 to 192000. Default 48000. Changing it resets the chain.
    pub sample_rate: f64,
    /// 1 (mono, the default; then absent from the serialised configuration) or 2
    /// (interleaved stereo with linked gain, see [`crate::mixer::link`]). Changing it resets the
    /// chain.
    #[serde(skip_serializing_if = "is_default")]
    pub channels: Channels,
    /// Noise suppression (RNNoise) before the gate; 48 kHz only. Off by default (and then
    /// absent from the serialised configuration).
    #[serde(skip_serializing_if = "is_default")]
    pub denoise: DenoiseConfig,
    pub gate: NoiseGateConfig,
    pub compressor: CompressorConfig,
    pub eq: EqConfig,
    pub limiter: LimiterConfig,
    /// Loudness normalisation between the EQ and the limiter. Off by default (and then
    /// absent from the serialised configuration).
    #[serde(skip_serializing_if = "is_default")]
    pub loudness: LoudnessStageConfig,
    /// Genre-adaptive presets: `true` or `{ enabled, smoothingMs }`. Off by default (and
    /// then absent from the serialised configuration).
    #[serde(skip_serializing_if = "is_default")]
    pub adaptive: AdaptiveConfig,
    /// The preset-managed parameters the user set explicitly (bits of
    /// [`crate::mixer::presets::PARAMS`]): they keep the user's value while adaptive.
    #[serde(skip)]
    pub pinned: u32,
}

fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

impl Default for ChainConfig {
    fn default() -> Self {
        Self {
            sample_rate: SAMPLE_RATE_HZ,
            channels: Channels::Mono,
            denoise: DenoiseConfig::default(),
            gate: NoiseGateConfig::default(),
            compressor: CompressorConfig::default(),
            eq: EqConfig::default(),
            limiter: LimiterConfig::default(),
            loudness: LoudnessStageConfig::default(),
            adaptive: AdaptiveConfig::default(),
            pinned: 0,
        }
    }
}

impl ChainConfig {
    pub const SAMPLE_RATE: Range = Range::new("sampleRate", 8000.0, 192_000.0, "Hz");

    pub fn validate(&self) -> Result<(), ConfigError> {
        Self::SAMPLE_RATE.check(self.sample_rate)?;
        self.denoise.validate(self.sample_rate)?;
        self.gate.validate()?;
        self.compressor.validate()?;
        self.eq.validate(self.sample_rate)?;
        self.limiter.validate()?;
        self.loudness.validate()?;
        self.adaptive.validate(self.sample_rate)
    }

    /// Latency of the chain, samples per channel: the limiter's lookahead, plus the
    /// denoiser's 960 samples when it is on.
    pub fn latency_samples(&self) -> usize {
        self.limiter.lookahead_samples(self.sample_rate) + self.denoise.latency_samples()
    }
}
