//! Audio arguments: Float32Array in, Float32Array out.

use napi::bindgen_prelude::{Float32ArraySlice, FromNapiValue, JsValue, Unknown};

use crate::error::{Failure, Fallible};

/// The samples of a Float32Array argument named `name`, borrowed for the call.
pub fn float32<'a>(value: &Unknown<'a>, name: &str) -> Fallible<Float32ArraySlice<'a>> {
    let raw = value.value();
    // SAFETY: `raw` is a live value of the current call's env.
    unsafe { Float32ArraySlice::from_napi_value(raw.env, raw.value) }.map_err(|_| {
        Failure::arg_type(format!(
            "The \"{name}\" argument must be a Float32Array of samples, received {}",
            describe(value)
        ))
    })
}

/// A copy of the samples of a Float32Array argument named `name`.
pub fn samples(value: &Unknown<'_>, name: &str) -> Fallible<Vec<f32>> {
    float32(value, name).map(|slice| slice.as_ref().to_vec())
}

/// A short description of a JS value for messages ("type number", "an instance of Array").
pub fn describe(value: &Unknown<'_>) -> String {
    use napi::ValueType;
    match value.get_type() {
        Ok(ValueType::Undefined) => "undefined".into(),
        Ok(ValueType::Null) => "null".into(),
        Ok(ValueType::Object) => {
            if value.is_array().unwrap_or(false) {
                "an instance of Array".into()
            } else if value.is_typedarray().unwrap_or(false) {
                "a TypedArray of another element type".into()
            } else {
                "an object".into()
            }
        }
        Ok(t) => format!("type {}", format!("{t:?}").to_lowercase()),
        Err(_) => "an unreadable value".into(),
    }
}
