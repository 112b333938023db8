//! Configuration and options arguments: plain JS objects converted to JSON (bounded, see
//! [`crate::json`]) and parsed by the cores, which validate them.

use edgemix_dsp::ChainConfig;
use napi::bindgen_prelude::{JsValue, Unknown};
use napi::ValueType;
use serde_json::{Map, Value};

use crate::audio::describe;
use crate::error::{Failure, Fallible};
use crate::json::{to_json, to_json_apart, Role, CONFIG};

/// Checks that an argument is a plain object; `None` for undefined/null.
fn plain_object<'v, 'a>(
    value: Option<&'v Unknown<'a>>,
    name: &str,
) -> Fallible<Option<&'v Unknown<'a>>> {
    let Some(value) = value else { return Ok(None) };
    match value.get_type() {
        Ok(ValueType::Undefined | ValueType::Null) => Ok(None),
        Ok(ValueType::Object) if !value.is_array().unwrap_or(false) => Ok(Some(value)),
        _ => Err(Failure::arg_type(format!(
            "The \"{name}\" argument must be a plain object, received {}",
            describe(value)
        ))),
    }
}

/// Reads an optional configuration object (`undefined`/`null` → `None`).
pub fn read_object(value: Option<&Unknown<'_>>, name: &str) -> Fallible<Option<Value>> {
    plain_object(value, name)?
        .map(|value| to_json(value, name, Role::Config, CONFIG))
        .transpose()
}

/// An optional options object whose keys in `apart` hold values that are not JSON (a
/// class instance, a Buffer): those come back as they are, every other key as JSON.
pub fn read_object_apart<'a>(
    value: Option<&Unknown<'a>>,
    name: &str,
    apart: &[&str],
) -> Fallible<(Map<String, Value>, Vec<(String, Unknown<'a>)>)> {
    let Some(value) = plain_object(value, name)? else {
        return Ok((Map::new(), Vec::new()));
    };
    match to_json_apart(value, name, Role::Config, CONFIG, apart)? {
        (Value::Object(json), kept) => Ok((json, kept)),
        _ => unreachable!("a plain object converts to a JSON object"),
    }
}

/// Options of type `T` from an optional plain object (`undefined`/`null` → defaults);
/// unknown keys and wrong types are `ERR_INVALID_CONFIG` naming the key.
pub fn options<T: serde::de::DeserializeOwned + Default>(
    value: Option<&Unknown<'_>>,
    name: &str,
) -> Fallible<T> {
    let Some(json) = read_object(value, name)? else {
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
pub fn chain_config(value: Option<&Unknown<'_>>) -> Fallible<ChainConfig> {
    match read_object(value, "config")? {
        None => Ok(ChainConfig::default()),
        Some(json) => Ok(ChainConfig::from_json(&json)?),
    }
}
