//! Pure DSP for edgemix: the processors of the mixer chain, with no I/O and no async.
//!
//! Every processor works on mono or interleaved stereo ([`Channels`]; the dynamics
//! stages link their gain across channels, see the `link` module), at any sample rate from
//! 8 kHz to 192 kHz and on any block length, and carries its state across blocks: feeding
//! a signal as one buffer or as blocks of any size gives bit-identical output.
//!
//! Signal levels are in dBFS (0 dBFS = full-scale sample value 1.0); times in
//! milliseconds; frequencies in hertz. Every configurable parameter is checked against a
//! documented [`Range`] and an out-of-range value is reported as a [`ConfigError`] that
//! names the parameter and what is allowed.

mod adaptive;
mod biquad;
mod chain;
mod compressor;
mod eq;
mod error;
mod extractor;
mod fastmath;
mod features;
mod gate;
pub mod genre;
mod limiter;
mod link;
mod loudness;
mod mel;
mod meters;
mod mfcc;
mod normalizer;
mod presets;
mod radix2_fft;
mod range;
mod rational_resampler;
mod simd;
mod sliding_min;
mod spectrum;
mod true_peak;
mod units;
mod vad;
mod vad_features;
mod vad_model;

pub use adaptive::{
    AdaptiveConfig, AdaptiveFields, PresetDecision, UPDATE_SAMPLES as ADAPTIVE_UPDATE_SAMPLES,
};
pub use biquad::{Biquad, BiquadCoefficients};
pub use chain::{ChainConfig, MixerChain, FRAME_SAMPLES, SAMPLE_RATE_HZ};
pub use compressor::{Compressor, CompressorConfig};
pub use eq::{EqConfig, ThreeBandEq, MAX_FREQ_FRACTION};
pub use error::{check_audio, AudioError, ConfigError};
pub use extractor::{
    extract_features, extract_mfcc, AnalysisConfig, AnalysisError, AnalysisFrames,
    AnalysisSettings, FeatureExtractor,
};
pub use features::{
    rms, spectral_centroid, spectral_flatness, spectral_flux, spectral_rolloff, zero_crossing_rate,
    FrameFeatures, SpectralFeatures,
};
pub use gate::{NoiseGate, NoiseGateConfig};
pub use limiter::{Limiter, LimiterConfig};
pub use link::Channels;
pub use loudness::{
    apply_gain_db, k_weighting_coefficients, loudness_of_mean_square, measure_loudness,
    normalization_gain_db, LoudnessConfig, LoudnessMeter, LoudnessReport, LoudnessSettings,
    NormalizationTarget, TARGET_BROADCAST_LUFS, TARGET_PODCAST_LUFS, TARGET_STREAMING_LUFS,
};
pub use mel::{hz_to_mel, mel_to_hz, MelFilterbank};
pub use meters::{AdaptiveMeters, LoudnessMeters, Meters};
pub use mfcc::{DctMatrix, Mfcc};
pub use normalizer::{LoudnessNormalizer, LoudnessStageConfig};
pub use presets::{Preset, PARAMS as PRESET_PARAMS};
pub use range::Range;
pub use rational_resampler::RationalResampler;
pub use spectrum::{fft_frequencies, hann_periodic, RealSpectrum};
pub use true_peak::TruePeak;
pub use units::{db_to_gain, gain_to_db, ms_to_samples};
pub use vad::{Vad, VadConfig, VadFrame, VAD_HOP_MS, VAD_SILENCE_MEAN_SQUARE};
pub use vad_features::{
    VadFeatures, ANALYSIS_RATE_HZ as VAD_ANALYSIS_RATE_HZ, BANDS as VAD_BANDS,
    FEATURES as VAD_FEATURES, HOP as VAD_HOP, WINDOW as VAD_WINDOW,
};
