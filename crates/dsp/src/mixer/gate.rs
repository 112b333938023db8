//! Noise gate with hysteresis, hold and linear-in-dB attack and release ramps.
//!
//! Level detector: mean square of the input smoothed by a one-pole filter with a 10 ms
//! time constant ([`DETECTOR_MS`]), compared in dBFS RMS (a sine of peak amplitude A reads
//! A/√2). The gate opens when the level reaches `thresholdDb` and closes once the level
//! has stayed below `thresholdDb − hysteresisDb` for `holdMs`; a level wandering inside
//! the band between the two thresholds never toggles it. The gain moves in a straight line
//! in dB between 0 dB (open) and `rangeDb` (closed): `attackMs` and `releaseMs` are the
//! times of one full traversal.
//!
//! Multichannel blocks (interleaved) get one gain per frame from the frame's linked level
//! ([`crate::mixer::link`]): the detector sees the largest magnitude over the channels.

use serde::{Deserialize, Serialize};

use crate::error::ConfigError;
use crate::math::fastmath;
use crate::mixer::link::{self, Channels};
use crate::range::Range;
use crate::units::{ms_to_samples, one_pole};

/// Time constant of the gate's RMS level detector, ms.
pub const DETECTOR_MS: f64 = 10.0;

/// Noise gate parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct NoiseGateConfig {
    /// Skip the stage (its state is reset when it is enabled again).
    pub bypass: bool,
    /// Open threshold, dBFS RMS. −96 to 0. Default −50.
    pub threshold_db: f64,
    /// Hysteresis, dB: the gate closes below `thresholdDb − hysteresisDb`. 0 to 24. Default 6.
    pub hysteresis_db: f64,
    /// Attack: time to open fully from the floor, ms. 0 (instant) to 500. Default 1.
    pub attack_ms: f64,
    /// Hold: time the level must stay below the close threshold before the gate closes, ms.
    /// 0 to 5000. Default 100.
    pub hold_ms: f64,
    /// Release: time to close fully down to the floor, ms. 0 (instant) to 5000. Default 150.
    pub release_ms: f64,
    /// Range (floor): gain when closed, dB. −96 to 0. Default −40.
    pub range_db: f64,
}

impl Default for NoiseGateConfig {
    fn default() -> Self {
        Self {
            bypass: false,
            threshold_db: -50.0,
            hysteresis_db: 6.0,
            attack_ms: 1.0,
            hold_ms: 100.0,
            release_ms: 150.0,
            range_db: -40.0,
        }
    }
}

impl NoiseGateConfig {
    pub const THRESHOLD_DB: Range = Range::new("gate.thresholdDb", -96.0, 0.0, "dBFS");
    pub const HYSTERESIS_DB: Range = Range::new("gate.hysteresisDb", 0.0, 24.0, "dB");
    pub const ATTACK_MS: Range = Range::new("gate.attackMs", 0.0, 500.0, "ms");
    pub const HOLD_MS: Range = Range::new("gate.holdMs", 0.0, 5000.0, "ms");
    pub const RELEASE_MS: Range = Range::new("gate.releaseMs", 0.0, 5000.0, "ms");
    pub const RANGE_DB: Range = Range::new("gate.rangeDb", -96.0, 0.0, "dB");

    pub fn validate(&self) -> Result<(), ConfigError> {
        Self::THRESHOLD_DB.check(self.threshold_db)?;
        Self::HYSTERESIS_DB.check(self.hysteresis_db)?;
        Self::ATTACK_MS.check(self.attack_ms)?;
        Self::HOLD_MS.check(self.hold_ms)?;
        Self::RELEASE_MS.check(self.release_ms)?;
        Self::RANGE_DB.check(self.range_db)
    }
}

/// Noise gate state.
#[derive(Debug, Clone)]
pub struct NoiseGate {
    channels: Channels,
    detector_coeff: f32,
    open_power: f32,
    close_power: f32,
    hold_samples: u32,
    floor: f32,
    up_step: f32,
    down_step: f32,
    mean_square: f32,
    open: bool,
    hold_left: u32,
    gain: f32,
}

impl NoiseGate {
    /// A mono gate.
    pub fn new(config: &NoiseGateConfig, sample_rate: f64) -> Self {
        Self::with_channels(config, sample_rate, Channels::Mono)
    }

