//! `startServer`: the cloud tier embedded in the Node process (tests, single-box use,
//! `edgemix serve`).
//!
//! The server runs on the addon's tokio runtime. Like a listening `net.Server` it keeps
//! Node's event loop alive (a [`KeepAlive`] handle) and keeps listening until `close()`,
//! whether or not JS still references its `CloudServer`: the running servers are held in
//! [`LISTENING`] until closed. `unref()` lets the process exit while it listens, `ref()`
//! takes that back. Port 0 picks a free port, so test files running in parallel never
//! clash.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use edgemix_cloud::server::{
    serve, ServerError, ServerErrorKind, ServerHandle, ServerOptions, TlsIdentity,
};
use edgemix_cloud::nodes::{BuiltinOptions, NodeRegistry};
use edgemix_runtime::registry::ModuleRegistry;
use edgemix_runtime::wasm::Runtime;
use napi::bindgen_prelude::{FromNapiValue, JsValue, Object, PromiseRaw, This, Unknown};
use napi::{Env, ValueType};
use napi_derive::napi;
use serde::Deserialize;

use crate::audio::describe;
use crate::config::{options_from_json, read_object_apart};
use crate::error::{code, Class, Failure, Fallible};
use crate::keepalive::KeepAlive;
use crate::task::{reject, spawn, to_js, Finish, Finished};

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct StartOptions {
    host: Option<String>,
    port: Option<u16>,
    modules_dir: Option<PathBuf>,
    /// A module registry (wasm-modules.yaml): loaded and verified before the server binds.
    modules: Option<PathBuf>,
    auth_token: Option<String>,
    max_message_mb: Option<u32>,
    concurrency: Option<u32>,
    enable_test_nodes: Option<bool>,
    shutdown_grace_ms: Option<u32>,
    max_connections_per_ip: Option<u32>,
    stream_init_timeout_ms: Option<u32>,
}

/// The nodes an embedded server offers. Nodes from other crates are registered here.
fn registry(test_nodes: bool) -> NodeRegistry {
    let mut registry = NodeRegistry::builtin(BuiltinOptions { test_nodes });
    registry
        .register(edgemix_silero::vad_node_spec())
        .expect("VAD is not a built-in node name");
    registry
}

fn invalid(message: String) -> Failure {
    Failure::new(Class::RangeError, code::INVALID_CONFIG, message)
}

fn server_options(input: StartOptions, tls: Option<TlsIdentity>) -> Fallible<ServerOptions> {
    let host = input.host.as_deref().unwrap_or("127.0.0.1");
    let host: IpAddr = if host == "localhost" {
        IpAddr::from([127, 0, 0, 1])
    } else {
        host.parse().map_err(|_| {
            invalid(format!(
                "host {host:?} is not an IP address: use e.g. \"127.0.0.1\" or \"0.0.0.0\""
            ))
        })?
    };
    let mb = input.max_message_mb.unwrap_or(16);
    if !(1..=1024).contains(&mb) {
        return Err(invalid(format!(
            "maxMessageMb = {mb} is out of range: allowed 1 to 1024"
        )));
    }
    let defaults = ServerOptions::default();
    Ok(ServerOptions {
        addr: SocketAddr::new(host, input.port.unwrap_or(0)),
        registry: Arc::new(registry(input.enable_test_nodes.unwrap_or(false))),
        modules_dir: input.modules_dir,
        modules: None,
        max_message_bytes: mb as usize * 1024 * 1024,
        concurrency: input
            .concurrency
            .map_or(defaults.concurrency, |c| c as usize),
        tls,
        auth_token: input.auth_token,
        shutdown_grace: Duration::from_millis(input.shutdown_grace_ms.unwrap_or(5000).into()),
        max_connections_per_ip: input
            .max_connections_per_ip
            .map_or(defaults.max_connections_per_ip, |n| n as usize),
        stream_init_timeout: input
            .stream_init_timeout_ms
            .map_or(defaults.stream_init_timeout, |ms| {
                Duration::from_millis(ms.into())
            }),
        self_test_interval: defaults.self_test_interval,
    })
}

