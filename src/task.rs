//! Off-thread work for promise-returning methods.
//!
//! A [`Work`] runs its job on the libuv thread pool and settles its promise on the JS
//! thread: the job's value is converted by [`Finish`]; a [`Failure`] becomes the JS error
//! object (class and `code` preserved). Argument errors found before any work starts
//! reject the same way ([`Work::refuse`]), so async methods never throw synchronously.

use napi::bindgen_prelude::{AsyncTask, ToNapiValue, TypeName};
use napi::{Env, Task};

use crate::error::{Failure, Fallible};

/// A job's result, turned into its JS value on the JS thread.
pub trait Finish: Send + 'static {
    type Js: ToNapiValue + TypeName;
    fn finish(self, env: &Env) -> napi::Result<Self::Js>;
}

type Job<R> = Box<dyn FnOnce() -> Fallible<R> + Send>;

pub struct Work<R: Finish> {
    job: Option<Fallible<Job<R>>>,
    failure: Option<Failure>,
}

impl<R: Finish> Work<R> {
    pub fn new(job: impl FnOnce() -> Fallible<R> + Send + 'static) -> AsyncTask<Self> {
        AsyncTask::new(Self { job: Some(Ok(Box::new(job))), failure: None })
    }

    pub fn refuse(failure: Failure) -> AsyncTask<Self> {
        AsyncTask::new(Self { job: Some(Err(failure)), failure: None })
    }

    /// `job` if the arguments were good, else their failure.
    pub fn start(prepared: Fallible<impl FnOnce() -> Fallible<R> + Send + 'static>) -> AsyncTask<Self> {
        match prepared {
            Ok(job) => Self::new(job),
            Err(failure) => Self::refuse(failure),
        }
    }
}

impl<R: Finish> Task for Work<R> {
    type Output = R;
    type JsValue = R::Js;

    fn compute(&mut self) -> napi::Result<R> {
        let outcome = match self.job.take() {
            Some(Ok(job)) => job(),
            Some(Err(failure)) => Err(failure),
            None => Err(Failure::new(crate::error::Class::Error, "ERR_INTERNAL", "a task ran twice")),
        };
        outcome.map_err(|failure| {
            self.failure = Some(failure);
            napi::Error::from_reason("rejected")
        })
    }

    fn resolve(&mut self, env: Env, output: R) -> napi::Result<R::Js> {
        output.finish(&env)
    }

    fn reject(&mut self, env: Env, err: napi::Error) -> napi::Result<R::Js> {
        Err(self.failure.take().map_or(err, |failure| failure.into_napi(&env)))
    }
}

impl Finish for Vec<f32> {
    type Js = napi::bindgen_prelude::Float32Array;
    fn finish(self, _env: &Env) -> napi::Result<Self::Js> {
        Ok(napi::bindgen_prelude::Float32Array::new(self))
    }
}

impl Finish for () {
    type Js = ();
    fn finish(self, _env: &Env) -> napi::Result<()> {
        Ok(())
    }
}
