//! Cancelling work whose caller has gone: a gRPC call past its deadline or cancelled by
//! the client.
//!
//! The server runs each node call inside [`scope`] with the call's [`Token`] and cancels
//! the token when the call is abandoned. Work that can run long looks at [`requested`] on
//! its own thread and stops early: the `Delay` test node between short sleeps
//! ([`sleep`]), a WASM guest at every epoch check (see `wasm::host::CallClock`). Other
//! nodes finish the input they hold, which the message size bounds. A thread-local scope
//! keeps the `Node` trait free of a parameter most nodes would ignore; work run outside a
//! scope (the edge, Rust callers) is never cancelled.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often [`sleep`] looks at the token: the most a cancelled sleep runs on.
const SLEEP_SLICE: Duration = Duration::from_millis(5);

/// Shared by the caller, who cancels, and the work, which looks.
#[derive(Debug, Clone, Default)]
pub struct Token(Arc<AtomicBool>);

impl Token {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// A guard that cancels this token when dropped: held by the caller's future, it
    /// cancels the work when that future is dropped unfinished.
    pub fn cancel_on_drop(&self) -> CancelOnDrop {
        CancelOnDrop(self.clone())
    }
}

/// Cancels its token when dropped (see [`Token::cancel_on_drop`]).
#[derive(Debug)]
pub struct CancelOnDrop(Token);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

thread_local! {
    static CURRENT: RefCell<Option<Token>> = const { RefCell::new(None) };
}

/// Runs `work` on this thread with `token` as the one [`requested`] looks at.
pub fn scope<R>(token: &Token, work: impl FnOnce() -> R) -> R {
    /// Restores the outer scope, also if `work` panics.
    struct Restore(Option<Token>);
    impl Drop for Restore {
        fn drop(&mut self) {
            CURRENT.with(|current| *current.borrow_mut() = self.0.take());
        }
    }
    let _restore = Restore(CURRENT.with(|current| current.replace(Some(token.clone()))));
    work()
}

/// Whether the work running on this thread has been cancelled.
pub fn requested() -> bool {
    CURRENT.with(|current| current.borrow().as_ref().is_some_and(Token::is_cancelled))
}

/// Sleeps for `duration`, or less if the work is cancelled meanwhile (then within
/// [`SLEEP_SLICE`]); false if it was.
pub fn sleep(duration: Duration) -> bool {
    let until = Instant::now() + duration;
    loop {
        if requested() {
            return false;
        }
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return true;
        }
        std::thread::sleep(left.min(SLEEP_SLICE));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scope_sees_its_token_and_nothing_outside_is_cancelled() {
        let token = Token::new();
        assert!(!requested());
        scope(&token, || {
            assert!(!requested());
            token.cancel();
            assert!(requested());
            assert!(!sleep(Duration::from_secs(60)), "a cancelled sleep returns at once");
        });
        assert!(!requested(), "the scope ends with its work");
        assert!(sleep(Duration::from_millis(1)));
    }

    #[test]
    fn dropping_the_guard_cancels_work_on_another_thread() {
        let token = Token::new();
        let guard = token.cancel_on_drop();
        let worker = {
            let token = token.clone();
            std::thread::spawn(move || scope(&token, || sleep(Duration::from_secs(60))))
        };
        drop(guard);
        assert!(!worker.join().unwrap(), "the sleep was cut short");
    }
}
