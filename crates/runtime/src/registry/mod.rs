//! The module registry: a YAML file (`wasm-modules.yaml`) naming the WASM modules a
//! process may run, with each one's file, version, expected SHA-256, input and output
//! formats, limits, the cloud services it may call and its default configuration.
//!
//! One loader serves every reader — the addon (`initializeWasmEdge({ registry })`, proxies
//! naming `edgeWasm.module`, `edgemix inspect`, `startServer({ modules })`) and
//! `edgemix-server --modules` — and its rules are those of the JSON Schema
//! `wasm-modules/wasm-modules.schema.json` ([`schema::SCHEMA`]), which the npm package
//! ships for editors and other tools.
//!
//! Hostile files cost bounded work: at most [`MAX_FILE_BYTES`] are read, holding at most
//! [`MAX_FLOW_OPENERS`] brackets; YAML nesting is cut at 128 levels and alias expansion
//! ("billion laughs") at a small multiple of the document's own size by the YAML parser; the document must then be nested at most
//! [`crate::json::MAX_DEPTH`] levels before the schema sees it. A module's `file` is
//! resolved against the registry file's folder and must stay inside it: absolute paths,
//! `..` and symbolic links leading out are refused, so a registry can only name modules
//! that sit beside it or below.

mod error;
pub mod schema;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use error::{RegistryError, REGISTRY_INVALID};

use crate::text::clip;
use crate::wasm::{Format, LoadOptions, Runtime, WasmError, WasmModule};

/// Largest registry file read, bytes (1 MiB; the product registry is under 4 KiB).
pub const MAX_FILE_BYTES: u64 = 1 << 20;

/// Most `[` and `{` characters a registry may hold (flow collections; see
/// [`ModuleRegistry::parse`]).
pub const MAX_FLOW_OPENERS: usize = 1024;

/// One module of a registry, its `file` resolved.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ModuleEntry {
    /// The module's registry name (its key in `modules`).
    #[serde(skip_deserializing)]
    pub name: String,
    /// The file as the registry gives it, relative to the registry's folder.
    pub file: String,
    /// The file resolved: inside the registry's folder.
    #[serde(skip_deserializing)]
    pub path: PathBuf,
    /// Semantic version.
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Expected SHA-256 of the file, lowercase hex.
    pub sha256: String,
    /// Must match the module's `describe()`.
    pub input: Format,
    /// Must match the module's `describe()`.
    pub output: Format,
    /// Memory cap per instance, MiB (1..1024); the runtime's default (64) when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_memory_mb: Option<u32>,
    /// Time limit of one guest call, ms (1..60000); default 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u32>,
    /// Largest output of one call, bytes (1..256 MiB); default 16 MiB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_output_bytes: Option<u64>,
    /// Cloud node types the module may call through `env.call_remote_service`.
    #[serde(default)]
    pub allow_remote: Vec<String>,
    /// Default configuration handed to `configure()`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    #[serde(rename = "version")]
    _version: Option<u32>,
    modules: BTreeMap<String, ModuleEntry>,
}

/// A registry file, validated, every module's `file` resolved.
#[derive(Debug, Clone)]
pub struct ModuleRegistry {
    file: PathBuf,
    modules: BTreeMap<String, ModuleEntry>,
}

impl ModuleEntry {
    /// The options of a load of this module: its limits, allowlist, default config and
    /// expected SHA-256.
    pub fn load_options(&self) -> LoadOptions {
        LoadOptions {
            max_memory_mb: self.max_memory_mb,
            timeout_ms: self.timeout_ms,
            max_output_bytes: self.max_output_bytes,
            config: self.config.clone(),
            cache_dir: None,
            allow_remote: Some(self.allow_remote.clone()),
            sha256: Some(self.sha256.clone()),
        }
    }

    /// Loads the module through `runtime`: its bytes must hash to `sha256`
    /// (`ERR_WASM_INTEGRITY`), follow the ABI, and declare the registry's formats.
    pub fn load(&self, registry: &ModuleRegistry, runtime: &Runtime) -> Result<Arc<WasmModule>, RegistryError> {
        let prefix = registry.module_prefix(&self.name);
        let module = runtime
            .load_file_with(&self.path, &self.load_options())
            .map_err(|e| RegistryError::module(&prefix, e))?;
        let described = module.description();
        for (field, declared, actual) in [("input", self.input, described.input), ("output", self.output, described.output)] {
            if declared != actual {
                return Err(RegistryError::invalid(format!(
                    "{prefix}: {field}: the registry says {}, the module's describe() says {}",
                    format_name(declared),
                    format_name(actual)
                )));
            }
        }
        Ok(module)
    }
}

fn format_name(format: Format) -> &'static str {
    match format {
        Format::F32 => "f32",
        Format::Json => "json",
        Format::Bytes => "bytes",
    }
}

