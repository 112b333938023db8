//! `WasmEdgeNode` and `WasmSession`: guest modules on the edge runtime.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use edgemix_runtime::serial::Serial;
use edgemix_runtime::wasm::{
    Decoded, Format, LoadOptions, Runtime, SessionLogs, SessionOp, SessionOutput, WasmModule, WasmSession as Session,
};
use napi::bindgen_prelude::{AsyncTask, Buffer, Float32Array, Float32ArraySlice, FromNapiValue, JsValue, Uint8ArraySlice, Unknown};
use napi::{Env, ValueType};
use napi_derive::napi;
use serde_json::Value;

use crate::audio::describe;
use crate::config::options;
use crate::error::{Failure, Fallible};
use crate::task::{to_js, Finish, Work};

/// A loaded module: compiled once, instantiated per session.
#[napi]
pub struct WasmEdgeNode {
    module: Arc<WasmModule>,
    options: LoadOptions,
}

/// Where a module comes from.
enum Source {
    Path(PathBuf),
    Bytes(Vec<u8>),
}

fn source(value: &Unknown<'_>) -> Fallible<Source> {
    if value.get_type().ok() == Some(ValueType::String) {
        let raw = value.value();
        // SAFETY: a live string value of the current call.
        let path = unsafe { String::from_napi_value(raw.env, raw.value) }
            .map_err(|e| Failure::arg_type(format!("The \"source\" path could not be read: {e}")))?;
        return Ok(Source::Path(path.into()));
    }
    bytes(value, "source").map(Source::Bytes).map_err(|_| {
        Failure::arg_type(format!(
            "The \"source\" argument must be a path string or the module's bytes (Uint8Array or Buffer), received {}",
            describe(value)
        ))
    })
}

/// The bytes of a Float32Array (little-endian samples), Uint8Array or Buffer argument.
pub(crate) fn bytes(value: &Unknown<'_>, name: &str) -> Fallible<Vec<u8>> {
    let raw = value.value();
    // SAFETY: live values of the current call; both slices are copied before returning.
    if let Ok(samples) = unsafe { Float32ArraySlice::from_napi_value(raw.env, raw.value) } {
        return Ok(samples.iter().flat_map(|s| s.to_le_bytes()).collect());
    }
    if let Ok(data) = unsafe { Uint8ArraySlice::from_napi_value(raw.env, raw.value) } {
        return Ok(data.to_vec());
    }
    Err(Failure::arg_type(format!(
        "The \"{name}\" argument must be a Float32Array, Uint8Array or Buffer, received {}",
        describe(value)
    )))
}

impl Finish for (Arc<WasmModule>, LoadOptions) {
    fn finish(self, env: &Env) -> napi::Result<napi::sys::napi_value> {
        to_js(env, WasmEdgeNode { module: self.0, options: self.1 })
    }
}

static SESSION_COUNTER: AtomicU64 = AtomicU64::new(1);

