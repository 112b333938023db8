//! The process-wide engine, linker, epoch ticker and module cache.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use wasmtime::{
    Config, Engine, InstanceAllocationStrategy, Linker, OptLevel, PoolingAllocationConfig,
};

use super::error::WasmError;
use super::host::{call_remote_service, Host};
use super::limits::MAX_MEMORY_MB;
use super::module::WasmModule;
use super::options::LoadOptions;

/// Interval of the epoch ticker: the granularity of call time limits.
pub(crate) const TICK: Duration = Duration::from_millis(1);

/// Process-wide settings, fixed when the runtime is first created.
#[derive(Debug, Clone, PartialEq)]
pub struct RuntimeOptions {
    /// Instances (sessions) alive at once: the size of the pooling allocator. Each slot
    /// reserves virtual address space for one linear memory (4 GiB plus guard, so
    /// bounds checks compile away) and commits only the pages a guest touches.
    /// 1 to 100000. Default 1000.
    pub max_instances: u32,
    /// Most instances of any one module alive at once, 1 to `max_instances`; `None`: three
    /// quarters of `max_instances` (750 of 1000), so that one module's sessions always
    /// leave slots for other modules to load and run.
    pub max_instances_per_module: Option<u32>,
    /// Directory for compiled modules (trusted), or none for the in-memory cache only.
    pub cache_dir: Option<PathBuf>,
}

impl RuntimeOptions {
    /// The per-module cap in force: `max_instances_per_module`, or its default.
    pub fn instances_per_module(&self) -> u32 {
        self.max_instances_per_module
            .unwrap_or((self.max_instances * 3 / 4).max(1))
    }
}

impl Default for RuntimeOptions {
    fn default() -> Self {
        Self {
            max_instances: 1000,
            max_instances_per_module: None,
            cache_dir: None,
        }
    }
}

/// The engine and everything shared by all modules and sessions.
pub struct Runtime {
    pub(crate) engine: Engine,
    pub(crate) linker: Linker<Host>,
    options: RuntimeOptions,
    modules: Mutex<HashMap<String, Arc<WasmModule>>>,
}

static GLOBAL: OnceLock<Runtime> = OnceLock::new();

