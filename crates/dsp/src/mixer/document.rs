//! Reading the chain's configuration document: JSON to a validated [`ChainConfig`],
//! partial updates merged key by key, and the preset-managed parameters a document names
//! recorded as pinned (see [`crate::mixer::presets::pinned_by`]).

use serde_json::Value;

use crate::error::ConfigError;
use crate::mixer::config::ChainConfig;
use crate::mixer::presets::pinned_by;

impl ChainConfig {
    /// Parses and validates a complete or partial configuration (omitted keys take
    /// their defaults). The preset-managed parameters it names are pinned.
    pub fn from_json(value: &Value) -> Result<Self, ConfigError> {
        let mut config: Self = crate::error::parse_config(value, "mixer config")?;
        config.validate()?;
        config.pinned = pinned_by(value);
        Ok(config)
    }

    /// This configuration with `partial` merged over it (objects merge key by key), validated.
    /// The preset-managed parameters `partial` names join the pinned ones. On error
    /// nothing is changed.
    pub fn merged(&self, partial: &Value) -> Result<Self, ConfigError> {
        if !partial.is_object() {
            return Err(ConfigError::new(
                "",
                "invalid mixer config: expected an object such as { \"compressor\": { \"ratio\": 4 } }",
            ));
        }
        let mut value = serde_json::to_value(self).expect("config serialises");
        merge(&mut value, partial);
        let mut config = Self::from_json(&value)?;
        config.pinned = self.pinned | pinned_by(partial);
        Ok(config)
    }
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
