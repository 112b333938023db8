//! `WasmModule`: runs a module of the server's registry (`--modules`) or modules directory
//! (`--modules-dir`) in the sandboxed WASM runtime, one session per request or stream.
//! A registry module is loaded with its SHA-256 checked, under the registry's limits
//! (a request may ask for less) and with its default config unless the request gives one.
//! Its `allowRemote` is not served here: the cloud tier answers no module's remote calls.
//!
//! Input: audio goes to the module as little-endian float32 (mono), bytes as they are,
//! JSON as its text. Output follows the module's `describe()`: `f32` is audio, `json` is
//! JSON, anything else bytes.

use edgemix_wire::f32le;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use edgemix_runtime::wasm::{
    Format, Limits, RemoteAccess, Runtime, WasmError, WasmSession, MAX_MEMORY_MB, MAX_TIMEOUT_MS,
};

use super::data::{Audio, NodeData};
use edgemix_runtime::registry::RegistryError;
use super::error::{echo, NodeError, NodeErrorKind};
use super::params::{ParamSpec, ParamType};
use super::registry::{NodeContext, NodeSpec};
use super::Node;

const NAME: &str = "WasmModule";

struct WasmModuleNode {
    session: WasmSession,
    /// Sample rate of the last audio input, carried to audio output.
    rate: Option<f64>,
}

/// A registry's error: a missing name is the client's mistake, anything else (a file
/// changed since the server started) the server's.
fn registry_error(err: RegistryError) -> NodeError {
    if let Some(wasm) = &err.wasm {
        edgemix_runtime::wasm::metrics::failed(wasm);
    }
    let kind = match err.wasm {
        Some(WasmError::NotFound(_)) => NodeErrorKind::InvalidArgument,
        _ => NodeErrorKind::Internal,
    };
    NodeError {
        kind,
        message: format!("{NAME}: {} ({})", err.message, err.code),
    }
}

fn wasm_error(err: WasmError) -> NodeError {
    let kind = match err {
        WasmError::Capacity(_)
        | WasmError::ModuleCapacity { .. }
        | WasmError::MemoryLimit { .. }
        | WasmError::OutputTooLarge { .. } => NodeErrorKind::ResourceExhausted,
        WasmError::InvalidAudio(_)
        | WasmError::InvalidInput(_)
        | WasmError::InvalidConfig(_)
        | WasmError::InvalidOptions(_) => NodeErrorKind::InvalidArgument,
        WasmError::Timeout { .. } => NodeErrorKind::DeadlineExceeded,
        _ => NodeErrorKind::Internal,
    };
    NodeError {
        kind,
        message: format!("{NAME}: {} ({})", err, err.code()),
    }
}

impl Node for WasmModuleNode {
    fn process(&mut self, input: NodeData) -> Result<NodeData, NodeError> {
        let bytes = match input {
            NodeData::Audio(audio) => {
                let (samples, rate) = audio.into_mono(NAME)?;
                self.rate = rate;
                f32le::encode(&samples)
            }
            NodeData::Bytes(bytes) => bytes,
            NodeData::Json(value) => value.to_string().into_bytes(),
            NodeData::Matrix { values, .. } => f32le::encode(&values),
        };
        let output = self.session.process(&bytes).map_err(wasm_error)?;
        Ok(match self.session.module().description().output {
            Format::F32 => NodeData::Audio(Audio::mono(
                f32le::decode(&output).map_err(|e| {
                    NodeError::internal(format!("{NAME}: the module's f32 output: {e}"))
                })?,
                self.rate,
            )),
            Format::Json => NodeData::Json(serde_json::from_slice(&output).map_err(|e| {
                NodeError::internal(format!(
                    "{NAME}: the module's JSON output does not parse: {e}"
                ))
            })?),
            Format::Bytes => NodeData::Bytes(output),
        })
    }
}

impl Drop for WasmModuleNode {
    fn drop(&mut self) {
        // Runs the guest's cleanup; its outcome has no one left to report to.
        let _ = self.session.close();
    }
}

