//! `WasmEdgeNode` and `WasmSession`: guest modules on the edge runtime.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use edgemix_cloud::GrpcBridge;
use edgemix_runtime::serial::Serial;
use edgemix_runtime::wasm::{
    Decoded, Format, LoadOptions, RemoteAccess, RemoteService, Runtime, RuntimeOptions,
    SessionLogs, SessionOp, SessionOutput, WasmModule, WasmSession as Session,
};
use napi::bindgen_prelude::{
    within_runtime_if_available, AsyncTask, Buffer, ClassInstance, Float32ArraySlice,
    FromNapiValue, JsValue, Uint8ArraySlice, Unknown,
};
use napi::{Env, ValueType};
use napi_derive::napi;
use serde_json::Value;

use crate::audio::describe;
use crate::batch::{run_all, submit_all, Each};
use crate::config::{options_from_json, read_object_apart};
use crate::error::{Failure, Fallible};
use crate::task::{samples_to_js, to_js, Finish, Queued, Work};

/// A loaded module: compiled once, instantiated per session.
#[napi]
pub struct WasmEdgeNode {
    module: Arc<WasmModule>,
    options: LoadOptions,
    remote: RemoteAccess,
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
        let path = unsafe { String::from_napi_value(raw.env, raw.value) }.map_err(|e| {
            Failure::arg_type(format!("The \"source\" path could not be read: {e}"))
        })?;
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
        return Ok(edgemix_wire::f32le::encode(&samples));
    }
    if let Ok(data) = unsafe { Uint8ArraySlice::from_napi_value(raw.env, raw.value) } {
        return Ok(data.to_vec());
    }
    Err(Failure::arg_type(format!(
        "The \"{name}\" argument must be a Float32Array, Uint8Array or Buffer, received {}",
        describe(value)
    )))
}

impl Finish for WasmEdgeNode {
    fn finish(self, env: &Env) -> napi::Result<napi::sys::napi_value> {
        to_js(env, self)
    }
}

/// The load options and what the module may reach through `env.call_remote_service`:
/// the `allowRemote` names, answered through the `cloud` option's CloudClient (its
/// channel, token and timeout) on the addon's tokio runtime.
fn load_options(value: Option<&Unknown<'_>>) -> Fallible<(LoadOptions, RemoteAccess)> {
    // Every key but `cloud` (a class instance, not data) as JSON.
    let (json, apart) = read_object_apart(value, "options", &["cloud"])?;
    let cloud = match apart.first() {
        Some((_, cloud)) => cloud_client(cloud)?,
        None => None,
    };
    let opts: LoadOptions = options_from_json(&Value::Object(json), "options")?;
    opts.limits().validate()?;
    opts.expected_hash()?;
    let allow = opts.allowlist()?;
    let service = match cloud {
        Some(client) => {
            let runtime = within_runtime_if_available(tokio::runtime::Handle::try_current)
                .map_err(|e| {
                    Failure::new(
                        crate::error::Class::Error,
                        "ERR_CLOUD_INTERNAL",
                        format!("no tokio runtime for the cloud bridge: {e}"),
                    )
                })?;
            Some(Arc::new(GrpcBridge::new(client, runtime)) as Arc<dyn RemoteService>)
        }
        None => None,
    };
    Ok((
        opts,
        RemoteAccess {
            allow: allow.into(),
            service,
            ..RemoteAccess::default()
        },
    ))
}

