//! Genre detection: `classifyGenreSync` / `classifyGenre` over a buffer and the streaming
//! `GenreClassifier` (`pushSync` / `push`). The `…Sync` calls run on the calling thread;
//! the others run on a worker thread and reject with the same coded errors.
//!
//! `GenreClassifier` calls apply in call order, also while `push()` promises are pending
//! (`edgemix_runtime::Serial`, as for `MixerChain`).

use std::sync::Arc;

use edgemix_dsp::genre::{
    classify, Genre, GenreDecision, GenreOptions, GenreScores, StreamingGenreClassifier,
    StreamingGenreOptions, GENRES,
};
use edgemix_runtime::{GenreState, GenreOp, Serial};
use napi::bindgen_prelude::{JsValue, Unknown};
use napi::{sys, Env};
use napi_derive::napi;
use serde_json::{json, Map, Value};

use crate::audio::samples;
use crate::config::read_object;
use crate::error::{Failure, Fallible, OrThrow};
use crate::task::{Finish, Queued};

/// `{ genre, confidence, probabilities: { speech, rock, ... } }`.
fn result_json(genre: Option<Genre>, confidence: f32, probabilities: &[f32; GENRES]) -> Value {
    let probabilities: Map<String, Value> = Genre::ALL
        .iter()
        .zip(probabilities)
        .map(|(g, p)| (g.as_str().to_owned(), json!(p)))
        .collect();
    json!({ "genre": genre.map(Genre::as_str), "confidence": confidence, "probabilities": probabilities })
}

fn scores_json(scores: &GenreScores) -> Value {
    let (genre, confidence) = scores.best();
    result_json(Some(genre), confidence, &scores.probabilities)
}

fn decision_json(decision: &GenreDecision) -> Value {
    result_json(decision.genre, decision.confidence, &decision.probabilities)
}

/// A result converted on the JS thread.
pub struct Json(pub(crate) Value);

impl Finish for Json {
    fn finish(self, env: &Env) -> napi::Result<sys::napi_value> {
        Ok(env.to_js_value(&self.0)?.raw())
    }
}

/// Reads `(input, options)` on the JS thread.
fn arguments(
    input: &Unknown<'_>,
    options: Option<&Unknown<'_>>,
) -> Fallible<(Vec<f32>, u32)> {
    let block = samples(input, "input")?;
    let rate = match read_object(options, "options")? {
        None => GenreOptions::default().validate()?,
        Some(json) => GenreOptions::from_json(&json)?,
    };
    Ok((block, rate))
}

fn run(block: &[f32], rate: u32) -> Fallible<Json> {
    Ok(Json(scores_json(&classify(block, rate)?)))
}

/// Genre of a mono buffer (at least 3 s): the mean class probabilities of its 3 s
/// windows (one per second); `genre` is always the most probable class.
#[napi(
    ts_args_type = "input: Float32Array, options?: GenreOptions",
    ts_return_type = "GenreResult"
)]
pub fn classify_genre_sync<'env>(
    env: &'env Env,
    input: Unknown<'_>,
    options: Option<Unknown<'_>>,
) -> napi::Result<Unknown<'env>> {
    let (block, rate) = arguments(&input, options.as_ref()).or_throw(env)?;
    let Json(value) = run(&block, rate).or_throw(env)?;
    env.to_js_value(&value)
}

/// `classifyGenreSync` on a worker thread.
#[napi(
    js_name = "classifyGenre",
    ts_args_type = "input: Float32Array, options?: GenreOptions",
    ts_return_type = "Promise<GenreResult>"
)]
pub fn classify_genre_async(
    input: Unknown<'_>,
    options: Option<Unknown<'_>>,
) -> Queued<Json> {
    Queued::background(
        arguments(&input, options.as_ref()).map(|(block, rate)| move || run(&block, rate)),
    )
}

/// Streaming genre decisions: blocks of any length in, the current (smoothed, hysteretic)
/// decision out. `genre` is null below the confidence threshold and during the first 3 s.
#[napi]
pub struct GenreClassifier {
    state: Arc<Serial<GenreState>>,
    options: Value,
}

#[napi]
impl GenreClassifier {
    /// Creates a classifier; omitted options take the defaults (48 kHz, decisions every
    /// 500 ms, 2 s smoothing, 1 s hold, margin 0.1, threshold 0.5).
    #[napi(constructor, ts_args_type = "options?: GenreClassifierOptions")]
    pub fn new(env: Env, options: Option<Unknown<'_>>) -> napi::Result<Self> {
        let (rate, opts) = read_object(options.as_ref(), "options")
            .and_then(|json| match json {
                None => Ok((
                    GenreOptions::default().validate()?,
                    StreamingGenreOptions::default(),
                )),
                Some(json) => Ok(StreamingGenreOptions::from_json(&json)?),
            })
            .or_throw(&env)?;
        let classifier = StreamingGenreClassifier::new(rate, opts)
            .map_err(Failure::from)
            .or_throw(&env)?;
        let mut options = serde_json::to_value(opts).expect("options serialise");
        options["sampleRate"] = json!(rate);
        Ok(Self {
            state: Arc::new(Serial::new(GenreState::new(classifier))),
            options,
        })
    }

    /// Feeds a block on the calling thread; returns the decision after it.
    #[napi(ts_args_type = "input: Float32Array", ts_return_type = "GenreResult")]
    pub fn push_sync<'env>(
        &self,
        env: &'env Env,
        input: Unknown<'_>,
    ) -> napi::Result<Unknown<'env>> {
        let block = samples(&input, "input").or_throw(env)?;
        let decision = self
            .state
            .run(GenreOp::Push(block))
            .map_err(Failure::from)
            .or_throw(env)?;
        env.to_js_value(&decision_json(&decision))
    }

    /// `pushSync` on a worker thread; overlapping calls apply in call order.
    #[napi(
        ts_args_type = "input: Float32Array",
        ts_return_type = "Promise<GenreResult>"
    )]
    pub fn push(&self, input: Unknown<'_>) -> Queued<Json> {
        Queued::frame(samples(&input, "input").map(|block| {
            let state = Arc::clone(&self.state);
            let ticket = state.submit(GenreOp::Push(block));
            move || {
                state
                    .run_until(ticket)
                    .map(|d| Json(decision_json(&d)))
                    .map_err(Failure::from)
            }
        }))
    }

    /// Back to the initial state (no history, no decision) after every earlier call.
    #[napi]
    pub fn reset(&self) {
        self.state.submit_detached(GenreOp::Reset);
    }

    /// The options in effect, every default filled in.
    #[napi(getter, ts_return_type = "Required<GenreClassifierOptions>")]
    pub fn options(&self) -> Value {
        self.options.clone()
    }
}
