//! Voice activity detection for 20 ms frames: robust spectral and temporal features, a
//! small neural network, a threshold and a hangover.
//!
//! # Pipeline
//!
//! 1. The input (16 to 192 kHz, see [`VadConfig::sample_rate`]) is converted to 16 kHz
//!    by a polyphase Kaiser-windowed FIR ([`RationalResampler`](crate::RationalResampler):
//!    passband to 5.5 kHz, 50 dB stopband from 8 kHz; 48 kHz is an exact 3:1 decimation,
//!    16 kHz a copy).
//! 2. Every 20 ms hop (320 samples at 16 kHz) gives the 44 features of
//!    [`VadFeatures`](crate::VadFeatures) from the last 32 ms and the hops before it:
//!    band SNRs against noise floors tracked by minimum statistics over 1.5 s,
//!    harmonicity (normalised autocorrelation at 70–400 Hz) of the spectrum and of the
//!    floor-subtracted spectrum, pitch change, spectral flatness, flux, 4 Hz
//!    (syllable-rate) modulation, past SNRs and smoothed averages, and the context that
//!    tells speech from music: how much harmonicity, SNR and flatness vary over 0.5 s
//!    (speech alternates voiced and unvoiced sounds, a melody stays voiced, drums stay
//!    unvoiced), the rhythm of the onsets (music repeats at the beat, speech does not)
//!    and the length of the current voiced run.
//! 3. A multilayer perceptron (44 → 48 → 24 → 1, ReLU, logistic output) maps them to the
//!    hop's speech probability. Its weights (`vad/model.rs`) come from
//!    `crates/dsp/training/vad/train.py`: espeak-ng and Flite speech (other sentences
//!    than the test set) mixed with pink, white and brown noise, synthetic music beds
//!    and band beds (full band, drums alone, melody alone, in seeded keys, tempos and
//!    instruments; other seeds than the tests) at 0–30 dB SNR and −46 to −16 dBFS, plus
//!    clean speech. The tests measure it on the voices of engines it never hears
//!    (Festival, pytest-audioeval's recordings).
//! 4. A hop is speech when its probability reaches `threshold`; after the last such hop
//!    the decision stays on for `hangoverMs`. A hop whose 32 ms window has a mean square
//!    below 10⁻⁸ (−80 dBFS) has probability 0.
//!
//! The detector needs about 1.5 s of a new background to learn its floor: until then a
//! background that starts loud reads as louder than its floor.
//!
//! # Frames and blocks
//!
//! Hops are 20 ms of input counted from the first sample, whatever the block sizes.
//! [`Vad::process`] takes a block of any length (nominally one 20 ms frame: 960 samples
//! at 48 kHz, 320 at 16 kHz) and returns one [`VadFrame`]: the probability is the mean of
//! the hops completed inside the block and `speech` the decision after the last of them
//! (the hangover can keep it on while the probability is below the threshold). A block
//! that completes no hop (e.g. the first 10 ms half of a frame) repeats the previous
//! result. [`Vad::process_hops`] reports every hop with its features; feeding a signal in
//! blocks of any sizes gives bit-identical hops.
//!
//! No allocation after [`Vad::new`]. All arithmetic is plain `f32` in a fixed order (own
//! FFT, own logarithm and exponential), so `vad.wasm` gives bit-identical probabilities.
//!
//! Cost: about 12 µs per 20 ms frame at 48 kHz on one x86-64 core, 3 µs of it the
//! resampling (release build;
//! `cargo run --release -p edgemix-dsp --example bench_vad`).

pub(crate) mod features;
pub(crate) mod model;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{check_audio, AudioError, ConfigError};
use crate::math::rational_resampler::{check_rate_to_16k, RationalResampler};
use crate::range::Range;
use crate::vad::features::{VadFeatures, ANALYSIS_RATE_HZ, FEATURES, HOP, HOP_MS};

/// Mean square of the analysis window below which a hop is never speech (−80 dBFS).
pub const VAD_SILENCE_MEAN_SQUARE: f32 = 1e-8;
/// Hop of the decisions, ms.
pub const VAD_HOP_MS: f64 = HOP_MS as f64;

