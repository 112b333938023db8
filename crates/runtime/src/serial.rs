//! Strict submission-order execution of operations on one piece of state, from any
//! number of threads.
//!
//! `submit` is O(1) and only enqueues, so it can run on a latency-sensitive thread (the
//! JS thread). Whoever later needs a result — a worker thread or a synchronous caller —
//! calls [`Serial::run_until`], which, under the lock, applies every operation still
//! pending up to and including its own, in ticket order, and parks the results of the
//! others for their owners. No thread ever waits for another to be scheduled, so there
//! is no deadlock however the worker pool orders the jobs, and no operation is applied
//! twice, skipped or reordered.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// State that operations apply to.
pub trait Stateful {
    type Op: Send;
    type Output: Send;
    fn apply(&mut self, op: Self::Op) -> Self::Output;
}

/// Handle of a submitted operation whose output its submitter will collect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[must_use = "an operation's output is parked until its ticket is collected with run_until"]
pub struct Ticket(u64);

struct Pending<Op> {
    ticket: u64,
    op: Op,
    /// Whether the submitter will collect the output (false: fire and forget).
    collect: bool,
}

/// Operations submitted and not yet applied.
struct Queue<Op> {
    next_ticket: u64,
    pending: VecDeque<Pending<Op>>,
}

/// The state, and outputs applied for another thread's ticket.
struct Applied<S: Stateful> {
    state: S,
    parked: HashMap<u64, S::Output>,
}

/// State plus the queue of operations not yet applied to it.
///
/// Two locks: `queue` is held only to push or pop one operation, never while one is
/// applied, so `submit` never waits for work in progress; `applied` is held while
/// operations are applied, and only its holder pops the queue, so they are applied
/// exactly in ticket order.
pub struct Serial<S: Stateful> {
    queue: Mutex<Queue<S::Op>>,
    applied: Mutex<Applied<S>>,
}

/// A panic inside `apply` is a bug, but it must not wedge every later caller.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<S: Stateful> Serial<S> {
    pub fn new(state: S) -> Self {
        Self {
            queue: Mutex::new(Queue {
                next_ticket: 0,
                pending: VecDeque::new(),
            }),
            applied: Mutex::new(Applied {
                state,
                parked: HashMap::new(),
            }),
        }
    }

    /// Enqueues `op`; its output is collected with [`Serial::run_until`].
    pub fn submit(&self, op: S::Op) -> Ticket {
        Ticket(self.enqueue(op, true))
    }

    /// Enqueues `op` whose output nobody collects; it is applied, in order, by the next
    /// `run_until` or `run_with`.
    pub fn submit_detached(&self, op: S::Op) {
        self.enqueue(op, false);
    }

    fn enqueue(&self, op: S::Op, collect: bool) -> u64 {
        let mut queue = lock(&self.queue);
        let ticket = queue.next_ticket;
        queue.next_ticket += 1;
        queue.pending.push_back(Pending {
            ticket,
            op,
            collect,
        });
        ticket
    }

    /// The next pending operation if its ticket is at most `last`. Called with `applied`
    /// held.
    fn pop_through(&self, last: u64) -> Option<Pending<S::Op>> {
        let mut queue = lock(&self.queue);
        if queue.pending.front()?.ticket <= last {
            queue.pending.pop_front()
        } else {
            None
        }
    }

    /// Applies every pending operation up to and including `ticket`'s, in order, and
    /// returns `ticket`'s output.
    pub fn run_until(&self, ticket: Ticket) -> S::Output {
        let mut applied = lock(&self.applied);
        let applied = &mut *applied;
        while let Some(Pending {
            ticket: t,
            op,
            collect,
        }) = self.pop_through(ticket.0)
        {
            let output = applied.state.apply(op);
            if t == ticket.0 {
                return output;
            }
            if collect {
                applied.parked.insert(t, output);
            }
        }
        applied
            .parked
            .remove(&ticket.0)
            .expect("each ticket is collected exactly once")
    }

    /// Applies `op` on the calling thread, after everything pending.
    pub fn run(&self, op: S::Op) -> S::Output {
        self.run_with(|state| state.apply(op))
    }

    /// Applies everything pending, then `f` to the state, under one lock on the calling
    /// thread: for synchronous callers that work on borrowed data.
    pub fn run_with<R>(&self, f: impl FnOnce(&mut S) -> R) -> R {
        let mut applied = lock(&self.applied);
        let applied = &mut *applied;
        while let Some(Pending {
            ticket,
            op,
            collect,
        }) = self.pop_through(u64::MAX)
        {
            let output = applied.state.apply(op);
            if collect {
                applied.parked.insert(ticket, output);
            }
        }
        f(&mut applied.state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    struct Log(Vec<u32>);
    impl Stateful for Log {
        type Op = u32;
        type Output = usize;
        fn apply(&mut self, op: u32) -> usize {
            self.0.push(op);
            self.0.len()
        }
    }

    #[test]
    fn operations_apply_in_submission_order_whichever_thread_collects_first() {
        let serial = Arc::new(Serial::new(Log(Vec::new())));
        let tickets: Vec<_> = (0..200).map(|i| (i, serial.submit(i))).collect();
        serial.submit_detached(1000);
        // Collect in reverse, from many threads at once.
        let handles: Vec<_> = tickets
            .into_iter()
            .rev()
            .map(|(i, t)| {
                let serial = Arc::clone(&serial);
                std::thread::spawn(move || (i, serial.run_until(t)))
            })
            .collect();
        for h in handles {
            let (i, position) = h.join().unwrap();
            assert_eq!(position, i as usize + 1, "op {i} was applied out of order");
        }
        // 200 collected, one detached, and this one.
        assert_eq!(serial.run(2000), 202);
    }

    /// Blocks in `apply` until told to go on.
    struct Gate(std::sync::mpsc::Sender<()>, std::sync::mpsc::Receiver<()>);
    impl Stateful for Gate {
        type Op = bool;
        type Output = ();
        fn apply(&mut self, wait: bool) {
            if wait {
                self.0.send(()).unwrap();
                self.1.recv().unwrap();
            }
        }
    }

    #[test]
    fn submit_does_not_wait_for_an_operation_in_progress() {
        use std::sync::mpsc::channel;
        use std::time::Duration;
        let (started_tx, started) = channel();
        let (go, go_rx) = channel();
        let serial = Arc::new(Serial::new(Gate(started_tx, go_rx)));
        let first = serial.submit(true);
        let worker = {
            let serial = Arc::clone(&serial);
            std::thread::spawn(move || serial.run_until(first))
        };
        started.recv().unwrap();
        // The first operation is being applied (and stays so until `go`): submitting the
        // next must still return at once.
        let (submitted_tx, submitted) = channel();
        let submitter = {
            let serial = Arc::clone(&serial);
            std::thread::spawn(move || submitted_tx.send(serial.submit(false)).unwrap())
        };
        let second = submitted
            .recv_timeout(Duration::from_secs(10))
            .expect("submit waited for the operation in progress");
        go.send(()).unwrap();
        worker.join().unwrap();
        submitter.join().unwrap();
        serial.run_until(second);
    }
}
