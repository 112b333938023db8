//! An embeddable RemoteExecutionService server.
//!
//! [`serve`] binds, starts serving on the current tokio runtime and returns a
//! [`ServerHandle`] with the bound address (port 0 picks a free one). Besides the
//! service it serves the standard `grpc.health.v1` health service (no token needed, for
//! load balancers and Kubernetes probes). With an auth token every RemoteExecutionService
//! call must carry `authorization: Bearer <token>`. Methods of the service that edgemix
//! does not implement answer UNIMPLEMENTED naming the method.
//!
//! Deadlines: a `grpc-timeout` header is enforced by tonic (an expired call answers
//! CANCELLED "Timeout expired"); `options.timeout_seconds` of an ExecuteNode request (the
//! Python client's deadline, which sends no header) answers DEADLINE_EXCEEDED.
//!
//! [`ServerHandle::shutdown`] stops accepting connections, lets calls and streams in
//! progress finish for up to the grace period, then closes every connection still open
//! (none answers again once it returned).
//!
//! Hostile clients: each peer address may hold at most `max_connections_per_ip`
//! connections (more are closed as they arrive); a `StreamNode` stream that sends no init
//! message within `stream_init_timeout` is ended; an abandoned call's work is cancelled
//! (see `service`); the bearer token is compared in constant time; messages
//! repeat at most a few hundred characters of any input (`nodes::echo`).

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tonic::body::Body;
use tonic::server::NamedService;
use tonic::transport::server::TcpIncoming;
use tonic::transport::{Identity, Server, ServerTlsConfig};
use tonic::Status;

use super::proto::remote_execution_service_server::RemoteExecutionServiceServer;
use super::proto::SERVICE_NAME;
use super::peers::PeerLimit;
use super::selftest::{self, SelfTest};
pub use super::selftest::{SelfTestProbe, SelfTestStatus, BUDGET as SELF_TEST_BUDGET};
use super::service::{Service, Shared};
use crate::nodes::{echo, NodeContext, NodeRegistry};
use edgemix_runtime::registry::ModuleRegistry;

/// The RPCs edgemix implements; the service's others answer UNIMPLEMENTED.
pub const IMPLEMENTED: [&str; 4] = ["ExecuteNode", "StreamNode", "GetStatus", "ListNodes"];

/// Calls and streams one connection may have open at once (HTTP/2
/// SETTINGS_MAX_CONCURRENT_STREAMS); with the per-IP connection cap it bounds what one
/// client holds.
pub const MAX_STREAMS_PER_CONNECTION: u32 = 256;

/// How long a client may take to finish its TLS handshake.
pub const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How long shutdown waits, after the grace period, for the closed connections to end
/// (each ends at its next poll; this bounds a bug, not a client).
const CLOSE_WAIT: Duration = Duration::from_secs(5);

/// A certificate chain and its private key, PEM.
#[derive(Debug, Clone)]
pub struct TlsIdentity {
    pub cert_pem: Vec<u8>,
    pub key_pem: Vec<u8>,
}

