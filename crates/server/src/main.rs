//! `edgemix-server`: the cloud tier. Serves the RemoteExecutionService (package
//! `remotemedia.execution`) and `grpc.health.v1` on one port, runs the built-in nodes
//! (and WASM modules of a `--modules` registry or from `--modules-dir`), logs structured events with `tracing`, and
//! on SIGTERM or SIGINT stops accepting, drains calls and streams in progress for up to
//! `--shutdown-grace-secs`, then exits. With `--metrics-port` it serves Prometheus
//! metrics and a self-test health check over HTTP (see `ops`).

mod ops;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use edgemix_cloud::server::{serve, ServerOptions, TlsIdentity};
use edgemix_cloud::nodes::{BuiltinOptions, NodeRegistry};
use edgemix_runtime::registry::ModuleRegistry;
use edgemix_runtime::wasm::Runtime;

#[derive(Debug, Parser)]
#[command(
    name = "edgemix-server",
    version,
    about = "edgemix cloud tier (RemoteExecutionService over gRPC)"
)]
struct Args {
    /// Address to listen on.
    #[arg(long, env = "EDGEMIX_HOST", default_value = "0.0.0.0")]
    host: IpAddr,
    /// Port to listen on (0 picks a free one, printed at start).
    #[arg(long, env = "EDGEMIX_PORT", default_value_t = 50052)]
    port: u16,
    /// Directory of the .wasm modules the WasmModule node may run.
    #[arg(long, env = "EDGEMIX_MODULES_DIR", conflicts_with = "modules")]
    modules_dir: Option<PathBuf>,
    /// Module registry (wasm-modules.yaml) whose modules the WasmModule node runs by name,
    /// under its limits. Every module is loaded and its SHA-256 checked before the server
    /// listens: a bad one stops the start with one line per problem.
    #[arg(long, env = "EDGEMIX_MODULES")]
    modules: Option<PathBuf>,
    /// Largest request or response message, MiB (1 to 1024).
    #[arg(long, env = "EDGEMIX_MAX_MESSAGE_MB", default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=1024))]
    max_message_mb: u32,
    /// Node executions running at once (default: the CPU count).
    #[arg(long, env = "EDGEMIX_CONCURRENCY", value_parser = clap::value_parser!(u32).range(1..=4096))]
    concurrency: Option<u32>,
    /// TLS certificate chain, PEM (with --tls-key).
    #[arg(long, env = "EDGEMIX_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// TLS private key, PEM (with --tls-cert).
    #[arg(long, env = "EDGEMIX_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Require `authorization: Bearer <token>` on every RemoteExecutionService call
    /// (the health service stays open for probes). An empty or blank token is refused.
    #[arg(long, env = "EDGEMIX_AUTH_TOKEN", hide_env_values = true)]
    auth_token: Option<String>,
    /// Connections one client IP address may hold open at once (more are closed as they
    /// arrive). Behind a proxy every client shares its address: raise it there.
    #[arg(long, env = "EDGEMIX_MAX_CONNECTIONS_PER_IP", default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=65536))]
    max_connections_per_ip: u32,
    /// How long a StreamNode stream may take to send its init message, ms.
    #[arg(long, env = "EDGEMIX_STREAM_INIT_TIMEOUT_MS", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..=3_600_000))]
    stream_init_timeout_ms: u64,
    /// How long shutdown waits for calls and streams in progress, seconds.
    #[arg(long, env = "EDGEMIX_SHUTDOWN_GRACE_SECS", default_value_t = 30)]
    shutdown_grace_secs: u64,
    /// Also offer the test nodes (Delay).
    #[arg(long)]
    enable_test_nodes: bool,
    /// Serve /metrics (Prometheus) and /healthz over HTTP on this port, on --host
    /// (0 picks a free one, printed at start). Off unless given.
    #[arg(long, env = "EDGEMIX_METRICS_PORT")]
    metrics_port: Option<u16>,
    /// Seconds between self-tests (a frame through the mixer; drives grpc.health.v1 and
    /// /healthz); 0 turns them off.
    #[arg(long, env = "EDGEMIX_SELF_TEST_SECS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(0..=3600))]
    self_test_secs: u64,
    /// Log as JSON lines (default: human-readable). Filter with RUST_LOG (default info).
    #[arg(long)]
    log_json: bool,
}

/// The nodes this binary offers. Nodes from other crates are registered here.
fn registry(args: &Args) -> NodeRegistry {
    let mut registry = NodeRegistry::builtin(BuiltinOptions {
        test_nodes: args.enable_test_nodes,
    });
    registry
        .register(edgemix_silero::vad_node_spec())
        .expect("VAD is not a built-in node name");
    registry
}

fn read(path: &PathBuf, what: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read the TLS {what} {}: {e}", path.display()))
}

async fn stop_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => return drop(ctrl_c.await),
            };
        tokio::select! {
            _ = ctrl_c => tracing::info!("SIGINT received"),
            _ = term.recv() => tracing::info!("SIGTERM received"),
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

async fn run(args: Args) -> Result<(), String> {
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(TlsIdentity {
            cert_pem: read(cert, "certificate")?,
            key_pem: read(key, "key")?,
        }),
        _ => None,
    };
    let modules = match &args.modules {
        Some(file) => {
            let runtime = Runtime::global(None).map_err(|e| e.to_string())?;
            let registry = ModuleRegistry::load_verified(file, runtime)
                .map_err(|e| format!("{}: {}", e.code, e.message))?;
            Some(Arc::new(registry))
        }
        None => None,
    };
    let metrics = args.metrics_port.map(|_| ops::install()).transpose()?;
    let self_test_interval = (args.self_test_secs > 0).then(|| Duration::from_secs(args.self_test_secs));
    let defaults = ServerOptions::default();
    let options = ServerOptions {
        addr: SocketAddr::new(args.host, args.port),
        registry: Arc::new(registry(&args)),
        modules_dir: args.modules_dir.clone(),
        modules,
        max_message_bytes: args.max_message_mb as usize * 1024 * 1024,
        concurrency: args
            .concurrency
            .map_or(defaults.concurrency, |c| c as usize),
        tls,
        auth_token: args.auth_token.clone(),
        shutdown_grace: Duration::from_secs(args.shutdown_grace_secs),
        self_test_interval,
        max_connections_per_ip: args.max_connections_per_ip as usize,
        stream_init_timeout: Duration::from_millis(args.stream_init_timeout_ms),
    };
    let mut server = serve(options).await.map_err(|e| e.to_string())?;
    // Machine-readable for scripts that start the server on port 0.
    println!("edgemix-server listening on {}", server.local_addr());
    if let (Some(handle), Some(port)) = (metrics, args.metrics_port) {
        let addr = SocketAddr::new(args.host, port);
        let (bound, _task) = ops::serve(addr, handle, server.self_test(), self_test_interval).await?;
        println!("edgemix-server metrics on http://{bound}/metrics");
    }
    stop_signal().await;
    server.shutdown().await.map_err(|e| e.to_string())?;
    tracing::info!("stopped");
    Ok(())
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if args.log_json {
        logs.json().init();
    } else {
        logs.init();
    }
    match run(args).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            tracing::error!("{message}");
            eprintln!("edgemix-server: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}
