//! JS errors with stable `code`s: the one place that decides which code each kind of
//! failure of the cores becomes (`ts/errors.ts` documents each as an `ErrorCode`).
//!
//! A [`Failure`] is plain data (class, code, message), so it can be produced on a worker
//! thread and turned into a JS error later on the JS thread. The JS error object is
//! created here and handed to napi as a referenced value, so a synchronous throw and a
//! promise rejection both deliver exactly this object (Error / TypeError / RangeError
//! with `code`).

use edgemix_audio_io::AudioIoError;
use edgemix_cloud::{CloudError, CloudErrorKind};
use edgemix_dsp::{AnalysisError, AudioError, ConfigError};
use edgemix_runtime::registry::RegistryError;
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
    pub const REGISTRY_INVALID: &str = "ERR_REGISTRY_INVALID";
    pub const WASM_NOT_FOUND: &str = "ERR_WASM_NOT_FOUND";
    pub const WASM_INTEGRITY: &str = "ERR_WASM_INTEGRITY";
    pub const WASM_COMPILE: &str = "ERR_WASM_COMPILE";
    pub const WASM_ABI: &str = "ERR_WASM_ABI";
    pub const WASM_TRAP: &str = "ERR_WASM_TRAP";
    pub const WASM_TIMEOUT: &str = "ERR_WASM_TIMEOUT";
    pub const WASM_CANCELLED: &str = "ERR_WASM_CANCELLED";
    pub const WASM_MEMORY_LIMIT: &str = "ERR_WASM_MEMORY_LIMIT";
    pub const WASM_OUTPUT_TOO_LARGE: &str = "ERR_WASM_OUTPUT_TOO_LARGE";
    pub const WASM_BAD_POINTER: &str = "ERR_WASM_BAD_POINTER";
    pub const WASM_BAD_OUTPUT: &str = "ERR_WASM_BAD_OUTPUT";
    pub const WASM_INVALID_INPUT: &str = "ERR_WASM_INVALID_INPUT";
    pub const WASM_CAPACITY: &str = "ERR_WASM_CAPACITY";
    pub const WASM_GUEST: &str = "ERR_WASM_GUEST";
    pub const WASM_SESSION_CLOSED: &str = "ERR_WASM_SESSION_CLOSED";
    pub const CLOUD_UNAVAILABLE: &str = "ERR_CLOUD_UNAVAILABLE";
    pub const CLOUD_TIMEOUT: &str = "ERR_CLOUD_TIMEOUT";
    pub const CLOUD_UNAUTHENTICATED: &str = "ERR_CLOUD_UNAUTHENTICATED";
    pub const CLOUD_REJECTED: &str = "ERR_CLOUD_REJECTED";
    pub const CLOUD_UNIMPLEMENTED: &str = "ERR_CLOUD_UNIMPLEMENTED";
    pub const CLOUD_INTERNAL: &str = "ERR_CLOUD_INTERNAL";
    /// A call on a closed `CloudClient`.
    pub const CLOUD_CLOSED: &str = "ERR_CLOUD_CLOSED";
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
        let (class, code) = match &err {
            WasmError::NotFound(_) => (Class::Error, code::WASM_NOT_FOUND),
            WasmError::Integrity { .. } => (Class::Error, code::WASM_INTEGRITY),
            WasmError::Compile(_) => (Class::Error, code::WASM_COMPILE),
            WasmError::Abi(_) => (Class::Error, code::WASM_ABI),
            WasmError::Trap(_) => (Class::Error, code::WASM_TRAP),
            WasmError::Timeout { .. } => (Class::Error, code::WASM_TIMEOUT),
            WasmError::Cancelled => (Class::Error, code::WASM_CANCELLED),
            WasmError::MemoryLimit { .. } => (Class::Error, code::WASM_MEMORY_LIMIT),
            WasmError::OutputTooLarge { .. } => (Class::Error, code::WASM_OUTPUT_TOO_LARGE),
            WasmError::BadPointer(_) => (Class::Error, code::WASM_BAD_POINTER),
            WasmError::BadOutput(_) => (Class::Error, code::WASM_BAD_OUTPUT),
            WasmError::InvalidInput(_) => (Class::Error, code::WASM_INVALID_INPUT),
            WasmError::InvalidAudio(_) => (Class::RangeError, code::INVALID_AUDIO),
            WasmError::Capacity(_) | WasmError::ModuleCapacity { .. } => (Class::Error, code::WASM_CAPACITY),
            WasmError::InvalidConfig(_) | WasmError::InvalidOptions(_) => (Class::RangeError, code::INVALID_CONFIG),
            WasmError::Guest { .. } => (Class::Error, code::WASM_GUEST),
            WasmError::Closed => (Class::Error, code::WASM_SESSION_CLOSED),
        };
        Self::new(class, code, err.to_string())
    }
}

impl From<RegistryError> for Failure {
    fn from(err: RegistryError) -> Self {
        match err.wasm {
            Some(wasm) => Failure { message: err.message, ..Failure::from(wasm) },
            None => Failure::new(Class::Error, code::REGISTRY_INVALID, err.message),
        }
    }
}

impl From<CloudError> for Failure {
    fn from(err: CloudError) -> Self {
        let (class, code) = match err.kind {
            CloudErrorKind::Unavailable => (Class::Error, code::CLOUD_UNAVAILABLE),
            CloudErrorKind::Timeout => (Class::Error, code::CLOUD_TIMEOUT),
            CloudErrorKind::Unauthenticated => (Class::Error, code::CLOUD_UNAUTHENTICATED),
            CloudErrorKind::Rejected => (Class::Error, code::CLOUD_REJECTED),
            CloudErrorKind::Unimplemented => (Class::Error, code::CLOUD_UNIMPLEMENTED),
            CloudErrorKind::Internal => (Class::Error, code::CLOUD_INTERNAL),
            CloudErrorKind::InvalidOptions => (Class::RangeError, code::INVALID_CONFIG),
        };
        Self::new(class, code, err.message)
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