/// How to run a server.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Address to bind; port 0 picks a free port. Default 0.0.0.0:50052.
    pub addr: SocketAddr,
    /// The nodes offered.
    pub registry: Arc<NodeRegistry>,
    /// Directory of the modules the `WasmModule` node may run.
    pub modules_dir: Option<PathBuf>,
    /// The module registry the `WasmModule` node runs modules from by name, with the
    /// registry's limits as ceilings (exclusive with `modules_dir`). Every module is
    /// loaded (SHA-256, ABI, formats) before the server binds: a registry with a bad
    /// module does not start.
    pub modules: Option<Arc<ModuleRegistry>>,
    /// Largest request or response message, bytes. Default 16 MiB.
    pub max_message_bytes: usize,
    /// Node executions running at once (more wait their turn). Default: the CPU count.
    pub concurrency: usize,
    /// Serve TLS with this identity (else plaintext HTTP/2).
    pub tls: Option<TlsIdentity>,
    /// Require `authorization: Bearer <token>` on every RemoteExecutionService call. An
    /// empty or blank token is refused at start.
    pub auth_token: Option<String>,
    /// How long shutdown waits for calls and streams in progress. Default 30 s.
    pub shutdown_grace: Duration,
    /// How often a frame goes through the mixer to prove the server can process one
    /// (see `selftest`); None reports SERVING without testing. Default 5 s.
    pub self_test_interval: Option<Duration>,
    /// Connections one peer IP address may hold open at once; more are closed as they
    /// arrive. 1 to 65536. Default 64. Behind a proxy every client shares its address:
    /// raise it there.
    pub max_connections_per_ip: usize,
    /// How long a `StreamNode` stream may take to send its init message before it is
    /// ended (DEADLINE_EXCEEDED). Default 10 s.
    pub stream_init_timeout: Duration,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([0, 0, 0, 0], 50052)),
            registry: Arc::new(NodeRegistry::builtin(Default::default())),
            modules_dir: None,
            modules: None,
            max_message_bytes: 16 * 1024 * 1024,
            concurrency: std::thread::available_parallelism().map_or(4, |n| n.get()),
            tls: None,
            auth_token: None,
            shutdown_grace: Duration::from_secs(30),
            self_test_interval: Some(Duration::from_secs(5)),
            max_connections_per_ip: 64,
            stream_init_timeout: Duration::from_secs(10),
        }
    }
}

/// Why a server could not start or stop cleanly.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerError {
    pub kind: ServerErrorKind,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerErrorKind {
    /// Options that are not allowed: a bad TLS certificate or key, an empty token, a
    /// missing modules directory, a limit out of range.
    InvalidOptions,
    /// The system refused: the address is in use, the server task failed.
    Io,
}

impl ServerError {
    fn invalid(message: impl Into<String>) -> Self {
        Self {
            kind: ServerErrorKind::InvalidOptions,
            message: message.into(),
        }
    }

