//! Where a panic in the addon stops before it reaches Node, and the test-only switch
//! that causes one on demand.
//!
//! A panic is a bug in edgemix, never the caller's fault. Unwinding out of an N-API
//! callback aborts the process (Rust aborts when a panic reaches an `extern "C"`
//! boundary), a panic in a libuv work callback does the same, and napi-rs settles a
//! panicking future with an uncoded error. So every kind of call stops its panics here
//! and reports them as an `Error` with code `ERR_INTERNAL` (the panic's message in it):
//!
//! - synchronous calls on the JS thread: their bodies run in [`sync`];
//! - jobs on the addon's lanes (`task::Queued`) and on libuv's pool (`task::Work`): [`job`];
//! - futures on the tokio runtime (`task::spawn`: the cloud client, the embedded server):
//!   [`future`].
//!
//! The object whose call panicked stays usable: the per-object lock (`Serial`) recovers
//! from a panic, and a lane's worker thread catches it and takes the next job.

use std::any::Any;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use futures_util::FutureExt;
use napi::Env;
use napi_derive::napi;

use crate::error::{Failure, Fallible};

/// The failure a caught panic becomes.
fn internal(payload: Box<dyn Any + Send>) -> Failure {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned());
    Failure::internal(format!(
        "internal error in edgemix (a bug, please report it): {what}"
    ))
}

/// Runs the body of a synchronous call; a panic in it is thrown as `ERR_INTERNAL`.
pub fn sync<T>(env: &Env, body: impl FnOnce() -> napi::Result<T>) -> napi::Result<T> {
    catch_unwind(AssertUnwindSafe(body))
        .unwrap_or_else(|payload| Err(internal(payload).into_napi(env)))
}

/// Runs a job off the JS thread; a panic in it is its `ERR_INTERNAL` failure.
pub fn job<R>(kind: Kind, job: impl FnOnce() -> Fallible<R>) -> Fallible<R> {
    catch_unwind(AssertUnwindSafe(|| {
        test_panic(kind);
        job()
    }))
    .unwrap_or_else(|payload| Err(internal(payload)))
}

/// `future`, with a panic while it is polled as its `ERR_INTERNAL` failure.
pub async fn future<R>(future: impl Future<Output = Fallible<R>>) -> Fallible<R> {
    AssertUnwindSafe(async {
        test_panic(Kind::Tokio);
        future.await
    })
    .catch_unwind()
    .await
    .unwrap_or_else(|payload| Err(internal(payload)))
}

/// The kinds of call the test switch can make panic, by where they run.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// On the JS thread (`MixerChain.processSync`, inside the chain's lock).
    Sync,
    /// On libuv's pool (`WasmEdgeNode.load`, `createSession`, `WasmSession.close`, ...).
    Libuv,
    /// On the addon's lanes (`process()`, `push()`, batch calls, analyses, guest calls).
    Lane,
    /// On the tokio runtime (`CloudClient` and `CloudStream` calls, `startServer`, ...).
    Tokio,
}

const KINDS: [(&str, Kind); 4] = [
    ("sync", Kind::Sync),
    ("libuv", Kind::Libuv),
    ("lane", Kind::Lane),
    ("tokio", Kind::Tokio),
];

/// The environment variable that turns the test switch on. Tests only: it is read once,
/// when the addon loads, and without it [`arm_test_panic`] refuses.
const SWITCH: &str = "EDGEMIX_TEST_PANIC";

static ENABLED: OnceLock<bool> = OnceLock::new();
static ARMED: [AtomicBool; 4] = [const { AtomicBool::new(false) }; 4];

/// Reads the switch (once per process; later loads, e.g. in worker threads, reuse it).
pub fn read_switch() {
    ENABLED.get_or_init(|| std::env::var_os(SWITCH).is_some_and(|v| v == "1"));
}

/// Panics if the test switch is armed for `kind` (once: it disarms itself).
pub fn test_panic(kind: Kind) {
    if ENABLED.get() == Some(&true) && ARMED[kind as usize].swap(false, Ordering::SeqCst) {
        panic!("test panic in a {kind:?} call ({SWITCH})");
    }
}

/// Tests only: makes the next call of `kind` (`sync`, `libuv`, `lane` or `tokio`)
/// panic, to prove that it comes back as an `ERR_INTERNAL` error. Refused unless
/// EDGEMIX_TEST_PANIC=1 was in the environment when the addon loaded.
#[napi(skip_typescript)]
pub fn arm_test_panic(env: Env, kind: String) -> napi::Result<()> {
    let refused = |message: String| {
        Err(Failure::new(
            crate::error::Class::Error,
            crate::error::code::INVALID_CONFIG,
            message,
        )
        .into_napi(&env))
    };
    if ENABLED.get() != Some(&true) {
        return refused(format!(
            "the test panic switch is off: it needs {SWITCH}=1 in the environment when the addon loads (tests only)"
        ));
    }
    match KINDS.iter().find(|(name, _)| *name == kind) {
        Some((_, kind)) => {
            ARMED[*kind as usize].store(true, Ordering::SeqCst);
            Ok(())
        }
        None => refused(format!(
            "unknown kind {kind:?}: one of {}",
            KINDS.map(|(name, _)| name).join(", ")
        )),
    }
}
