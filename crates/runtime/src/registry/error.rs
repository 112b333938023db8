//! Errors of the module registry: the file's fault, or a module's that would not load.

use std::fmt;

use crate::wasm::WasmError;

/// Why a registry, or one module of it, cannot be used. The message starts with the
/// registry file and, for one module, `module "name":`; a registry breaking several rules
/// has one line per problem.
#[derive(Debug, Clone, PartialEq)]
pub struct RegistryError {
    pub message: String,
    /// The WASM runtime's error when loading a module failed (a missing file or name,
    /// other bytes than the SHA-256, a module off the ABI, ...). `None`: the registry
    /// itself is invalid — the file cannot be read, is not YAML, breaks the schema, a
    /// module's `file` leaves the registry's folder or its formats differ from the
    /// module's `describe()`.
    pub wasm: Option<WasmError>,
}

impl RegistryError {
    pub(crate) fn invalid(message: String) -> Self {
        Self { message, wasm: None }
    }

    /// `err`, met loading a module, with the registry file and the module's name in front.
    pub(crate) fn module(prefix: &str, err: WasmError) -> Self {
        Self {
            message: format!("{prefix}: {err}"),
            wasm: Some(err),
        }
    }

    /// The problems, one per line.
    pub fn lines(&self) -> impl Iterator<Item = &str> {
        self.message.lines()
    }
}

impl fmt::Display for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RegistryError {}
