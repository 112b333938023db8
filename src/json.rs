//! JS values → JSON (`serde_json::Value`), bounded: the one conversion every
//! configuration, options object and JSON input from JS goes through.
//!
//! napi's `from_js_value` recurses once per level with no limit: an array nested 20,000
//! deep (40 KB of JSON) overflows the stack and kills the process, and a circular object
//! never ends. This converter refuses, with a coded error naming the limit:
//! - nesting deeper than [`MAX_DEPTH`] levels (64; a circular value counts as too deep);
//! - more values (scalars, arrays and objects) than its [`Bounds`] allow;
//! - more bytes of strings (keys included) than its [`Bounds`] allow, before copying them.
//!
//! It reads what `JSON.stringify` would: own enumerable string keys, a property whose value
//! is `undefined` left out; `undefined` in an array, NaN and ±Infinity become `null`;
//! BigInts that fit 64 bits become integers. Functions, symbols, typed arrays and Buffers
//! are refused (`ERR_INVALID_ARG_TYPE`).
//!
//! The way back, [`for_js`]: JSON the addon hands to JS (a node's or a module's JSON
//! output, a server's status) has its numbers as `JSON.parse` would give them. napi makes
//! an integer beyond 32 bits a BigInt, which `===`, `JSON.stringify` and arithmetic with
//! numbers all reject.

use std::ptr;

use edgemix_runtime::json::MAX_DEPTH;
use napi::bindgen_prelude::{BigInt, FromNapiValue, JsValue, Unknown};
use napi::{sys, ValueType};
use serde_json::{Map, Number, Value};

use crate::error::{code, Class, Failure, Fallible};

/// How much one conversion may read.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    /// Most values: every scalar, array and object counts one.
    pub values: usize,
    /// Most bytes of UTF-8 in strings and keys.
    pub string_bytes: usize,
}

/// Configuration and options: a mixer configuration has about 40 values.
pub const CONFIG: Bounds = Bounds {
    values: 100_000,
    string_bytes: 1 << 20,
};

/// JSON input sent to the cloud: the server's largest message is 16 MiB by default (up
/// to 1 GiB), and each value takes at least two bytes of JSON text.
pub const INPUT: Bounds = Bounds {
    values: 1 << 23,
    string_bytes: 64 << 20,
};

/// What the value is for; it decides the code of a refusal for being too big.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Role {
    /// Configuration or options: too deep or too big is `ERR_INVALID_CONFIG`.
    Config,
    /// An input value: too deep or too big is `ERR_INVALID_ARG_TYPE`.
    Input,
}

/// `value` (named `name` in messages, e.g. `options.config`) as JSON within `bounds`.
pub fn to_json(value: &Unknown<'_>, name: &str, role: Role, bounds: Bounds) -> Fallible<Value> {
    to_json_apart(value, name, role, bounds, &[]).map(|(json, _)| json)
}

/// [`to_json`] of an object whose keys in `apart` hold values that are not JSON (a class
/// instance, a Buffer): those come back as they are, the rest as a JSON object.
pub fn to_json_apart<'a>(
    value: &Unknown<'a>,
    name: &str,
    role: Role,
    bounds: Bounds,
    apart: &[&str],
) -> Fallible<(Value, Vec<(String, Unknown<'a>)>)> {
    let raw = value.value();
    let mut reader = Reader {
        env: raw.env,
        values: 0,
        string_bytes: 0,
        bounds,
        apart,
        kept: Vec::new(),
    };
    let json = reader
        .read(raw.value, 0)
        .map_err(|(refusal, path)| refusal.failure(&format!("{name}{path}"), role, bounds))?;
    let kept = reader
        .kept
        .into_iter()
        .map(|(key, raw)| {
            // SAFETY: a live property value of the current call.
            unsafe { Unknown::from_napi_value(value.value().env, raw) }
                .map(|value| (key, value))
                .map_err(|e| Failure::arg_type(format!("{name}: {e}")))
        })
        .collect::<Fallible<_>>()?;
    Ok((json, kept))
}

/// Why a value was refused, and the path (`.a[3]`) to where, built while unwinding.
type Refused = (Refusal, String);

enum Refusal {
    TooDeep,
    TooManyValues,
    TooManyBytes,
    /// A value JSON has no place for ("a function").
    Unsupported(&'static str),
    /// N-API could not read the value (a throwing getter, a revoked proxy).
    Unreadable(String),
}

impl Refusal {
    fn failure(self, at: &str, role: Role, bounds: Bounds) -> Failure {
        let too_big = |message: String| match role {
            Role::Config => Failure::new(Class::RangeError, code::INVALID_CONFIG, message),
            Role::Input => Failure::arg_type(message),
        };
        match self {
            Refusal::TooDeep => too_big(format!(
                "{at} is nested more than {MAX_DEPTH} levels deep: at most {MAX_DEPTH} levels of arrays and objects are allowed (a circular reference never ends)"
            )),
            Refusal::TooManyValues => too_big(format!(
                "{at} holds more than {} values: at most {} are allowed",
                bounds.values, bounds.values
            )),
            Refusal::TooManyBytes => too_big(format!(
                "{at} holds more than {} bytes of strings: at most {} are allowed",
                bounds.string_bytes, bounds.string_bytes
            )),
            Refusal::Unsupported(what) => Failure::arg_type(format!(
                "{at} is {what}: only JSON values (objects, arrays, strings, numbers, booleans, null) are allowed"
            )),
            Refusal::Unreadable(why) => Failure::arg_type(format!("{at} could not be read: {why}")),
        }
    }
}

/// A key as a path segment: cut, so that a huge key cannot make a huge message.
fn segment(key: &str) -> String {
    match key.char_indices().nth(40) {
        None => format!(".{key}"),
        Some((end, _)) => format!(".{}…", &key[..end]),
    }
}

struct Reader<'k> {
    env: sys::napi_env,
    values: usize,
    string_bytes: usize,
    bounds: Bounds,
    /// Keys of the outermost object kept apart from the JSON.
    apart: &'k [&'k str],
    kept: Vec<(String, sys::napi_value)>,
}

