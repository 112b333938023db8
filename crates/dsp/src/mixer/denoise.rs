//! Noise suppression: RNNoise (J.-M. Valin, "A Hybrid DSP/Deep Learning Approach to
//! Real-Time Full-Band Speech Enhancement", 2018) through the `nnnoiseless` crate, its
//! Rust port with the original weights (BSD-3-Clause).
//!
//! RNNoise works at 48 kHz on 480-sample (10 ms) frames: a 960-sample Vorbis-windowed
//! FFT, 22 Bark-like band energies, pitch analysis, and a small GRU network that gives
//! one gain per band (plus a pitch comb filter). [`Denoiser`] runs it on blocks of any
//! length, mono or interleaved stereo (one independent RNNoise state per channel), and
//! carries every partial frame across calls, so the output does not depend on how a
//! signal is cut into blocks.
//!
//! **Latency: [`LATENCY_SAMPLES`] = 960 samples (20 ms) per channel**: 480 samples to
//! collect a frame (a block may end anywhere inside one) plus RNNoise's own 480 (the
//! overlap-add synthesis completes a frame's first half only when the next frame is in).
//! Input sample `n` comes out at output sample `n + 960`; the first 960 output samples
//! precede the input (zero, then the network's faint spectral leakage of what follows,
//! about −50 dB under it).
//!
//! **Sample rate:** 48 kHz only — the rate the network was trained at; other rates are
//! refused by [`DenoiseConfig::validate`] rather than resampled inside the chain, where a
//! resampler pair would add its own latency and alter the signal even with the stage at
//! no reduction (convert with `edgemix-audio-io`'s resampler first).
//!
//! **Level:** RNNoise expects 16-bit-scaled samples; the stage scales by 2¹⁵ on the way
//! in and 2⁻¹⁵ on the way out (exact). Samples beyond ±[`INPUT_LIMIT`] (+96 dBFS) are
//! clipped there on the way in: no finite input can then overflow the network's
//! band energies and leave its recurrent state non-finite for good.
//!
//! **Attenuation limit:** `attenuationLimitDb` < 100 mixes the (equally delayed) input
//! back in: `out = m·input + (1 − m)·denoised` with `m = 10^(−limit/20)`, so a band the
//! network silences completely is reduced by exactly `limit` dB; 100 (the default)
//! means no limit, the network's output as is.
//!
//! **Native and WebAssembly:** the same source runs in `denoise.wasm`, to within 1e-4 of
//! full scale (the wasm tests state the bounds) but not to the bit, for two reasons
//! inside `nnnoiseless` and its dependencies, neither of which this crate can select:
//! - its FFT comes from `easyfft`, which plans with `rustfft::FftPlanner::new()` (AVX/FMA,
//!   else SSE, butterflies chosen at run time natively; scalar ones in wasm32) and depends
//!   on `rustfft` with its default SIMD features, so no feature or planner choice of ours
//!   makes the native transform scalar;
//! - its band energies go through `f32::log10`: glibc's `log10f` natively, musl's
//!   (wasi-libc, or `libm` in compiler-builtins) in wasm32, which differ by one ulp on
//!   1.7 % of the inputs at or above 0.01.
//!
//! With both swapped natively (the scalar planner and `libm::log10f`, in patched copies of
//! `rustfft` and `nnnoiseless`), the native and wasm32 outputs were equal bit for bit over
//! 1000 frames; shipping that would mean carrying forks of both crates.

use std::fmt;
use std::sync::OnceLock;

use nnnoiseless::{DenoiseState, RnnModel};
use serde::{Deserialize, Serialize};

use crate::error::ConfigError;
use crate::mixer::link::Channels;
use crate::range::Range;
use crate::units::db_to_gain;

/// The only sample rate the stage runs at, Hz.
pub const DENOISE_SAMPLE_RATE_HZ: f64 = 48_000.0;
/// RNNoise's frame, samples per channel (10 ms at 48 kHz).
pub const DENOISE_FRAME: usize = DenoiseState::FRAME_SIZE;
/// Delay from input to output, samples per channel (see the module documentation).
pub const LATENCY_SAMPLES: usize = 2 * DENOISE_FRAME;
/// Largest magnitude handed to the network, full scale (+96 dBFS).
pub const INPUT_LIMIT: f32 = 65_536.0;