    fn io(message: impl Into<String>) -> Self {
        Self {
            kind: ServerErrorKind::Io,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for ServerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ServerError {}

/// A running server. Dropping the handle without [`ServerHandle::shutdown`] leaves the
/// server running until its tokio runtime stops (nothing can stop it then).
pub struct ServerHandle {
    local_addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<(), tonic::transport::Error>>>,
    shared: Arc<Shared>,
    health: tonic_health::server::HealthReporter,
    grace: Duration,
    self_test: Arc<SelfTest>,
    self_test_task: Option<JoinHandle<()>>,
    /// Closes every open connection (see `peers`).
    close_connections: CancellationToken,
}

impl ServerHandle {
    /// The bound address (with the port picked for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Reads the last self-test (see `ServerOptions::self_test_interval`).
    pub fn self_test(&self) -> SelfTestProbe {
        SelfTestProbe(Arc::clone(&self.self_test))
    }

    /// Stops accepting, drains calls and streams for up to the grace period, then closes
    /// every connection still open: once it returns, the server answers nothing more.
    /// Calling it again does nothing.
    pub async fn shutdown(&mut self) -> Result<(), ServerError> {
        let Some(stop) = self.stop.take() else {
            return Ok(());
        };
        self.shared.stopping.store(true, Ordering::Relaxed);
        if let Some(task) = self.self_test_task.take() {
            task.abort();
        }
        self.health
            .set_not_serving::<RemoteExecutionServiceServer<Service>>()
            .await;
        let _ = stop.send(());
        let Some(mut task) = self.task.take() else {
            return Ok(());
        };
        tracing::info!(addr = %self.local_addr, grace_ms = self.grace.as_millis() as u64, "shutting down: draining calls and streams");
        match tokio::time::timeout(self.grace, &mut task).await {
            Ok(Ok(Ok(()))) => Ok(()),
            Ok(Ok(Err(e))) => Err(ServerError::io(format!(
                "the server failed while stopping: {e}"
            ))),
            Ok(Err(e)) => Err(ServerError::io(format!("the server task failed: {e}"))),
            Err(_) => {
                tracing::warn!("grace period over: closing the connections still open");
                // Each connection is served on a task of its own, which aborting the
                // server task would not reach: their sockets fail instead, and the
                // server task ends once the last connection has ended.
                self.close_connections.cancel();
                match tokio::time::timeout(CLOSE_WAIT, &mut task).await {
                    Ok(Ok(Ok(()))) => Ok(()),
                    Ok(Ok(Err(e))) => Err(ServerError::io(format!(
                        "the server failed while stopping: {e}"
                    ))),
                    Ok(Err(e)) => Err(ServerError::io(format!("the server task failed: {e}"))),
                    Err(_) => {
                        task.abort();
                        Err(ServerError::io(format!(
                            "a connection was still open {} ms after it was closed",
                            CLOSE_WAIT.as_millis()
                        )))
                    }
                }
            }
        }
    }
}

/// Binds `options.addr` and starts serving on the current tokio runtime.
pub async fn serve(options: ServerOptions) -> Result<ServerHandle, ServerError> {
    check(&options)?;
    let listener = tokio::net::TcpListener::bind(options.addr)
        .await
        .map_err(|e| ServerError::io(format!("cannot listen on {}: {e}", options.addr)))?;
    let local_addr = listener
        .local_addr()
        .map_err(|e| ServerError::io(format!("cannot read the bound address: {e}")))?;

    let context = NodeContext {
        modules_dir: options.modules_dir.clone(),
        modules: options.modules.clone(),
    };
    let shared = Arc::new(Shared::new(
        Arc::clone(&options.registry),
        context,
        options.concurrency,
        options.stream_init_timeout,
    ));
    let service = RemoteExecutionServiceServer::new(Service {
        shared: Arc::clone(&shared),
    })
    .max_decoding_message_size(options.max_message_bytes)
    .max_encoding_message_size(options.max_message_bytes);
    let gate = Gate {
        inner: service,
        token: options
            .auth_token
            .as_deref()
            .map(|token| Arc::new(Sha256::digest(token.as_bytes()).into())),
    };
    super::metrics::initialize(options.concurrency);
    let (health, health_service) = tonic_health::server::health_reporter();
    let (self_test, self_test_task) = selftest::start(
        Arc::clone(&shared),
        health.clone(),
        options.self_test_interval,
    )
    .await;

    let mut builder = Server::builder()
        .max_concurrent_streams(MAX_STREAMS_PER_CONNECTION)
        .http2_keepalive_interval(Some(Duration::from_secs(30)))
        .http2_keepalive_timeout(Some(Duration::from_secs(10)));
    if let Some(tls) = &options.tls {
        builder = builder.tls_config(tls_config(tls)).map_err(|e| {
            ServerError::invalid(format!("invalid TLS certificate or key: {e}"))
        })?;
    }
    let router = builder.add_service(health_service).add_service(gate);
    let (stop, stopped) = oneshot::channel::<()>();
    // Accepted sockets get TCP_NODELAY here (the builder's setting covers only the
    // listeners tonic binds itself): without it small answers wait ~40 ms for delayed ACKs.
    let close_connections = CancellationToken::new();
    let incoming = PeerLimit::new(options.max_connections_per_ip, close_connections.clone())
        .admit(TcpIncoming::from(listener).with_nodelay(Some(true)));
    let task = tokio::spawn(router.serve_with_incoming_shutdown(incoming, async {
        // Only `shutdown` stops the server: a dropped handle leaves it running.
        if stopped.await.is_err() {
            std::future::pending::<()>().await;
        }
    }));
    tracing::info!(addr = %local_addr, nodes = %options.registry.names(), tls = options.tls.is_some(), auth = options.auth_token.is_some(), "edgemix cloud tier listening");
    Ok(ServerHandle {
        local_addr,
        stop: Some(stop),
        task: Some(task),
        shared,
        health,
        grace: options.shutdown_grace,
        self_test,
        self_test_task,
        close_connections,
    })
}

/// Refuses options no server should run with, before anything is bound.
fn check(options: &ServerOptions) -> Result<(), ServerError> {
    if options.concurrency == 0 {
        return Err(ServerError::invalid(
            "concurrency = 0 is not allowed: at least one node execution must be able to run",
        ));
    }
    if options.max_message_bytes < 1024 {
        return Err(ServerError::invalid(format!(
            "max message size {} bytes is too small: allowed from 1 KiB",
            options.max_message_bytes
        )));
    }
    if !(1..=65_536).contains(&options.max_connections_per_ip) {
        return Err(ServerError::invalid(format!(
            "max connections per IP = {} is out of range: allowed 1 to 65536",
            options.max_connections_per_ip
        )));
    }
    if options.stream_init_timeout.is_zero() {
        return Err(ServerError::invalid(
            "the stream init timeout must be longer than 0 ms",
        ));
    }
    if options
        .auth_token
        .as_deref()
        .is_some_and(|token| token.trim().is_empty())
    {
        return Err(ServerError::invalid(
            "the auth token is empty or blank: give a secret (e.g. 32 random bytes, base64) or no token at all",
        ));
    }
    if options.modules.is_some() && options.modules_dir.is_some() {
        return Err(ServerError::invalid(
            "give a module registry or a modules directory, not both",
        ));
    }
    if let Some(dir) = &options.modules_dir {
        if !dir.is_dir() {
            return Err(ServerError::invalid(format!(
                "modules directory {} does not exist or is not a directory",
                dir.display()
            )));
        }
    }
    Ok(())
}

/// The TLS configuration of `tls`. Its certificate and key are parsed when the builder
/// takes it, so bad PEM is refused at start rather than at the first handshake. A client
/// gets [`TLS_HANDSHAKE_TIMEOUT`] to finish its handshake.
fn tls_config(tls: &TlsIdentity) -> ServerTlsConfig {
    ServerTlsConfig::new()
        .identity(Identity::from_pem(&tls.cert_pem, &tls.key_pem))
        .timeout(TLS_HANDSHAKE_TIMEOUT)
}

/// In front of the service: answers the methods edgemix does not implement, and checks
/// the bearer token.
#[derive(Clone)]
struct Gate<S> {
    inner: S,
    /// SHA-256 of the token: compared in constant time with the digest of the one given,
    /// so neither its content nor its length shows in the time a refusal takes.
    token: Option<Arc<[u8; 32]>>,
}

impl<S> NamedService for Gate<S> {
    const NAME: &'static str = SERVICE_NAME;
}

impl<S> Gate<S> {
    fn refusal(&self, request: &http::Request<Body>) -> Option<Status> {
        let method = request.uri().path().rsplit('/').next().unwrap_or_default();
        if !IMPLEMENTED.contains(&method) {
            return Some(Status::unimplemented(format!(
                "{SERVICE_NAME}/{} is not implemented by edgemix; implemented methods: {}",
                echo(method),
                IMPLEMENTED.join(", ")
            )));
        }
        let expected = self.token.as_deref()?;
        let given = request
            .headers()
            .get(http::header::AUTHORIZATION)
            .map(|v| v.as_bytes());
        match given.and_then(|v| v.strip_prefix(b"Bearer ")) {
            Some(given) if bool::from(Sha256::digest(given).ct_eq(expected.as_slice())) => None,
            Some(_) => Some(Status::unauthenticated(
                "the bearer token is not valid for this server",
            )),
            None => Some(Status::unauthenticated(
                "this server requires an authorization: Bearer <token> header",
            )),
        }
    }
}

impl<S> tower::Service<http::Request<Body>> for Gate<S>
where
    S: tower::Service<http::Request<Body>, Response = http::Response<Body>, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<http::Response<Body>, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        match self.refusal(&request) {
            Some(status) => Box::pin(std::future::ready(Ok(status.into_http()))),
            None => Box::pin(self.inner.call(request)),
        }
    }
}