/// Parameters of the [`Vad`] (JSON: camelCase keys, all optional).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct VadConfig {
    /// Sample rate of the input, Hz: a whole number from 16000 to 192000 whose ratio to
    /// 16000 reduces to a numerator of at most 640 (every common rate: 16000, 22050,
    /// 24000, 32000, 44100, 48000, 88200, 96000, 176400, 192000). Default 48000.
    pub sample_rate: f64,
    /// Speech probability at or above which a hop is speech, 0.01 to 0.99 (lower: fewer
    /// missed syllables, more false alarms). Default: chosen by train.py on held-out
    /// training audio (`vad_model::DEFAULT_THRESHOLD`, 0.5).
    pub threshold: f64,
    /// Time the decision stays on after the last hop at or above the threshold, ms,
    /// 0 to 2000, in 20 ms steps (rounded to whole hops). Default: chosen by train.py
    /// (`vad_model::DEFAULT_HANGOVER_MS`; 0: the network already bridges the short gaps
    /// inside speech from its context features, and a longer hold only adds false
    /// alarms after utterances on the held-out audio).
    pub hangover_ms: f64,
}

impl Default for VadConfig {
    fn default() -> Self {
        Self {
            sample_rate: 48_000.0,
            threshold: model::DEFAULT_THRESHOLD,
            hangover_ms: model::DEFAULT_HANGOVER_MS,
        }
    }
}

impl VadConfig {
    pub const SAMPLE_RATE: Range = Range::new("sampleRate", 16_000.0, 192_000.0, "Hz");
    pub const THRESHOLD: Range = Range::new("threshold", 0.01, 0.99, "");
    pub const HANGOVER_MS: Range = Range::new("hangoverMs", 0.0, 2000.0, "ms");

    pub fn validate(&self) -> Result<(), ConfigError> {
        check_rate_to_16k(&Self::SAMPLE_RATE, self.sample_rate)?;
        Self::THRESHOLD.check(self.threshold)?;
        Self::HANGOVER_MS.check(self.hangover_ms)
    }

    /// Parses and validates a complete or partial configuration (omitted keys take
    /// their defaults).
    pub fn from_json(value: &Value) -> Result<Self, ConfigError> {
        let config: Self = crate::error::parse_config(value, "vad config")?;
        config.validate()?;
        Ok(config)
    }

    /// Samples in one 20 ms frame at this sample rate (rounded).
    pub fn frame_samples(&self) -> usize {
        (self.sample_rate * 0.02).round() as usize
    }
}

/// The decision for one frame (or one hop).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct VadFrame {
    /// Speech present (after the threshold and the hangover).
    pub speech: bool,
    /// The model's speech probability, 0 to 1.
    pub probability: f32,
}

/// Voice activity detector with state across frames. See the module documentation.
#[derive(Debug, Clone)]
pub struct Vad {
    config: VadConfig,
    resampler: RationalResampler,
    features: VadFeatures,
    hop: [f32; HOP],
    filled: usize,
    threshold: f32,
    hangover_hops: u32,
    hangover_left: u32,
    last: VadFrame,
    hidden1: [f32; model::HIDDEN1],
    hidden2: [f32; model::HIDDEN2],
}

impl Vad {
    pub fn new(config: VadConfig) -> Result<Self, ConfigError> {
        config.validate()?;
        let mut vad = Self {
            resampler: resampler(config.sample_rate),
            features: VadFeatures::new(),
            hop: [0.0; HOP],
            filled: 0,
            threshold: 0.0,
            hangover_hops: 0,
            hangover_left: 0,
            last: VadFrame::default(),
            hidden1: [0.0; model::HIDDEN1],
            hidden2: [0.0; model::HIDDEN2],
            config: config.clone(),
        };
        vad.apply(&config);
        Ok(vad)
    }

    /// Applies new parameters. The signal state (noise floors, context) is kept unless
    /// the sample rate changes, which resets the detector. On error nothing changes.
    pub fn configure(&mut self, config: VadConfig) -> Result<(), ConfigError> {
        config.validate()?;
        if config.sample_rate != self.config.sample_rate {
            self.resampler = resampler(config.sample_rate);
            self.reset();
        }
        self.apply(&config);
        self.config = config;
        Ok(())
    }

    fn apply(&mut self, config: &VadConfig) {
        self.threshold = config.threshold as f32;
        self.hangover_hops = (config.hangover_ms / VAD_HOP_MS).round() as u32;
        self.hangover_left = self.hangover_left.min(self.hangover_hops);
    }