/// Full scale to RNNoise's 16-bit scale and back (powers of two: exact).
const TO_PCM16: f32 = 32_768.0;
const FROM_PCM16: f32 = 1.0 / 32_768.0;

/// Settings of the noise-suppression stage (`denoise` in the chain configuration).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct DenoiseConfig {
    /// Run the stage. Default false (the chain's output and latency are then exactly as
    /// without it).
    pub enabled: bool,
    /// The most the stage may take away, dB, 0 to 100: the input is mixed back in at
    /// −`attenuationLimitDb`. 100 (the default) is no limit; 0 passes the input through
    /// (delayed).
    pub attenuation_limit_db: f64,
}

impl Default for DenoiseConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            attenuation_limit_db: Self::ATTENUATION_LIMIT_DB.max,
        }
    }
}

impl DenoiseConfig {
    pub const ATTENUATION_LIMIT_DB: Range =
        Range::new("denoise.attenuationLimitDb", 0.0, 100.0, "dB");

    /// Checks the settings; an enabled stage also needs `sample_rate` = 48000 Hz.
    pub fn validate(&self, sample_rate: f64) -> Result<(), ConfigError> {
        Self::ATTENUATION_LIMIT_DB.check(self.attenuation_limit_db)?;
        if self.enabled && sample_rate != DENOISE_SAMPLE_RATE_HZ {
            return Err(ConfigError::new(
                "denoise.enabled",
                format!(
                    "denoise.enabled needs sampleRate 48000 (the rate RNNoise runs at; allowed sample rates: 48000), \
                     but sampleRate is {sample_rate}: resample the audio to 48 kHz first"
                ),
            ));
        }
        Ok(())
    }

    /// The stage's latency, samples per channel (0 when off).
    pub fn latency_samples(&self) -> usize {
        if self.enabled {
            LATENCY_SAMPLES
        } else {
            0
        }
    }

    /// The share of the input mixed back in (0 with no limit).
    fn dry_gain(&self) -> f32 {
        if self.attenuation_limit_db >= Self::ATTENUATION_LIMIT_DB.max {
            0.0
        } else {
            db_to_gain(-self.attenuation_limit_db) as f32
        }
    }
}

/// The network's weights, parsed once per process and shared by every state.
fn model() -> &'static RnnModel {
    static MODEL: OnceLock<RnnModel> = OnceLock::new();
    MODEL.get_or_init(RnnModel::default)
}

/// One channel: its RNNoise state and the frame being collected, the frame being
/// emitted and the input frame aligned with it (for the attenuation limit), all at the
/// 16-bit scale.
#[derive(Clone)]
struct Lane {
    state: Box<DenoiseState<'static>>,
    input: [f32; DENOISE_FRAME],
    previous_input: [f32; DENOISE_FRAME],
    output: [f32; DENOISE_FRAME],
    speech_probability: f32,
}

impl Lane {
    fn new() -> Self {
        Self {
            state: DenoiseState::with_model(model()),
            input: [0.0; DENOISE_FRAME],
            previous_input: [0.0; DENOISE_FRAME],
            output: [0.0; DENOISE_FRAME],
            speech_probability: 0.0,
        }
    }

    /// Denoises the collected frame; the result is emitted during the next one.
    fn run(&mut self, dry_gain: f32) {
        self.speech_probability = self.state.process_frame(&mut self.output, &self.input);
        if dry_gain > 0.0 {
            let wet_gain = 1.0 - dry_gain;
            for (out, dry) in self.output.iter_mut().zip(&self.previous_input) {
                *out = dry_gain * dry + wet_gain * *out;
            }
        }
        self.previous_input = self.input;
    }
}

