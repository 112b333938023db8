//! `MixerChain`: the native gate → compressor → EQ → limiter chain.
//!
//! Every call on one chain — `processSync`, `process`, `updateConfig`, `reset` — is
//! applied in call order, also while `process()` promises are still pending: calls are
//! enqueued on the JS thread in O(1) and applied in order by whichever thread needs a
//! result next (`edgemix_runtime::Serial`).

use std::cell::RefCell;
use std::sync::Arc;

use edgemix_dsp::{ChainConfig, MixerChain as Chain, Preset};
use edgemix_runtime::{MetersHandle, MixerState, MixerOp, SerialMixer};
use napi::bindgen_prelude::{Float32ArraySlice, JsValue, Unknown};
use napi::Env;
use napi_derive::napi;
use serde_json::Value;

use crate::audio::{float32, samples};
use crate::batch::{run_all, submit_all, Each};
use crate::config::{chain_config, read_object};
use crate::error::{Failure, Fallible, OrThrow};
use crate::task::Queued;

/// The mixer chain, mono or interleaved stereo (`channels: 2`, linked gain), any block
/// length (whole frames); state carries across calls.
#[napi]
pub struct MixerChain {
    chain: Arc<SerialMixer>,
    meters: MetersHandle,
    /// The configuration of the last accepted `updateConfig` (applied in call order).
    /// Every method takes `&self`: napi keeps a shared borrow of the object while a
    /// `process()` promise is pending, and `updateConfig` must work meanwhile.
    config: RefCell<ChainConfig>,
}

impl MixerChain {
    /// Takes `block`'s place in the chain's call order now; the returned job processes it
    /// (after every earlier call) on whichever thread runs it.
    fn submit(&self, block: Vec<f32>) -> impl FnOnce() -> Fallible<Vec<f32>> + Send + 'static {
        let chain = Arc::clone(&self.chain);
        let ticket = chain.submit(MixerOp::Process(block));
        move || chain.run_until(ticket).into_audio().map_err(Failure::from)
    }
}

#[napi]
impl MixerChain {
    /// Creates a chain; omitted settings take the documented defaults (a podcast/voice chain).
    #[napi(constructor, ts_args_type = "config?: MixerConfigInput")]
    pub fn new(env: Env, config: Option<Unknown<'_>>) -> napi::Result<Self> {
        let config = chain_config(config.as_ref()).or_throw(&env)?;
        let node = MixerState::new(
            Chain::new(config.clone())
                .map_err(Failure::from)
                .or_throw(&env)?,
        );
        let meters = node.meters();
        Ok(Self {
            chain: Arc::new(SerialMixer::new(node)),
            meters,
            config: RefCell::new(config),
        })
    }

