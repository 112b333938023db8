//! Brickwall lookahead limiter.
//!
//! The input is delayed by the lookahead L samples (the limiter's whole latency, exactly
//! L). For every incoming sample the gain it needs is `min(1, ceiling/|x|)`; a sliding
//! minimum over the next L + 1 needs, a one-pole release (`releaseMs`, 63.2 % convention)
//! that only ever lowers it, and a boxcar average over L + 1 samples give the applied gain.
//! Every value the average covers is at most the need of the sample being output, so the
//! output never exceeds the ceiling; the average makes the gain fall as a straight-line
//! ramp across the lookahead instead of a step. A final clamp to ±ceiling catches
//! rounding at the last ulp. Below the ceiling the output is the input delayed by L,
//! bit for bit.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::error::ConfigError;
use crate::range::Range;
use crate::units::{ms_to_samples, one_pole};

/// Limiter parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct LimiterConfig {
    /// Pass the (delayed) input through unlimited. The delay stays, so toggling bypass
    /// never shifts the signal in time.
    pub bypass: bool,
    /// Ceiling: no output sample exceeds this level, dBFS. −24 to 0. Default −1.
    pub ceiling_db: f64,
    /// Lookahead, ms; also the latency. 0 to 20. Default 5.
    pub lookahead_ms: f64,
    /// Release time constant, ms. 1 to 5000. Default 60.
    pub release_ms: f64,
}

impl Default for LimiterConfig {
    fn default() -> Self {
        Self { bypass: false, ceiling_db: -1.0, lookahead_ms: 5.0, release_ms: 60.0 }
    }
}

impl LimiterConfig {
    pub const CEILING_DB: Range = Range::new("limiter.ceilingDb", -24.0, 0.0, "dBFS");
    pub const LOOKAHEAD_MS: Range = Range::new("limiter.lookaheadMs", 0.0, 20.0, "ms");
    pub const RELEASE_MS: Range = Range::new("limiter.releaseMs", 1.0, 5000.0, "ms");

    pub fn validate(&self) -> Result<(), ConfigError> {
        Self::CEILING_DB.check(self.ceiling_db)?;
        Self::LOOKAHEAD_MS.check(self.lookahead_ms)?;
        Self::RELEASE_MS.check(self.release_ms)
    }

    /// The lookahead in whole samples at `sample_rate`: the limiter's latency.
    pub fn lookahead_samples(&self, sample_rate: f64) -> usize {
        ms_to_samples(self.lookahead_ms, sample_rate)
    }
}

/// Limiter state.
#[derive(Debug, Clone)]
pub struct Limiter {
    bypass: bool,
    ceiling: f32,
    release: f64,
    /// Window length L + 1, and its reciprocal.
    window: usize,
    inv_window: f64,
    /// Input delay line of L samples; `delay_pos` holds the oldest (output next).
    delay: Vec<f32>,
    delay_pos: usize,
    /// Released gains of the last `window` samples, and their running sum.
    ramp: Vec<f64>,
    ramp_sum: f64,
    ramp_pos: usize,
    /// Sliding minimum of the needs: (sample number, need), needs increasing.
    minima: VecDeque<(u64, f32)>,
    released: f64,
    sample: u64,
}

impl Limiter {
    pub fn new(config: &LimiterConfig, sample_rate: f64) -> Self {
        let window = config.lookahead_samples(sample_rate) + 1;
        let mut limiter = Self {
            bypass: config.bypass,
            ceiling: 1.0,
            release: 0.0,
            window,
            inv_window: 1.0 / window as f64,
            delay: vec![0.0; window - 1],
            delay_pos: 0,
            ramp: vec![1.0; window],
            ramp_sum: window as f64,
            ramp_pos: 0,
            minima: VecDeque::with_capacity(window + 1),
            released: 1.0,
            sample: 0,
        };
        limiter.set_config(config, sample_rate);
        limiter
    }

    /// Latency in samples (= the lookahead).
    pub fn latency(&self) -> usize {
        self.window - 1
    }

    /// Applies new parameters. A new lookahead resizes the delay line and resets the
    /// state; other parameters keep it.
    pub fn set_config(&mut self, config: &LimiterConfig, sample_rate: f64) {
        self.bypass = config.bypass;
        self.ceiling = 10f64.powf(config.ceiling_db / 20.0) as f32;
        self.release = one_pole(config.release_ms, sample_rate);
        let window = config.lookahead_samples(sample_rate) + 1;
        if window != self.window {
            self.window = window;
            self.inv_window = 1.0 / window as f64;
            self.reset();
        }
    }

    pub fn reset(&mut self) {
        self.delay = vec![0.0; self.window - 1];
        self.delay_pos = 0;
        self.ramp = vec![1.0; self.window];
        self.ramp_sum = self.window as f64;
        self.ramp_pos = 0;
        self.minima.clear();
        self.released = 1.0;
        self.sample = 0;
    }

    /// Limits `block` in place; returns the smallest gain applied (linear).
    pub fn process(&mut self, block: &mut [f32]) -> f32 {
        let mut min_gain = 1.0f32;
        for x in block.iter_mut() {
            let delayed = match self.delay.get_mut(self.delay_pos) {
                Some(slot) => std::mem::replace(slot, *x),
                None => *x, // no lookahead
            };
            self.delay_pos += 1;
            if self.delay_pos >= self.delay.len() {
                self.delay_pos = 0;
            }
            // The gain is tracked while bypassed too, so enabling the stage mid-stream
            // starts from a settled state.
            let gain = self.next_gain(x.abs());
            if self.bypass {
                *x = delayed;
            } else {
                min_gain = min_gain.min(gain);
                *x = (delayed * gain).clamp(-self.ceiling, self.ceiling);
            }
            self.sample += 1;
        }
        min_gain
    }

    /// Gain for the sample leaving the delay line, given the one entering it.
    #[inline]
    fn next_gain(&mut self, amplitude: f32) -> f32 {
        let need = if amplitude > self.ceiling { self.ceiling / amplitude } else { 1.0 };
        while self.minima.back().is_some_and(|&(_, v)| v >= need) {
            self.minima.pop_back();
        }
        self.minima.push_back((self.sample, need));
        let oldest = (self.sample + 1).saturating_sub(self.window as u64);
        while self.minima.front().is_some_and(|&(n, _)| n < oldest) {
            self.minima.pop_front();
        }
        let minimum = f64::from(self.minima.front().map_or(1.0, |&(_, v)| v));
        self.released = if minimum <= self.released {
            minimum
        } else {
            let next = minimum + (self.released - minimum) * self.release;
            if minimum - next < 1e-9 { minimum } else { next }
        };
        let leaving = std::mem::replace(&mut self.ramp[self.ramp_pos], self.released);
        self.ramp_sum += self.released - leaving;
        self.ramp_pos += 1;
        if self.ramp_pos == self.window {
            self.ramp_pos = 0;
            // Re-add the ramp once per lap so rounding cannot accumulate.
            self.ramp_sum = self.ramp.iter().sum();
        }
        ((self.ramp_sum * self.inv_window) as f32).min(1.0)
    }
}
