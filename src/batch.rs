//! Batch calls: one block for each of many stateful objects (mixer chains, WASM
//! sessions) in a single worker-thread job, so a server with many live streams pays the
//! JS-thread hand-off once per batch instead of once per block.
//!
//! Each block is submitted to its object's call order on the JS thread, exactly as the
//! object's own `process()` would submit it, so batch and single calls interleave in call
//! order. The promise resolves to one entry per item: its output or the `Error` that item
//! got (one bad block does not fail the others).

use napi::bindgen_prelude::{ClassInstance, FromNapiValue, JsValue, MaybeTypeTag, Unknown};
use napi::{sys, Env};

use crate::audio::describe;
use crate::error::{Failure, Fallible};
use crate::task::Finish;

/// Most items in one batch call.
pub const MAX_ITEMS: usize = 65_536;

/// Each `inputs[i]` converted by `convert` (named `inputs[i]` in its messages), then
/// submitted to `targets[i]` (an instance of the class `T`, named `class` in messages) by
/// `submit`, in item order. Bad arguments refuse the whole batch before any item is
/// submitted.
pub fn submit_all<'env, T, I, S>(
    targets: &Unknown<'env>,
    inputs: &Unknown<'env>,
    class: &str,
    convert: impl Fn(&Unknown<'env>, &str) -> Fallible<I>,
    submit: impl Fn(&T, I) -> S,
) -> Fallible<Vec<S>>
where
    T: 'env + MaybeTypeTag,
{
    let pairs = pairs::<T>(targets, inputs, class)?;
    let converted = pairs
        .iter()
        .enumerate()
        .map(|(i, (_, input))| convert(input, &format!("inputs[{i}]")))
        .collect::<Fallible<Vec<_>>>()?;
    Ok(pairs
        .iter()
        .zip(converted)
        .map(|((target, _), input)| submit(target, input))
        .collect())
}

/// The job of a batch: every submitted item run in item order, each with its own outcome.
pub fn run_all<R>(runs: Vec<impl FnOnce() -> Fallible<R>>) -> Each<R> {
    Each(runs.into_iter().map(|run| run()).collect())
}

/// `targets[i]` (instances of the class `T`, named `class` in messages) paired with
/// `inputs[i]`, after checking both are arrays of the same length.
fn pairs<'env, T>(
    targets: &Unknown<'env>,
    inputs: &Unknown<'env>,
    class: &str,
) -> Fallible<Vec<(ClassInstance<'env, T>, Unknown<'env>)>>
where
    T: 'env + MaybeTypeTag,
{
    let targets = array(targets, "targets", &format!("an array of {class}"))?;
    let inputs = array(inputs, "inputs", "an array of inputs")?;
    if targets.len() != inputs.len() {
        return Err(Failure::new(
            crate::error::Class::RangeError,
            crate::error::code::INVALID_ARG_TYPE,
            format!(
                "targets and inputs must have the same length, received {} and {}",
                targets.len(),
                inputs.len()
            ),
        ));
    }
    targets
        .into_iter()
        .zip(inputs)
        .enumerate()
        .map(|(i, (target, input))| {
            let raw = target.value();
            // SAFETY: a live value of the current call.
            let instance = unsafe { ClassInstance::<T>::from_napi_value(raw.env, raw.value) }
                .map_err(|_| {
                    Failure::arg_type(format!(
                        "targets[{i}] must be a {class}, received {}",
                        describe(&target)
                    ))
                })?;
            Ok((instance, input))
        })
        .collect()
}

fn array<'env>(value: &Unknown<'env>, name: &str, expected: &str) -> Fallible<Vec<Unknown<'env>>> {
    let wrong = || {
        Failure::arg_type(format!(
            "The \"{name}\" argument must be {expected} (at most {MAX_ITEMS}), received {}",
            describe(value)
        ))
    };
    if !value.is_array().unwrap_or(false) {
        return Err(wrong());
    }
    let raw = value.value();
    // SAFETY: a live array of the current call.
    let items =
        unsafe { Vec::<Unknown>::from_napi_value(raw.env, raw.value) }.map_err(|_| wrong())?;
    if items.len() > MAX_ITEMS {
        return Err(wrong());
    }
    Ok(items)
}

/// The outcome of every item of a batch, in item order.
pub struct Each<R>(pub Vec<Fallible<R>>);

impl<R: Finish> Finish for Each<R> {
    /// An array of outputs and errors. Every output owns its memory: a view into a buffer
    /// shared by the batch would hand each stream's `output.buffer` the other streams'
    /// audio.
    fn finish(self, env: &Env) -> napi::Result<sys::napi_value> {
        let raw = env.raw();
        let mut array = std::ptr::null_mut();
        // SAFETY: plain N-API calls on the JS thread of `env`, each checked.
        unsafe {
            check(sys::napi_create_array_with_length(
                raw,
                self.0.len(),
                &mut array,
            ))?;
            for (i, item) in self.0.into_iter().enumerate() {
                let value = match item {
                    Ok(output) => output.finish(env)?,
                    Err(failure) => failure.js_error(env)?,
                };
                check(sys::napi_set_element(raw, array, i as u32, value))?;
            }
        }
        Ok(array)
    }
}

fn check(status: sys::napi_status) -> napi::Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(napi::Error::from_reason(format!(
            "N-API call failed with status {status}"
        )))
    }
}
