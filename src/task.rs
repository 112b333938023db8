//! Off-thread work for promise-returning methods.
//!
//! A [`Queued`] job runs on one of the addon's lanes ([`crate::pool`]): per-block jobs on
//! the frame workers, guest calls on the WASM workers, whole-clip analyses on the
//! low-priority background workers. A [`Work`] runs a one-shot job the application asks
//! for (a module compile, creating or closing a WASM session, starting the engine) on the
//! libuv thread pool.
//! Either settles its promise on the JS thread: the job's value is converted by
//! [`Finish`]; a [`Failure`] becomes the JS error object (class and `code` preserved).
//! Argument errors found before any work starts reject the same way, so async methods
//! never throw synchronously.

use std::panic::{catch_unwind, AssertUnwindSafe};

use napi::bindgen_prelude::{AsyncTask, JsValue, ToNapiValue, TypeName};
use napi::{sys, Env, Task, ValueType};

use crate::error::{Failure, Fallible};
use crate::pool::Lane;

/// A job's result, turned into its JS value on the JS thread.
pub trait Finish: Send + 'static {
    fn finish(self, env: &Env) -> napi::Result<sys::napi_value>;
}

/// The settled value of a [`Work`] promise (typed in the .d.ts by `ts_return_type`).
pub struct Finished<R>(R);

impl<R> TypeName for Finished<R> {
    fn type_name() -> &'static str {
        "unknown"
    }
    fn value_type() -> ValueType {
        ValueType::Unknown
    }
}

impl<R: Finish> ToNapiValue for Finished<R> {
    unsafe fn to_napi_value(env: sys::napi_env, value: Self) -> napi::Result<sys::napi_value> {
        value.0.finish(&Env::from_raw(env))
    }
}

/// A job's outcome as what settles its promise, on the JS thread: the value, or the JS
/// error of its failure.
fn settled<R>(env: &Env, outcome: Fallible<R>) -> napi::Result<Finished<R>> {
    outcome
        .map(Finished)
        .map_err(|failure| failure.into_napi(env))
}

/// Converts any napi value into a raw one on the JS thread.
pub fn to_js<T: ToNapiValue>(env: &Env, value: T) -> napi::Result<sys::napi_value> {
    // SAFETY: `env` is the env of the current JS-thread callback.
    unsafe { T::to_napi_value(env.raw(), value) }
}

type Job<R> = Box<dyn FnOnce() -> Fallible<R> + Send>;

pub struct Work<R: Finish> {
    job: Option<Fallible<Job<R>>>,
    failure: Option<Failure>,
}

impl<R: Finish> Work<R> {
    pub fn new(job: impl FnOnce() -> Fallible<R> + Send + 'static) -> AsyncTask<Self> {
        AsyncTask::new(Self {
            job: Some(Ok(Box::new(job))),
            failure: None,
        })
    }

    pub fn refuse(failure: Failure) -> AsyncTask<Self> {
        AsyncTask::new(Self {
            job: Some(Err(failure)),
            failure: None,
        })
    }

    /// `job` if the arguments were good, else their failure.
    pub fn start(
        prepared: Fallible<impl FnOnce() -> Fallible<R> + Send + 'static>,
    ) -> AsyncTask<Self> {
        match prepared {
            Ok(job) => Self::new(job),
            Err(failure) => Self::refuse(failure),
        }
    }
}

/// A job for one of the addon's lanes; its promise settles like a [`Work`]'s.
pub struct Queued<R: Finish> {
    job: Fallible<Job<R>>,
    lane: Lane,
}

impl<R: Finish> Queued<R> {
    /// A per-block job of a native processor (`process()`, `push()`, batch calls): `job`
    /// if the arguments were good, else their failure.
    pub fn frame(prepared: Fallible<impl FnOnce() -> Fallible<R> + Send + 'static>) -> Self {
        Self::on(Lane::Frame, prepared)
    }

    /// A guest call (`WasmSession.process()`, its batch call).
    pub fn wasm(prepared: Fallible<impl FnOnce() -> Fallible<R> + Send + 'static>) -> Self {
        Self::on(Lane::Wasm, prepared)
    }

    /// A one-shot job over a whole clip (an analysis).
    pub fn background(prepared: Fallible<impl FnOnce() -> Fallible<R> + Send + 'static>) -> Self {
        Self::on(Lane::Background, prepared)
    }