/// RNNoise on mono or interleaved stereo at 48 kHz, any block length.
#[derive(Clone)]
pub struct Denoiser {
    lanes: Vec<Lane>,
    dry_gain: f32,
    /// Samples per channel collected into the current frame (0..480).
    filled: usize,
}

impl fmt::Debug for Denoiser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Denoiser")
            .field("channels", &self.lanes.len())
            .field("dry_gain", &self.dry_gain)
            .field("filled", &self.filled)
            .finish_non_exhaustive()
    }
}

/// The stage on its own (`denoise.wasm`): `{ "channels": 1 | 2, "attenuationLimitDb": n }`,
/// both optional (mono, no limit), at 48 kHz.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
struct StandaloneConfig {
    channels: Channels,
    attenuation_limit_db: f64,
}

impl Default for StandaloneConfig {
    fn default() -> Self {
        Self {
            channels: Channels::Mono,
            attenuation_limit_db: DenoiseConfig::default().attenuation_limit_db,
        }
    }
}

impl Denoiser {
    /// A stage from its standalone JSON configuration
    /// (`{ "channels": 1 | 2, "attenuationLimitDb": 0..100 }`, both optional); unknown
    /// keys and bad values are refused naming the parameter.
    pub fn from_json(value: &serde_json::Value) -> Result<Self, ConfigError> {
        let standalone: StandaloneConfig = serde_path_to_error::deserialize(value).map_err(|err| {
            let path = err.path().to_string();
            ConfigError::new(path.clone(), format!("invalid denoise config at {path}: {}", err.into_inner()))
        })?;
        let config = DenoiseConfig {
            enabled: true,
            attenuation_limit_db: standalone.attenuation_limit_db,
        };
        config.validate(DENOISE_SAMPLE_RATE_HZ)?;
        Ok(Self::new(&config, standalone.channels))
    }

    /// A stage for `channels` (the configuration is validated by the caller; the sample
    /// rate is 48 kHz).
    pub fn new(config: &DenoiseConfig, channels: Channels) -> Self {
        Self {
            lanes: (0..channels.count()).map(|_| Lane::new()).collect(),
            dry_gain: config.dry_gain(),
            filled: 0,
        }
    }

    /// Applies new settings, keeping the network's state and the frames in flight.
    pub fn set_config(&mut self, config: &DenoiseConfig) {
        self.dry_gain = config.dry_gain();
    }

    /// Back to the state of a new stage (silence in the pipeline).
    pub fn reset(&mut self) {
        self.lanes.iter_mut().for_each(|lane| *lane = Lane::new());
        self.filled = 0;
    }

    /// Samples per interleaved frame (1 or 2).
    pub fn channels(&self) -> usize {
        self.lanes.len()
    }

    /// Latency, samples per channel.
    pub fn latency(&self) -> usize {
        LATENCY_SAMPLES
    }

    /// The network's voice-activity probability (0..1) for the last completed frame, the
    /// largest over the channels.
    pub fn speech_probability(&self) -> f32 {
        self.lanes
            .iter()
            .map(|lane| lane.speech_probability)
            .fold(0.0, f32::max)
    }

    /// Denoises `block` (finite samples, whole interleaved frames) in place, delayed by
    /// [`LATENCY_SAMPLES`].
    pub fn process(&mut self, block: &mut [f32]) {
        let channels = self.lanes.len();
        let mut frames = block.chunks_exact_mut(channels);
        let mut remaining = frames.len();
        while remaining > 0 {
            let take = remaining.min(DENOISE_FRAME - self.filled);
            for frame in frames.by_ref().take(take) {
                for (x, lane) in frame.iter_mut().zip(&mut self.lanes) {
                    let incoming = x.clamp(-INPUT_LIMIT, INPUT_LIMIT) * TO_PCM16;
                    *x = lane.output[self.filled] * FROM_PCM16;
                    lane.input[self.filled] = incoming;
                }
                self.filled += 1;
            }
            remaining -= take;
            if self.filled == DENOISE_FRAME {
                let dry_gain = self.dry_gain;
                self.lanes.iter_mut().for_each(|lane| lane.run(dry_gain));
                self.filled = 0;
            }
        }
    }
}
