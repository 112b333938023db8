//! Feed-forward compressor: log-domain gain computer with a soft knee and a smooth
//! branching peak detector on the gain reduction, after Giannoulis, Massberg & Reiss,
//! "Digital Dynamic Range Compressor Design — A Tutorial and Analysis", JAES 60(6), 2012.
//!
//! Gain computer, with input level x = 20·log10|x[n]| dBFS, threshold T, ratio R and
//! knee width W (all dB):
//!
//! ```text
//!   y = x                                  2(x − T) < −W
//!   y = x + (1/R − 1)(x − T + W/2)² / 2W   |2(x − T)| ≤ W
//!   y = T + (x − T)/R                      2(x − T) > W
//! ```
//!
//! The gain reduction g = x − y (dB, ≥ 0) is smoothed by the branching detector
//! `s[n] = a·s[n−1] + (1 − a)·g[n]`, with `a = exp(−1 / (τ·fs))` and τ = `attackMs` while
//! g rises above s, τ = `releaseMs` otherwise. **Time-constant convention**: τ is the time
//! for the smoothed reduction to cover 1 − 1/e ≈ 63.2 % of a step. The output is
//! `x[n]·10^((makeup − s[n])/20)`.
//!
//! Multichannel blocks (interleaved) get one gain per frame, computed from the frame's
//! linked level ([`crate::mixer::link`]: the largest magnitude over the channels).

use serde::{Deserialize, Serialize};

use crate::error::ConfigError;
use crate::math::fastmath;
use crate::mixer::link::{self, Channels};
use crate::range::Range;
use crate::units::one_pole;

/// Smoothed reductions below this many dB count as none: the gain is exactly the makeup
/// gain (the detector only approaches 0 asymptotically).
const REDUCTION_FLOOR_DB: f32 = 1e-6;

/// The detector is set to exactly 0 between chunks once below this, so it never decays
/// into subnormal numbers (slow on most CPUs). Far below the floor above, so it changes
/// no output.
const DETECTOR_FLUSH_DB: f32 = 1e-30;

/// Frames per processing chunk (a stack buffer; any block length works).
const CHUNK: usize = 64;

/// Compressor parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct CompressorConfig {
    /// Skip the stage (its state is reset when it is enabled again).
    pub bypass: bool,
    /// Threshold, dBFS (instantaneous sample level). −60 to 0. Default −20.
    pub threshold_db: f64,
    /// Ratio, input dB per output dB above the threshold. 1 (no compression) to 100. Default 3.
    pub ratio: f64,
    /// Knee width, dB, centred on the threshold. 0 (hard knee) to 24. Default 6.
    pub knee_db: f64,
    /// Attack time constant, ms (63.2 % of a rising step). 0 (instant) to 500. Default 5.
    pub attack_ms: f64,
    /// Release time constant, ms (63.2 % of a falling step). 1 to 5000. Default 100.
    pub release_ms: f64,
    /// Makeup gain, dB. −24 to 24. Default 3.
    pub makeup_db: f64,
}

impl Default for CompressorConfig {
    fn default() -> Self {
        Self {
            bypass: false,
            threshold_db: -20.0,
            ratio: 3.0,
            knee_db: 6.0,
            attack_ms: 5.0,
            release_ms: 100.0,
            makeup_db: 3.0,
        }
    }
}

impl CompressorConfig {
    pub const THRESHOLD_DB: Range = Range::new("compressor.thresholdDb", -60.0, 0.0, "dBFS");
    pub const RATIO: Range = Range::new("compressor.ratio", 1.0, 100.0, "");
    pub const KNEE_DB: Range = Range::new("compressor.kneeDb", 0.0, 24.0, "dB");
    pub const ATTACK_MS: Range = Range::new("compressor.attackMs", 0.0, 500.0, "ms");
    pub const RELEASE_MS: Range = Range::new("compressor.releaseMs", 1.0, 5000.0, "ms");
    pub const MAKEUP_DB: Range = Range::new("compressor.makeupDb", -24.0, 24.0, "dB");

    pub fn validate(&self) -> Result<(), ConfigError> {
        Self::THRESHOLD_DB.check(self.threshold_db)?;
        Self::RATIO.check(self.ratio)?;
        Self::KNEE_DB.check(self.knee_db)?;
        Self::ATTACK_MS.check(self.attack_ms)?;
        Self::RELEASE_MS.check(self.release_ms)?;
        Self::MAKEUP_DB.check(self.makeup_db)
    }

    /// Static gain reduction in dB (≥ 0) for an input level of `level_db` dBFS.
    pub fn static_reduction_db(&self, level_db: f64) -> f64 {
        let (t, w, slope) = (self.threshold_db, self.knee_db, 1.0 / self.ratio - 1.0);
        let over = level_db - t;
        if 2.0 * over < -w {
            0.0
        } else if 2.0 * over > w {
            -slope * over
        } else {
            -slope * (over + w / 2.0).powi(2) / (2.0 * w)
        }
    }
}

/// Compressor state.
#[derive(Debug, Clone)]
pub struct Compressor {
    channels: Channels,
    /// Threshold minus half the knee, dB: where the knee starts.
    knee_start_db: f32,
    knee_db: f32,
    /// 1/(2W), or 0 for a hard knee.
    inv_two_knee: f32,
    /// 1 − 1/R.
    depth: f32,
    attack: f32,
    release: f32,
    makeup: f32,
    makeup_db: f32,
    reduction_db: f32,
}

impl Compressor {
    /// A mono compressor.
    pub fn new(config: &CompressorConfig, sample_rate: f64) -> Self {
        Self::with_channels(config, sample_rate, Channels::Mono)
    }

