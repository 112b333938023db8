//! What a store carries for its instance: the memory limiter, the WASI context (only for
//! WASI modules) and the cloud bridge behind `env.call_remote_service`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use wasmtime::{Caller, Extern, ResourceLimiter, Trap, UpdateDeadline};
use wasmtime_wasi::p1::WasiP1Ctx;

use super::abi::{
    BUFFER_TOO_SMALL, INVALID_INPUT, OK, REMOTE_DENIED, REMOTE_FAILED, REMOTE_TIMEOUT,
    REMOTE_UNAVAILABLE,
};

/// Cloud services a module may call through `env.call_remote_service` (the cloud
/// client's bridge in production, anything in tests).
///
/// `call` runs on the thread executing the guest, which waits for it: it must return by
/// `deadline` (the guest call's remaining time limit, or less).
pub trait RemoteService: Send + Sync {
    /// Calls `service` with `data`; the answer's bytes, or why there is none.
    fn call(&self, service: &str, data: &[u8], deadline: Duration) -> Result<Vec<u8>, RemoteError>;
}

/// Why a remote call gave no answer; each is a documented return code of the import.
#[derive(Debug, Clone, PartialEq)]
pub enum RemoteError {
    /// The cloud cannot be reached (network error, no server up, none configured): `-6`.
    Unavailable(String),
    /// The service answered with an error (unknown service, refused input, node
    /// failure): `-7`.
    Failed(String),
    /// The call is not allowed (the service is not in the module's `allowRemote`, or the
    /// cloud refused the credentials): `-8`.
    Denied(String),
    /// No answer within the deadline: `-9`.
    Timeout,
}

impl RemoteError {
    /// The import's return code.
    pub fn code(&self) -> i32 {
        match self {
            RemoteError::Unavailable(_) => REMOTE_UNAVAILABLE,
            RemoteError::Failed(_) => REMOTE_FAILED,
            RemoteError::Denied(_) => REMOTE_DENIED,
            RemoteError::Timeout => REMOTE_TIMEOUT,
        }
    }
}

/// What a session may reach through `env.call_remote_service`: the services it may name
/// (the module's `allowRemote`), who answers them, and the count of what the calls got.
#[derive(Clone, Default)]
pub struct RemoteAccess {
    /// Service names the module may call; any other name is denied (`-8`).
    pub allow: Arc<[String]>,
    /// Who answers allowed calls; none: every allowed call is unavailable (`-6`).
    pub service: Option<Arc<dyn RemoteService>>,
    /// Shared by every clone: the sessions of one load count together.
    pub counts: RemoteCounts,
}

impl RemoteAccess {
    /// Whether `name` is on the allowlist.
    pub fn allows(&self, name: &str) -> bool {
        self.allow.iter().any(|allowed| allowed == name)
    }
}

/// Remote calls by outcome, counted once per guest call (a retry after `-2` that fetches
/// the answer already received is not a new call). Calls whose arguments lie outside the
/// guest's memory (`-3`) are the guest's bug and not counted.
#[derive(Clone, Default)]
pub struct RemoteCounts(Arc<[AtomicU64; 5]>);

/// A snapshot of [`RemoteCounts`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RemoteTally {
    /// Answered by the service.
    pub answered: u64,
    /// Refused: the service is not on the allowlist, or the cloud refused the credentials.
    pub denied: u64,
    /// No cloud to ask (none configured or not reachable).
    pub unavailable: u64,
    /// No answer within what was left of the guest call's time limit.
    pub timed_out: u64,
    /// The service answered with an error.
    pub failed: u64,
}

impl RemoteCounts {
    fn add(&self, code: i32) {
        let slot = match code {
            OK => 0,
            REMOTE_DENIED => 1,
            REMOTE_UNAVAILABLE => 2,
            REMOTE_TIMEOUT => 3,
            _ => 4,
        };
        self.0[slot].fetch_add(1, Ordering::Relaxed);
    }

    /// The counts so far.
    pub fn tally(&self) -> RemoteTally {
        let [answered, denied, unavailable, timed_out, failed] =
            self.0.each_ref().map(|n| n.load(Ordering::Relaxed));
        RemoteTally {
            answered,
            denied,
            unavailable,
            timed_out,
            failed,
        }
    }
}

/// Refuses memory growth past the session's cap and remembers that it did.
pub(crate) struct MemoryCap {
    pub max_bytes: usize,
    pub exceeded: bool,
}

impl ResourceLimiter for MemoryCap {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.max_bytes {
            self.exceeded = true;
            return Ok(false);
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 100_000)
    }
}

/// Epoch ticks (ms) between two checks of a running guest call: the longest a call whose
/// caller has gone (`crate::cancel`) runs on.
pub(crate) const CHECK_TICKS: u64 = 10;

/// The wall-clock limit of the guest call in progress. Epoch ticks only wake the check
/// (every [`CHECK_TICKS`]); the decision is made on real elapsed time, so a late or bursty
/// ticker can neither stop a call early nor let it run on. A call whose caller has gone is
/// stopped at the next check.
pub(crate) struct CallClock {
    pub started: Instant,
    pub limit: Duration,
}

impl CallClock {
    /// The time left before the limit, if any.
    pub fn left(&self) -> Option<Duration> {
        self.limit
            .checked_sub(self.started.elapsed())
            .filter(|left| !left.is_zero())
    }

