//! Errors of the module registry, each with a stable code.

use std::fmt;

use crate::wasm::WasmError;

/// `ERR_REGISTRY_INVALID`: the registry file cannot be read, is not YAML, breaks the
/// schema, or a module's `file` leaves the registry's folder or its formats differ from
/// the module's `describe()`.
pub const REGISTRY_INVALID: &str = "ERR_REGISTRY_INVALID";

/// Why a registry, or one module of it, cannot be used. The message starts with the
/// registry file and, for one module, `module "name":`; a registry breaking several rules
/// has one line per problem.
#[derive(Debug, Clone, PartialEq)]
pub struct RegistryError {
    /// `ERR_REGISTRY_INVALID`, or the code of the [`WasmError`] that loading a module met
    /// (`ERR_WASM_NOT_FOUND`, `ERR_WASM_INTEGRITY`, `ERR_WASM_ABI`, ...).
    pub code: &'static str,
    pub message: String,
    /// The WASM runtime's error when loading a module failed.
    pub wasm: Option<WasmError>,
}

impl RegistryError {
    pub(crate) fn invalid(message: String) -> Self {
        Self {
            code: REGISTRY_INVALID,
            message,
            wasm: None,
        }
    }

    /// `err`, met loading a module, with the registry file and the module's name in front.
    pub(crate) fn module(prefix: &str, err: WasmError) -> Self {
        Self {
            code: err.code(),
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
