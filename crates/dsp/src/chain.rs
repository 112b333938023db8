//! The mixer chain: noise gate → compressor → three-band EQ → limiter, with per-stage
//! bypass and meters.
//!
//! The chain is configured by one JSON document (camelCase keys, see [`ChainConfig`]),
//! the same natively, in `mixer.wasm` and over the wire. Omitted keys take their
//! defaults; unknown keys and out-of-range values are rejected with the parameter's
//! dotted path.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::compressor::{Compressor, CompressorConfig};
use crate::eq::{EqConfig, ThreeBandEq};
use crate::error::{check_audio, AudioError, ConfigError};
use crate::gate::{NoiseGate, NoiseGateConfig};
use crate::limiter::{Limiter, LimiterConfig};
use crate::meters::{peak_rms_db, Meters};
use crate::range::Range;
use crate::units::gain_to_db;

/// The default sample rate, Hz.
pub const SAMPLE_RATE_HZ: f64 = 48_000.0;
/// Samples in one 20 ms frame at 48 kHz. The chain accepts blocks of any length.
pub const FRAME_SAMPLES: usize = 960;

/// Configuration of the whole chain. The defaults are a podcast/voice chain: a gentle
/// gate at −50 dBFS, 3:1 compression from −20 dBFS with 3 dB makeup, a low-shelf cut, a
/// presence and an air lift, and a −1 dBFS limiter with 5 ms lookahead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ChainConfig {
    /// Sample rate, Hz. 8000 to 192000. Default 48000. Changing it resets the chain.
    pub sample_rate: f64,
    pub gate: NoiseGateConfig,
    pub compressor: CompressorConfig,
    pub eq: EqConfig,
    pub limiter: LimiterConfig,
}

impl Default for ChainConfig {
    fn default() -> Self {
        Self {
            sample_rate: SAMPLE_RATE_HZ,
            gate: NoiseGateConfig::default(),
            compressor: CompressorConfig::default(),
            eq: EqConfig::default(),
            limiter: LimiterConfig::default(),
        }
    }
}

impl ChainConfig {
    pub const SAMPLE_RATE: Range = Range::new("sampleRate", 8000.0, 192_000.0, "Hz");

    pub fn validate(&self) -> Result<(), ConfigError> {
        Self::SAMPLE_RATE.check(self.sample_rate)?;
        self.gate.validate()?;
        self.compressor.validate()?;
        self.eq.validate(self.sample_rate)?;
        self.limiter.validate()
    }

    /// Parses and validates a complete or partial configuration (omitted keys take
    /// their defaults).
    pub fn from_json(value: &Value) -> Result<Self, ConfigError> {
        let config: Self = serde_path_to_error::deserialize(value).map_err(|err| {
            let path = err.path().to_string();
            let inner = err.into_inner().to_string();
            if path == "." {
                ConfigError::new("", format!("invalid mixer config: {inner}"))
            } else {
                ConfigError::new(path.clone(), format!("invalid mixer config at {path}: {inner}"))
            }
        })?;
        config.validate()?;
        Ok(config)
    }

    /// This configuration with `partial` merged over it (objects merge key by key), validated.
    /// On error nothing is changed.
    pub fn merged(&self, partial: &Value) -> Result<Self, ConfigError> {
        if !partial.is_object() {
            return Err(ConfigError::new(
                "",
                "invalid mixer config: expected an object such as { \"compressor\": { \"ratio\": 4 } }",
            ));
        }
        let mut value = serde_json::to_value(self).expect("config serialises");
        merge(&mut value, partial);
        Self::from_json(&value)
    }

    /// Latency of the chain, samples (the limiter's lookahead).
    pub fn latency_samples(&self) -> usize {
        self.limiter.lookahead_samples(self.sample_rate)
    }
}

/// Gain reduction in dB (≥ 0, and +0 rather than −0 at unity) of a linear gain.
fn reduction_db(gain: f32) -> f64 {
    0.0 - gain_to_db(f64::from(gain))
}

