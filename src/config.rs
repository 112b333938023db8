//! The mixer configuration argument: a plain JS object converted to JSON and parsed by
//! the DSP core, which validates it.

use edgemix_dsp::ChainConfig;
use napi::bindgen_prelude::JsValue;
use napi::bindgen_prelude::Unknown;
use napi::{Env, ValueType};
use serde_json::Value;

use crate::audio::describe;
use crate::error::{Failure, Fallible};

/// Reads an optional configuration object (`undefined`/`null` → `None`).
pub fn read_object(env: &Env, value: Option<&Unknown<'_>>, name: &str) -> Fallible<Option<Value>> {
    let Some(value) = value else { return Ok(None) };
    match value.get_type() {
        Ok(ValueType::Undefined | ValueType::Null) => Ok(None),
        Ok(ValueType::Object) if !value.is_array().unwrap_or(false) => env
            .from_js_value::<Value, _>(*value)
            .map(Some)
            .map_err(|e| {
                Failure::arg_type(format!("The \"{name}\" argument could not be read: {e}"))
            }),
        _ => Err(Failure::arg_type(format!(
            "The \"{name}\" argument must be a plain object, received {}",
            describe(value)
        ))),
    }
}

/// Options of type `T` from an optional plain object (`undefined`/`null` → defaults);
/// unknown keys and wrong types are `ERR_INVALID_CONFIG` naming the key.
pub fn options<T: serde::de::DeserializeOwned + Default>(
    env: &Env,
    value: Option<&Unknown<'_>>,
    name: &str,
) -> Fallible<T> {
    let Some(json) = read_object(env, value, name)? else {
        return Ok(T::default());
    };
    options_from_json(&json, name)
}

/// Options of type `T` from their JSON; errors as [`options`].
pub fn options_from_json<T: serde::de::DeserializeOwned>(json: &Value, name: &str) -> Fallible<T> {
    serde_path_to_error::deserialize(json).map_err(|err| {
        let path = err.path().to_string();
        Failure::new(
            crate::error::Class::RangeError,
            crate::error::code::INVALID_CONFIG,
            format!("invalid {name} at {path}: {}", err.into_inner()),
        )
    })
}

/// A full chain configuration from an optional partial one.
pub fn chain_config(env: &Env, value: Option<&Unknown<'_>>) -> Fallible<ChainConfig> {
    match read_object(env, value, "config")? {
        None => Ok(ChainConfig::default()),
        Some(json) => Ok(ChainConfig::from_json(&json)?),
    }
}
