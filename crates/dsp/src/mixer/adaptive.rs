//! The `adaptive` settings of the chain configuration (`true`/`false` or
//! `{ enabled, smoothingMs }`); the morph they drive is in [`crate::mixer::morph`].

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::error::ConfigError;
use crate::genre::GenreOptions;
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
    pub(crate) fn steps(&self, sample_rate: f64) -> u32 {
        ((self.0.smoothing_ms * 1e-3 * sample_rate / UPDATE_SAMPLES as f64).round() as u32).max(1)
    }
}