/// The client of the `cloud` load option: a `CloudClient`, or none for undefined/null.
fn cloud_client(cloud: &Unknown<'_>) -> Fallible<Option<edgemix_cloud::CloudClient>> {
    if matches!(cloud.get_type(), Ok(ValueType::Undefined | ValueType::Null)) {
        return Ok(None);
    }
    let value = cloud.value();
    // SAFETY: a live value of the current call.
    match unsafe { ClassInstance::<crate::cloud::CloudClient>::from_napi_value(value.env, value.value) } {
        Ok(instance) => instance.client().map(Some),
        Err(_) => Err(Failure::arg_type(format!(
            "options.cloud must be a CloudClient (new CloudClient({{ endpoints: [...] }})), received {}",
            describe(cloud)
        ))),
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
    pub fn load(
        source: Unknown<'_>,
        options: Option<Unknown<'_>>,
    ) -> AsyncTask<Work<WasmEdgeNode>> {
        let prepared = self::source(&source)
            .and_then(|source| Ok((source, load_options(options.as_ref())?)));
        Work::start(prepared.map(|(source, (opts, remote))| {
            move || {
                let runtime = Runtime::global(None)?;
                let module = match &source {
                    Source::Path(path) => runtime.load_file_with(path, &opts)?,
                    Source::Bytes(bytes) => runtime.load_with(bytes, &opts)?,
                };
                Ok(WasmEdgeNode {
                    module,
                    options: opts,
                    remote,
                })
            }
        }))
    }

    /// The module's metadata: `describe()` plus the content hash, where this load found
    /// the compiled code (`memory`, `disk` or `compiled`) and what it imports.
    #[napi(ts_return_type = "WasmModuleDescription")]
    pub fn describe(&self) -> Value {
        let mut info =
            serde_json::to_value(self.module.description()).expect("description serialises");
        let extra = serde_json::json!({
            "hash": self.module.hash(),
            "cache": self.module.cache_outcome().as_str(),
            "wasi": self.module.uses_wasi(),
            "remote": self.module.uses_remote(),
        });
        if let (Value::Object(info), Value::Object(extra)) = (&mut info, extra) {
            info.extend(extra);
        }
        crate::json::for_js(info)
    }

    /// The module's calls through `env.call_remote_service` so far, by outcome, over every
    /// session of this load.
    #[napi(ts_return_type = "WasmRemoteCalls")]
    pub fn remote_calls(&self) -> Value {
        serde_json::to_value(self.remote.counts.tally()).expect("a tally serialises")
    }

    /// Starts a session: a fresh instance, `initialize(id)` and, with a configuration,
    /// `configure(config)`, off the JS thread.
    #[napi(ts_return_type = "Promise<WasmSession>")]
    pub fn create_session(&self, id: Option<String>) -> AsyncTask<Work<WasmSession>> {
        let module = Arc::clone(&self.module);
        let options = self.options.clone();
        let remote = self.remote.clone();
        let id = id.unwrap_or_else(|| {
            format!(
                "session-{}-{}",
                std::process::id(),
                SESSION_COUNTER.fetch_add(1, Ordering::Relaxed)
            )
        });
        Work::new(move || {
            let output = module.description().output;
            let session = Session::new(
                module,
                id.clone(),
                options.limits(),
                options.config.as_ref(),
                remote,
            )?;
            let logs = session.logs().clone();
            Ok(WasmSession {
                serial: Arc::new(Serial::new(session)),
                logs,
                id,
                output,
            })
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
            Decoded::Audio(samples) => samples_to_js(env, samples),
            Decoded::Json(json) => json.finish(env),
            Decoded::Bytes(bytes) => to_js(env, Buffer::from(bytes)),
        }
    }
}

impl WasmSession {
    /// Queues `input` in the session's call order now; the returned job (for a worker
    /// thread) runs everything queued up to it and decodes its output.
    fn submit(&self, input: Vec<u8>) -> impl FnOnce() -> Fallible<Decoded> + Send + 'static {
        let output = self.output;
        let serial = Arc::clone(&self.serial);
        let ticket = serial.submit(SessionOp::Process(input));
        move || match serial.run_until(ticket) {
            SessionOutput::Processed(result) => Ok(output.decode(result?)?),
            SessionOutput::Closed(_) => unreachable!("a Process ticket yields Processed"),
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
    pub fn process(&self, data: Unknown<'_>) -> Queued<Decoded> {
        Queued::wasm(bytes(&data, "data").map(|input| self.submit(input)))
    }

    /// Runs `process` on `sessions[i]` with `inputs[i]` for every i in one worker-thread
    /// job (fewer thread hand-offs than one `process()` per session when many streams are
    /// live). Each input takes its place in its session's call order now, as `process()`
    /// would; a session may appear more than once. Resolves to one entry per item: what
    /// `process()` would resolve to, or the `Error` it would reject with (a trap or a
    /// timeout in one session does not affect the others). Rejects before anything runs if
    /// the arguments are not two arrays of the same length (at most 65536) of sessions and
    /// Float32Array / Uint8Array inputs.
    #[napi(
        ts_args_type = "sessions: WasmSession[], inputs: Array<Float32Array | Uint8Array>",
        ts_return_type = "Promise<Array<Float32Array | Buffer | unknown>>"
    )]
    pub fn process_batch(sessions: Unknown<'_>, inputs: Unknown<'_>) -> Queued<Each<Decoded>> {
        let submitted = submit_all(
            &sessions,
            &inputs,
            "WasmSession",
            bytes,
            WasmSession::submit,
        );
        Queued::wasm(submitted.map(|runs| move || Ok(run_all(runs))))
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

impl Finish for u32 {
    fn finish(self, env: &Env) -> napi::Result<napi::sys::napi_value> {
        to_js(env, self)
    }
}

/// Starts the process-wide WASM engine off the JS thread (idempotent) and resolves to
/// the number of instance slots in force. `maxInstances` (sessions alive at once, 1 to
/// 100000, default 1000) sizes the pool once per process; `maxInstancesPerModule` (1 to
/// `maxInstances`, default three quarters of it) caps the sessions of any one module, so
/// that one module can never take every slot (`ERR_WASM_CAPACITY` names the module).
/// Asking for other sizes after the engine started rejects with `ERR_INVALID_CONFIG`.
#[napi(ts_return_type = "Promise<number>")]
pub fn start_wasm_engine(
    max_instances: Option<u32>,
    max_instances_per_module: Option<u32>,
) -> AsyncTask<Work<u32>> {
    Work::new(move || {
        let options = (max_instances.is_some() || max_instances_per_module.is_some()).then(|| {
            RuntimeOptions {
                max_instances: max_instances.unwrap_or(RuntimeOptions::default().max_instances),
                max_instances_per_module,
                cache_dir: None,
            }
        });
        Ok(Runtime::global(options.as_ref())?.options().max_instances)
    })
}