    /// A compressor for interleaved blocks of `channels`, linked.
    pub fn with_channels(config: &CompressorConfig, sample_rate: f64, channels: Channels) -> Self {
        let mut comp = Self {
            channels,
            knee_start_db: 0.0,
            knee_db: 0.0,
            inv_two_knee: 0.0,
            depth: 0.0,
            attack: 0.0,
            release: 0.0,
            makeup: 1.0,
            makeup_db: 0.0,
            reduction_db: 0.0,
        };
        comp.set_config(config, sample_rate);
        comp
    }

    /// Applies new parameters, keeping the detector state.
    pub fn set_config(&mut self, config: &CompressorConfig, sample_rate: f64) {
        self.knee_start_db = (config.threshold_db - config.knee_db / 2.0) as f32;
        self.knee_db = config.knee_db as f32;
        self.inv_two_knee = if config.knee_db > 0.0 {
            (0.5 / config.knee_db) as f32
        } else {
            0.0
        };
        self.depth = (1.0 - 1.0 / config.ratio) as f32;
        self.attack = one_pole(config.attack_ms, sample_rate) as f32;
        self.release = one_pole(config.release_ms, sample_rate) as f32;
        self.makeup_db = config.makeup_db as f32;
        self.makeup = 10f64.powf(config.makeup_db / 20.0) as f32;
    }

    pub fn reset(&mut self) {
        self.reduction_db = 0.0;
    }

    /// Current smoothed gain reduction, dB (≥ 0).
    pub fn reduction_db(&self) -> f32 {
        self.reduction_db
    }

    /// The gain computer, branch-free: with k = max(0, level − T + W/2), the reduction is
    /// (1 − 1/R)·(min(k, W)²/2W + max(0, k − W)), which is the three-piece curve above.
    #[inline]
    fn target_reduction(&self, amplitude: f32) -> f32 {
        let k = fastmath::max(fastmath::amp_to_db(amplitude) - self.knee_start_db, 0.0);
        let in_knee = fastmath::min(k, self.knee_db);
        self.depth * (in_knee * in_knee * self.inv_two_knee + fastmath::max(k - self.knee_db, 0.0))
    }

    /// Compresses `block` (whole interleaved frames) in place; returns the largest
    /// smoothed reduction applied (dB).
    ///
    /// Works in chunks of [`CHUNK`] frames with three passes — gain computer, detector,
    /// gain — so the two per-sample transcendental passes vectorise and only the
    /// detector recursion runs sample by sample. The arithmetic per sample is the same
    /// whatever the block boundaries (and with or without AVX2).
    pub fn process(&mut self, block: &mut [f32]) -> f32 {
        match self.channels {
            Channels::Mono => compress_mono(self, block),
            Channels::Stereo => compress_stereo(self, block),
        }
    }

    #[inline(always)]
    fn process_body<const C: usize>(&mut self, block: &mut [f32]) -> f32 {
        let mut max_reduction = if self.reduction_db >= REDUCTION_FLOOR_DB {
            self.reduction_db
        } else {
            0.0
        };
        let mut scratch = [0.0f32; CHUNK];
        for chunk in block.chunks_mut(CHUNK * C) {
            let reduction = &mut scratch[..chunk.len() / C];
            for (r, frame) in reduction.iter_mut().zip(chunk.chunks_exact(C)) {
                *r = self.target_reduction(link::level::<C>(frame));
            }
            let (attack, release) = (self.attack, self.release);
            let (attack_in, release_in) = (1.0 - attack, 1.0 - release);
            let mut smoothed = self.reduction_db;
            for r in reduction.iter_mut() {
                // Both branches' next values are formed in parallel and the comparison only
                // selects: the sample-to-sample dependency is one multiply-add and a select.
                let target = *r;
                let rising = attack * smoothed + attack_in * target;
                let falling = release * smoothed + release_in * target;
                smoothed = if target > smoothed { rising } else { falling };
                *r = smoothed;
            }
            self.reduction_db = if smoothed < DETECTOR_FLUSH_DB {
                0.0
            } else {
                smoothed
            };
            let chunk_max = lanes_max(reduction);
            if chunk_max >= REDUCTION_FLOOR_DB && chunk_max > max_reduction {
                max_reduction = chunk_max;
            }
            for (frame, &r) in chunk.chunks_exact_mut(C).zip(reduction.iter()) {
                let gain = fastmath::db_to_amp(self.makeup_db - r);
                let gain = if r < REDUCTION_FLOOR_DB {
                    self.makeup
                } else {
                    gain
                };
                link::scale(frame, gain);
            }
        }
        max_reduction
    }
}

crate::math::simd::with_avx2! {
    /// [`Compressor::process_body`] on mono blocks, with AVX2 where the CPU has it.
    fn compress_mono(compressor: &mut Compressor, block: &mut [f32]) -> f32 = Compressor::process_body::<1>;
}

crate::math::simd::with_avx2! {
    /// [`Compressor::process_body`] on interleaved stereo blocks, with AVX2 where the CPU has it.
    fn compress_stereo(compressor: &mut Compressor, block: &mut [f32]) -> f32 = Compressor::process_body::<2>;
}

/// The largest value of `values` (≥ 0), over eight lanes so the loop vectorises.
#[inline(always)]
fn lanes_max(values: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 8];
    let mut groups = values.chunks_exact(8);
    for group in &mut groups {
        for (lane, &v) in lanes.iter_mut().zip(group) {
            *lane = if v > *lane { v } else { *lane };
        }
    }
    groups
        .remainder()
        .iter()
        .chain(&lanes)
        .fold(0.0, |m, &v| if v > m { v } else { m })
}
