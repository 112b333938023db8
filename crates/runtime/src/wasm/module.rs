//! A compiled guest module, checked against the ABI and ready to instantiate.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use wasmtime::{InstancePre, Module};

use super::abi::{self, Description, Shape};
use super::cache::CacheOutcome;
use super::error::WasmError;
use super::host::{Host, RemoteAccess};
use super::limits::Limits;
use super::log::BoundedLog;
use super::runtime::Runtime;
use super::session::Live;

/// A module compiled once; sessions instantiate it through its `InstancePre`.
#[derive(Clone)]
pub struct WasmModule {
    pub(crate) engine: wasmtime::Engine,
    pub(crate) pre: InstancePre<Host>,
    pub(crate) shape: Shape,
    description: Description,
    hash: String,
    outcome: CacheOutcome,
    /// Instances of this module alive now (shared by every load of the same bytes).
    instances: Arc<AtomicU32>,
    /// Most instances of this module alive at once (`maxInstancesPerModule`).
    instance_cap: u32,
}

/// One live instance's place in its module's share of the instance slots; given back
/// when dropped.
pub(crate) struct InstanceSlot(Arc<AtomicU32>);

impl Drop for InstanceSlot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl std::fmt::Debug for WasmModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasmModule")
            .field("name", &self.description.name)
            .field("hash", &self.hash)
            .field("cache", &self.outcome)
            .finish_non_exhaustive()
    }
}

impl WasmModule {
    pub(crate) fn new(
        runtime: &Runtime,
        module: Module,
        hash: String,
        outcome: CacheOutcome,
    ) -> Result<Self, WasmError> {
        let shape = abi::check(&module)?;
        let pre = runtime.linker.instantiate_pre(&module).map_err(|e| {
            WasmError::Abi(format!("the module's imports cannot be satisfied: {e:#}"))
        })?;
        let mut loaded = Self {
            engine: runtime.engine.clone(),
            pre,
            shape,
            description: Description::default(),
            hash,
            outcome,
            instances: Arc::default(),
            instance_cap: runtime.options().instances_per_module(),
        };
        if shape.has_describe {
            let log = BoundedLog::new(4096);
            let mut live = Live::instantiate(
                &loaded,
                &Limits::default(),
                RemoteAccess::default(),
                (&log, &log),
            )?;
            loaded.description = Description::parse(&live.describe()?)?;
        }
        Ok(loaded)
    }

    /// The same module, reporting where this load found it.
    pub(crate) fn with_outcome(&self, outcome: CacheOutcome) -> Arc<Self> {
        Arc::new(Self {
            outcome,
            ..self.clone()
        })
    }

    /// A place for one more instance, unless the module has as many alive as its cap
    /// allows: one module's sessions never take every slot of the pool, so other modules
    /// can still be loaded and instantiated.
    pub(crate) fn instance_slot(&self) -> Result<InstanceSlot, WasmError> {
        let cap = self.instance_cap;
        self.instances
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |alive| {
                (alive < cap).then_some(alive + 1)
            })
            .map(|_| InstanceSlot(Arc::clone(&self.instances)))
            .map_err(|_| WasmError::ModuleCapacity {
                module: self.label(),
                cap,
            })
    }

    /// The module as messages name it: its declared name and the start of its hash.
    fn label(&self) -> String {
        let name = crate::text::clip(&self.description.name, 64);
        format!("{name:?} (sha256 {})", &self.hash[..12.min(self.hash.len())])
    }

    /// The module's `describe()` metadata (defaults when it has none).
    pub fn description(&self) -> &Description {
        &self.description
    }

    /// Hex SHA-256 of the module bytes.
    pub fn hash(&self) -> &str {
        &self.hash
    }

    /// Where the load found the compiled code.
    pub fn cache_outcome(&self) -> CacheOutcome {
        self.outcome
    }

    /// Whether the module imports WASI preview 1.
    pub fn uses_wasi(&self) -> bool {
        self.shape.uses_wasi
    }

    /// Whether the module imports `env.call_remote_service`.
    pub fn uses_remote(&self) -> bool {
        self.shape.uses_remote
    }
}
