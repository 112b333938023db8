//! Options of a module load, as the APIs receive them (camelCase JSON).

use std::path::PathBuf;

use serde::Deserialize;

use super::error::WasmError;
use super::limits::Limits;

/// `WasmEdgeNode.load(source, options)`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LoadOptions {
    /// See [`Limits::max_memory_mb`].
    pub max_memory_mb: Option<u32>,
    /// See [`Limits::timeout_ms`].
    pub timeout_ms: Option<u32>,
    /// See [`Limits::max_output_bytes`].
    pub max_output_bytes: Option<u64>,
    /// Handed to the module's `configure` export in every session.
    pub config: Option<serde_json::Value>,
    /// Directory of the on-disk compiled-module cache (trusted).
    pub cache_dir: Option<PathBuf>,
    /// Cloud services (node types) the module may call through
    /// `env.call_remote_service`; any other name is denied (`-8`). Default none.
    pub allow_remote: Option<Vec<String>>,
    /// Expected SHA-256 of the module's bytes (64 lowercase hex digits); other bytes are
    /// refused (`ERR_WASM_INTEGRITY`) before they are compiled.
    pub sha256: Option<String>,
}

impl LoadOptions {
    /// The allowlist, checked: names are non-empty.
    pub fn allowlist(&self) -> Result<Vec<String>, WasmError> {
        let names = self.allow_remote.clone().unwrap_or_default();
        if names.iter().any(String::is_empty) {
            return Err(WasmError::InvalidOptions(
                "allowRemote holds an empty name: list the cloud node types the module may call, e.g. ['VAD']".into(),
            ));
        }
        Ok(names)
    }

    /// The expected SHA-256, checked: 64 lowercase hex digits.
    pub fn expected_hash(&self) -> Result<Option<&str>, WasmError> {
        match self.sha256.as_deref() {
            Some(hash) if hash.len() != 64 || !hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) => {
                Err(WasmError::InvalidOptions(format!(
                    "sha256 = {:?} is not a SHA-256: give 64 lowercase hex digits",
                    crate::text::clip(hash, 80)
                )))
            }
            other => Ok(other),
        }
    }

    /// The session limits these options ask for, defaults filled in.
    pub fn limits(&self) -> Limits {
        let default = Limits::default();
        Limits {
            max_memory_mb: self.max_memory_mb.unwrap_or(default.max_memory_mb),
            timeout_ms: self.timeout_ms.unwrap_or(default.timeout_ms),
            max_output_bytes: self.max_output_bytes.unwrap_or(default.max_output_bytes),
        }
    }
}
