//! Adaptive processing: genre decisions move the chain between [`Preset`]s, every
//! parameter change smoothed.
//!
//! A morph starts when the decided preset changes and runs for `smoothingMs` (rounded to
//! whole update steps of [`UPDATE_SAMPLES`](crate::mixer::adaptive::UPDATE_SAMPLES)). At each step boundary, at absolute sample
//! positions of the stream, the managed parameters move to the point
//! `s(k / steps)` of the way from where they were to the new preset, `s(t) = 3t² − 2t³`
//! (smoothstep: no jump in the rate of change at either end), each parameter on the line
//! of its [`crate::mixer::presets::Domain`] (dB linearly, frequencies, Q and times
//! logarithmically, ratio in 1/ratio). The biquad coefficients and the dynamics stages'
//! constants are recomputed at every step; a decision arriving mid-morph starts a new
//! morph from the current point. Since steps sit at absolute positions, the output does
//! not depend on how the stream is cut into blocks.
//!
//! Parameters the user sets explicitly (in the configuration given to the chain or any
//! later update) are *pinned*: the user's value wins over every preset.

use crate::mixer::adaptive::AdaptiveConfig;
use crate::mixer::presets::{interpolate, Preset, Values};

/// The morph between presets.
#[derive(Debug, Clone)]
pub struct Morph {
    steps: u32,
    sample_rate: f64,
    /// The preset decided last (the one reached or being morphed to).
    target: Preset,
    from: Values,
    to: Values,
    /// Steps done in the current morph (`steps`: settled at `to`).
    done: u32,
    current: Values,
}

impl Morph {
    /// Starts at `start` (the configuration's values) and morphs to `Neutral` unless
    /// `settled`, in which case it starts at `Neutral`.
    pub fn new(config: &AdaptiveConfig, sample_rate: f64, start: Values, settled: bool) -> Self {
        let to = Preset::Neutral.values(sample_rate);
        let steps = config.steps(sample_rate);
        let (from, done) = if settled { (to, steps) } else { (start, 0) };
        Self {
            steps,
            sample_rate,
            target: Preset::Neutral,
            from,
            to,
            done,
            current: from,
        }
    }

    /// Applies a new morph duration: a morph in progress continues from where it is to
    /// the same preset over the new duration.
    pub fn set_config(&mut self, config: &AdaptiveConfig) {
        let steps = config.steps(self.sample_rate);
        if steps != self.steps {
            if self.is_settled() {
                self.done = steps;
            } else {
                self.from = self.current;
                self.done = 0;
            }
            self.steps = steps;
        }
    }

    /// The preset reached or being morphed to.
    pub fn target(&self) -> Preset {
        self.target
    }

    pub fn is_settled(&self) -> bool {
        self.done >= self.steps
    }

    /// The managed parameters' values now.
    pub fn values(&self) -> &Values {
        &self.current
    }

    /// Morphs towards `preset` from the current point, unless it is already the target.
    pub fn retarget(&mut self, preset: Preset) {
        if preset != self.target {
            self.target = preset;
            self.from = self.current;
            self.to = preset.values(self.sample_rate);
            self.done = 0;
        }
    }

    /// One update step; returns the new values while morphing, `None` once settled.
    pub fn step(&mut self) -> Option<&Values> {
        if self.is_settled() {
            return None;
        }
        self.done += 1;
        let t = f64::from(self.done) / f64::from(self.steps);
        self.current = interpolate(&self.from, &self.to, t * t * (3.0 - 2.0 * t));
        Some(&self.current)
    }
}
