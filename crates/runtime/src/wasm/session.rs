//! Sessions: one instance of a module with its state, driven through the ABI.
//!
//! After a trap, a timeout, a refused memory growth, a bad pointer or an oversized output
//! the instance is discarded (its state can no longer be trusted); the failing call
//! reports why, and the session's next call starts a fresh instance — initialized again
//! with the same session id and configuration. Other errors (refused input, guest error
//! codes) leave the instance as it was.

use std::sync::Arc;

use edgemix_dsp::AudioError;
use wasmtime::{Memory, Store, Trap, TypedFunc};
use wasmtime_wasi::WasiCtxBuilder;

use super::abi::{self, Format, BUFFER_TOO_SMALL, OK};
use super::error::WasmError;
use super::host::{
    read_u32, slice, slice_mut, write_u32, CallClock, Host, MemoryCap, RemoteAccess, CHECK_TICKS,
};
use super::limits::Limits;
use super::log::BoundedLog;
use super::module::{InstanceSlot, WasmModule};
use crate::serial::Stateful;

/// Bytes each of stdout and stderr keeps per session.
const LOG_CAPACITY: usize = 64 * 1024;

/// A guest buffer from `alloc`.
#[derive(Clone, Copy)]
struct Buffer {
    ptr: i32,
    capacity: u32,
}

/// A live instance and its exports.
pub(crate) struct Live {
    store: Store<Host>,
    memory: Memory,
    limits: Limits,
    alloc: TypedFunc<i32, i32>,
    dealloc: TypedFunc<(i32, i32), ()>,
    initialize: TypedFunc<i32, i32>,
    configure: Option<TypedFunc<(i32, i32), i32>>,
    process: TypedFunc<(i32, i32, i32, i32), i32>,
    cleanup: TypedFunc<(), i32>,
    describe: Option<TypedFunc<(i32, i32), i32>>,
    input: Option<Buffer>,
    output: Option<Buffer>,
    /// The `u32` cell the buffer protocol passes as `result_len`.
    len_cell: i32,
    /// This instance's place in its module's share of the instance slots.
    _slot: InstanceSlot,
    _counted: super::metrics::LiveInstance,
}

impl Live {
    pub(crate) fn instantiate(
        module: &WasmModule,
        limits: &Limits,
        remote: RemoteAccess,
        (stdout, stderr): (&BoundedLog, &BoundedLog),
    ) -> Result<Self, WasmError> {
        let wasi = module.shape.uses_wasi.then(|| {
            WasiCtxBuilder::new()
                .stdout(stdout.clone())
                .stderr(stderr.clone())
                .allow_tcp(false)
                .allow_udp(false)
                .allow_ip_name_lookup(false)
                .build_p1()
        });
        let host = Host {
            memory: MemoryCap {
                max_bytes: limits.max_memory_bytes(),
                exceeded: false,
            },
            clock: CallClock {
                started: std::time::Instant::now(),
                limit: limits.timeout(),
            },
            wasi,
            remote: if module.shape.uses_remote {
                remote
            } else {
                RemoteAccess::default()
            },
            remote_pending: None,
        };
        let slot = module.instance_slot()?;
        let mut store = Store::new(&module.engine, host);
        store.limiter(|host| &mut host.memory);
        store.epoch_deadline_callback(|ctx| Ok(ctx.data().clock.on_deadline()));
        store.set_epoch_deadline(deadline_ticks(limits));
        let instance = module
            .pre
            .instantiate(&mut store)
            .map_err(|e| instantiation_failure(&store, limits, e))?;
        let func = |name: &str| {
            WasmError::Abi(format!(
                "export `{name}` is missing or has the wrong signature"
            ))
        };
        macro_rules! typed {
            ($name:literal) => {
                instance
                    .get_typed_func(&mut store, $name)
                    .map_err(|_| func($name))?
            };
        }
        let memory = instance
            .get_memory(&mut store, "memory")
            .ok_or_else(|| func("memory"))?;
        let (alloc, dealloc, initialize, process, cleanup) = (
            typed!("alloc"),
            typed!("dealloc"),
            typed!("initialize"),
            typed!("process"),
            typed!("cleanup"),
        );
        let configure = instance.get_typed_func(&mut store, "configure").ok();
        let describe = instance.get_typed_func(&mut store, "describe").ok();
        let mut live = Self {
            store,
            memory,
            limits: *limits,
            alloc,
            dealloc,
            initialize,
            configure,
            process,
            cleanup,
            describe,
            input: None,
            output: None,
            len_cell: 0,
            _slot: slot,
            _counted: super::metrics::LiveInstance::new(),
        };
        live.len_cell = live.allocate(4)?.ptr;
        Ok(live)
    }

