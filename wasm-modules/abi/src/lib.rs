//! Guest side of the edgemix WASM module ABI, version 1 (`wasm-modules/ABI.md`).
//!
//! A module is a type that implements [`Module`] in safe Rust, plus one line:
//!
//! ```ignore
//! use edgemix_wasm_abi::{export_module, Code, Format, Module};
//!
//! struct Echo;
//!
//! impl Module for Echo {
//!     const NAME: &'static str = "echo";
//!     const VERSION: &'static str = env!("CARGO_PKG_VERSION");
//!     const INPUT: Format = Format::Bytes;
//!     const OUTPUT: Format = Format::Bytes;
//!
//!     fn initialize(_session_id: &str) -> Result<Self, Code> {
//!         Ok(Echo)
//!     }
//!
//!     fn process(&mut self, input: &[u8], output: &mut Vec<u8>) -> Result<(), Code> {
//!         output.extend_from_slice(input);
//!         Ok(())
//!     }
//! }
//!
//! export_module!(Echo);
//! ```
//!
//! [`export_module!`] emits every export of the ABI (`alloc`, `dealloc`, `initialize`,
//! `configure`, `process`, `cleanup`, `describe`) and implements the buffer protocol,
//! including the retry rule: an input is never applied twice. [`call_remote`] wraps the
//! optional host import `env.call_remote_service`; the import appears only in modules
//! that call it. Hand-written modules (the adversarial test modules) can use
//! [`export_memory!`] and the pointer helpers in [`raw`].
//!
//! The instance lives in a module-level `thread_local!` cell: a wasm32 guest without the
//! threads proposal has exactly one thread, where `thread_local!` is a plain static.

#[cfg(not(target_arch = "wasm32"))]
compile_error!(
    "edgemix-wasm-abi is for wasm32 guests only: run `node scripts/build-wasm.mjs` \
     or `cargo build --release` inside wasm-modules/"
);

#[doc(hidden)]
pub mod exports;
pub mod raw;

/// Negative return codes of the ABI. Success is `0`, outside this enum.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// The module failed; it stays usable.
    Failed = -1,
    /// The result buffer is too small; the required length was stored. Only the buffer
    /// protocol itself returns it: a module's own `Err(BufferTooSmall)` is reported to
    /// the host as [`Code::Failed`].
    BufferTooSmall = -2,
    /// The input is not what the module accepts.
    InvalidInput = -3,
    /// `configure` refused the JSON.
    InvalidConfig = -4,
    /// `process` or `configure` before `initialize`.
    NotInitialized = -5,
    /// `call_remote_service`: the cloud cannot be reached (or none is configured).
    RemoteUnavailable = -6,
    /// `call_remote_service`: the service answered with an error.
    RemoteFailed = -7,
    /// `call_remote_service`: the module may not call this service (not in its
    /// `allowRemote`), or the cloud refused the credentials.
    RemoteDenied = -8,
    /// `call_remote_service`: no answer within the deadline.
    RemoteTimeout = -9,
}

impl Code {
    /// The code for a raw negative return value; `None` for 0 and unknown values.
    pub fn from_raw(code: i32) -> Option<Code> {
        Some(match code {
            -1 => Code::Failed,
            -2 => Code::BufferTooSmall,
            -3 => Code::InvalidInput,
            -4 => Code::InvalidConfig,
            -5 => Code::NotInitialized,
            -6 => Code::RemoteUnavailable,
            -7 => Code::RemoteFailed,
            -8 => Code::RemoteDenied,
            -9 => Code::RemoteTimeout,
            _ => return None,
        })
    }

    /// The value an export returns for this error of the module (see [`Code::BufferTooSmall`]).
    pub(crate) fn returned(self) -> i32 {
        match self {
            Code::BufferTooSmall => Code::Failed as i32,
            code => code as i32,
        }
    }
}

/// What `process` consumes or produces, as named in the `describe` JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Little-endian float32 samples (see [`decode_f32_into`], [`encode_f32`]).
    F32,
    /// UTF-8 JSON.
    Json,
    /// Opaque bytes.
    Bytes,
}

impl Format {
    pub const fn as_str(self) -> &'static str {
        match self {
            Format::F32 => "f32",
            Format::Json => "json",
            Format::Bytes => "bytes",
        }
    }
}