/// PEM text of a `tls.cert` / `tls.key` option: a string or a Buffer / Uint8Array.
fn pem(value: Option<&Unknown<'_>>, name: &str) -> Fallible<Vec<u8>> {
    let wrong = |value: Option<&Unknown<'_>>| {
        Failure::arg_type(format!(
            "options.tls.{name} must be PEM text, as a string or a Buffer, received {}",
            value.map_or_else(|| "nothing".to_owned(), describe)
        ))
    };
    match value {
        Some(value) if value.get_type().ok() == Some(ValueType::String) => {
            let raw = value.value();
            // SAFETY: a live string value of the current call.
            unsafe { String::from_napi_value(raw.env, raw.value) }
                .map(String::into_bytes)
                .map_err(|_| wrong(Some(value)))
        }
        Some(value) => crate::wasm::bytes(value, &format!("options.tls.{name}"))
            .map_err(|_| wrong(Some(value))),
        None => Err(wrong(None)),
    }
}

/// The `tls` option: `{ cert, key }`, each PEM as a string or a Buffer.
fn tls_identity(value: &Unknown<'_>) -> Fallible<Option<TlsIdentity>> {
    if matches!(value.get_type(), Ok(ValueType::Undefined | ValueType::Null)) {
        return Ok(None);
    }
    let (json, parts) = read_object_apart(Some(value), "options.tls", &["cert", "key"])?;
    if let Some(other) = json.keys().next() {
        return Err(invalid(format!(
            "options.tls has an unknown key {}: it takes cert and key (PEM)",
            edgemix_cloud::nodes::echo(other)
        )));
    }
    let part = |name: &str| parts.iter().find(|(key, _)| key == name).map(|(_, v)| v);
    Ok(Some(TlsIdentity {
        cert_pem: pem(part("cert"), "cert")?,
        key_pem: pem(part("key"), "key")?,
    }))
}

/// The failure of a server that could not start: the options' fault, or the system's.
fn start_failure(err: ServerError) -> Failure {
    match err.kind {
        ServerErrorKind::InvalidOptions => {
            invalid(format!("cannot start the server: {}", err.message))
        }
        ServerErrorKind::Io => Failure::new(
            Class::Error,
            "ERR_CLOUD_UNAVAILABLE",
            format!("cannot start the server: {}", err.message),
        ),
    }
}

/// A server that has not been closed yet, whoever holds it.
struct Running {
    handle: tokio::sync::Mutex<Option<ServerHandle>>,
    /// Taken (and dropped, on the JS thread) once the server has stopped.
    keep_alive: Mutex<Option<KeepAlive>>,
}

impl Running {
    fn keep_alive(&self) -> std::sync::MutexGuard<'_, Option<KeepAlive>> {
        self.keep_alive.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Every server started and not yet closed: a `CloudServer` JS has dropped keeps
/// serving, as a `net.Server` does.
static LISTENING: Mutex<Vec<Arc<Running>>> = Mutex::new(Vec::new());

fn listening() -> std::sync::MutexGuard<'static, Vec<Arc<Running>>> {
    LISTENING.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A running embedded server.
#[napi]
pub struct CloudServer {
    port: u32,
    host: String,
    running: Arc<Running>,
}

impl Finish for CloudServer {
    /// The started server as JS sees it, now holding the event loop (on the JS thread).
    fn finish(self, env: &Env) -> napi::Result<napi::sys::napi_value> {
        *self.running.keep_alive() = Some(KeepAlive::new(env, "edgemix.CloudServer")?);
        listening().push(Arc::clone(&self.running));
        to_js(env, self)
    }
}

/// A stopped server: its hold on the event loop is released on the JS thread (public
/// only because `close` returns it).
pub struct Closed {
    running: Arc<Running>,
    failure: Option<Failure>,
}

impl Finish for Closed {
    fn finish(self, env: &Env) -> napi::Result<napi::sys::napi_value> {
        drop(self.running.keep_alive().take());
        listening().retain(|other| !Arc::ptr_eq(other, &self.running));
        match self.failure {
            None => to_js(env, ()),
            Some(failure) => Err(failure.into_napi(env)),
        }
    }
}

#[napi]
impl CloudServer {
    /// The bound port (the one picked for port 0).
    #[napi(getter)]
    pub fn port(&self) -> u32 {
        self.port
    }