    /// What to do when the epoch deadline is reached: stop, or check again after the
    /// ticks left (at most [`CHECK_TICKS`]).
    pub fn on_deadline(&self) -> UpdateDeadline {
        if crate::cancel::requested() {
            return UpdateDeadline::Interrupt;
        }
        match self.left() {
            Some(left) => {
                UpdateDeadline::Continue((left.as_millis() as u64).clamp(1, CHECK_TICKS))
            }
            None => UpdateDeadline::Interrupt,
        }
    }
}

pub(crate) struct Host {
    pub memory: MemoryCap,
    pub clock: CallClock,
    pub wasi: Option<WasiP1Ctx>,
    pub remote: RemoteAccess,
    /// An answer that did not fit the guest's buffer, handed over on its retry.
    pub remote_pending: Option<Vec<u8>>,
}

/// `env.call_remote_service(name, name_len, data, data_len, result, result_len) -> i32`
/// with the ABI's buffer protocol. The call blocks the guest (and its thread) until the
/// answer, for at most what is left of the guest call's time limit: the limit covers the
/// remote call too, so a call that used up the time stops the guest as a timeout (the
/// same trap the epoch check raises) rather than handing it `REMOTE_TIMEOUT` to act on.
pub(crate) fn call_remote_service(
    mut caller: Caller<'_, Host>,
    name_ptr: i32,
    name_len: i32,
    data_ptr: i32,
    data_len: i32,
    result_ptr: i32,
    result_len_ptr: i32,
) -> wasmtime::Result<i32> {
    let call = RemoteCall {
        name: (name_ptr, name_len),
        data: (data_ptr, data_len),
        result_ptr,
        result_len_ptr,
    };
    let code = remote_call(&mut caller, call);
    match caller.data().clock.left() {
        Some(_) => Ok(code),
        None => Err(Trap::Interrupt.into()),
    }
}

/// The guest's arguments of `call_remote_service`: (pointer, length) pairs and the
/// result buffer with its length cell.
struct RemoteCall {
    name: (i32, i32),
    data: (i32, i32),
    result_ptr: i32,
    result_len_ptr: i32,
}

fn remote_call(caller: &mut Caller<'_, Host>, call: RemoteCall) -> i32 {
    let RemoteCall {
        name: (name_ptr, name_len),
        data: (data_ptr, data_len),
        result_ptr,
        result_len_ptr,
    } = call;
    let Some(Extern::Memory(memory)) = caller.get_export("memory") else {
        return INVALID_INPUT;
    };
    let answer = match caller.data_mut().remote_pending.take() {
        Some(answer) => answer,
        None => {
            let mem = memory.data(&*caller);
            let (Some(name), Some(data)) = (
                slice(mem, name_ptr, name_len),
                slice(mem, data_ptr, data_len),
            ) else {
                return INVALID_INPUT;
            };
            let Ok(name) = std::str::from_utf8(name) else {
                return INVALID_INPUT;
            };
            let host = caller.data();
            let outcome = ask(&host.remote, host.clock.left(), name, data);
            host.remote.counts.add(outcome.as_ref().err().copied().unwrap_or(OK));
            match outcome {
                Ok(answer) => answer,
                Err(code) => return code,
            }
        }
    };
    let mem = memory.data_mut(&mut *caller);
    let Some(capacity) = read_u32(mem, result_len_ptr) else {
        return INVALID_INPUT;
    };
    if answer.len() > capacity as usize {
        write_u32(mem, result_len_ptr, answer.len() as u32);
        caller.data_mut().remote_pending = Some(answer);
        return BUFFER_TOO_SMALL;
    }
    let Some(out) = slice_mut(mem, result_ptr, answer.len() as i32) else {
        return INVALID_INPUT;
    };
    out.copy_from_slice(&answer);
    write_u32(mem, result_len_ptr, answer.len() as u32);
    OK
}

/// The answer of an allowed, configured service within `left`, or the import's code for
/// why there is none.
fn ask(remote: &RemoteAccess, left: Option<Duration>, name: &str, data: &[u8]) -> Result<Vec<u8>, i32> {
    if !remote.allows(name) {
        return Err(REMOTE_DENIED);
    }
    let Some(service) = &remote.service else {
        return Err(REMOTE_UNAVAILABLE);
    };
    let Some(left) = left else {
        return Err(REMOTE_TIMEOUT);
    };
    service.call(name, data, left).map_err(|err| err.code())
}

/// `mem[ptr..ptr + len]`, if it lies inside the memory.
pub(crate) fn slice(mem: &[u8], ptr: i32, len: i32) -> Option<&[u8]> {
    let (start, len) = (ptr as u32 as usize, len as u32 as usize);
    mem.get(start..start.checked_add(len)?)
}

pub(crate) fn slice_mut(mem: &mut [u8], ptr: i32, len: i32) -> Option<&mut [u8]> {
    let (start, len) = (ptr as u32 as usize, len as u32 as usize);
    mem.get_mut(start..start.checked_add(len)?)
}

pub(crate) fn read_u32(mem: &[u8], ptr: i32) -> Option<u32> {
    Some(u32::from_le_bytes(slice(mem, ptr, 4)?.try_into().ok()?))
}

pub(crate) fn write_u32(mem: &mut [u8], ptr: i32, value: u32) -> bool {
    match slice_mut(mem, ptr, 4) {
        Some(cell) => {
            cell.copy_from_slice(&value.to_le_bytes());
            true
        }
        None => false,
    }
}
