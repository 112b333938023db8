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
//! progress finish for up to the grace period, then closes whatever is left.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tonic::body::Body;
use tonic::server::NamedService;
use tonic::transport::server::TcpIncoming;
use tonic::transport::{Identity, Server, ServerTlsConfig};
use tonic::Status;

use super::proto::remote_execution_service_server::RemoteExecutionServiceServer;
use super::proto::SERVICE_NAME;
use super::selftest::{self, SelfTest};
pub use super::selftest::{SelfTestProbe, SelfTestStatus, BUDGET as SELF_TEST_BUDGET};
use super::service::{Service, Shared};
use crate::nodes::{NodeContext, NodeRegistry};

/// The RPCs edgemix implements; the service's others answer UNIMPLEMENTED.
pub const IMPLEMENTED: [&str; 4] = ["ExecuteNode", "StreamNode", "GetStatus", "ListNodes"];

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
    /// Largest request or response message, bytes. Default 16 MiB.
    pub max_message_bytes: usize,
    /// Node executions running at once (more wait their turn). Default: the CPU count.
    pub concurrency: usize,
    /// Serve TLS with this identity (else plaintext HTTP/2).
    pub tls: Option<TlsIdentity>,
    /// Require `authorization: Bearer <token>` on every RemoteExecutionService call.
    pub auth_token: Option<String>,
    /// How long shutdown waits for calls and streams in progress. Default 30 s.
    pub shutdown_grace: Duration,
    /// How often a frame goes through the mixer to prove the server can process one
    /// (see `selftest`); None reports SERVING without testing. Default 5 s.
    pub self_test_interval: Option<Duration>,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([0, 0, 0, 0], 50052)),
            registry: Arc::new(NodeRegistry::builtin(Default::default())),
            modules_dir: None,
            max_message_bytes: 16 * 1024 * 1024,
            concurrency: std::thread::available_parallelism().map_or(4, |n| n.get()),
            tls: None,
            auth_token: None,
            shutdown_grace: Duration::from_secs(30),
            self_test_interval: Some(Duration::from_secs(5)),
        }
    }
}

/// Why a server could not start or stop cleanly.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerError(pub String);

impl std::fmt::Display for ServerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ServerError {}

/// A running server. Dropping the handle without [`ServerHandle::shutdown`] leaves the
/// server running until its tokio runtime stops.
pub struct ServerHandle {
    local_addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<(), tonic::transport::Error>>>,
    shared: Arc<Shared>,
    health: tonic_health::server::HealthReporter,
    grace: Duration,
    self_test: Arc<SelfTest>,
    self_test_task: Option<JoinHandle<()>>,
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
    /// the rest. Calling it again does nothing.
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
            Ok(Ok(Err(e))) => Err(ServerError(format!(
                "the server failed while stopping: {e}"
            ))),
            Ok(Err(e)) => Err(ServerError(format!("the server task failed: {e}"))),
            Err(_) => {
                tracing::warn!("grace period over: closing the connections still open");
                task.abort();
                Ok(())
            }
        }
    }
}

/// Binds `options.addr` and starts serving on the current tokio runtime.
pub async fn serve(options: ServerOptions) -> Result<ServerHandle, ServerError> {
    if options.concurrency == 0 {
        return Err(ServerError(
            "concurrency = 0 is not allowed: at least one node execution must be able to run"
                .into(),
        ));
    }
    if options.max_message_bytes < 1024 {
        return Err(ServerError(format!(
            "max message size {} bytes is too small: allowed from 1 KiB",
            options.max_message_bytes
        )));
    }
    if let Some(dir) = &options.modules_dir {
        if !dir.is_dir() {
            return Err(ServerError(format!(
                "modules directory {} does not exist or is not a directory",
                dir.display()
            )));
        }
    }
    let listener = tokio::net::TcpListener::bind(options.addr)
        .await
        .map_err(|e| ServerError(format!("cannot listen on {}: {e}", options.addr)))?;
    let local_addr = listener
        .local_addr()
        .map_err(|e| ServerError(format!("cannot read the bound address: {e}")))?;

    let context = NodeContext {
        modules_dir: options.modules_dir.clone(),
    };
    let shared = Arc::new(Shared::new(
        Arc::clone(&options.registry),
        context,
        options.concurrency,
    ));
    let service = RemoteExecutionServiceServer::new(Service {
        shared: Arc::clone(&shared),
    })
    .max_decoding_message_size(options.max_message_bytes)
    .max_encoding_message_size(options.max_message_bytes);
    let gate = Gate {
        inner: service,
        token: options.auth_token.clone().map(Arc::from),
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
        .http2_keepalive_interval(Some(Duration::from_secs(30)))
        .http2_keepalive_timeout(Some(Duration::from_secs(10)));
    if let Some(tls) = &options.tls {
        builder = builder
            .tls_config(
                ServerTlsConfig::new().identity(Identity::from_pem(&tls.cert_pem, &tls.key_pem)),
            )
            .map_err(|e| ServerError(format!("invalid TLS certificate or key: {e}")))?;
    }
    let router = builder.add_service(health_service).add_service(gate);
    let (stop, stopped) = oneshot::channel::<()>();
    // Accepted sockets get TCP_NODELAY here (the builder's setting covers only the
    // listeners tonic binds itself): without it small answers wait ~40 ms for delayed ACKs.
    let incoming = TcpIncoming::from(listener).with_nodelay(Some(true));
    let task = tokio::spawn(router.serve_with_incoming_shutdown(incoming, async {
        let _ = stopped.await;
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
    })
}

/// In front of the service: answers the methods edgemix does not implement, and checks
/// the bearer token.
#[derive(Clone)]
struct Gate<S> {
    inner: S,
    token: Option<Arc<str>>,
}

impl<S> NamedService for Gate<S> {
    const NAME: &'static str = SERVICE_NAME;
}

/// Compares without an early exit, so the time taken does not reveal the token.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl<S> Gate<S> {
    fn refusal(&self, request: &http::Request<Body>) -> Option<Status> {
        let method = request.uri().path().rsplit('/').next().unwrap_or_default();
        if !IMPLEMENTED.contains(&method) {
            return Some(Status::unimplemented(format!(
                "{SERVICE_NAME}/{method} is not implemented by edgemix; implemented methods: {}",
                IMPLEMENTED.join(", ")
            )));
        }
        let token = self.token.as_deref()?;
        let given = request
            .headers()
            .get(http::header::AUTHORIZATION)
            .map(|v| v.as_bytes());
        match given.and_then(|v| v.strip_prefix(b"Bearer ")) {
            Some(given) if same(given, token.as_bytes()) => None,
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
