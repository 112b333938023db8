//! `startServer`: the cloud tier embedded in the Node process (tests, single-box use).
//!
//! The server runs on the addon's tokio runtime, not on the libuv loop: it never keeps
//! the Node process alive, closed or not (a server never closed simply ends with the
//! process). Port 0 picks a free port, so test files running in parallel never clash.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use edgemix_runtime::cloud::server::{serve, ServerHandle, ServerOptions};
use edgemix_runtime::nodes::{BuiltinOptions, NodeRegistry};
use napi::bindgen_prelude::{PromiseRaw, Unknown};
use napi::Env;
use napi_derive::napi;
use serde::Deserialize;
use tokio::sync::Mutex;

use crate::config::options;
use crate::error::{code, Class, Failure, Fallible};
use crate::task::{reject, spawn, to_js, Finish, Finished};

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct StartOptions {
    host: Option<String>,
    port: Option<u16>,
    modules_dir: Option<PathBuf>,
    auth_token: Option<String>,
    max_message_mb: Option<u32>,
    concurrency: Option<u32>,
    enable_test_nodes: Option<bool>,
    shutdown_grace_ms: Option<u32>,
}

/// The nodes an embedded server offers. Nodes from other crates are registered here.
fn registry(test_nodes: bool) -> NodeRegistry {
    let mut registry = NodeRegistry::builtin(BuiltinOptions { test_nodes });
    registry
        .register(edgemix_silero::vad_node_spec())
        .expect("VAD is not a built-in node name");
    registry
}

fn server_options(input: StartOptions) -> Fallible<ServerOptions> {
    let invalid = |message: String| Failure::new(Class::RangeError, code::INVALID_CONFIG, message);
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
        max_message_bytes: mb as usize * 1024 * 1024,
        concurrency: input
            .concurrency
            .map_or(defaults.concurrency, |c| c as usize),
        tls: None,
        auth_token: input.auth_token,
        shutdown_grace: Duration::from_millis(input.shutdown_grace_ms.unwrap_or(5000).into()),
    })
}

/// A running embedded server.
#[napi]
pub struct CloudServer {
    port: u32,
    host: String,
    handle: Arc<Mutex<Option<ServerHandle>>>,
}

impl Finish for CloudServer {
    fn finish(self, env: &Env) -> napi::Result<napi::sys::napi_value> {
        to_js(env, self)
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
    /// shutdownGraceMs), then resolves. Idempotent: later calls resolve once it stopped.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn close<'env>(&self, env: &'env Env) -> napi::Result<PromiseRaw<'env, Finished<()>>> {
        let handle = Arc::clone(&self.handle);
        spawn(env, async move {
            let mut guard = handle.lock().await;
            if let Some(server) = guard.as_mut() {
                server
                    .shutdown()
                    .await
                    .map_err(|e| Failure::new(Class::Error, "ERR_CLOUD_INTERNAL", e.to_string()))?;
            }
            guard.take();
            Ok(())
        })
    }
}

/// Starts the cloud tier in this process: RemoteExecutionService and grpc.health.v1 on
/// `host:port` (default 127.0.0.1, port 0 = a free port).
#[napi(
    ts_args_type = "options?: StartServerOptions",
    ts_return_type = "Promise<CloudServer>"
)]
pub fn start_server<'env>(
    env: &'env Env,
    options_value: Option<Unknown<'_>>,
) -> napi::Result<PromiseRaw<'env, Finished<CloudServer>>> {
    let prepared =
        options::<StartOptions>(env, options_value.as_ref(), "options").and_then(server_options);
    match prepared {
        Ok(server) => spawn(env, async move {
            let handle = serve(server).await.map_err(|e| {
                Failure::new(
                    Class::Error,
                    "ERR_CLOUD_UNAVAILABLE",
                    format!("cannot start the server: {e}"),
                )
            })?;
            let addr = handle.local_addr();
            Ok(CloudServer {
                port: u32::from(addr.port()),
                host: addr.ip().to_string(),
                handle: Arc::new(Mutex::new(Some(handle))),
            })
        }),
        Err(failure) => reject(env, failure),
    }
}
