//! JS errors with stable `code`s.
//!
//! A [`Failure`] is plain data (class, code, message), so it can be produced on a worker
//! thread and turned into a JS error later on the JS thread. The JS error object is
//! created here and handed to napi as a referenced value, so a synchronous throw and a
//! promise rejection both deliver exactly this object (Error / TypeError / RangeError
//! with `code`).

use edgemix_audio_io::AudioIoError;
use edgemix_dsp::{AnalysisError, AudioError, ConfigError};
use edgemix_runtime::wasm::WasmError;
use napi::{Env, JsError, JsRangeError, JsTypeError};

/// Error codes, stable across releases.
pub mod code {
    pub const INVALID_ARG_TYPE: &str = "ERR_INVALID_ARG_TYPE";
    pub const INVALID_AUDIO: &str = "ERR_INVALID_AUDIO";
    pub const INVALID_CONFIG: &str = "ERR_INVALID_CONFIG";
    pub const INTERNAL: &str = "ERR_INTERNAL";
    pub const WAV_IO: &str = "ERR_WAV_IO";
    pub const WAV_INVALID: &str = "ERR_WAV_INVALID";
    pub const WAV_UNSUPPORTED: &str = "ERR_WAV_UNSUPPORTED";
}

#[derive(Debug, Clone, Copy)]
pub enum Class {
    Error,
    TypeError,
    RangeError,
}

/// An error waiting to be thrown or to reject a promise.
#[derive(Debug, Clone)]
pub struct Failure {
    pub class: Class,
    pub code: &'static str,
    pub message: String,
}

impl Failure {
    pub fn new(class: Class, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            class,
            code,
            message: message.into(),
        }
    }

    /// A fault of edgemix itself, not of the caller's input.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(Class::Error, code::INTERNAL, message)
    }

    pub fn arg_type(message: impl Into<String>) -> Self {
        Self::new(Class::TypeError, code::INVALID_ARG_TYPE, message)
    }

    /// Builds the JS error object on the JS thread.
    pub fn into_napi(self, env: &Env) -> napi::Error {
        napi::Error::from(self.error_object(env))
    }

    /// The JS error object as a value (a batch item's outcome), on the JS thread.
    pub fn js_error(self, env: &Env) -> napi::Result<napi::sys::napi_value> {
        use napi::bindgen_prelude::JsValue;
        Ok(self.error_object(env).value().value)
    }

    fn error_object(self, env: &Env) -> napi::bindgen_prelude::Unknown<'_> {
        let raw = napi::Error::new(self.code, self.message);
        match self.class {
            Class::Error => JsError::from(raw).into_unknown(*env),
            Class::TypeError => JsTypeError::from(raw).into_unknown(*env),
            Class::RangeError => JsRangeError::from(raw).into_unknown(*env),
        }
    }
}

impl From<AudioError> for Failure {
    fn from(err: AudioError) -> Self {
        Self::new(Class::RangeError, code::INVALID_AUDIO, err.to_string())
    }
}

impl From<ConfigError> for Failure {
    fn from(err: ConfigError) -> Self {
        Self::new(Class::RangeError, code::INVALID_CONFIG, err.message)
    }
}

impl From<WasmError> for Failure {
    fn from(err: WasmError) -> Self {
        let class = match err {
            WasmError::InvalidAudio(_)
            | WasmError::InvalidConfig(_)
            | WasmError::InvalidOptions(_) => Class::RangeError,
            _ => Class::Error,
        };
        Self::new(class, err.code(), err.to_string())
    }
}

impl From<AnalysisError> for Failure {
    fn from(err: AnalysisError) -> Self {
        match err {
            AnalysisError::Config(e) => e.into(),
            AnalysisError::Audio(e) => e.into(),
            other => Failure::new(Class::RangeError, code::INVALID_AUDIO, other.to_string()),
        }
    }
}

impl From<AudioIoError> for Failure {
    fn from(err: AudioIoError) -> Self {
        let (class, code) = match &err {
            AudioIoError::Io { .. } => (Class::Error, code::WAV_IO),
            AudioIoError::Invalid(_) => (Class::Error, code::WAV_INVALID),
            AudioIoError::Unsupported(_) => (Class::Error, code::WAV_UNSUPPORTED),
            AudioIoError::Audio(_) => (Class::RangeError, code::INVALID_AUDIO),
            AudioIoError::Config(_) => (Class::RangeError, code::INVALID_CONFIG),
            AudioIoError::Internal(_) => (Class::Error, code::INTERNAL),
        };
        Self::new(class, code, err.to_string())
    }
}

/// Result of binding code that has not touched JS yet.
pub type Fallible<T> = std::result::Result<T, Failure>;

/// Converts a [`Fallible`] into a napi result on the JS thread.
pub trait OrThrow<T> {
    fn or_throw(self, env: &Env) -> napi::Result<T>;
}

impl<T> OrThrow<T> for Fallible<T> {
    fn or_throw(self, env: &Env) -> napi::Result<T> {
        self.map_err(|failure| failure.into_napi(env))
    }
}
