//! Five-class genre detection: Speech, Rock, Jazz, Electronic, Classical.
//!
//! The input (16 to 192 kHz) is converted to 16 kHz and analysed in 20 ms frames
//! (`frames.rs`); every 3 s window of frames gives a vector of [`FEATURES`] features —
//! MFCC statistics (`timbre.rs`), onset rate and tempo periodicity (`rhythm.rs`),
//! percussive-energy fraction (`percussive.rs`), 4 Hz modulation and pause ratio
//! (`modulation.rs`), crest factor, dynamic range and low-energy ratio (`dynamics.rs`) —
//! and a small network (`model.rs`: standardisation, one ReLU layer, softmax) turns it
//! into class probabilities.
//!
//! The network was trained by `crates/dsp/training/genre/train.py` on a synthetic corpus
//! (stylised MIDI rendered with three General-MIDI soundfonts, espeak-ng speech; the
//! recipe is `crates/dsp/training/genre/corpus.py`). Its accuracy on that corpus with one
//! soundfont held out is reported in `crates/dsp/training/genre/report.md` — a synthetic
//! benchmark, not a measure of accuracy on real recordings.
//!
//! [`classify`] averages the probabilities of the windows of a buffer (one every second);
//! [`StreamingGenreClassifier`] smooths them over time, with hysteresis and a confidence
//! threshold. Everything is deterministic.

mod dynamics;
mod frames;
mod model;
mod modulation;
mod percussive;
mod rhythm;
mod streaming;
mod timbre;
#[rustfmt::skip]
mod weights;
mod window;

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::analysis::extractor::AnalysisError;
use crate::error::{check_audio, ConfigError};
use crate::math::rational_resampler::check_rate_to_16k;
use crate::range::Range;

pub use frames::{
    min_samples, FrameRecord, ANALYSIS_RATE_HZ, FRAME_RATE_HZ, WINDOW_FRAMES, WINDOW_S,
};
pub use streaming::{GenreDecision, StreamingGenreClassifier, StreamingGenreOptions};
pub use window::{FEATURES, FEATURE_NAMES};

use frames::GenreFrames;
use window::WindowFeatures;

/// Number of classes.
pub const GENRES: usize = 5;
/// Hop between the windows of [`classify`], frames (1 s).
pub const CLASSIFY_HOP_FRAMES: usize = 50;

/// A genre class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Genre {
    Speech,
    Rock,
    Jazz,
    Electronic,
    Classical,
}

impl Genre {
    /// Every class, in the order of the probability arrays.
    pub const ALL: [Genre; GENRES] = [
        Genre::Speech,
        Genre::Rock,
        Genre::Jazz,
        Genre::Electronic,
        Genre::Classical,
    ];

    /// The lowercase name ("speech", "rock", ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Genre::Speech => "speech",
            Genre::Rock => "rock",
            Genre::Jazz => "jazz",
            Genre::Electronic => "electronic",
            Genre::Classical => "classical",
        }
    }

    /// Position in [`Genre::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// Class probabilities (summing to 1) in the order of [`Genre::ALL`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GenreScores {
    pub probabilities: [f32; GENRES],
}

impl GenreScores {
    /// The most probable genre and its probability (the first one on a tie).
    pub fn best(&self) -> (Genre, f32) {
        argmax(&self.probabilities)
    }
}

pub(crate) fn argmax(p: &[f32; GENRES]) -> (Genre, f32) {
    let mut best = 0;
    for k in 1..GENRES {
        if p[k] > p[best] {
            best = k;
        }
    }
    (Genre::ALL[best], p[best])
}

/// Options of [`classify`] from JSON (camelCase; the binding's `{ sampleRate }`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct GenreOptions {
    /// Sample rate of the input, Hz: a whole number from 16000 to 192000 whose ratio to
    /// 16000 reduces to a numerator of at most 640 (16000, 22050, 24000, 32000, 44100,
    /// 48000, 88200, 96000, 176400, 192000, ...). Default 48000.
    pub sample_rate: f64,
}