    fn on(lane: Lane, prepared: Fallible<impl FnOnce() -> Fallible<R> + Send + 'static>) -> Self {
        Self {
            job: prepared.map(|job| Box::new(job) as Job<R>),
            lane,
        }
    }
}

impl<R: Finish> ToNapiValue for Queued<R> {
    /// Submits the job and returns its promise (on the JS thread, when the method returns).
    unsafe fn to_napi_value(env: sys::napi_env, value: Self) -> napi::Result<sys::napi_value> {
        let env = Env::from_raw(env);
        let (deferred, promise) = env.create_deferred()?;
        let settle =
            move |outcome: Fallible<R>| deferred.resolve(move |env| settled(&env, outcome));
        match (value.job, value.lane.workers()) {
            (Ok(job), Ok(workers)) => workers.run(move || {
                settle(catch_unwind(AssertUnwindSafe(job)).unwrap_or_else(|_| {
                    Err(Failure::internal("the job panicked (a bug in edgemix)"))
                }))
            }),
            (Ok(_), Err(why)) => settle(Err(Failure::internal(why))),
            (Err(failure), _) => settle(Err(failure)),
        }
        Ok(promise.value().value)
    }
}

impl<R: Finish> Task for Work<R> {
    type Output = R;
    type JsValue = Finished<R>;

    fn compute(&mut self) -> napi::Result<R> {
        let outcome = match self.job.take() {
            Some(Ok(job)) => job(),
            Some(Err(failure)) => Err(failure),
            None => Err(Failure::internal("a task ran twice")),
        };
        outcome.map_err(|failure| {
            self.failure = Some(failure);
            napi::Error::from_reason("rejected")
        })
    }

    fn resolve(&mut self, _env: Env, output: R) -> napi::Result<Finished<R>> {
        Ok(Finished(output))
    }

    fn reject(&mut self, env: Env, err: napi::Error) -> napi::Result<Finished<R>> {
        Err(self
            .failure
            .take()
            .map_or(err, |failure| failure.into_napi(&env)))
    }
}

impl Finish for Vec<f32> {
    fn finish(self, env: &Env) -> napi::Result<sys::napi_value> {
        samples_to_js(env, self)
    }
}

/// Blocks up to this many samples are copied into memory V8 owns; longer ones are handed
/// over without a copy.
const COPY_SAMPLES: usize = 64 * 1024;

/// `samples` as a Float32Array. A small block is copied into an ordinary V8 buffer: an
/// external buffer would cost the garbage collector a finalizer per frame, which dominates
/// when thousands of frames a second are returned.
pub fn samples_to_js(env: &Env, samples: Vec<f32>) -> napi::Result<sys::napi_value> {
    use napi::bindgen_prelude::{Float32Array, Float32ArraySlice};
    if samples.len() <= COPY_SAMPLES {
        to_js(env, Float32ArraySlice::copy_from(env, &samples)?)
    } else {
        to_js(env, Float32Array::new(samples))
    }
}

impl Finish for () {
    fn finish(self, env: &Env) -> napi::Result<sys::napi_value> {
        to_js(env, ())
    }
}

/// Runs `future` on the tokio runtime (network I/O) and settles its promise like a
/// [`Work`]: the value converted by [`Finish`], a [`Failure`] as its JS error.
pub fn spawn<'env, R: Finish>(
    env: &'env Env,
    future: impl std::future::Future<Output = Fallible<R>> + Send + 'static,
) -> napi::Result<napi::bindgen_prelude::PromiseRaw<'env, Finished<R>>> {
    env.spawn_future_with_callback(
        async move { Ok(future.await) },
        |env, outcome: Fallible<R>| settled(env, outcome),
    )
}

/// A promise already rejected with `failure` (async methods reject, never throw).
pub fn reject<'env, R: Finish>(
    env: &'env Env,
    failure: Failure,
) -> napi::Result<napi::bindgen_prelude::PromiseRaw<'env, Finished<R>>> {
    spawn(env, async move { Err(failure) })
}

impl Finish for serde_json::Value {
    /// Numbers as `JSON.parse` gives them ([`crate::json::for_js`]).
    fn finish(self, env: &Env) -> napi::Result<sys::napi_value> {
        use napi::bindgen_prelude::JsValue;
        Ok(env.to_js_value(&crate::json::for_js(self))?.value().value)
    }
}
