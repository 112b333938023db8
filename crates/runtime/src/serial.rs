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

struct Inner<S: Stateful> {
    state: S,
    next_ticket: u64,
    pending: VecDeque<Pending<S::Op>>,
    parked: HashMap<u64, S::Output>,
}

/// State plus the queue of operations not yet applied to it.
pub struct Serial<S: Stateful> {
    inner: Mutex<Inner<S>>,
}

impl<S: Stateful> Serial<S> {
    pub fn new(state: S) -> Self {
        Self {
            inner: Mutex::new(Inner {
                state,
                next_ticket: 0,
                pending: VecDeque::new(),
                parked: HashMap::new(),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner<S>> {
        // A panic inside `apply` is a bug, but it must not wedge every later caller.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Enqueues `op`; its output is collected with [`Serial::run_until`].
    pub fn submit(&self, op: S::Op) -> Ticket {
        Ticket(self.enqueue(op, true))
    }

    /// Enqueues `op` whose output nobody collects; it is applied, in order, by the next
    /// `run_until` or `run_all`.
    pub fn submit_detached(&self, op: S::Op) {
        self.enqueue(op, false);
    }

    fn enqueue(&self, op: S::Op, collect: bool) -> u64 {
        let mut inner = self.lock();
        let ticket = inner.next_ticket;
        inner.next_ticket += 1;
        inner.pending.push_back(Pending { ticket, op, collect });
        ticket
    }

    /// Applies every pending operation up to and including `ticket`'s, in order, and
    /// returns `ticket`'s output.
    pub fn run_until(&self, ticket: Ticket) -> S::Output {
        let mut inner = self.lock();
        let inner = &mut *inner;
        while inner.pending.front().is_some_and(|p| p.ticket <= ticket.0) {
            let Pending { ticket: t, op, collect } = inner.pending.pop_front().expect("front checked");
            let output = inner.state.apply(op);
            if t == ticket.0 {
                return output;
            }
            if collect {
                inner.parked.insert(t, output);
            }
        }
        inner.parked.remove(&ticket.0).expect("each ticket is collected exactly once")
    }

    /// Applies `op` on the calling thread, after everything pending.
    pub fn run(&self, op: S::Op) -> S::Output {
        self.run_with(|state| state.apply(op))
    }

    /// Applies everything pending, then `f` to the state, under one lock on the calling
    /// thread: for synchronous callers that work on borrowed data.
    pub fn run_with<R>(&self, f: impl FnOnce(&mut S) -> R) -> R {
        let mut inner = self.lock();
        let inner = &mut *inner;
        while let Some(Pending { ticket, op, collect }) = inner.pending.pop_front() {
            let output = inner.state.apply(op);
            if collect {
                inner.parked.insert(ticket, output);
            }
        }
        f(&mut inner.state)
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
}