/// A guest module. One instance per session: created by `initialize`, dropped by
/// `cleanup` (or by the next `initialize`).
pub trait Module: Sized + 'static {
    /// `describe`'s `name`.
    const NAME: &'static str;
    /// `describe`'s `version`, usually `env!("CARGO_PKG_VERSION")`.
    const VERSION: &'static str;
    /// `describe`'s `description`.
    const DESCRIPTION: &'static str = "";
    const INPUT: Format;
    const OUTPUT: Format;

    /// Creates the session's instance. `session_id` is the host's id for the session.
    fn initialize(session_id: &str) -> Result<Self, Code>;

    /// Applies the session's configuration (UTF-8 JSON, an object).
    ///
    /// The default is for modules that take no configuration: it accepts only an empty
    /// string or an empty object (`{}`, whitespace allowed) and refuses anything else
    /// with [`Code::InvalidConfig`], so that settings given to a module that would
    /// ignore them are reported rather than silently dropped.
    fn configure(&mut self, json: &str) -> Result<(), Code> {
        if is_empty_config(json) {
            Ok(())
        } else {
            Err(Code::InvalidConfig)
        }
    }

    /// Processes one input. `output` is empty on entry; whatever the module appends is
    /// handed to the host. On `Err` the output is discarded.
    fn process(&mut self, input: &[u8], output: &mut Vec<u8>) -> Result<(), Code>;

    /// Called when the session closes, before the instance is dropped.
    fn cleanup(&mut self) {}
}

/// `""` or `{}` (with any whitespace): no configuration.
fn is_empty_config(json: &str) -> bool {
    let json = json.trim();
    json.is_empty()
        || json
            .strip_prefix('{')
            .and_then(|rest| rest.strip_suffix('}'))
            .is_some_and(|inner| inner.trim().is_empty())
}

/// `text` as a quoted JSON string.
pub fn json_string(text: &str) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The `describe` JSON of `M`.
pub fn describe_json<M: Module>() -> String {
    format!(
        r#"{{"name":{},"version":{},"abi":1,"input":"{}","output":"{}","description":{}}}"#,
        json_string(M::NAME),
        json_string(M::VERSION),
        M::INPUT.as_str(),
        M::OUTPUT.as_str(),
        json_string(M::DESCRIPTION),
    )
}

/// Decodes little-endian f32 samples into `samples` (cleared first). A length that is
/// not a multiple of 4 is [`Code::InvalidInput`].
pub fn decode_f32_into(bytes: &[u8], samples: &mut Vec<f32>) -> Result<(), Code> {
    let decoded = edgemix_wire::f32le::samples(bytes).map_err(|_| Code::InvalidInput)?;
    samples.clear();
    samples.extend(decoded);
    Ok(())
}

/// [`decode_f32_into`] a new vector.
pub fn decode_f32(bytes: &[u8]) -> Result<Vec<f32>, Code> {
    let mut samples = Vec::new();
    decode_f32_into(bytes, &mut samples)?;
    Ok(samples)
}

/// Appends `samples` to `out` as little-endian f32.
pub fn encode_f32(samples: &[f32], out: &mut Vec<u8>) {
    out.reserve(samples.len() * edgemix_wire::f32le::SAMPLE_BYTES);
    edgemix_wire::f32le::encode_into(samples.iter().copied(), out);
}

mod import {
    #[link(wasm_import_module = "env")]
    extern "C" {
        /// ABI.md, "Import". Linked only when [`super::call_remote`] is reachable.
        pub fn call_remote_service(
            name: i32,
            name_len: i32,
            data: i32,
            data_len: i32,
            result: i32,
            result_len: i32,
        ) -> i32;
    }
}

/// The first answer buffer of [`call_remote`] holds at least this many bytes.
const MIN_ANSWER_CAPACITY: usize = 1024;

/// Calls the cloud service `service` with `data` through the host import
/// `env.call_remote_service` and returns its answer.
///
/// The first answer buffer is as large as `data` (at least 1 KiB); if the host answers
/// `-2` it is retried once with the length the host asked for. Errors: the host's code
/// ([`Code::RemoteUnavailable`], [`Code::RemoteFailed`], ...), or [`Code::Failed`] when
/// the host breaks the buffer protocol or the answer buffer cannot be allocated.
pub fn call_remote(service: &str, data: &[u8]) -> Result<Vec<u8>, Code> {
    let mut capacity = data.len().max(MIN_ANSWER_CAPACITY);
    for _attempt in 0..2 {
        let mut answer = Vec::new();
        answer
            .try_reserve_exact(capacity)
            .map_err(|_| Code::Failed)?;
        answer.resize(capacity, 0);
        let mut len = u32::try_from(capacity).map_err(|_| Code::Failed)?;
        // SAFETY: every pointer is to memory this function owns for the duration of
        // the call, with the length passed alongside; the host writes at most
        // `capacity` bytes to `answer` and one u32 to `len`.
        let code = unsafe {
            import::call_remote_service(
                raw::addr(service.as_ptr()),
                service.len() as i32,
                raw::addr(data.as_ptr()),
                data.len() as i32,
                raw::addr(answer.as_mut_ptr()),
                raw::addr(&mut len as *mut u32),
            )
        };
        let len = len as usize;
        match code {
            0 if len <= capacity => {
                answer.truncate(len);
                return Ok(answer);
            }
            -2 if len > capacity => capacity = len,
            0 | -2 => return Err(Code::Failed),
            code => return Err(Code::from_raw(code).unwrap_or(Code::Failed)),
        }
    }
    // Too small twice.
    Err(Code::Failed)
}
