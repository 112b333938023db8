//! The operations port (`--metrics-port`), plain HTTP/1.1:
//!
//! - `GET /metrics`: Prometheus text exposition of everything the cloud tier and the
//!   WASM runtime record (`edgemix_cloud::metrics`, `...::wasm::metrics`), the
//!   process (`process_cpu_seconds_total`, `process_resident_memory_bytes`, ...),
//!   `edgemix_cpu_cores` and `edgemix_build_info`.
//! - `GET /healthz`: 200 while the last self-test (a frame through the mixer) passed and
//!   is recent, else 503; a JSON body says which.
//!
//! No secrets and no audio are exposed, and nothing here changes state; at most
//! [`MAX_CONCURRENT`] requests are served at once (more wait), so scrapes cannot take
//! the CPU from the audio.

use std::net::SocketAddr;
use std::time::Duration;

use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use edgemix_cloud::metrics::LATENCY_BUCKETS;
use edgemix_cloud::server::SelfTestProbe;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use serde_json::json;
use tokio::task::JoinHandle;

/// Requests served at once on the operations port.
const MAX_CONCURRENT: usize = 4;
/// How often histograms are compacted (the exporter needs it to be done by its user).
const UPKEEP: Duration = Duration::from_secs(5);

/// Installs the process-wide Prometheus recorder; call before the server starts so that
/// nothing it records is missed.
pub fn install() -> Result<PrometheusHandle, String> {
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &LATENCY_BUCKETS)
        .and_then(PrometheusBuilder::install_recorder)
        .map_err(|e| format!("cannot install the metrics recorder: {e}"))?;
    edgemix_cloud::metrics::describe();
    metrics_process::Collector::default().describe();
    metrics::describe_gauge!(
        "edgemix_cpu_cores",
        "CPU cores this process may use (cgroup quota and affinity included)"
    );
    metrics::describe_gauge!("edgemix_build_info", "1, labelled with the server's version");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    metrics::gauge!("edgemix_cpu_cores").set(cores as f64);
    metrics::gauge!("edgemix_build_info", "version" => env!("CARGO_PKG_VERSION")).set(1.0);
    Ok(handle)
}

/// Serves `/metrics` and `/healthz` on `addr`; returns the bound address.
pub async fn serve(
    addr: SocketAddr,
    handle: PrometheusHandle,
    self_test: SelfTestProbe,
    interval: Option<Duration>,
) -> Result<(SocketAddr, JoinHandle<()>), String> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen for metrics on {addr}: {e}"))?;
    let bound = listener
        .local_addr()
        .map_err(|e| format!("cannot read the metrics address: {e}"))?;
    let upkeep = handle.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(UPKEEP).await;
            upkeep.run_upkeep();
        }
    });
    let process = metrics_process::Collector::default();
    let app = Router::new()
        .route(
            "/metrics",
            get(move || {
                let handle = handle.clone();
                let process = process.clone();
                async move {
                    process.collect();
                    (
                        [("content-type", "text/plain; version=0.0.4; charset=utf-8")],
                        handle.render(),
                    )
                }
            }),
        )
        .route(
            "/healthz",
            get(move || {
                let self_test = self_test.clone();
                async move { healthz(&self_test, interval) }
            }),
        )
        .layer(tower::limit::GlobalConcurrencyLimitLayer::new(MAX_CONCURRENT));
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "the metrics server stopped");
        }
    });
    Ok((bound, task))
}

/// 200 while the last self-test passed no longer ago than three intervals (and the
/// budget), so a stuck test task shows too; 503 otherwise.
fn healthz(self_test: &SelfTestProbe, interval: Option<Duration>) -> impl IntoResponse {
    let Some(interval) = interval else {
        return (
            StatusCode::OK,
            axum::Json(json!({ "status": "ok", "selfTest": "off" })),
        );
    };
    let status = self_test.status();
    let age = status.at.elapsed();
    let fresh = age <= interval * 3 + edgemix_cloud::server::SELF_TEST_BUDGET;
    let healthy = status.ok && fresh;
    let body = json!({
        "status": if healthy { "ok" } else { "failing" },
        "selfTest": {
            "ok": status.ok,
            "serving": status.serving,
            "ageMs": age.as_millis() as u64,
            "durationMs": status.duration.as_secs_f64() * 1e3,
            "message": if fresh { status.message } else { format!("no self-test for {} ms", age.as_millis()) },
        },
    });
    let code = if healthy {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, axum::Json(body))
}
