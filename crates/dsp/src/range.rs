//! Allowed ranges of the configurable parameters: one source for validation, messages
//! and documentation.

use crate::error::ConfigError;

/// The closed interval `[min, max]` a parameter may take, with its unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    /// Dotted parameter path as it appears in the JSON configuration.
    pub name: &'static str,
    pub min: f64,
    pub max: f64,
    /// Unit shown in messages: "dBFS", "dB", "ms", "Hz", "" (ratio, Q).
    pub unit: &'static str,
}

impl Range {
    pub const fn new(name: &'static str, min: f64, max: f64, unit: &'static str) -> Self {
        Self {
            name,
            min,
            max,
            unit,
        }
    }

    /// Accepts `value` if it is finite and within `[min, max]`.
    pub fn check(&self, value: f64) -> Result<(), ConfigError> {
        if value.is_finite() && value >= self.min && value <= self.max {
            return Ok(());
        }
        let unit = if self.unit.is_empty() {
            String::new()
        } else {
            format!(" {}", self.unit)
        };
        Err(ConfigError::new(
            self.name,
            format!(
                "{} = {} is out of range: allowed {} to {}{}",
                self.name, value, self.min, self.max, unit
            ),
        ))
    }
}