    pub fn config(&self) -> &VadConfig {
        &self.config
    }

    /// Back to the state of a new detector (same configuration).
    pub fn reset(&mut self) {
        self.resampler.reset();
        self.features.reset();
        self.filled = 0;
        self.hangover_left = 0;
        self.last = VadFrame::default();
    }

    /// Analyses a block (nominally one 20 ms frame) and returns its decision: the mean
    /// probability of the hops completed in it and the decision after the last one (the
    /// previous result when none completed). An empty block or a non-finite sample is
    /// refused with the state unchanged.
    pub fn process(&mut self, block: &[f32]) -> Result<VadFrame, AudioError> {
        let (mut sum, mut count, mut speech) = (0.0f32, 0u32, self.last.speech);
        self.process_hops(block, |hop, _| {
            sum += hop.probability;
            count += 1;
            speech = hop.speech;
        })?;
        if count == 0 {
            return Ok(self.last);
        }
        Ok(VadFrame {
            speech,
            probability: sum / count as f32,
        })
    }

    /// Analyses a block of any length, calling `on_hop` with the decision and the
    /// feature vector of every 20 ms hop that completes in it. An empty block or a
    /// non-finite sample is refused with the state unchanged.
    pub fn process_hops(
        &mut self,
        block: &[f32],
        mut on_hop: impl FnMut(VadFrame, &[f32; FEATURES]),
    ) -> Result<(), AudioError> {
        check_audio(block)?;
        let Self {
            resampler,
            features,
            hop,
            filled,
            threshold,
            hangover_hops,
            hangover_left,
            last,
            hidden1,
            hidden2,
            ..
        } = self;
        resampler.process(block, |y| {
            hop[*filled] = y;
            *filled += 1;
            if *filled < HOP {
                return;
            }
            *filled = 0;
            features.process_hop(hop);
            let x = features.features();
            let probability = if features.window_mean_square() < VAD_SILENCE_MEAN_SQUARE {
                0.0
            } else {
                mlp(x, hidden1, hidden2)
            };
            let speech = if probability >= *threshold {
                *hangover_left = *hangover_hops;
                true
            } else if *hangover_left > 0 {
                *hangover_left -= 1;
                true
            } else {
                false
            };
            *last = VadFrame {
                speech,
                probability,
            };
            on_hop(*last, x);
        });
        Ok(())
    }
}

fn resampler(sample_rate: f64) -> RationalResampler {
    RationalResampler::new(sample_rate as u32, ANALYSIS_RATE_HZ, 5500.0, 8000.0, 50.0)
}

/// The network: standardise, two ReLU layers, logistic output.
fn mlp(x: &[f32; FEATURES], h1: &mut [f32; model::HIDDEN1], h2: &mut [f32; model::HIDDEN2]) -> f32 {
    let mut input = [0.0f32; FEATURES];
    for i in 0..FEATURES {
        input[i] = (x[i] - model::MEAN[i]) * model::INV_STD[i];
    }
    for (j, h) in h1.iter_mut().enumerate() {
        let row = &model::W1[j * FEATURES..(j + 1) * FEATURES];
        *h = (model::B1[j] + dot(row, &input)).max(0.0);
    }
    for (j, h) in h2.iter_mut().enumerate() {
        let row = &model::W2[j * model::HIDDEN1..(j + 1) * model::HIDDEN1];
        *h = (model::B2[j] + dot(row, h1)).max(0.0);
    }
    let z = model::B3 + dot(&model::W3, h2);
    // 1 / (1 + e^−z), e^−z = 2^(−z·log2 e).
    1.0 / (1.0 + crate::math::fastmath::exp2(-z * std::f32::consts::LOG2_E))
}

/// Dot product in four interleaved partial sums (a fixed order).
#[inline]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for i in 0..4 {
            acc[i] += x[i] * y[i];
        }
    }
    for (i, (x, y)) in ra.iter().zip(rb).enumerate() {
        acc[i] += x * y;
    }
    // The fence keeps the reduction's pairing from reshaping the loop's lanes.
    let acc = std::hint::black_box(acc);
    (acc[0] + acc[1]) + (acc[2] + acc[3])
}