impl Default for GenreOptions {
    fn default() -> Self {
        Self {
            sample_rate: 48_000.0,
        }
    }
}

impl GenreOptions {
    pub const SAMPLE_RATE: Range = Range::new("sampleRate", 16_000.0, 192_000.0, "Hz");

    /// The validated sample rate.
    pub fn validate(&self) -> Result<u32, ConfigError> {
        check_rate_to_16k(&Self::SAMPLE_RATE, self.sample_rate)
    }

    /// Parses and validates options (omitted keys take their defaults).
    pub fn from_json(value: &Value) -> Result<u32, ConfigError> {
        crate::error::parse_config::<Self>(value, "genre options")?.validate()
    }
}

/// Frames, window features and model: the shared path of [`classify`] and
/// [`StreamingGenreClassifier`].
#[derive(Debug, Clone)]
pub(crate) struct GenreAnalyzer {
    frames: GenreFrames,
    window: WindowFeatures,
    features: [f32; FEATURES],
    /// Frames analysed since the start or the last reset.
    count: u64,
}

impl GenreAnalyzer {
    pub(crate) fn new(sample_rate: u32) -> Self {
        Self {
            frames: GenreFrames::new(sample_rate),
            window: WindowFeatures::new(),
            features: [0.0; FEATURES],
            count: 0,
        }
    }

    /// Feeds finite samples; calls `on_window` with the features of every full window
    /// ending `hop_frames` frames after the previous one (the first after 3 s).
    pub(crate) fn push(
        &mut self,
        block: &[f32],
        hop_frames: usize,
        mut on_window: impl FnMut(&[f32; FEATURES]),
    ) {
        let (window, features, count) = (&mut self.window, &mut self.features, &mut self.count);
        self.frames.push(block, |records: &VecDeque<FrameRecord>| {
            *count += 1;
            let full = *count >= WINDOW_FRAMES as u64;
            if full && (*count - WINDOW_FRAMES as u64) % hop_frames as u64 == 0 {
                window.compute(records, features);
                on_window(features);
            }
        });
    }

    pub(crate) fn reset(&mut self) {
        self.frames.reset();
        self.count = 0;
    }
}

fn check_length(samples: &[f32], sample_rate: u32) -> Result<(), AnalysisError> {
    let min = min_samples(sample_rate);
    if samples.len() < min {
        return Err(AnalysisError::TooShortForWindow {
            samples: samples.len(),
            min_samples: min,
            sample_rate,
            window_s: WINDOW_S,
        });
    }
    Ok(())
}

/// The feature vector of every window of `samples` (one every `hop_frames` 20 ms frames,
/// the first ending 3 s in): the training tables of `crates/dsp/training/genre/train.py`.
pub fn window_features(
    samples: &[f32],
    sample_rate: u32,
    hop_frames: usize,
) -> Result<Vec<[f32; FEATURES]>, AnalysisError> {
    check_rate_to_16k(&GenreOptions::SAMPLE_RATE, f64::from(sample_rate))?;
    check_audio(samples)?;
    check_length(samples, sample_rate)?;
    let mut analyzer = GenreAnalyzer::new(sample_rate);
    let mut out = Vec::new();
    analyzer.push(samples, hop_frames.max(1), |f| out.push(*f));
    Ok(out)
}

/// Genre probabilities of a mono buffer at `sample_rate`: the mean of the probabilities
/// of its 3 s windows, one every second. At least [`min_samples`]`(sample_rate)` samples
/// (3 s) are needed.
pub fn classify(samples: &[f32], sample_rate: u32) -> Result<GenreScores, AnalysisError> {
    let windows = window_features(samples, sample_rate, CLASSIFY_HOP_FRAMES)?;
    let mut sum = [0.0f64; GENRES];
    for w in &windows {
        for (s, p) in sum.iter_mut().zip(model::predict(w)) {
            *s += f64::from(p);
        }
    }
    let probabilities = sum.map(|s| (s / windows.len() as f64) as f32);
    Ok(GenreScores { probabilities })
}
