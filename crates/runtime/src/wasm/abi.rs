//! The guest ABI (wasm-modules/ABI.md): required exports and their signatures, return
//! codes, and the `describe` metadata.

use serde::Deserialize;
use wasmtime::{ExternType, Module, ValType};

use super::error::WasmError;

pub const OK: i32 = 0;
pub const FAILED: i32 = -1;
pub const BUFFER_TOO_SMALL: i32 = -2;
pub const INVALID_INPUT: i32 = -3;
pub const INVALID_CONFIG: i32 = -4;
pub const NOT_INITIALIZED: i32 = -5;
pub const REMOTE_UNAVAILABLE: i32 = -6;
pub const REMOTE_FAILED: i32 = -7;
pub const REMOTE_DENIED: i32 = -8;
pub const REMOTE_TIMEOUT: i32 = -9;

/// The ABI name of a return code.
pub fn code_name(code: i32) -> &'static str {
    match code {
        OK => "OK",
        FAILED => "FAILED",
        BUFFER_TOO_SMALL => "BUFFER_TOO_SMALL",
        INVALID_INPUT => "INVALID_INPUT",
        INVALID_CONFIG => "INVALID_CONFIG",
        NOT_INITIALIZED => "NOT_INITIALIZED",
        REMOTE_UNAVAILABLE => "REMOTE_UNAVAILABLE",
        REMOTE_FAILED => "REMOTE_FAILED",
        REMOTE_DENIED => "REMOTE_DENIED",
        REMOTE_TIMEOUT => "REMOTE_TIMEOUT",
        _ => "an undocumented code",
    }
}

/// The import a module may use to reach cloud services.
pub const REMOTE_IMPORT: (&str, &str) = ("env", "call_remote_service");
/// WASI preview 1 import module.
pub const WASI_MODULE: &str = "wasi_snapshot_preview1";

struct Export {
    name: &'static str,
    params: &'static [ValType],
    results: &'static [ValType],
    required: bool,
}

const I32: ValType = ValType::I32;

const EXPORTS: &[Export] = &[
    Export {
        name: "alloc",
        params: &[I32],
        results: &[I32],
        required: true,
    },
    Export {
        name: "dealloc",
        params: &[I32, I32],
        results: &[],
        required: true,
    },
    Export {
        name: "initialize",
        params: &[I32],
        results: &[I32],
        required: true,
    },
    Export {
        name: "configure",
        params: &[I32, I32],
        results: &[I32],
        required: false,
    },
    Export {
        name: "process",
        params: &[I32, I32, I32, I32],
        results: &[I32],
        required: true,
    },
    Export {
        name: "cleanup",
        params: &[],
        results: &[I32],
        required: true,
    },
    Export {
        name: "describe",
        params: &[I32, I32],
        results: &[I32],
        required: false,
    },
];

fn signature(params: &[ValType], results: &[ValType]) -> String {
    let list = |types: &[ValType]| {
        types
            .iter()
            .map(|t| t.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!("({}) -> ({})", list(params), list(results))
}

/// What a module declares and uses, checked against the ABI.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub has_describe: bool,
    pub uses_wasi: bool,
    pub uses_remote: bool,
}

/// Checks exports and imports; names everything that is missing or wrong.
pub fn check(module: &Module) -> Result<Shape, WasmError> {
    let mut problems = Vec::new();
    match module.get_export("memory") {
        Some(ExternType::Memory(m)) if !m.is_64() => {}
        Some(_) => problems.push("export `memory` must be a 32-bit linear memory".to_string()),
        None => problems.push("missing export `memory`".to_string()),
    }
    let present = |name: &str| module.get_export(name).is_some();
    for export in EXPORTS {
        let expected = signature(export.params, export.results);
        match module.get_export(export.name) {
            Some(ExternType::Func(f)) => {
                let params: Vec<ValType> = f.params().collect();
                let results: Vec<ValType> = f.results().collect();
                let same = params.len() == export.params.len()
                    && results.len() == export.results.len()
                    && params
                        .iter()
                        .zip(export.params)
                        .all(|(a, b)| ValType::eq(a, b))
                    && results
                        .iter()
                        .zip(export.results)
                        .all(|(a, b)| ValType::eq(a, b));
                if !same {
                    problems.push(format!(
                        "export `{}` has signature {}, expected {expected}",
                        export.name,
                        signature(&params, &results)
                    ));
                }
            }
            Some(_) => problems.push(format!(
                "export `{}` must be a function {expected}",
                export.name
            )),
            None if export.required => {
                problems.push(format!("missing export `{}` {expected}", export.name))
            }
            None => {}
        }
    }
    let mut uses_wasi = false;
    let mut uses_remote = false;
    for import in module.imports() {
        if import.module() == WASI_MODULE {
            uses_wasi = true;
        } else if (import.module(), import.name()) == REMOTE_IMPORT {
            uses_remote = true;
        } else {
            problems.push(format!(
                "unknown import `{}.{}`: modules may import only `env.call_remote_service` and WASI preview 1",
                import.module(),
                import.name()
            ));
        }
    }
    if !problems.is_empty() {
        return Err(WasmError::Abi(format!(
            "the module does not follow the edgemix ABI (wasm-modules/ABI.md): {}",
            problems.join("; ")
        )));
    }
    Ok(Shape {
        has_describe: present("describe"),
        uses_wasi,
        uses_remote,
    })
}

/// Data format of a module's input or output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Little-endian float32 samples.
    F32,
    /// UTF-8 JSON.
    Json,
    Bytes,
}

/// A module's `describe()` metadata.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub struct Description {
    #[serde(default = "unnamed")]
    pub name: String,
    #[serde(default)]
    pub version: String,
    #[serde(default = "bytes")]
    pub input: Format,
    #[serde(default = "bytes")]
    pub output: Format,
    /// Everything else the module said, kept as JSON.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

fn unnamed() -> String {
    "unnamed".into()
}

fn bytes() -> Format {
    Format::Bytes
}

impl Default for Description {
    fn default() -> Self {
        Self {
            name: unnamed(),
            version: String::new(),
            input: Format::Bytes,
            output: Format::Bytes,
            extra: Default::default(),
        }
    }
}

impl Description {
    pub fn parse(json: &[u8]) -> Result<Self, WasmError> {
        serde_json::from_slice(json).map_err(|e| {
            WasmError::Abi(format!(
                "describe() returned invalid metadata ({e}); expected JSON like {{\"name\":\"vad\",\"version\":\"1.0.0\",\"input\":\"f32\",\"output\":\"json\"}}"
            ))
        })
    }
}

/// An output decoded per the module's declared format.
#[derive(Debug, Clone, PartialEq)]
pub enum Decoded {
    Audio(Vec<f32>),
    Json(serde_json::Value),
    Bytes(Vec<u8>),
}

impl Format {
    /// Decodes `bytes` a module returned in this format.
    pub fn decode(self, bytes: Vec<u8>) -> Result<Decoded, WasmError> {
        match self {
            Format::F32 => edgemix_wire::f32le::decode(&bytes)
                .map(Decoded::Audio)
                .map_err(|e| {
                    WasmError::BadOutput(format!("the module declares f32 output but returned {e}"))
                }),
            Format::Json => serde_json::from_slice(&bytes)
                .map(Decoded::Json)
                .map_err(|e| {
                    WasmError::BadOutput(format!(
                        "the module declares JSON output but returned invalid JSON: {e}"
                    ))
                }),
            Format::Bytes => Ok(Decoded::Bytes(bytes)),
        }
    }
}