    /// Processes a block on the calling thread and returns the processed copy.
    #[napi(ts_args_type = "input: Float32Array", ts_return_type = "Float32Array")]
    pub fn process_sync<'env>(
        &self,
        env: &'env Env,
        input: Unknown<'env>,
    ) -> napi::Result<Float32ArraySlice<'env>> {
        let input = float32(&input, "input").or_throw(env)?;
        // The copy is the result: allocated by V8, processed in place.
        let mut output = Float32ArraySlice::copy_from(env, &*input)?;
        // SAFETY: `output` was just created and is not shared with JS yet.
        let block = unsafe { output.as_mut() };
        self.chain
            .run_with(|node| node.process(block))
            .map_err(Failure::from)
            .or_throw(env)?;
        Ok(output)
    }

    /// Processes a block on a worker thread. Overlapping calls are applied in call order.
    #[napi(
        ts_args_type = "input: Float32Array",
        ts_return_type = "Promise<Float32Array>"
    )]
    pub fn process(&self, input: Unknown<'_>) -> Queued<Vec<f32>> {
        Queued::frame(samples(&input, "input").map(|block| self.submit(block)))
    }

    /// Processes `inputs[i]` on `chains[i]` for every i in one worker-thread job (fewer
    /// thread hand-offs than one `process()` per chain when many streams are live). Each
    /// block takes its place in its chain's call order now, as `process()` would; a chain
    /// may appear more than once. Resolves to one entry per item: the processed block, or
    /// the `Error` that block got (the others are unaffected). Rejects before anything runs
    /// if the arguments are not two arrays of the same length (at most 65536) of chains and
    /// Float32Arrays.
    #[napi(
        ts_args_type = "chains: MixerChain[], inputs: Float32Array[]",
        ts_return_type = "Promise<Array<Float32Array | Error>>"
    )]
    pub fn process_batch(chains: Unknown<'_>, inputs: Unknown<'_>) -> Queued<Each<Vec<f32>>> {
        let submitted = submit_all(&chains, &inputs, "MixerChain", samples, MixerChain::submit);
        Queued::frame(submitted.map(|runs| move || Ok(run_all(runs))))
    }

    /// Merges a partial configuration over the current one. It is validated whole before
    /// anything changes (all or nothing) and takes effect after every earlier call.
    #[napi(ts_args_type = "partial: MixerConfigInput")]
    pub fn update_config(&self, env: Env, partial: Unknown<'_>) -> napi::Result<()> {
        let next = read_object(Some(&partial), "partial")
            .and_then(|value| {
                let value = value.ok_or_else(|| {
                    Failure::arg_type(
                        "The \"partial\" argument must be a plain object, received nothing",
                    )
                })?;
                Ok(self.config.borrow().merged(&value)?)
            })
            .or_throw(&env)?;
        self.chain.submit_detached(MixerOp::Configure(next.clone()));
        *self.config.borrow_mut() = next;
        Ok(())
    }

    /// `config` (default: the defaults) with the preset-managed parameters (gate threshold
    /// and range, the compressor's, the EQ's) set to a genre preset's values at its sample
    /// rate: the preset as a fixed configuration (see the README's preset table).
    #[napi(
        ts_args_type = "preset: 'neutral' | 'speech' | 'rock' | 'jazz' | 'electronic' | 'classical', config?: MixerConfigInput",
        ts_return_type = "MixerConfig"
    )]
    pub fn preset_config(env: Env, preset: Unknown<'_>, config: Option<Unknown<'_>>) -> napi::Result<Value> {
        let names = || Preset::ALL.map(Preset::as_str).join(", ");
        let name: Fallible<Preset> = match preset.get_type() {
            Ok(napi::ValueType::String) => {
                // SAFETY: a live string value of the current call.
                let raw = preset.value();
                let name = unsafe { <String as napi::bindgen_prelude::FromNapiValue>::from_napi_value(raw.env, raw.value) }?;
                Preset::from_name(&name).ok_or_else(|| {
                    Failure::from(edgemix_dsp::ConfigError::new(
                        "preset",
                        format!("preset {name:?} is not one of {}", names()),
                    ))
                })
            }
            _ => Err(Failure::arg_type(format!(
                "The \"preset\" argument must be a preset name ({}), received {}",
                names(),
                crate::audio::describe(&preset)
            ))),
        };
        let preset = name.or_throw(&env)?;
        let mut config = chain_config(config.as_ref()).or_throw(&env)?;
        preset.apply(&mut config);
        config.validate().map_err(Failure::from).or_throw(&env)?;
        Ok(serde_json::to_value(&config).expect("config serialises"))
    }

    /// The full configuration, including every accepted update.
    #[napi(getter, ts_return_type = "MixerConfig")]
    pub fn config(&self) -> Value {
        serde_json::to_value(&*self.config.borrow()).expect("config serialises")
    }

    /// Latency of the chain in samples per channel (the limiter lookahead).
    #[napi(getter)]
    pub fn latency_samples(&self) -> u32 {
        self.config.borrow().latency_samples() as u32
    }

    /// Meters of the most recently completed block (pending `process()` calls not
    /// included). Never waits for a block in progress.
    #[napi(ts_return_type = "MixerMeters")]
    pub fn meters(&self, env: Env) -> napi::Result<Unknown<'_>> {
        env.to_js_value(&self.meters.get())
    }

    /// Clears all processing state (filters, detectors, delay line, meters) after every
    /// earlier call; the configuration stays.
    #[napi]
    pub fn reset(&self) {
        self.chain.submit_detached(MixerOp::Reset);
    }
}