fn unreadable(err: napi::Error) -> Refused {
    (Refusal::Unreadable(err.reason.clone()), String::new())
}

impl Reader<'_> {
    /// A failed N-API call as a refusal. An exception it left pending (a getter or proxy
    /// trap threw) is cleared, so that the coded error is what the caller gets.
    fn check(&self, status: sys::napi_status) -> Result<(), Refused> {
        if status == sys::Status::napi_ok {
            return Ok(());
        }
        let mut pending = false;
        // SAFETY: plain N-API calls on the current call's env.
        unsafe {
            sys::napi_is_exception_pending(self.env, &mut pending);
            if pending {
                let mut exception = ptr::null_mut();
                sys::napi_get_and_clear_last_exception(self.env, &mut exception);
            }
        }
        let why = if pending {
            "reading it threw an exception (a getter or a proxy trap)".to_owned()
        } else {
            format!("N-API status {status}")
        };
        Err((Refusal::Unreadable(why), String::new()))
    }

    /// The value `raw` inside `above` levels of arrays and objects.
    fn read(&mut self, raw: sys::napi_value, above: usize) -> Result<Value, Refused> {
        self.values += 1;
        if self.values > self.bounds.values {
            return Err((Refusal::TooManyValues, String::new()));
        }
        // SAFETY: `raw` is a live value of the current call's env.
        let value = unsafe { Unknown::from_napi_value(self.env, raw) }.map_err(unreadable)?;
        Ok(match value.get_type().map_err(unreadable)? {
            ValueType::Undefined | ValueType::Null => Value::Null,
            ValueType::Boolean => {
                // SAFETY: as above; the type was checked.
                Value::Bool(unsafe { bool::from_napi_value(self.env, raw) }.map_err(unreadable)?)
            }
            ValueType::Number => {
                // SAFETY: as above; the type was checked.
                number(unsafe { f64::from_napi_value(self.env, raw) }.map_err(unreadable)?)
            }
            ValueType::String => Value::String(self.string(raw)?),
            ValueType::BigInt => {
                // SAFETY: as above; the type was checked.
                let big = unsafe { BigInt::from_napi_value(self.env, raw) }.map_err(unreadable)?;
                match (big.get_i64(), big.get_u64()) {
                    ((int, true), _) => Value::Number(int.into()),
                    (_, (_, int, true)) => Value::Number(int.into()),
                    _ => return Err((Refusal::Unsupported("a BigInt beyond 64 bits"), String::new())),
                }
            }
            ValueType::Object => {
                if above >= MAX_DEPTH {
                    return Err((Refusal::TooDeep, String::new()));
                }
                if value.is_typedarray().unwrap_or(false)
                    || value.is_buffer().unwrap_or(false)
                    || value.is_arraybuffer().unwrap_or(false)
                {
                    return Err((Refusal::Unsupported("a typed array, Buffer or ArrayBuffer"), String::new()));
                }
                if value.is_array().map_err(unreadable)? {
                    self.array(raw, above + 1)?
                } else {
                    self.object(raw, above + 1)?
                }
            }
            ValueType::Function => return Err((Refusal::Unsupported("a function"), String::new())),
            ValueType::Symbol => return Err((Refusal::Unsupported("a symbol"), String::new())),
            _ => return Err((Refusal::Unsupported("not a JSON value"), String::new())),
        })
    }

    /// A string, its length checked against the budget before it is copied.
    fn string(&mut self, raw: sys::napi_value) -> Result<String, Refused> {
        let mut len = 0;
        // SAFETY: a null buffer asks only for the length in UTF-8 bytes.
        self.check(unsafe {
            sys::napi_get_value_string_utf8(self.env, raw, ptr::null_mut(), 0, &mut len)
        })?;
        self.string_bytes += len;
        if self.string_bytes > self.bounds.string_bytes {
            return Err((Refusal::TooManyBytes, String::new()));
        }
        // SAFETY: a live string value, its length just checked.
        unsafe { String::from_napi_value(self.env, raw) }.map_err(unreadable)
    }

    fn array(&mut self, raw: sys::napi_value, level: usize) -> Result<Value, Refused> {
        let mut len = 0u32;
        // SAFETY: `raw` is an array of the current call.
        self.check(unsafe { sys::napi_get_array_length(self.env, raw, &mut len) })?;
        // A length past the budget is refused before any element is read.
        if self.values + len as usize > self.bounds.values {
            return Err((Refusal::TooManyValues, String::new()));
        }
        let mut items = Vec::with_capacity(len as usize);
        for i in 0..len {
            let mut item = ptr::null_mut();
            // SAFETY: as above.
            self.check(unsafe { sys::napi_get_element(self.env, raw, i, &mut item) })?;
            items.push(
                self.read(item, level)
                    .map_err(|(refusal, path)| (refusal, format!("[{i}]{path}")))?,
            );
        }
        Ok(Value::Array(items))
    }

    /// Own enumerable string keys, as `JSON.stringify` and `Object.keys` read them.
    fn object(&mut self, raw: sys::napi_value, level: usize) -> Result<Value, Refused> {
        let mut keys = ptr::null_mut();
        // SAFETY: `raw` is an object of the current call.
        self.check(unsafe {
            sys::napi_get_all_property_names(
                self.env,
                raw,
                sys::KeyCollectionMode::own_only,
                sys::KeyFilter::enumerable | sys::KeyFilter::skip_symbols,
                sys::KeyConversion::numbers_to_strings,
                &mut keys,
            )
        })?;
        let mut count = 0u32;
        // SAFETY: `keys` is the array just made.
        self.check(unsafe { sys::napi_get_array_length(self.env, keys, &mut count) })?;
        if self.values + count as usize > self.bounds.values {
            return Err((Refusal::TooManyValues, String::new()));
        }
        let mut map = Map::new();
        for i in 0..count {
            let mut key = ptr::null_mut();
            let mut item = ptr::null_mut();
            // SAFETY: as above; `key` is one of the object's own keys.
            self.check(unsafe { sys::napi_get_element(self.env, keys, i, &mut key) })?;
            let name = self.string(key)?;
            self.check(unsafe { sys::napi_get_property(self.env, raw, key, &mut item) })
                .map_err(|(refusal, _)| (refusal, segment(&name)))?;
            if level == 1 && self.apart.contains(&name.as_str()) {
                self.kept.push((name, item));
                continue;
            }
            let mut kind = sys::ValueType::napi_undefined;
            // SAFETY: `item` is a live value of the current call.
            self.check(unsafe { sys::napi_typeof(self.env, item, &mut kind) })?;
            if kind == sys::ValueType::napi_undefined {
                continue;
            }
            let value = self
                .read(item, level)
                .map_err(|(refusal, path)| (refusal, format!("{}{path}", segment(&name))))?;
            map.insert(name, value);
        }
        Ok(Value::Object(map))
    }
}

