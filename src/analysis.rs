//! Audio analysis: MFCCs and spectral features, batch (`extractMfccSync` / `extractMfcc`,
//! `extractFeaturesSync` / `extractFeatures`) and streaming (`FeatureExtractor`, with
//! `pushSync` / `push`). The `…Sync` calls run on the calling thread; the others run on
//! a worker thread and return a promise that rejects with the same coded errors.
//!
//! `FeatureExtractor` calls apply in call order, also while `push()` promises are
//! pending (`edgemix_runtime::Serial`, as for `MixerChain`).

use std::sync::Arc;

use edgemix_dsp::{
    extract_features, extract_mfcc, AnalysisConfig, AnalysisFrames, AnalysisSettings,
    FeatureExtractor as Extractor,
};
use edgemix_runtime::{ExtractorState, ExtractorOp, Serial, Ticket};
use napi::bindgen_prelude::{Float32Array, JsValue, Object, Unknown};
use napi::{sys, Env};
use napi_derive::napi;
use serde_json::Value;

use crate::audio::samples;
use crate::config::read_object;
use crate::error::{Failure, Fallible, OrThrow};
use crate::task::{samples_to_js, Finish, Queued};

/// Validated analysis options from an optional plain object.
fn analysis_settings(options: Option<&Unknown<'_>>) -> Fallible<AnalysisSettings> {
    match read_object(options, "options")? {
        None => Ok(AnalysisSettings::default()),
        Some(json) => Ok(AnalysisConfig::from_json(&json)?),
    }
}

/// Reads `(input, options)` on the JS thread.
fn arguments(
    input: &Unknown<'_>,
    options: Option<&Unknown<'_>>,
) -> Fallible<(Vec<f32>, AnalysisSettings)> {
    let block = samples(input, "input")?;
    Ok((block, analysis_settings(options)?))
}

/// Frame-major MFCCs as a Float32Array.
pub struct Mfccs(Vec<f32>);

impl Finish for Mfccs {
    fn finish(self, env: &Env) -> napi::Result<sys::napi_value> {
        samples_to_js(env, self.0)
    }
}

/// Frames with or without the spectral columns.
pub struct Frames(AnalysisFrames, bool);

impl Finish for Frames {
    fn finish(self, env: &Env) -> napi::Result<sys::napi_value> {
        Ok(frames_object(env, self.0, self.1)?.raw())
    }
}

fn frames_object(env: &Env, frames: AnalysisFrames, spectral: bool) -> napi::Result<Object<'_>> {
    let mut obj = Object::new(env)?;
    obj.set("frames", frames.frames as u32)?;
    obj.set("nMfcc", frames.n_mfcc as u32)?;
    obj.set("mfcc", Float32Array::new(frames.mfcc))?;
    if spectral {
        obj.set("rms", Float32Array::new(frames.rms))?;
        obj.set("zcr", Float32Array::new(frames.zcr))?;
        obj.set("centroidHz", Float32Array::new(frames.centroid_hz))?;
        obj.set("rolloffHz", Float32Array::new(frames.rolloff_hz))?;
        obj.set("flatness", Float32Array::new(frames.flatness))?;
        obj.set("flux", Float32Array::new(frames.flux))?;
    }
    Ok(obj)
}

/// MFCCs of every frame of `input` (center=false framing: frame i covers samples
/// [i·hop, i·hop + nFft)), frame-major: `nMfcc` coefficients of frame 0, then frame 1…
/// The frame count is `result.length / nMfcc`.
#[napi(ts_args_type = "input: Float32Array, options?: AnalysisOptions")]
pub fn extract_mfcc_sync(
    env: Env,
    input: Unknown<'_>,
    options: Option<Unknown<'_>>,
) -> napi::Result<Float32Array> {
    let (block, settings) = arguments(&input, options.as_ref()).or_throw(&env)?;
    extract_mfcc(&block, &settings)
        .map(Float32Array::new)
        .map_err(Failure::from)
        .or_throw(&env)
}

/// `extractMfccSync` on a worker thread.
#[napi(
    js_name = "extractMfcc",
    ts_args_type = "input: Float32Array, options?: AnalysisOptions",
    ts_return_type = "Promise<Float32Array>"
)]
pub fn extract_mfcc_async(
    input: Unknown<'_>,
    options: Option<Unknown<'_>>,
) -> Queued<Mfccs> {
    Queued::background(
        arguments(&input, options.as_ref()).map(|(block, settings)| {
            move || {
                extract_mfcc(&block, &settings)
                    .map(Mfccs)
                    .map_err(Failure::from)
            }
        }),
    )
}

