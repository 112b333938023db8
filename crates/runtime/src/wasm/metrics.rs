//! What the WASM runtime records for Prometheus, through the `metrics` facade (kept
//! only where the process installs a recorder, as `edgemix-server` does). Names are part
//! of the contract with `deploy/monitoring`; see `edgemix_cloud::metrics`.

use super::error::WasmError;

/// Gauge: live guest instances (sessions with a started instance).
pub const INSTANCES: &str = "edgemix_wasm_instances";
/// Counter: instances started and initialized.
pub const INSTANTIATIONS: &str = "edgemix_wasm_instantiations_total";
/// Counter: modules that could not be loaded (`ERR_WASM_COMPILE`, `ERR_WASM_ABI`) and
/// instances that could not start or whose `initialize`/`configure` failed, by `reason`
/// (the error code: `ERR_WASM_TRAP`, `ERR_WASM_MEMORY_LIMIT`, `ERR_WASM_CAPACITY`, ...).
pub const INIT_FAILURES: &str = "edgemix_wasm_init_failures_total";

/// Counts one live instance for as long as it lives.
pub(crate) struct LiveInstance(());

impl LiveInstance {
    pub(crate) fn new() -> Self {
        metrics::gauge!(INSTANCES).increment(1.0);
        Self(())
    }
}

impl Drop for LiveInstance {
    fn drop(&mut self) {
        metrics::gauge!(INSTANCES).decrement(1.0);
    }
}

/// Records how starting an instance ended.
pub(crate) fn started<T>(outcome: &Result<T, WasmError>) {
    match outcome {
        Ok(_) => metrics::counter!(INSTANTIATIONS).increment(1),
        Err(err) => failed(err),
    }
}

/// Records a module that could not be loaded or an instance that could not start.
pub fn failed(err: &WasmError) {
    metrics::counter!(INIT_FAILURES, "reason" => err.code()).increment(1);
}

/// Series that exist from the start (zeros rather than nothing before the first event).
pub fn initialize() {
    metrics::gauge!(INSTANCES).increment(0.0);
    metrics::counter!(INSTANTIATIONS).increment(0);
}

/// Help texts of the series above.
pub fn describe() {
    metrics::describe_gauge!(INSTANCES, "Live WASM guest instances");
    metrics::describe_counter!(INSTANTIATIONS, "WASM instances started and initialized");
    metrics::describe_counter!(INIT_FAILURES, "WASM modules that failed to load and instances that failed to start or initialize, by reason");
}
