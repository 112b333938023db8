//! The addon's worker threads, in three lanes so that no kind of work can hold up another:
//!
//! - [`Lane::Frame`]: per-block jobs of the native processors (`process()`, `push()`,
//!   `MixerChain.processBatch`), one thread per core;
//! - [`Lane::Wasm`]: guest calls (`WasmSession.process()` and `processBatch`), one thread
//!   per core of their own. A guest may use its whole `timeoutMs` (up to 60 s), and a
//!   module that calls the cloud waits on the network: spinning or waiting guests fill
//!   only this lane, and native frames keep theirs;
//! - [`Lane::Background`]: one-shot jobs over a whole clip (`extractFeatures`,
//!   `extractMfcc`, `classifyGenre`, `measureLoudness`), which any client of an HTTP API
//!   can ask for, on
//!   `(cores / 2).max(2)` threads at a lower OS priority (nice 10 on Linux): the scheduler
//!   gives frame workers, guests and the JS thread the CPU first (a nice-10 thread gets a
//!   tenth of a busy core's share and is preempted on their wake-up), so a heavy analysis
//!   cannot delay real-time frames. The lane's queue orders
//!   them; none waits behind libuv's four threads either.
//!
//! Module compiles (`WasmEdgeNode.load`) stay on libuv's pool at normal priority, one
//! core each (wasmtime compiles on the loading thread): the application asks for them,
//! and at a lower priority a load on a busy machine took over a minute.
//!
//! They are the addon's own threads, not libuv's pool: a block never waits behind file
//! reads, DNS lookups or zlib queued there. And after a job, a frame or WASM worker keeps
//! polling for the next one for [`SPIN`] before it sleeps: a stream's next block usually
//! comes within that window and is taken by a running thread, without waking a sleeping
//! one (on a virtual machine without halt polling that wake-up costs tens of µs, more than
//! a 960-sample block's DSP). At most half of a lane's workers (at least one) poll at a
//! time, so that under load the pollers do not take the cores the JS thread and the busy
//! workers need.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, TryRecvError};

/// How long an idle frame or WASM worker polls for the next job before it sleeps. At one
/// 20 ms block per stream this costs at most 0.25 % of a core per idle stream.
pub const SPIN: Duration = Duration::from_micros(50);

type Job = Box<dyn FnOnce() + Send>;

/// Which threads run a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    Frame,
    Wasm,
    Background,
}

/// A lane's queue, started on first use (or why it could not be), and its pollers.
struct Pool {
    queue: OnceLock<Result<Sender<Job>, String>>,
    polling: AtomicUsize,
}

impl Pool {
    const fn new() -> Self {
        Self {
            queue: OnceLock::new(),
            polling: AtomicUsize::new(0),
        }
    }
}

static FRAME: Pool = Pool::new();
static WASM: Pool = Pool::new();
static BACKGROUND: Pool = Pool::new();

impl Lane {
    fn pool(self) -> &'static Pool {
        match self {
            Lane::Frame => &FRAME,
            Lane::Wasm => &WASM,
            Lane::Background => &BACKGROUND,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Lane::Frame => "frame",
            Lane::Wasm => "wasm",
            Lane::Background => "background",
        }
    }

    fn threads(self) -> usize {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        match self {
            Lane::Frame | Lane::Wasm => cores,
            Lane::Background => (cores / 2).max(2),
        }
    }

    /// The lane's workers, started on first use; or why they could not be started.
    pub fn workers(self) -> Result<Workers, String> {
        self.pool()
            .queue
            .get_or_init(|| start(self))
            .as_ref()
            .map(|queue| Workers(queue))
            .map_err(Clone::clone)
    }
}

pub struct Workers(&'static Sender<Job>);

impl Workers {
    /// Runs `job` on one of the lane's workers. A panic in `job` stops at the worker, so
    /// `job` must not leave anything unsettled if it panics (`task::Queued` catches its
    /// own).
    pub fn run(&self, job: impl FnOnce() + Send + 'static) {
        // The workers hold the receiver for the life of the process: sending cannot fail.
        let _ = self.0.send(Box::new(job));
    }
}

fn start(lane: Lane) -> Result<Sender<Job>, String> {
    let (tx, rx) = crossbeam_channel::unbounded::<Job>();
    let workers = lane.threads();
    // The background lane never polls: its jobs are long and their start is not urgent.
    let pollers = if lane == Lane::Background {
        0
    } else {
        (workers / 2).max(1)
    };
    for i in 0..workers {
        let rx = rx.clone();
        std::thread::Builder::new()
            .name(format!("edgemix-{}-{i}", lane.name()))
            .spawn(move || {
                if lane == Lane::Background {
                    lower_priority();
                }
                work(&rx, &lane.pool().polling, pollers)
            })
            .map_err(|e| format!("could not start a {} worker thread: {e}", lane.name()))?;
    }
    Ok(tx)
}

/// Lowers the calling thread's OS priority: 22 of thread-priority's 0–99 scale is nice 10
/// on Linux (a tenth of a nice-0 thread's share of a busy core, and preempted by it),
/// low enough for frames to come first, high enough that a compile or an analysis is not
/// starved while frames flow. Best effort: where the OS refuses, the lane still runs, at
/// normal priority.
fn lower_priority() {
    use thread_priority::{set_current_thread_priority, ThreadPriority, ThreadPriorityValue};
    if let Ok(low) = ThreadPriorityValue::try_from(22u8) {
        let _ = set_current_thread_priority(ThreadPriority::Crossplatform(low));
    }
}

fn work(queue: &Receiver<Job>, polling: &AtomicUsize, pollers: usize) {
    while let Some(job) = next(queue, polling, pollers) {
        let _ = catch_unwind(AssertUnwindSafe(job));
    }
}

/// The next job: polled for up to [`SPIN`] if fewer than `pollers` workers poll already,
/// then waited for asleep.
fn next(queue: &Receiver<Job>, polling: &AtomicUsize, pollers: usize) -> Option<Job> {
    if polling.fetch_add(1, Ordering::Relaxed) < pollers {
        let idle = Instant::now();
        while idle.elapsed() < SPIN {
            match queue.try_recv() {
                Ok(job) => {
                    polling.fetch_sub(1, Ordering::Relaxed);
                    return Some(job);
                }
                Err(TryRecvError::Disconnected) => break,
                Err(TryRecvError::Empty) => std::hint::spin_loop(),
            }
        }
    }
    polling.fetch_sub(1, Ordering::Relaxed);
    queue.recv().ok()
}