/// MFCCs and spectral features (RMS, zero-crossing rate, centroid, rolloff, flatness,
/// flux) of every frame of `input`, center=false framing.
#[napi(
    ts_args_type = "input: Float32Array, options?: AnalysisOptions",
    ts_return_type = "AudioFeatures"
)]
pub fn extract_features_sync<'env>(
    env: &'env Env,
    input: Unknown<'_>,
    options: Option<Unknown<'_>>,
) -> napi::Result<Object<'env>> {
    let (block, settings) = arguments(&input, options.as_ref()).or_throw(env)?;
    let frames = extract_features(&block, &settings)
        .map_err(Failure::from)
        .or_throw(env)?;
    frames_object(env, frames, true)
}

/// `extractFeaturesSync` on a worker thread.
#[napi(
    js_name = "extractFeatures",
    ts_args_type = "input: Float32Array, options?: AnalysisOptions",
    ts_return_type = "Promise<AudioFeatures>"
)]
pub fn extract_features_async(
    input: Unknown<'_>,
    options: Option<Unknown<'_>>,
) -> Queued<Frames> {
    Queued::background(
        arguments(&input, options.as_ref()).map(|(block, settings)| {
            move || {
                extract_features(&block, &settings)
                    .map(|f| Frames(f, true))
                    .map_err(Failure::from)
            }
        }),
    )
}

/// Streaming MFCC / feature extraction: blocks of any length in, one frame out per `hop`
/// samples. The extractor starts with `nFft − hop` samples of silence as history, so
/// with the defaults every 960-sample block pushed yields exactly one frame (the new 960
/// samples plus 64 of history); its output over a signal equals `extractFeaturesSync`
/// over the signal preceded by `nFft − hop` zeros.
#[napi]
pub struct FeatureExtractor {
    state: Arc<Serial<ExtractorState>>,
    settings: AnalysisSettings,
}

#[napi]
impl FeatureExtractor {
    /// Creates an extractor; omitted options take the defaults (48 kHz, 1024/960, 40 mel
    /// bands, 13 coefficients, MFCCs only — `spectral: true` adds the spectral features).
    #[napi(constructor, ts_args_type = "options?: AnalysisOptions")]
    pub fn new(env: Env, options: Option<Unknown<'_>>) -> napi::Result<Self> {
        let settings = analysis_settings(options.as_ref()).or_throw(&env)?;
        Ok(Self {
            state: Arc::new(Serial::new(ExtractorState::new(Extractor::new(settings)))),
            settings,
        })
    }

    /// Feeds a block on the calling thread; returns the frames it completed (possibly 0).
    #[napi(
        ts_args_type = "input: Float32Array",
        ts_return_type = "AnalysisFrames"
    )]
    pub fn push_sync<'env>(
        &self,
        env: &'env Env,
        input: Unknown<'_>,
    ) -> napi::Result<Object<'env>> {
        let block = samples(&input, "input").or_throw(env)?;
        let frames = self
            .state
            .run(ExtractorOp::Push(block))
            .map_err(Failure::from)
            .or_throw(env)?;
        frames_object(env, frames, self.settings.spectral)
    }

    /// `pushSync` on a worker thread; overlapping calls apply in call order.
    #[napi(
        ts_args_type = "input: Float32Array",
        ts_return_type = "Promise<AnalysisFrames>"
    )]
    pub fn push(&self, input: Unknown<'_>) -> Queued<Frames> {
        let spectral = self.settings.spectral;
        Queued::frame(samples(&input, "input").map(|block| {
            let state = Arc::clone(&self.state);
            let ticket: Ticket = state.submit(ExtractorOp::Push(block));
            move || {
                state
                    .run_until(ticket)
                    .map(|f| Frames(f, spectral))
                    .map_err(Failure::from)
            }
        }))
    }

    /// Back to the initial state (silent history) after every earlier call.
    #[napi]
    pub fn reset(&self) {
        self.state.submit_detached(ExtractorOp::Reset);
    }

    /// The options in effect, every default filled in.
    #[napi(getter, ts_return_type = "Required<AnalysisOptions>")]
    pub fn options(&self) -> Value {
        serde_json::to_value(self.settings).expect("settings serialise")
    }
}
