//! `loadModuleRegistry`: the module registry (wasm-modules.yaml) read and validated off
//! the JS thread by the one loader of `edgemix_runtime::registry`.

use edgemix_runtime::registry::{ModuleRegistry, RegistryError};
use edgemix_runtime::wasm::Runtime;
use napi::bindgen_prelude::{AsyncTask, Unknown};
use napi_derive::napi;
use serde::Deserialize;
use serde_json::Value;

use crate::config::{options_from_json, read_object};
use crate::genre::Json;
use crate::error::{Class, Failure};
use crate::task::Work;

impl From<RegistryError> for Failure {
    fn from(err: RegistryError) -> Self {
        match err.wasm {
            Some(wasm) => Failure { message: err.message, ..Failure::from(wasm) },
            None => Failure::new(Class::Error, err.code, err.message),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RegistryOptions {
    verify: Option<bool>,
}

/// Reads and validates a module registry: `{ file, modules: { name: entry } }`, each
/// entry with its `path` resolved. With `{ verify: true }` every module is also loaded
/// (SHA-256, ABI, formats; compiled into the module cache): `loaded` gives each loaded
/// module's `{ hash, cache }`, and `problems` lists each module that failed,
/// `{ module, code, message }`, instead of rejecting.
#[napi(
    ts_args_type = "path: string, options?: { verify?: boolean }",
    ts_return_type = "Promise<ModuleRegistryInfo>"
)]
pub fn load_module_registry(path: Unknown<'_>, options: Option<Unknown<'_>>) -> AsyncTask<Work<Json>> {
    let prepared = crate::audio_file::path(&path, "path").and_then(|path| {
        let options = match read_object(options.as_ref(), "options")? {
            Some(json) => options_from_json::<RegistryOptions>(&json, "options")?,
            None => RegistryOptions::default(),
        };
        Ok((path, options))
    });
    Work::start(prepared.map(|(path, options)| {
        move || {
            let registry = ModuleRegistry::load(&path)?;
            let mut info = registry.to_json();
            if options.verify == Some(true) {
                let runtime = Runtime::global(None)?;
                let (mut loaded, mut problems) = (serde_json::Map::new(), Vec::new());
                for (module, result) in registry.load_all(runtime) {
                    match result {
                        Ok(m) => {
                            loaded.insert(module, serde_json::json!({ "hash": m.hash(), "cache": m.cache_outcome().as_str() }));
                        }
                        Err(err) => problems.push(serde_json::json!({ "module": module, "code": err.code, "message": err.message })),
                    }
                }
                info["loaded"] = Value::Object(loaded);
                info["problems"] = Value::Array(problems);
            }
            Ok(Json(crate::json::for_js(info)))
        }
    }))
}