    /// Arms the time limit and clears the memory flag before a guest call.
    fn arm(&mut self) {
        self.store.set_epoch_deadline(deadline_ticks(&self.limits));
        let host = self.store.data_mut();
        host.clock.started = std::time::Instant::now();
        host.memory.exceeded = false;
    }

    /// Explains a failed guest call.
    fn failure(&self, err: wasmtime::Error) -> WasmError {
        if self.store.data().memory.exceeded {
            return WasmError::MemoryLimit {
                limit_mb: self.limits.max_memory_mb,
            };
        }
        match err.downcast_ref::<Trap>() {
            Some(Trap::Interrupt) if crate::cancel::requested() => WasmError::Cancelled,
            Some(Trap::Interrupt) => WasmError::Timeout {
                limit_ms: self.limits.timeout_ms,
            },
            Some(trap) => WasmError::Trap(trap.to_string()),
            None => WasmError::Trap(format!("{err:#}")),
        }
    }

    fn allocate(&mut self, len: u32) -> Result<Buffer, WasmError> {
        self.arm();
        let ptr = self
            .alloc
            .call(&mut self.store, len as i32)
            .map_err(|e| self.failure(e))?;
        let in_bounds = slice(self.memory.data(&self.store), ptr, len as i32).is_some();
        if ptr == 0 || !in_bounds {
            if self.store.data().memory.exceeded {
                return Err(WasmError::MemoryLimit {
                    limit_mb: self.limits.max_memory_mb,
                });
            }
            return Err(WasmError::BadPointer(format!(
                "alloc({len}) returned {ptr:#x}, which is not a buffer inside the module's memory"
            )));
        }
        Ok(Buffer { ptr, capacity: len })
    }

    /// A guest buffer of at least `len` bytes in `slot`, replacing a smaller one.
    fn ensure(
        &mut self,
        slot: fn(&mut Self) -> &mut Option<Buffer>,
        len: u32,
    ) -> Result<Buffer, WasmError> {
        if let Some(buffer) = *slot(self) {
            if buffer.capacity >= len {
                return Ok(buffer);
            }
            *slot(self) = None;
            self.arm();
            self.dealloc
                .call(&mut self.store, (buffer.ptr, buffer.capacity as i32))
                .map_err(|e| self.failure(e))?;
        }
        let buffer = self.allocate(len.max(64))?;
        *slot(self) = Some(buffer);
        Ok(buffer)
    }

    /// Writes `bytes` into a fresh-enough input buffer.
    fn write_input(&mut self, bytes: &[u8]) -> Result<Buffer, WasmError> {
        let buffer = self.ensure(|l| &mut l.input, bytes.len() as u32)?;
        let mem = self.memory.data_mut(&mut self.store);
        slice_mut(mem, buffer.ptr, bytes.len() as i32)
            .ok_or_else(|| {
                WasmError::BadPointer("the input buffer left the module's memory".into())
            })?
            .copy_from_slice(bytes);
        Ok(buffer)
    }

    /// Runs `call` under the buffer protocol: one retry with the size the guest asks for,
    /// bounded by `maxOutputBytes`; every length checked against the buffer and memory.
    fn with_output(
        &mut self,
        name: &'static str,
        hint: u32,
        call: impl Fn(&mut Self, Buffer) -> wasmtime::Result<i32>,
    ) -> Result<Vec<u8>, WasmError> {
        // The first buffer is capped by the limit, so an oversized output asks for more
        // and is refused before the guest writes it.
        let limit = u32::try_from(self.limits.max_output_bytes).unwrap_or(u32::MAX);
        let mut output = self.ensure(|l| &mut l.output, hint.max(4096).min(limit))?;
        for attempt in 0..2 {
            let cell = self.len_cell;
            write_u32(self.memory.data_mut(&mut self.store), cell, output.capacity);
            self.arm();
            let code = call(self, output).map_err(|e| self.failure(e))?;
            let reported = read_u32(self.memory.data(&self.store), cell).ok_or_else(|| {
                WasmError::BadPointer("the result length cell left the module's memory".into())
            })?;
            match code {
                OK if reported > output.capacity => {
                    return Err(WasmError::BadPointer(format!(
                        "{name}() reported {reported} bytes written into a {}-byte buffer",
                        output.capacity
                    )))
                }
                OK if u64::from(reported) > self.limits.max_output_bytes => {
                    return Err(WasmError::OutputTooLarge { requested: reported.into(), limit: self.limits.max_output_bytes })
                }
                OK => {
                    return slice(self.memory.data(&self.store), output.ptr, reported as i32)
                        .map(<[u8]>::to_vec)
                        .ok_or_else(|| WasmError::BadPointer(format!("{name}() output lies outside the module's memory")));
                }
                BUFFER_TOO_SMALL if attempt == 0 => {
                    if u64::from(reported) > self.limits.max_output_bytes {
                        return Err(WasmError::OutputTooLarge {
                            requested: reported.into(),
                            limit: self.limits.max_output_bytes,
                        });
                    }
                    output = self.ensure(|l| &mut l.output, reported)?;
                }
                BUFFER_TOO_SMALL => {
                    return Err(WasmError::BadPointer(format!(
                        "{name}() asked for a bigger buffer again after getting the {} bytes it asked for",
                        output.capacity
                    )))
                }
                code => return Err(guest_error(code, name)),
            }
        }
        unreachable!("the loop returns on its second attempt")
    }