    /// The bound address.
    #[napi(getter)]
    pub fn host(&self) -> String {
        self.host.clone()
    }

    /// Stops accepting, lets calls and streams in progress finish (up to
    /// shutdownGraceMs), then resolves; the server no longer keeps the process alive.
    /// Idempotent: later calls resolve once it stopped.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn close<'env>(&self, env: &'env Env) -> napi::Result<PromiseRaw<'env, Finished<Closed>>> {
        let running = Arc::clone(&self.running);
        spawn(env, async move {
            let mut guard = running.handle.lock().await;
            let failure = match guard.as_mut() {
                Some(server) => server.shutdown().await.err().map(|e| {
                    Failure::new(Class::Error, "ERR_CLOUD_INTERNAL", e.to_string())
                }),
                None => None,
            };
            guard.take();
            drop(guard);
            Ok(Closed { running, failure })
        })
    }

    /// Lets the process exit while the server listens (as `net.Server#unref`). Returns
    /// the server.
    #[napi(ts_return_type = "this")]
    pub fn unref<'a>(&self, env: &Env, this: This<'a>) -> napi::Result<Object<'a>> {
        if let Some(keep_alive) = self.running.keep_alive().as_ref() {
            keep_alive.set_ref(env, false)?;
        }
        Ok(this.object)
    }

    /// Keeps the process alive while the server listens again (the default; as
    /// `net.Server#ref`). Returns the server.
    #[napi(js_name = "ref", ts_return_type = "this")]
    pub fn refer<'a>(&self, env: &Env, this: This<'a>) -> napi::Result<Object<'a>> {
        if let Some(keep_alive) = self.running.keep_alive().as_ref() {
            keep_alive.set_ref(env, true)?;
        }
        Ok(this.object)
    }
}

/// Starts the cloud tier in this process: RemoteExecutionService and grpc.health.v1 on
/// `host:port` (default 127.0.0.1, port 0 = a free port), with TLS and a bearer token if
/// asked. Resolves once it listens; from then on it keeps the process alive until
/// `close()` (or `unref()`).
#[napi(
    ts_args_type = "options?: StartServerOptions",
    ts_return_type = "Promise<CloudServer>"
)]
pub fn start_server<'env>(
    env: &'env Env,
    options_value: Option<Unknown<'_>>,
) -> napi::Result<PromiseRaw<'env, Finished<CloudServer>>> {
    let prepared = read_object_apart(options_value.as_ref(), "options", &["tls"]).and_then(
        |(json, apart)| {
            let mut input: StartOptions = options_from_json(&serde_json::Value::Object(json), "options")?;
            let tls = match apart.first() {
                Some((_, tls)) => tls_identity(tls)?,
                None => None,
            };
            let modules = input.modules.take();
            if modules.is_some() && input.modules_dir.is_some() {
                return Err(invalid("give modules (a registry) or modulesDir, not both".into()));
            }
            Ok((server_options(input, tls)?, modules))
        },
    );
    match prepared {
        Ok((mut server, modules)) => spawn(env, async move {
            if let Some(file) = modules {
                // Compiles every module: on a blocking thread, not on the runtime's.
                let registry = tokio::task::spawn_blocking(move || -> Fallible<ModuleRegistry> {
                    Ok(ModuleRegistry::load_verified(&file, Runtime::global(None)?)?)
                })
                .await
                .map_err(|e| Failure::internal(format!("the registry load failed: {e}")))??;
                server.modules = Some(Arc::new(registry));
            }
            let handle = serve(server).await.map_err(start_failure)?;
            let addr = handle.local_addr();
            Ok(CloudServer {
                port: u32::from(addr.port()),
                host: addr.ip().to_string(),
                running: Arc::new(Running {
                    handle: tokio::sync::Mutex::new(Some(handle)),
                    keep_alive: Mutex::new(None),
                }),
            })
        }),
        Err(failure) => reject(env, failure),
    }
}
