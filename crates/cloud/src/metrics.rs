//! What the cloud tier records for Prometheus, through the `metrics` facade: nothing is
//! kept unless the process installs a recorder (the `edgemix-server` binary installs the
//! Prometheus exporter; the Node addon's embedded server installs none, so recording
//! costs it only the facade's no-op).
//!
//! The names below are the contract with `deploy/monitoring` (dashboard and alert
//! rules), which a test checks against a scrape of the real server. Label values are
//! bounded: `node` is a registered node type or `unknown` (a client cannot mint label
//! values), `method` one of the implemented RPCs, `code` a gRPC status code name.

use std::time::Duration;

use tonic::Code;

use crate::nodes::NodeRegistry;

/// Counter: ExecuteNode calls and StreamNode frames answered, by `method`, `node` and
/// `code` (the gRPC status code name: `OK`, `INVALID_ARGUMENT`, `INTERNAL`, ...).
pub const REQUESTS: &str = "edgemix_requests_total";
/// Histogram, seconds: from the request (or stream frame) arriving to its answer, by
/// `method` and `node`; includes waiting for an execution slot.
pub const REQUEST_DURATION: &str = "edgemix_request_duration_seconds";
/// Histogram, seconds: a node's own processing time per call or frame, by `node`.
pub const NODE_DURATION: &str = "edgemix_node_duration_seconds";
/// Gauge: StreamNode sessions open, by `node`.
pub const STREAMS_ACTIVE: &str = "edgemix_streams_active";
/// Counter: StreamNode sessions opened, by `node`.
pub const STREAMS_OPENED: &str = "edgemix_streams_opened_total";
/// Gauge: node executions running now (at most the execution slots).
pub const EXECUTIONS_RUNNING: &str = "edgemix_executions_running";
/// Gauge: node executions waiting for a free slot.
pub const EXECUTIONS_WAITING: &str = "edgemix_executions_waiting";
/// Gauge: execution slots (the server's `concurrency`).
pub const EXECUTION_SLOTS: &str = "edgemix_execution_slots";
/// Gauge: 1 while the last self-test frame came through the mixer correctly, else 0.
pub const SELFTEST_UP: &str = "edgemix_selftest_up";
/// Gauge, seconds: how long the last self-test took (slot wait included).
pub const SELFTEST_DURATION: &str = "edgemix_selftest_duration_seconds";
/// Counter: self-tests that failed or did not finish in time.
pub const SELFTEST_FAILURES: &str = "edgemix_selftest_failures_total";

/// Histogram buckets (seconds) of every `*_seconds` histogram: fine below a 20 ms audio
/// frame, with 0.1 s (the latency alert's threshold) as a boundary.
pub const LATENCY_BUCKETS: [f64; 16] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    5.0, 10.0,
];

/// The label of a node type: its registered name, or `unknown` for a name the registry
/// does not know (hostile input must not create new series).
pub(crate) fn node_label(registry: &NodeRegistry, node_type: &str) -> &'static str {
    registry.get(node_type).map_or("unknown", |spec| spec.name)
}

/// The canonical name of a gRPC status code (as in the gRPC specification).
pub(crate) fn code_name(code: Code) -> &'static str {
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
    }
}

/// One answered ExecuteNode call or StreamNode frame.
pub(crate) fn request(method: &'static str, node: &'static str, code: Code, elapsed: Duration) {
    metrics::counter!(REQUESTS, "method" => method, "node" => node, "code" => code_name(code))
        .increment(1);
    metrics::histogram!(REQUEST_DURATION, "method" => method, "node" => node)
        .record(elapsed.as_secs_f64());
}

/// A node's own processing time for one call or frame.
pub(crate) fn node_time(node: &'static str, elapsed: Duration) {
    metrics::histogram!(NODE_DURATION, "node" => node).record(elapsed.as_secs_f64());
}

/// Counts an open stream for as long as it lives.
pub(crate) struct OpenStream(&'static str);

impl OpenStream {
    pub(crate) fn new(node: &'static str) -> Self {
        metrics::counter!(STREAMS_OPENED, "node" => node).increment(1);
        metrics::gauge!(STREAMS_ACTIVE, "node" => node).increment(1.0);
        Self(node)
    }
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        metrics::gauge!(STREAMS_ACTIVE, "node" => self.0).decrement(1.0);
    }
}

/// Adds one to a gauge for as long as it lives (an execution waiting or running).
pub(crate) struct Counted(&'static str);

impl Counted {
    pub(crate) fn waiting() -> Self {
        Self::new(EXECUTIONS_WAITING)
    }

    pub(crate) fn running() -> Self {
        Self::new(EXECUTIONS_RUNNING)
    }

    fn new(name: &'static str) -> Self {
        metrics::gauge!(name).increment(1.0);
        Self(name)
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        metrics::gauge!(self.0).decrement(1.0);
    }
}

/// Series that exist from the start, so dashboards and `rate()` see zeros rather than
/// nothing before the first event (adding zero registers a series without changing it).
pub(crate) fn initialize(concurrency: usize) {
    metrics::gauge!(EXECUTION_SLOTS).set(concurrency as f64);
    metrics::gauge!(EXECUTIONS_RUNNING).increment(0.0);
    metrics::gauge!(EXECUTIONS_WAITING).increment(0.0);
    metrics::counter!(SELFTEST_FAILURES).increment(0);
    edgemix_runtime::wasm::metrics::initialize();
}

/// Help texts of every series above (shown as `# HELP` by the exporter).
pub fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_counter!(REQUESTS, "ExecuteNode calls and StreamNode frames answered, by method, node and gRPC status code");
    describe_histogram!(REQUEST_DURATION, Unit::Seconds, "From a request or stream frame arriving to its answer, slot wait included");
    describe_histogram!(NODE_DURATION, Unit::Seconds, "A node's own processing time per call or frame");
    describe_gauge!(STREAMS_ACTIVE, "StreamNode sessions open");
    describe_counter!(STREAMS_OPENED, "StreamNode sessions opened");
    describe_gauge!(EXECUTIONS_RUNNING, "Node executions running");
    describe_gauge!(EXECUTIONS_WAITING, "Node executions waiting for an execution slot");
    describe_gauge!(EXECUTION_SLOTS, "Execution slots (concurrency)");
    describe_gauge!(SELFTEST_UP, "1 while the last self-test frame came through the mixer correctly");
    describe_gauge!(SELFTEST_DURATION, Unit::Seconds, "Duration of the last self-test, slot wait included");
    describe_counter!(SELFTEST_FAILURES, "Self-tests that failed or did not finish within their budget");
    edgemix_runtime::wasm::metrics::describe();
}