    pub(crate) fn describe(&mut self) -> Result<Vec<u8>, WasmError> {
        let describe = self
            .describe
            .clone()
            .expect("only modules exporting describe are described");
        self.with_output("describe", 4096, move |live, out| {
            describe.call(&mut live.store, (out.ptr, live.len_cell))
        })
    }

    fn initialize(&mut self, session_id: &str) -> Result<(), WasmError> {
        let mut id = session_id.as_bytes().to_vec();
        id.push(0);
        let buffer = self.write_input(&id)?;
        self.arm();
        let code = self
            .initialize
            .call(&mut self.store, buffer.ptr)
            .map_err(|e| self.failure(e))?;
        check(code, "initialize")
    }

    fn configure(&mut self, json: &str) -> Result<(), WasmError> {
        let Some(configure) = self.configure.clone() else {
            return Err(WasmError::InvalidConfig(
                "this module takes no configuration (it exports no `configure`)".into(),
            ));
        };
        let buffer = self.write_input(json.as_bytes())?;
        self.arm();
        let code = configure
            .call(&mut self.store, (buffer.ptr, json.len() as i32))
            .map_err(|e| self.failure(e))?;
        check(code, "configure")
    }

    fn process(&mut self, input: &[u8]) -> Result<Vec<u8>, WasmError> {
        let buffer = self.write_input(input)?;
        let process = self.process.clone();
        let len = input.len() as i32;
        self.with_output("process", input.len() as u32, move |live, out| {
            process.call(&mut live.store, (buffer.ptr, len, out.ptr, live.len_cell))
        })
    }

    fn cleanup(&mut self) -> Result<(), WasmError> {
        self.arm();
        let code = self
            .cleanup
            .call(&mut self.store, ())
            .map_err(|e| self.failure(e))?;
        check(code, "cleanup")
    }
}

/// Ticks until the first look at the clock (see `CallClock`).
fn deadline_ticks(limits: &Limits) -> u64 {
    u64::from(limits.timeout_ms).min(CHECK_TICKS)
}

/// Why instantiating failed: no free instance slot, the memory cap, or the module's own
/// start function or segments (a time limit, a trap such as a data segment that does not
/// fit its memory), else something the module asks for that the host cannot give.
fn instantiation_failure(store: &Store<Host>, limits: &Limits, err: wasmtime::Error) -> WasmError {
    if store.data().memory.exceeded {
        return WasmError::MemoryLimit {
            limit_mb: limits.max_memory_mb,
        };
    }
    if err.is::<wasmtime::PoolConcurrencyLimitError>() {
        return WasmError::Capacity(format!("cannot create an instance: {err:#}"));
    }
    match err.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) if crate::cancel::requested() => WasmError::Cancelled,
        Some(Trap::Interrupt) => WasmError::Timeout {
            limit_ms: limits.timeout_ms,
        },
        Some(trap) => WasmError::Trap(format!(
            "{trap}, while being instantiated: in its start function or initialising its data or element segments"
        )),
        None => WasmError::Abi(format!("the module cannot be instantiated: {err:#}")),
    }
}

fn check(code: i32, call: &'static str) -> Result<(), WasmError> {
    if code == OK {
        Ok(())
    } else {
        Err(guest_error(code, call))
    }
}

fn guest_error(code: i32, call: &'static str) -> WasmError {
    match code {
        abi::INVALID_INPUT => {
            WasmError::InvalidInput(format!("{call}() returned INVALID_INPUT (-3)"))
        }
        abi::INVALID_CONFIG => {
            WasmError::InvalidConfig(format!("{call}() returned INVALID_CONFIG (-4)"))
        }
        _ => WasmError::Guest {
            code,
            call,
            name: abi::code_name(code),
        },
    }
}

