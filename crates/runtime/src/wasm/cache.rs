//! Compiled modules by content hash: in memory for the process, and optionally on disk
//! (`Module::serialize` files, named by the hash, recompiled when wasmtime refuses them —
//! another wasmtime version or engine configuration).
//!
//! The disk cache directory must be trusted like the code itself: a serialized module is
//! machine code that wasmtime loads without re-verifying it.

use std::path::Path;

use sha2::{Digest, Sha256};
use wasmtime::{Engine, Module};

use super::error::WasmError;

/// Where a module came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheOutcome {
    /// Already compiled in this process.
    Memory,
    /// Loaded from the disk cache.
    Disk,
    /// Compiled now.
    Compiled,
}

impl CacheOutcome {
    pub fn as_str(&self) -> &'static str {
        match self {
            CacheOutcome::Memory => "memory",
            CacheOutcome::Disk => "disk",
            CacheOutcome::Compiled => "compiled",
        }
    }
}

/// Hex SHA-256 of the module bytes.
pub(crate) fn content_hash(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Compiles `bytes`, or loads them from `dir` when a usable serialized copy is there
/// (and writes one after compiling).
pub(crate) fn compile(
    engine: &Engine,
    bytes: &[u8],
    hash: &str,
    dir: Option<&Path>,
) -> Result<(Module, CacheOutcome), WasmError> {
    let file = dir.map(|d| d.join(format!("{hash}.cwasm")));
    if let Some(file) = &file {
        if file.is_file() {
            // SAFETY: the cache directory is trusted (see the module docs); wasmtime checks
            // that the file was produced by a compatible engine and refuses it otherwise.
            if let Ok(module) = unsafe { Module::deserialize_file(engine, file) } {
                return Ok((module, CacheOutcome::Disk));
            }
        }
    }
    let module = Module::new(engine, bytes).map_err(|e| {
        let reason = format!("{e:#}")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        WasmError::Compile(format!(
            "the bytes are not a valid WebAssembly module: {reason}"
        ))
    })?;
    if let (Some(file), Ok(serialized)) = (&file, module.serialize()) {
        // Best effort: a cache that cannot be written only costs a compile next time.
        // Written under a temporary name and renamed, so readers never see half a file.
        let tmp = file.with_extension(format!("tmp{}", std::process::id()));
        if std::fs::create_dir_all(file.parent().unwrap_or(Path::new("."))).is_ok()
            && std::fs::write(&tmp, serialized).is_ok()
        {
            let _ = std::fs::rename(&tmp, file);
        }
    }
    Ok((module, CacheOutcome::Compiled))
}