    /// A gate for interleaved blocks of `channels`, linked.
    pub fn with_channels(config: &NoiseGateConfig, sample_rate: f64, channels: Channels) -> Self {
        let mut gate = Self {
            channels,
            detector_coeff: 0.0,
            open_power: 0.0,
            close_power: 0.0,
            hold_samples: 0,
            floor: 1.0,
            up_step: 1.0,
            down_step: 1.0,
            mean_square: 0.0,
            open: false,
            hold_left: 0,
            gain: 1.0,
        };
        gate.set_config(config, sample_rate);
        gate.reset();
        gate
    }

    /// Applies new parameters, keeping the detector level and gate state.
    pub fn set_config(&mut self, config: &NoiseGateConfig, sample_rate: f64) {
        self.detector_coeff = one_pole(DETECTOR_MS, sample_rate) as f32;
        self.open_power = 10f64.powf(config.threshold_db / 10.0) as f32;
        self.close_power = 10f64.powf((config.threshold_db - config.hysteresis_db) / 10.0) as f32;
        self.hold_samples = ms_to_samples(config.hold_ms, sample_rate) as u32;
        self.floor = 10f64.powf(config.range_db / 20.0) as f32;
        // Per-sample multiplicative steps: a straight line in dB across the whole range.
        let ramp = |ms: f64| {
            let samples = ms_to_samples(ms, sample_rate);
            if samples == 0 || config.range_db == 0.0 {
                f32::INFINITY
            } else {
                10f64.powf(-config.range_db / 20.0 / samples as f64) as f32
            }
        };
        self.up_step = ramp(config.attack_ms);
        self.down_step = 1.0 / ramp(config.release_ms);
        self.gain = self.gain.clamp(self.floor, 1.0);
    }

    /// Returns to the closed state with an empty detector.
    pub fn reset(&mut self) {
        self.mean_square = 0.0;
        self.open = false;
        self.hold_left = 0;
        self.gain = self.floor;
    }

    pub fn is_open(&self) -> bool {
        self.open
    }

    /// Current gain, linear (1.0 = open).
    pub fn gain(&self) -> f32 {
        self.gain
    }

    /// Gates `block` (whole interleaved frames) in place; returns the smallest gain
    /// applied (linear).
    pub fn process(&mut self, block: &mut [f32]) -> f32 {
        match self.channels {
            Channels::Mono => self.process_frames::<1>(block),
            Channels::Stereo => self.process_frames::<2>(block),
        }
    }

    fn process_frames<const C: usize>(&mut self, block: &mut [f32]) -> f32 {
        // State in locals for the loop; written back once.
        let (keep, smooth) = (self.detector_coeff, 1.0 - self.detector_coeff);
        let (open_power, close_power, hold_samples) =
            (self.open_power, self.close_power, self.hold_samples);
        let (floor, up, down) = (self.floor, self.up_step, self.down_step);
        let (mut mean_square, mut open, mut hold_left, mut gain) =
            (self.mean_square, self.open, self.hold_left, self.gain);
        let mut min_gain = gain;
        for frame in block.chunks_exact_mut(C) {
            // ms·a + x²·(1 − a): the x² term is off the sample-to-sample dependency.
            let x = link::level::<C>(frame);
            mean_square = mean_square * keep + x * x * smooth;
            // The state machine as boolean algebra (no data-dependent branches):
            // above the open threshold → open, hold re-armed; open and above the close
            // threshold → hold re-armed; open and below it → hold counts down, then closes.
            let above_open = mean_square >= open_power;
            let above_close = mean_square >= close_power;
            let expired = !above_close & (hold_left == 0);
            let refill = above_close & (open | above_open);
            open = above_open | (open & !expired);
            hold_left = if refill {
                hold_samples
            } else {
                hold_left.saturating_sub(1)
            };
            let (opening, closing) = (
                fastmath::min(gain * up, 1.0),
                fastmath::max(gain * down, floor),
            );
            gain = if open { opening } else { closing };
            min_gain = if gain < min_gain { gain } else { min_gain };
            link::scale(frame, gain);
        }
        (self.mean_square, self.open, self.hold_left, self.gain) =
            (mean_square, open, hold_left, gain);
        min_gain
    }
}
