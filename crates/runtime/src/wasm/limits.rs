//! Per-session limits, validated.

use super::error::WasmError;

/// Largest `maxMemoryMb`: the size of one memory slot in the instance pool, MiB.
pub const MAX_MEMORY_MB: u32 = 1024;
/// Largest `timeoutMs`.
pub const MAX_TIMEOUT_MS: u32 = 60_000;
/// Largest `maxOutputBytes` (256 MiB).
pub const MAX_OUTPUT_BYTES: u64 = 256 * 1024 * 1024;

/// Limits applied to every instance of a session.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Linear memory cap, MiB. 1 to 1024. Default 64.
    pub max_memory_mb: u32,
    /// Wall-clock limit of one guest call, ms. 1 to 60000. Default 100. A spinning guest is
    /// stopped after the limit and within about 2 ms of it (epochs tick every millisecond
    /// and the decision is made on the wall clock).
    pub timeout_ms: u32,
    /// Largest output one `process` call may return, bytes. 1 to 256 MiB. Default 16 MiB.
    pub max_output_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_memory_mb: 64,
            timeout_ms: 100,
            max_output_bytes: 16 * 1024 * 1024,
        }
    }
}

impl Limits {
    pub fn validate(&self) -> Result<(), WasmError> {
        let check = |name: &str, value: u64, max: u64, unit: &str| {
            if value == 0 || value > max {
                Err(WasmError::InvalidOptions(format!(
                    "{name} = {value} is out of range: allowed 1 to {max}{unit}"
                )))
            } else {
                Ok(())
            }
        };
        check(
            "maxMemoryMb",
            self.max_memory_mb.into(),
            MAX_MEMORY_MB.into(),
            " MiB",
        )?;
        check(
            "timeoutMs",
            self.timeout_ms.into(),
            MAX_TIMEOUT_MS.into(),
            " ms",
        )?;
        check(
            "maxOutputBytes",
            self.max_output_bytes,
            MAX_OUTPUT_BYTES,
            " bytes",
        )
    }

    pub(crate) fn timeout(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.timeout_ms.into())
    }

    pub(crate) fn max_memory_bytes(&self) -> usize {
        self.max_memory_mb as usize * 1024 * 1024
    }
}