impl ModuleRegistry {
    /// Reads and validates the registry at `file` (at most [`MAX_FILE_BYTES`]).
    pub fn load(file: &Path) -> Result<Self, RegistryError> {
        let shown = file.display();
        let mut text = String::new();
        std::fs::File::open(file)
            .and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_string(&mut text))
            .map_err(|e| RegistryError::invalid(format!("{shown}: cannot read the module registry: {e}")))?;
        if text.len() as u64 > MAX_FILE_BYTES {
            return Err(RegistryError::invalid(format!(
                "{shown}: the module registry is larger than {MAX_FILE_BYTES} bytes, the most read"
            )));
        }
        Self::parse(&text, file)
    }

    /// Validates `text` as the registry at `file` (its folder is where modules are found).
    pub fn parse(text: &str, file: &Path) -> Result<Self, RegistryError> {
        let shown = file.display().to_string();
        let invalid = |problem: String| RegistryError::invalid(format!("{shown}: {problem}"));
        // The YAML parser reads every event of the document before serde's nesting limit
        // applies, and its cost grows with the square of flow nesting ([[[[...): 100,000
        // brackets took minutes, 1024 about 0.1 s on a busy 2-core machine. Counting every
        // bracket, quoted or not, bounds the nesting whatever the quoting tricks.
        let brackets = text.bytes().filter(|b| matches!(b, b'[' | b'{')).count();
        if brackets > MAX_FLOW_OPENERS {
            return Err(invalid(format!(
                "holds {brackets} '[' and '{{' characters; at most {MAX_FLOW_OPENERS} are read (a registry needs a few per module)"
            )));
        }
        // Through YAML's own value first: it refuses duplicate keys, which a JSON map would
        // silently overwrite.
        let yaml: serde_norway::Value =
            serde_norway::from_str(text).map_err(|e| invalid(format!("not valid YAML: {}", clip(&e.to_string(), 300))))?;
        let document = serde_json::to_value(&yaml)
            .map_err(|e| invalid(format!("not a registry: {}", clip(&e.to_string(), 300))))?;
        if crate::json::depth(&document) > crate::json::MAX_DEPTH {
            return Err(invalid(format!(
                "nested more than {} levels deep (configs included)",
                crate::json::MAX_DEPTH
            )));
        }
        let violations = schema::violations(&document);
        if !violations.is_empty() {
            let lines: Vec<String> = violations.iter().map(|v| format!("{shown}: {v}")).collect();
            return Err(RegistryError::invalid(lines.join("\n")));
        }
        let parsed: Document = serde_json::from_value(document)
            .map_err(|e| invalid(format!("not a registry: {}", clip(&e.to_string(), 300))))?;
        let parent = match file.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let dir = parent
            .canonicalize()
            .map_err(|e| invalid(format!("cannot resolve the registry's folder {}: {e}", parent.display())))?;
        let mut registry = Self {
            file: file.to_path_buf(),
            modules: BTreeMap::new(),
        };
        let mut problems = Vec::new();
        for (name, mut entry) in parsed.modules {
            entry.name = name.clone();
            match resolve(&dir, &entry.file) {
                Ok(path) => entry.path = path,
                Err(problem) => problems.push(format!("{}: file: {problem}", registry.module_prefix(&name))),
            }
            registry.modules.insert(name, entry);
        }
        if !problems.is_empty() {
            return Err(RegistryError::invalid(problems.join("\n")));
        }
        Ok(registry)
    }

    /// Reads the registry at `file` and loads every module in it (see
    /// [`ModuleEntry::load`]): the registry, or every problem found, one line each, with
    /// the first problem's code.
    pub fn load_verified(file: &Path, runtime: &Runtime) -> Result<Self, RegistryError> {
        let registry = Self::load(file)?;
        let failures: Vec<RegistryError> = registry
            .load_all(runtime)
            .into_iter()
            .filter_map(|(_, result)| result.err())
            .collect();
        match failures.first() {
            None => Ok(registry),
            Some(first) => Err(RegistryError {
                code: first.code,
                message: failures.iter().map(|f| f.message.as_str()).collect::<Vec<_>>().join("\n"),
                wasm: first.wasm.clone(),
            }),
        }
    }

    /// The registry file as given.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// `wasm-modules.yaml: module "vad"`, the start of every message about one module.
    pub fn module_prefix(&self, name: &str) -> String {
        format!("{}: module {:?}", self.file.display(), clip(name, 64))
    }

    /// Every module, by name.
    pub fn modules(&self) -> impl Iterator<Item = &ModuleEntry> {
        self.modules.values()
    }

    /// The module named `name`, or `ERR_WASM_NOT_FOUND` listing the names there are.
    pub fn get(&self, name: &str) -> Result<&ModuleEntry, RegistryError> {
        self.modules.get(name).ok_or_else(|| {
            let err = WasmError::NotFound(format!(
                "no module {:?} in the registry; it names: {}",
                clip(name, 64),
                self.modules.keys().cloned().collect::<Vec<_>>().join(", ")
            ));
            RegistryError::module(&self.file.display().to_string(), err)
        })
    }

    /// Loads every module (see [`ModuleEntry::load`]), one after another: each result by
    /// name.
    pub fn load_all(&self, runtime: &Runtime) -> Vec<(String, Result<Arc<WasmModule>, RegistryError>)> {
        self.modules
            .values()
            .map(|entry| (entry.name.clone(), entry.load(self, runtime)))
            .collect()
    }

    /// The registry as JSON: `{ file, modules: { name: entry } }`, each entry with its
    /// resolved `path`.
    pub fn to_json(&self) -> Value {
        serde_json::json!({
            "file": self.file.display().to_string(),
            "modules": self.modules,
        })
    }
}

/// `file` inside `dir` (canonical), or why not.
fn resolve(dir: &Path, file: &str) -> Result<PathBuf, String> {
    let relative = Path::new(file);
    if relative
        .components()
        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err(format!(
            "{:?} leaves the registry's folder: give a path relative to the registry file, without '..' (modules outside its folder are not loaded)",
            clip(file, 200)
        ));
    }
    let path = dir.join(relative);
    match path.canonicalize() {
        Ok(real) if real.starts_with(dir) => Ok(real),
        Ok(_) => Err(format!(
            "{:?} leads out of the registry's folder through a symbolic link (modules outside its folder are not loaded)",
            clip(file, 200)
        )),
        // A missing file is reported when the module is loaded (ERR_WASM_NOT_FOUND).
        Err(_) => Ok(path),
    }
}
