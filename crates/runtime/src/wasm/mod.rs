//! The WASM edge runtime: wasmtime running guest modules that follow the edgemix ABI
//! (wasm-modules/ABI.md), sandboxed — no files, sockets or environment, a memory cap per
//! instance and a time limit per call.
//!
//! One process-wide [`Runtime`] holds the `Engine` (pooling allocator, epoch
//! interruption driven by a 1 ms ticker thread), the `Linker` (WASI preview 1 with
//! nothing granted, and `env.call_remote_service`) and the module cache (by content hash,
//! in memory and optionally on disk). A [`WasmModule`] is compiled once and instantiated
//! cheaply through its `InstancePre`; a [`WasmSession`] is one instance with its state.

mod abi;
mod cache;
mod error;
mod host;
mod limits;
mod log;
pub mod metrics;
mod module;
mod options;
mod runtime;
mod session;

pub use abi::{Decoded, Description, Format};
pub use cache::CacheOutcome;
pub use error::WasmError;
pub use host::{RemoteAccess, RemoteCounts, RemoteError, RemoteService, RemoteTally};
pub use limits::{Limits, MAX_MEMORY_MB, MAX_OUTPUT_BYTES, MAX_TIMEOUT_MS};
pub use module::WasmModule;
pub use options::LoadOptions;
pub use runtime::{Runtime, RuntimeOptions};
pub use session::{SessionLogs, SessionOp, SessionOutput, WasmSession};
