//! Errors of the WASM edge runtime, each with a stable code.

use std::fmt;

/// What went wrong loading or running a guest module.
#[derive(Debug, Clone, PartialEq)]
pub enum WasmError {
    /// The module file does not exist or cannot be read.
    NotFound(String),
    /// The bytes do not hash to the SHA-256 the load expects.
    Integrity { expected: String, actual: String },
    /// The bytes are not a valid module (wasmtime's reason).
    Compile(String),
    /// A required export is missing, has the wrong signature, or an import is unknown.
    Abi(String),
    /// The guest trapped (the trap kind).
    Trap(String),
    /// A call ran past the time limit.
    Timeout { limit_ms: u32 },
    /// A call was stopped because its caller went away (`crate::cancel`). Only the cloud
    /// tier cancels calls, for clients that no longer wait: JS never sees this.
    Cancelled,
    /// The guest tried to grow its memory past the limit.
    MemoryLimit { limit_mb: u32 },
    /// The guest asked for an output larger than allowed.
    OutputTooLarge { requested: u64, limit: u64 },
    /// The guest returned a pointer or length outside its memory or buffer.
    BadPointer(String),
    /// The guest's output does not match the format it declares.
    BadOutput(String),
    /// The guest refused the input.
    InvalidInput(String),
    /// Input of an f32 module that is not whole, finite samples.
    InvalidAudio(String),
    /// No instance slot is free (the pool is sized by `maxInstances`).
    Capacity(String),
    /// The module has as many instances alive as `maxInstancesPerModule` allows.
    ModuleCapacity { module: String, cap: u32 },
    /// The guest refused the configuration.
    InvalidConfig(String),
    /// The guest returned an error code.
    Guest {
        code: i32,
        call: &'static str,
        name: &'static str,
    },
    /// Options out of range.
    InvalidOptions(String),
    /// The session has been closed.
    Closed,
}

impl WasmError {
    /// The stable code JS sees as `err.code`.
    pub fn code(&self) -> &'static str {
        match self {
            WasmError::NotFound(_) => "ERR_WASM_NOT_FOUND",
            WasmError::Integrity { .. } => "ERR_WASM_INTEGRITY",
            WasmError::Compile(_) => "ERR_WASM_COMPILE",
            WasmError::Abi(_) => "ERR_WASM_ABI",
            WasmError::Trap(_) => "ERR_WASM_TRAP",
            WasmError::Timeout { .. } => "ERR_WASM_TIMEOUT",
            WasmError::Cancelled => "ERR_WASM_CANCELLED",
            WasmError::MemoryLimit { .. } => "ERR_WASM_MEMORY_LIMIT",
            WasmError::OutputTooLarge { .. } => "ERR_WASM_OUTPUT_TOO_LARGE",
            WasmError::BadPointer(_) => "ERR_WASM_BAD_POINTER",
            WasmError::BadOutput(_) => "ERR_WASM_BAD_OUTPUT",
            WasmError::InvalidInput(_) => "ERR_WASM_INVALID_INPUT",
            WasmError::InvalidAudio(_) => "ERR_INVALID_AUDIO",
            WasmError::Capacity(_) | WasmError::ModuleCapacity { .. } => "ERR_WASM_CAPACITY",
            WasmError::InvalidConfig(_) => "ERR_INVALID_CONFIG",
            WasmError::Guest { .. } => "ERR_WASM_GUEST",
            WasmError::InvalidOptions(_) => "ERR_INVALID_CONFIG",
            WasmError::Closed => "ERR_WASM_SESSION_CLOSED",
        }
    }
}

impl fmt::Display for WasmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WasmError::NotFound(m)
            | WasmError::Compile(m)
            | WasmError::Abi(m)
            | WasmError::BadPointer(m)
            | WasmError::BadOutput(m) => {
                f.write_str(m)
            }
            WasmError::Integrity { expected, actual } => write!(
                f,
                "the module's bytes have SHA-256 {actual}, not the expected {expected}: the file changed, or the expected hash is out of date; it was not loaded"
            ),
            WasmError::Trap(kind) => write!(
                f,
                "the module trapped ({kind}); the session starts over from a fresh instance on its next call"
            ),
            WasmError::Timeout { limit_ms } => write!(
                f,
                "the module ran past its {limit_ms} ms time limit and was stopped (raise timeoutMs, up to {}); the session starts over on its next call",
                crate::wasm::MAX_TIMEOUT_MS
            ),
            WasmError::Cancelled => f.write_str(
                "the call was stopped because its caller went away; the session starts over on its next call",
            ),
            WasmError::MemoryLimit { limit_mb } => write!(
                f,
                "the module tried to grow its memory past the {limit_mb} MiB limit (raise maxMemoryMb, up to {}); the session starts over on its next call",
                crate::wasm::MAX_MEMORY_MB
            ),
            WasmError::OutputTooLarge { requested, limit } => write!(
                f,
                "the module asked for a {requested}-byte output; maxOutputBytes allows {limit}"
            ),
            WasmError::InvalidInput(m) => write!(f, "the module refused the input: {m}"),
            WasmError::InvalidAudio(m) => write!(f, "invalid audio for this f32 module: {m}"),
            WasmError::Capacity(m) => write!(f, "{m} (every instance slot is in use: close sessions or raise maxInstances)"),
            WasmError::ModuleCapacity { module, cap } => write!(
                f,
                "module {module} has {cap} instances alive, the most one module may hold (maxInstancesPerModule = {cap}): close some of its sessions or raise maxInstancesPerModule"
            ),
            WasmError::InvalidConfig(m) => write!(f, "the module refused the configuration: {m}"),
            WasmError::Guest { code, call, name } => write!(f, "the module's {call}() failed with {name} ({code})"),
            WasmError::InvalidOptions(m) => f.write_str(m),
            WasmError::Closed => f.write_str("the session is closed; create a new one with createSession()"),
        }
    }
}

impl std::error::Error for WasmError {}

impl WasmError {
    /// Whether the failing instance must be thrown away (its state can't be trusted).
    pub(crate) fn discards_instance(&self) -> bool {
        matches!(
            self,
            WasmError::Trap(_)
                | WasmError::Timeout { .. }
                | WasmError::Cancelled
                | WasmError::MemoryLimit { .. }
                | WasmError::BadPointer(_)
                | WasmError::OutputTooLarge { .. }
        )
    }
}