/// Captured stdout and stderr of a session (all its instances), each bounded.
#[derive(Clone)]
pub struct SessionLogs {
    stdout: BoundedLog,
    stderr: BoundedLog,
}

impl SessionLogs {
    /// (stdout, bytes dropped, stderr, bytes dropped).
    pub fn contents(&self) -> (String, u64, String, u64) {
        let (out, out_dropped) = self.stdout.contents();
        let (err, err_dropped) = self.stderr.contents();
        (out, out_dropped, err, err_dropped)
    }
}

/// One session of a module.
pub struct WasmSession {
    module: Arc<WasmModule>,
    id: String,
    limits: Limits,
    config: Option<String>,
    remote: RemoteAccess,
    logs: SessionLogs,
    live: Option<Live>,
    closed: bool,
}

impl WasmSession {
    /// Instantiates `module`, then calls `initialize(id)` and, with a configuration,
    /// `configure(config)`. `remote` is what the module may reach through
    /// `env.call_remote_service`.
    pub fn new(
        module: Arc<WasmModule>,
        id: String,
        limits: Limits,
        config: Option<&serde_json::Value>,
        remote: RemoteAccess,
    ) -> Result<Self, WasmError> {
        limits.validate()?;
        let mut session = Self {
            module,
            id,
            limits,
            config: config.map(|c| c.to_string()),
            remote,
            logs: SessionLogs {
                stdout: BoundedLog::new(LOG_CAPACITY),
                stderr: BoundedLog::new(LOG_CAPACITY),
            },
            live: None,
            closed: false,
        };
        session.live = Some(session.start()?);
        Ok(session)
    }

    fn start(&self) -> Result<Live, WasmError> {
        let logs = (&self.logs.stdout, &self.logs.stderr);
        let started = Live::instantiate(&self.module, &self.limits, self.remote.clone(), logs)
            .and_then(|mut live| {
                live.initialize(&self.id)?;
                if let Some(config) = &self.config {
                    live.configure(config)?;
                }
                Ok(live)
            });
        super::metrics::started(&started);
        started
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn module(&self) -> &Arc<WasmModule> {
        &self.module
    }

    pub fn logs(&self) -> &SessionLogs {
        &self.logs
    }

    /// Runs `process` on one input. Input of an `f32` module must be whole, finite
    /// little-endian samples; it is refused before the module sees it.
    pub fn process(&mut self, input: &[u8]) -> Result<Vec<u8>, WasmError> {
        if self.closed {
            return Err(WasmError::Closed);
        }
        if self.module.description().input == Format::F32 {
            check_f32(input)?;
        }
        if self.live.is_none() {
            self.live = Some(self.start()?);
        }
        let result = self.live.as_mut().expect("started above").process(input);
        if let Err(err) = &result {
            if err.discards_instance() {
                self.live = None;
            }
        }
        result
    }

    /// Calls `cleanup` and ends the session; later calls fail with `Closed`.
    pub fn close(&mut self) -> Result<(), WasmError> {
        self.closed = true;
        match self.live.take() {
            Some(mut live) => live.cleanup(),
            None => Ok(()),
        }
    }
}

/// Checks that `bytes` are whole, finite f32 samples, at least one.
fn check_f32(bytes: &[u8]) -> Result<(), WasmError> {
    let samples =
        edgemix_wire::f32le::samples(bytes).map_err(|e| WasmError::InvalidAudio(e.to_string()))?;
    // Checked in place (no copy per call); the messages are the native chain's.
    let refused = if bytes.is_empty() {
        Some(AudioError::Empty)
    } else {
        samples
            .enumerate()
            .find(|(_, value)| !value.is_finite())
            .map(|(index, value)| AudioError::NonFinite { index, value })
    };
    refused.map_or(Ok(()), |e| Err(WasmError::InvalidAudio(e.to_string())))
}

/// An operation on a session, applied in submission order.
pub enum SessionOp {
    Process(Vec<u8>),
    Close,
}

pub enum SessionOutput {
    Processed(Result<Vec<u8>, WasmError>),
    Closed(Result<(), WasmError>),
}

impl Stateful for WasmSession {
    type Op = SessionOp;
    type Output = SessionOutput;

    fn apply(&mut self, op: SessionOp) -> SessionOutput {
        match op {
            SessionOp::Process(input) => SessionOutput::Processed(self.process(&input)),
            SessionOp::Close => SessionOutput::Closed(self.close()),
        }
    }
}
