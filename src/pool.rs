//! The frame workers: the threads that run per-block jobs (`process()`, `push()` and the
//! batch calls), one per core.
//!
//! They are the addon's own threads, not libuv's pool, for two reasons:
//! - real time: a block never waits behind file reads, DNS lookups, zlib or a module
//!   compile queued on libuv's four threads (those one-shot jobs stay there);
//! - hand-off latency: after a job, a worker keeps polling for the next one for [`SPIN`]
//!   before it sleeps. A stream's next block usually comes within that window and is taken
//!   by a running thread, without waking a sleeping one. On a virtual machine without halt
//!   polling that wake-up costs tens of µs, more than a 960-sample block's DSP. At most
//!   half of the workers (at least one) poll at a time, so that under load the pollers do
//!   not take the cores the JS thread and the busy workers need.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, TryRecvError};

/// How long an idle worker polls for the next job before it sleeps. At one 20 ms block
/// per stream this costs at most 0.25 % of a core per idle stream.
pub const SPIN: Duration = Duration::from_micros(50);

type Job = Box<dyn FnOnce() + Send>;

static QUEUE: OnceLock<Result<Sender<Job>, String>> = OnceLock::new();

/// Workers polling for a job right now.
static POLLING: AtomicUsize = AtomicUsize::new(0);

/// The frame workers, started on first use; or why they could not be started.
pub fn workers() -> Result<Workers, String> {
    QUEUE
        .get_or_init(start)
        .as_ref()
        .map(Workers)
        .map_err(Clone::clone)
}

pub struct Workers(&'static Sender<Job>);

impl Workers {
    /// Runs `job` on a frame worker. A panic in `job` stops at the worker, so `job` must
    /// not leave anything unsettled if it panics (`task::Frame` catches its own).
    pub fn run(&self, job: impl FnOnce() + Send + 'static) {
        // The workers hold the receiver for the life of the process: sending cannot fail.
        let _ = self.0.send(Box::new(job));
    }
}

fn start() -> Result<Sender<Job>, String> {
    let (tx, rx) = crossbeam_channel::unbounded::<Job>();
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let pollers = (workers / 2).max(1);
    for i in 0..workers {
        let rx = rx.clone();
        std::thread::Builder::new()
            .name(format!("edgemix-frame-{i}"))
            .spawn(move || work(&rx, pollers))
            .map_err(|e| format!("could not start a frame worker thread: {e}"))?;
    }
    Ok(tx)
}

fn work(queue: &Receiver<Job>, pollers: usize) {
    while let Some(job) = next(queue, pollers) {
        let _ = catch_unwind(AssertUnwindSafe(job));
    }
}

/// The next job: polled for up to [`SPIN`] if fewer than `pollers` workers poll already,
/// then waited for asleep.
fn next(queue: &Receiver<Job>, pollers: usize) -> Option<Job> {
    if POLLING.fetch_add(1, Ordering::Relaxed) < pollers {
        let idle = Instant::now();
        while idle.elapsed() < SPIN {
            match queue.try_recv() {
                Ok(job) => {
                    POLLING.fetch_sub(1, Ordering::Relaxed);
                    return Some(job);
                }
                Err(TryRecvError::Disconnected) => break,
                Err(TryRecvError::Empty) => std::hint::spin_loop(),
            }
        }
    }
    POLLING.fetch_sub(1, Ordering::Relaxed);
    queue.recv().ok()
}