/// The `.wasm` file `name` names inside `dir`; only plain file names are accepted.
fn module_path(dir: &Path, name: &str) -> Result<PathBuf, NodeError> {
    let file = if name.ends_with(".wasm") {
        name.to_owned()
    } else {
        format!("{name}.wasm")
    };
    let plain = !file.contains(['/', '\\'])
        && !file.starts_with('.')
        && Path::new(&file).components().count() == 1;
    let path = dir.join(&file);
    if plain && path.is_file() {
        return Ok(path);
    }
    let mut available: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter_map(|n| n.strip_suffix(".wasm").map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    available.sort();
    Err(NodeError::invalid(format!(
        "{NAME}: no module {} in the server's modules directory; available modules: {}",
        echo(name),
        if available.is_empty() {
            "none".to_owned()
        } else {
            available.join(", ")
        }
    )))
}

static SESSIONS: AtomicU64 = AtomicU64::new(0);

pub fn spec() -> NodeSpec {
    NodeSpec::new(
        NAME,
        "wasm",
        "Runs a WASM module (edgemix ABI) from the server's modules directory in the sandboxed runtime, one session \
         per request or stream. Audio input reaches the module as float32; the output follows the module's \
         declared format (f32: audio, json: JSON, else bytes).",
        vec![
            ParamSpec::new("module", ParamType::String(&[]), "", "The module's name in the server's registry (--modules), or its file name in the modules directory (--modules-dir), with or without .wasm.").required(),
            ParamSpec::new("config", ParamType::Object, "", "Configuration handed to the module's configure export (replaces the registry's default config)."),
            ParamSpec::new("timeoutMs", ParamType::Integer { min: 1, max: MAX_TIMEOUT_MS as i64 }, "100", "Time limit of one guest call, ms (with a registry: at most the module's timeoutMs there, its default)."),
            ParamSpec::new("maxMemoryMb", ParamType::Integer { min: 1, max: MAX_MEMORY_MB as i64 }, "64", "Guest memory cap, MiB (with a registry: at most the module's maxMemoryMb there, its default)."),
        ],
        |config, context: &NodeContext| {
            let name = config.str_or("module", "");
            let requested = |key: &str| config.get(key).and_then(serde_json::Value::as_f64).map(|v| v as u32);
            let runtime = Runtime::global(None).map_err(wasm_error)?;
            let (module, limits, defaults) = match (&context.modules, context.modules_dir.as_deref()) {
                (Some(registry), _) => {
                    // The registry's limits are ceilings: a request may lower them, never
                    // raise them.
                    let entry = registry.get(name).map_err(registry_error)?;
                    let limits = entry.load_options().limits();
                    let limits = Limits {
                        timeout_ms: requested("timeoutMs").map_or(limits.timeout_ms, |t| t.min(limits.timeout_ms)),
                        max_memory_mb: requested("maxMemoryMb").map_or(limits.max_memory_mb, |m| m.min(limits.max_memory_mb)),
                        ..limits
                    };
                    (entry.load(registry, runtime).map_err(registry_error)?, limits, entry.config.clone())
                }
                (None, Some(dir)) => {
                    let path = module_path(dir, name)?;
                    let defaults = Limits::default();
                    let limits = Limits {
                        timeout_ms: requested("timeoutMs").unwrap_or(defaults.timeout_ms),
                        max_memory_mb: requested("maxMemoryMb").unwrap_or(defaults.max_memory_mb),
                        ..defaults
                    };
                    let module = runtime.load_file(&path, None).map_err(|e| {
                        edgemix_runtime::wasm::metrics::failed(&e);
                        wasm_error(e)
                    })?;
                    (module, limits, None)
                }
                (None, None) => {
                    return Err(NodeError::invalid(format!(
                        "{NAME}: this server has no modules (start it with --modules FILE or --modules-dir DIR)"
                    )))
                }
            };
            let module_config = config.get("config").cloned().or(defaults);
            let id = format!("cloud-{}", SESSIONS.fetch_add(1, Ordering::Relaxed));
            let session = WasmSession::new(module, id, limits, module_config.as_ref(), RemoteAccess::default()).map_err(wasm_error)?;
            Ok(Box::new(WasmModuleNode { session, rate: None }))
        },
    )
}