#[napi]
impl WasmEdgeNode {
    /// Compiles (or fetches from the cache) a module from a path or its bytes, checks it
    /// against the ABI and reads its `describe()` metadata, off the JS thread.
    #[napi(
        ts_args_type = "source: string | Uint8Array, options?: WasmLoadOptions",
        ts_return_type = "Promise<WasmEdgeNode>"
    )]
    pub fn load(env: Env, source: Unknown<'_>, options: Option<Unknown<'_>>) -> AsyncTask<Work<(Arc<WasmModule>, LoadOptions)>> {
        let prepared = self::source(&source).and_then(|source| {
            let opts: LoadOptions = self::options(&env, options.as_ref(), "options")?;
            opts.limits().validate()?;
            Ok((source, opts))
        });
        Work::start(prepared.map(|(source, opts)| {
            move || {
                let runtime = Runtime::global(None)?;
                let module = match &source {
                    Source::Path(path) => runtime.load_file(path, opts.cache_dir.as_deref())?,
                    Source::Bytes(bytes) => runtime.load(bytes, opts.cache_dir.as_deref())?,
                };
                Ok((module, opts))
            }
        }))
    }

    /// The module's metadata: `describe()` plus the content hash, where this load found
    /// the compiled code (`memory`, `disk` or `compiled`) and what it imports.
    #[napi(ts_return_type = "WasmModuleDescription")]
    pub fn describe(&self) -> Value {
        let mut info = serde_json::to_value(self.module.description()).expect("description serialises");
        let extra = serde_json::json!({
            "hash": self.module.hash(),
            "cache": self.module.cache_outcome().as_str(),
            "wasi": self.module.uses_wasi(),
            "remote": self.module.uses_remote(),
        });
        if let (Value::Object(info), Value::Object(extra)) = (&mut info, extra) {
            info.extend(extra);
        }
        info
    }

    /// Starts a session: a fresh instance, `initialize(id)` and, with a configuration,
    /// `configure(config)`, off the JS thread.
    #[napi(ts_return_type = "Promise<WasmSession>")]
    pub fn create_session(&self, id: Option<String>) -> AsyncTask<Work<WasmSession>> {
        let module = Arc::clone(&self.module);
        let options = self.options.clone();
        let id = id.unwrap_or_else(|| {
            format!("session-{}-{}", std::process::id(), SESSION_COUNTER.fetch_add(1, Ordering::Relaxed))
        });
        Work::new(move || {
            let output = module.description().output;
            let session = Session::new(module, id.clone(), options.limits(), options.config.as_ref(), None)?;
            let logs = session.logs().clone();
            Ok(WasmSession { serial: Arc::new(Serial::new(session)), logs, id, output })
        })
    }
}

/// One instance of a module and its state. Calls run in call order on worker threads.
#[napi]
pub struct WasmSession {
    serial: Arc<Serial<Session>>,
    logs: SessionLogs,
    id: String,
    output: Format,
}

impl Finish for WasmSession {
    fn finish(self, env: &Env) -> napi::Result<napi::sys::napi_value> {
        to_js(env, self)
    }
}

impl Finish for Decoded {
    fn finish(self, env: &Env) -> napi::Result<napi::sys::napi_value> {
        match self {
            Decoded::Audio(samples) => to_js(env, Float32Array::new(samples)),
            Decoded::Json(json) => to_js(env, json),
            Decoded::Bytes(bytes) => to_js(env, Buffer::from(bytes)),
        }
    }
}

#[napi]
impl WasmSession {
    /// The session id handed to the module's `initialize`.
    #[napi(getter)]
    pub fn id(&self) -> String {
        self.id.clone()
    }

    /// Runs the module's `process` on one input. Resolves to a Float32Array, a parsed
    /// JSON value or a Buffer, as the module's `describe()` declares its output.
    #[napi(
        ts_args_type = "data: Float32Array | Uint8Array",
        ts_return_type = "Promise<Float32Array | Buffer | unknown>"
    )]
    pub fn process(&self, data: Unknown<'_>) -> AsyncTask<Work<Decoded>> {
        let output = self.output;
        Work::start(bytes(&data, "data").map(|input| {
            let serial = Arc::clone(&self.serial);
            let ticket = serial.submit(SessionOp::Process(input));
            move || match serial.run_until(ticket) {
                SessionOutput::Processed(result) => Ok(output.decode(result?)?),
                SessionOutput::Closed(_) => unreachable!("a Process ticket yields Processed"),
            }
        }))
    }

    /// Calls the module's `cleanup` after every earlier call and ends the session.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn close(&self) -> AsyncTask<Work<()>> {
        let serial = Arc::clone(&self.serial);
        let ticket = serial.submit(SessionOp::Close);
        Work::new(move || match serial.run_until(ticket) {
            SessionOutput::Closed(result) => Ok(result?),
            SessionOutput::Processed(_) => unreachable!("a Close ticket yields Closed"),
        })
    }

    /// What the module wrote to stdout and stderr (WASI modules), each kept up to 64 KiB.
    #[napi(ts_return_type = "{ stdout: string; stderr: string; droppedBytes: number }")]
    pub fn logs(&self) -> Value {
        let (stdout, out_dropped, stderr, err_dropped) = self.logs.contents();
        serde_json::json!({ "stdout": stdout, "stderr": stderr, "droppedBytes": out_dropped + err_dropped })
    }
}