fn merge(base: &mut Value, patch: &Value) {
    match (base, patch) {
        (Value::Object(base), Value::Object(patch)) => {
            for (key, value) in patch {
                match base.get_mut(key) {
                    Some(slot) if slot.is_object() && value.is_object() => merge(slot, value),
                    _ => {
                        base.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (base, patch) => *base = patch.clone(),
    }
}

/// Gate → compressor → EQ → limiter on mono blocks of any length.
#[derive(Debug, Clone)]
pub struct MixerChain {
    config: ChainConfig,
    gate: NoiseGate,
    compressor: Compressor,
    eq: ThreeBandEq,
    limiter: Limiter,
    meters: Meters,
}

impl MixerChain {
    pub fn new(config: ChainConfig) -> Result<Self, ConfigError> {
        config.validate()?;
        let rate = config.sample_rate;
        Ok(Self {
            gate: NoiseGate::new(&config.gate, rate),
            compressor: Compressor::new(&config.compressor, rate),
            eq: ThreeBandEq::new(&config.eq, rate),
            limiter: Limiter::new(&config.limiter, rate),
            meters: Meters::default(),
            config,
        })
    }

    pub fn config(&self) -> &ChainConfig {
        &self.config
    }

    /// Applies a new configuration between blocks. Filter and detector state carries
    /// over; a stage coming out of bypass starts from reset state; a new sample rate
    /// resets the whole chain and a new lookahead resets the limiter.
    pub fn configure(&mut self, config: ChainConfig) -> Result<(), ConfigError> {
        config.validate()?;
        if config.sample_rate != self.config.sample_rate {
            *self = Self::new(config)?;
            return Ok(());
        }
        let rate = config.sample_rate;
        let old = std::mem::replace(&mut self.config, config);
        let new = &self.config;
        self.gate.set_config(&new.gate, rate);
        if old.gate.bypass && !new.gate.bypass {
            self.gate.reset();
        }
        self.compressor.set_config(&new.compressor, rate);
        if old.compressor.bypass && !new.compressor.bypass {
            self.compressor.reset();
        }
        self.eq.set_config(&new.eq, rate);
        if old.eq.bypass && !new.eq.bypass {
            self.eq.reset();
        }
        self.limiter.set_config(&new.limiter, rate);
        Ok(())
    }

    /// Latency, samples (the limiter's lookahead, also while it is bypassed).
    pub fn latency_samples(&self) -> usize {
        self.limiter.latency()
    }

    /// Meters of the last processed block.
    pub fn meters(&self) -> Meters {
        self.meters
    }

    /// Clears every stage's state and the meters, keeping the configuration.
    pub fn reset(&mut self) {
        self.gate.reset();
        self.compressor.reset();
        self.eq.reset();
        self.limiter.reset();
        self.meters = Meters::default();
    }

    /// Processes `block` in place. An empty block or a non-finite sample is rejected
    /// before anything changes.
    pub fn process(&mut self, block: &mut [f32]) -> Result<(), AudioError> {
        check_audio(block)?;
        let (input_peak_db, input_rms_db) = peak_rms_db(block);
        let mut meters = Meters { input_peak_db, input_rms_db, ..Meters::default() };
        if !self.config.gate.bypass {
            let min_gain = self.gate.process(block);
            meters.gate_reduction_db = reduction_db(min_gain);
        }
        meters.gate_open = self.config.gate.bypass || self.gate.is_open();
        if !self.config.compressor.bypass {
            meters.compressor_reduction_db = f64::from(self.compressor.process(block));
        }
        if !self.config.eq.bypass {
            self.eq.process(block);
        }
        let min_gain = self.limiter.process(block);
        meters.limiter_reduction_db = reduction_db(min_gain);
        (meters.output_peak_db, meters.output_rms_db) = peak_rms_db(block);
        self.meters = meters;
        Ok(())
    }
}
