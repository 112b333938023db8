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

mod analysis;
mod error;
pub mod genre;
mod loudness;
mod math;
mod mixer;
mod range;
mod units;
mod vad;

pub use mixer::parameters;

pub use analysis::extractor::{
    extract_features, extract_mfcc, AnalysisConfig, AnalysisError, AnalysisFrames,
    AnalysisSettings, FeatureExtractor,
};
pub use analysis::features::{
    rms, spectral_centroid, spectral_flatness, spectral_flux, spectral_rolloff, zero_crossing_rate,
    FrameFeatures, SpectralFeatures,
};
pub use analysis::mel::{hz_to_mel, mel_to_hz, MelFilterbank};
pub use analysis::mfcc::{DctMatrix, Mfcc};
pub use analysis::spectrum::{fft_frequencies, hann_periodic, RealSpectrum};
pub use error::{check_audio, AudioError, ConfigError};
pub use loudness::meter::{
    apply_gain_db, k_weighting_coefficients, loudness_of_mean_square, measure_loudness,
    normalization_gain_db, LoudnessConfig, LoudnessMeter, LoudnessReport, LoudnessSettings,
    NormalizationTarget, TARGET_BROADCAST_LUFS, TARGET_PODCAST_LUFS, TARGET_STREAMING_LUFS,
};
pub use loudness::true_peak::TruePeak;
pub use math::rational_resampler::RationalResampler;
pub use mixer::adaptive::{
    AdaptiveConfig, AdaptiveFields, UPDATE_SAMPLES as ADAPTIVE_UPDATE_SAMPLES,
};
pub use mixer::biquad::{Biquad, BiquadCoefficients};
pub use mixer::chain::MixerChain;
pub use mixer::compressor::{Compressor, CompressorConfig};
pub use mixer::config::{ChainConfig, FRAME_SAMPLES, SAMPLE_RATE_HZ};
pub use mixer::denoise::{
    DenoiseConfig, Denoiser, DENOISE_FRAME, DENOISE_SAMPLE_RATE_HZ, INPUT_LIMIT as DENOISE_INPUT_LIMIT,
    LATENCY_SAMPLES as DENOISE_LATENCY_SAMPLES,
};
pub use mixer::eq::{EqConfig, ThreeBandEq, MAX_FREQ_FRACTION};
pub use mixer::gate::{NoiseGate, NoiseGateConfig};
pub use mixer::limiter::{Limiter, LimiterConfig};
pub use mixer::link::Channels;
pub use mixer::meters::{AdaptiveMeters, DenoiseMeters, LoudnessMeters, Meters};
pub use mixer::normalizer::{LoudnessNormalizer, LoudnessStageConfig};
pub use mixer::presets::{Preset, PresetDecision, PARAMS as PRESET_PARAMS};
pub use range::Range;
pub use units::{db_to_gain, gain_to_db, ms_to_samples};
pub use vad::features::{
    VadFeatures, ANALYSIS_RATE_HZ as VAD_ANALYSIS_RATE_HZ, BANDS as VAD_BANDS,
    FEATURES as VAD_FEATURES, HOP as VAD_HOP, WINDOW as VAD_WINDOW,
};
pub use vad::{Vad, VadConfig, VadFrame, VAD_HOP_MS, VAD_SILENCE_MEAN_SQUARE};