impl Runtime {
    /// The process-wide runtime, created with `options` on first use. Later calls return
    /// it as it is; asking for a different `maxInstances` or `maxInstancesPerModule` then
    /// is an error (the pool is sized once), while a new `cacheDir` is not (it is checked
    /// per load).
    pub fn global(options: Option<&RuntimeOptions>) -> Result<&'static Runtime, WasmError> {
        if let Some(runtime) = GLOBAL.get() {
            if let Some(opts) = options {
                let running = &runtime.options;
                if opts.max_instances != running.max_instances
                    || opts.max_instances_per_module.is_some_and(|per_module| {
                        per_module != running.instances_per_module()
                    })
                {
                    return Err(WasmError::InvalidOptions(format!(
                        "the WASM engine is already running with maxInstances = {}, maxInstancesPerModule = {}; it is sized once per process",
                        running.max_instances,
                        running.instances_per_module()
                    )));
                }
            }
            return Ok(runtime);
        }
        let created = Self::new(options.cloned().unwrap_or_default())?;
        Ok(GLOBAL.get_or_init(|| created))
    }

    fn new(options: RuntimeOptions) -> Result<Self, WasmError> {
        if options.max_instances == 0 || options.max_instances > 100_000 {
            return Err(WasmError::InvalidOptions(format!(
                "maxInstances = {} is out of range: allowed 1 to 100000",
                options.max_instances
            )));
        }
        if let Some(per_module) = options.max_instances_per_module {
            if per_module == 0 || per_module > options.max_instances {
                return Err(WasmError::InvalidOptions(format!(
                    "maxInstancesPerModule = {per_module} is out of range: allowed 1 to maxInstances ({})",
                    options.max_instances
                )));
            }
        }
        let mut pool = PoolingAllocationConfig::default();
        pool.total_core_instances(options.max_instances)
            .total_memories(options.max_instances)
            .total_tables(options.max_instances)
            .max_memory_size(MAX_MEMORY_MB as usize * 1024 * 1024)
            .max_memories_per_module(1)
            .max_tables_per_module(1);
        let mut config = Config::new();
        // Compiles run on the thread that loads: a parallel compile would take every core
        // from real-time frames for its duration.
        config
            .epoch_interruption(true)
            .parallel_compilation(false)
            .cranelift_opt_level(OptLevel::Speed)
            .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        let engine = Engine::new(&config).map_err(|e| {
            WasmError::InvalidOptions(format!("cannot start the WASM engine: {e:#}"))
        })?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |host: &mut Host| {
            host.wasi
                .as_mut()
                .expect("sessions of WASI modules always carry a WASI context")
        })
        .and_then(|_| {
            linker
                .func_wrap("env", "call_remote_service", call_remote_service)
                .map(|_| ())
        })
        .map_err(|e| WasmError::InvalidOptions(format!("cannot link host functions: {e:#}")))?;
        // One epoch per elapsed millisecond of wall time. Sleeps overshoot (timer slack,
        // scheduling), so the ticker catches up with the clock instead of counting sleeps;
        // otherwise a 100 ms limit would drift to ~110 ms.
        let ticker = engine.weak();
        std::thread::Builder::new()
            .name("edgemix-epoch".into())
            .spawn(move || {
                let started = std::time::Instant::now();
                let mut ticks: u128 = 0;
                while let Some(engine) = ticker.upgrade() {
                    let due = started.elapsed().as_micros() / TICK.as_micros();
                    while ticks < due {
                        engine.increment_epoch();
                        ticks += 1;
                    }
                    drop(engine);
                    std::thread::sleep(TICK);
                }
            })
            .map_err(|e| {
                WasmError::InvalidOptions(format!("cannot start the epoch ticker: {e}"))
            })?;
        Ok(Self {
            engine,
            linker,
            options,
            modules: Mutex::default(),
        })
    }

    pub fn options(&self) -> &RuntimeOptions {
        &self.options
    }

    /// Loads a module from a file.
    pub fn load_file(
        &self,
        path: &Path,
        cache_dir: Option<&Path>,
    ) -> Result<Arc<WasmModule>, WasmError> {
        let bytes = std::fs::read(path).map_err(|e| {
            WasmError::NotFound(format!("cannot read WASM module {}: {e}", path.display()))
        })?;
        self.load(&bytes, cache_dir)
    }

    /// Loads a module from a file with `options`' cache directory, refusing bytes that do
    /// not hash to `options.sha256` when it is given.
    pub fn load_file_with(&self, path: &Path, options: &LoadOptions) -> Result<Arc<WasmModule>, WasmError> {
        let bytes = std::fs::read(path).map_err(|e| {
            WasmError::NotFound(format!("cannot read WASM module {}: {e}", path.display()))
        })?;
        self.load_with(&bytes, options)
    }

    /// Loads a module from its bytes with `options`' cache directory, refusing bytes that
    /// do not hash to `options.sha256` (before they are compiled) when it is given.
    pub fn load_with(&self, bytes: &[u8], options: &LoadOptions) -> Result<Arc<WasmModule>, WasmError> {
        if let Some(expected) = options.expected_hash()? {
            let actual = super::cache::content_hash(bytes);
            if actual != expected {
                return Err(WasmError::Integrity {
                    expected: expected.to_owned(),
                    actual,
                });
            }
        }
        self.load(bytes, options.cache_dir.as_deref())
    }

    /// Loads a module from its bytes: from the process cache when the same bytes were
    /// loaded before, else from `cache_dir` (or the runtime's) when a compiled copy is
    /// there, else compiled (and written there).
    pub fn load(
        &self,
        bytes: &[u8],
        cache_dir: Option<&Path>,
    ) -> Result<Arc<WasmModule>, WasmError> {
        let hash = super::cache::content_hash(bytes);
        if let Some(module) = self.lock_modules().get(&hash) {
            return Ok(module.with_outcome(super::cache::CacheOutcome::Memory));
        }
        let dir = cache_dir.or(self.options.cache_dir.as_deref());
        let (module, outcome) = super::cache::compile(&self.engine, bytes, &hash, dir)?;
        let loaded = Arc::new(WasmModule::new(self, module, hash.clone(), outcome)?);
        // A load of the same bytes that finished first stays the one in the cache, so
        // that every load shares its count of instances (the per-module cap).
        let mut modules = self.lock_modules();
        let kept = modules.entry(hash).or_insert_with(|| Arc::clone(&loaded));
        Ok(if Arc::ptr_eq(kept, &loaded) {
            loaded
        } else {
            kept.with_outcome(outcome)
        })
    }

    fn lock_modules(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<WasmModule>>> {
        self.modules.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
