//! Adaptive processing: genre decisions move the chain between [`Preset`]s, every
//! parameter change smoothed.
//!
//! A morph starts when the decided preset changes and runs for `smoothingMs` (rounded to
//! whole update steps of [`UPDATE_SAMPLES`]). At each step boundary, at absolute sample
//! positions of the stream, the managed parameters move to the point
//! `s(k / steps)` of the way from where they were to the new preset, `s(t) = 3t² − 2t³`
//! (smoothstep: no jump in the rate of change at either end), each parameter on the line
//! of its [`crate::presets::Domain`] (dB linearly, frequencies, Q and times
//! logarithmically, ratio in 1/ratio). The biquad coefficients and the dynamics stages'
//! constants are recomputed at every step; a decision arriving mid-morph starts a new
//! morph from the current point. Since steps sit at absolute positions, the output does
//! not depend on how the stream is cut into blocks.
//!
//! Parameters the user sets explicitly (in the configuration given to the chain or any
//! later update) are *pinned*: the user's value wins over every preset.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::ConfigError;
use crate::genre::{GenreDecision, GenreOptions};
use crate::presets::{interpolate, Preset, Values, PARAMS};
use crate::range::Range;

/// Samples between parameter updates during a morph (0.67 ms at 48 kHz).
pub const UPDATE_SAMPLES: usize = 32;

/// `adaptive` in the chain configuration: `true`/`false`, or an object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct AdaptiveFields {
    /// Move between genre presets. Default false.
    pub enabled: bool,
    /// Duration of a morph from one preset to the next, ms, 200 to 5000. Default 1000.
    pub smoothing_ms: f64,
}

impl Default for AdaptiveFields {
    fn default() -> Self {
        Self {
            enabled: false,
            smoothing_ms: 1000.0,
        }
    }
}

/// The adaptive settings; deserialises from `true`/`false` (the other fields at their
/// defaults) or from an object `{ enabled, smoothingMs }`.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
#[serde(transparent)]
pub struct AdaptiveConfig(pub AdaptiveFields);

impl<'de> Deserialize<'de> for AdaptiveConfig {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Either;
        impl<'de> Visitor<'de> for Either {
            type Value = AdaptiveConfig;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("true, false or an object { enabled, smoothingMs }")
            }
            fn visit_bool<E: de::Error>(self, enabled: bool) -> Result<AdaptiveConfig, E> {
                Ok(AdaptiveConfig(AdaptiveFields {
                    enabled,
                    ..AdaptiveFields::default()
                }))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<AdaptiveConfig, A::Error> {
                AdaptiveFields::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(AdaptiveConfig)
            }
        }
        deserializer.deserialize_any(Either)
    }
}

impl AdaptiveConfig {
    pub const SMOOTHING_MS: Range = Range::new("adaptive.smoothingMs", 200.0, 5000.0, "ms");

    pub fn enabled(&self) -> bool {
        self.0.enabled
    }

    /// Checks the settings, and when enabled that the genre classifier runs at
    /// `sample_rate` (16 kHz and up, see [`GenreOptions`]).
    pub fn validate(&self, sample_rate: f64) -> Result<(), ConfigError> {
        Self::SMOOTHING_MS.check(self.0.smoothing_ms)?;
        if self.0.enabled {
            GenreOptions { sample_rate }.validate().map_err(|e| {
                ConfigError::new("adaptive", format!("adaptive processing needs the genre classifier, which does not run here: {}", e.message))
            })?;
        }
        Ok(())
    }

    /// Update steps in one morph at `sample_rate` (at least one).
    fn steps(&self, sample_rate: f64) -> u32 {
        ((self.0.smoothing_ms * 1e-3 * sample_rate / UPDATE_SAMPLES as f64).round() as u32).max(1)
    }
}

/// The managed parameters a configuration document sets explicitly, as bits of
/// [`PARAMS`] indices.
pub fn pinned_by(document: &Value) -> u32 {
    PARAMS.iter().enumerate().fold(0, |bits, (i, param)| {
        let mut node = Some(document);
        for key in param.path.split('.') {
            node = node.and_then(|n| n.get(key));
        }
        if node.is_some() {
            bits | (1 << i)
        } else {
            bits
        }
    })
}

/// What the presets follow: a [`GenreDecision`] as the presets and meters need it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PresetDecision {
    /// The genre's name, `None` below the classifier's confidence threshold.
    pub genre: Option<&'static str>,
    pub confidence: f32,
}

impl From<&GenreDecision> for PresetDecision {
    fn from(decision: &GenreDecision) -> Self {
        Self {
            genre: decision.genre.map(|g| g.as_str()),
            confidence: decision.confidence,
        }
    }
}

impl PresetDecision {
    pub fn preset(&self) -> Preset {
        Preset::for_genre(self.genre)
    }
}

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