/// A JS number as JSON: whole numbers that fit an i64 as integers, other finite numbers as
/// floats, NaN and ±Infinity as null (as `JSON.stringify` writes them).
fn number(x: f64) -> Value {
    const I64_END: f64 = 9_223_372_036_854_775_808.0; // 2^63
    if x.fract() == 0.0 && (-I64_END..I64_END).contains(&x) {
        Value::Number((x as i64).into())
    } else {
        Number::from_f64(x).map_or(Value::Null, Value::Number)
    }
}

/// `value` with every integer beyond the 32-bit range napi converts to a number made a
/// float, so that it reaches JS as the number `JSON.parse` would make of it (rounded to
/// the nearest double past 2^53), never as a BigInt. Iterative: any depth is safe.
pub fn for_js(mut value: Value) -> Value {
    {
        let mut pending = vec![&mut value];
        while let Some(item) = pending.pop() {
            match item {
                Value::Number(n) => {
                    let small = n.is_f64()
                        || n.as_i64().is_some_and(|i| i32::try_from(i).is_ok())
                        || n.as_u64().is_some_and(|u| u32::try_from(u).is_ok());
                    if !small {
                        if let Some(float) = n.as_f64().and_then(Number::from_f64) {
                            *n = float;
                        }
                    }
                }
                Value::Array(items) => pending.extend(items.iter_mut()),
                Value::Object(map) => pending.extend(map.values_mut()),
                _ => {}
            }
        }
    }
    value
}
