//! Loudness (ITU-R BS.1770-4 / EBU R128): `measureLoudnessSync` on the calling thread,
//! `measureLoudness` on a worker thread (a promise that rejects with the same coded
//! errors).

use edgemix_dsp::{measure_loudness, LoudnessConfig, LoudnessReport, LoudnessSettings};
use napi::bindgen_prelude::{Float32Array, JsValue, Null, Object, Unknown};
use napi::{sys, Env};
use napi_derive::napi;

use crate::audio::{float32, samples};
use crate::config::read_object;
use crate::error::{Failure, Fallible, OrThrow};
use crate::task::{Finish, Queued};

fn settings(options: Option<&Unknown<'_>>) -> Fallible<LoudnessSettings> {
    Ok(match read_object(options, "options")? {
        None => LoudnessConfig::default().validate()?,
        Some(json) => LoudnessConfig::from_json(&json)?,
    })
}

fn arguments(
    input: &Unknown<'_>,
    options: Option<&Unknown<'_>>,
) -> Fallible<(Vec<f32>, LoudnessSettings)> {
    let block = samples(input, "input")?;
    Ok((block, settings(options)?))
}

fn report_object(env: &Env, report: LoudnessReport, with_target: bool) -> napi::Result<Object<'_>> {
    let mut obj = Object::new(env)?;
    obj.set("integratedLufs", report.integrated_lufs)?;
    obj.set(
        "shortTermLufs",
        Float32Array::new(report.short_term_lufs.iter().map(|&v| v as f32).collect()),
    )?;
    obj.set("shortTermMaxLufs", report.short_term_max_lufs)?;
    obj.set("momentaryMaxLufs", report.momentary_max_lufs)?;
    obj.set("truePeakDbtp", report.true_peak_dbtp)?;
    obj.set("samplePeakDbfs", report.sample_peak_dbfs)?;
    if with_target {
        match report.normalization_gain_db {
            Some(gain) => obj.set("normalizationGainDb", gain)?,
            None => obj.set("normalizationGainDb", Null)?,
        }
    }
    Ok(obj)
}

/// A finished measurement.
pub struct Measured(LoudnessReport, bool);

impl Finish for Measured {
    fn finish(self, env: &Env) -> napi::Result<sys::napi_value> {
        Ok(report_object(env, self.0, self.1)?.raw())
    }
}

/// Integrated, short-term and momentary loudness and true peak of a whole programme.
#[napi(
    ts_args_type = "input: Float32Array, options?: LoudnessOptions",
    ts_return_type = "LoudnessResult"
)]
pub fn measure_loudness_sync<'env>(
    env: &'env Env,
    input: Unknown<'_>,
    options: Option<Unknown<'_>>,
) -> napi::Result<Object<'env>> {
    // Measured in place: no copy of the samples on the calling thread.
    let block = float32(&input, "input").or_throw(env)?;
    let settings = settings(options.as_ref()).or_throw(env)?;
    let report = measure_loudness(&block, &settings)
        .map_err(Failure::from)
        .or_throw(env)?;
    report_object(env, report, settings.target.is_some())
}

/// `measureLoudnessSync` on a worker thread.
#[napi(
    js_name = "measureLoudness",
    ts_args_type = "input: Float32Array, options?: LoudnessOptions",
    ts_return_type = "Promise<LoudnessResult>"
)]
pub fn measure_loudness_async(
    input: Unknown<'_>,
    options: Option<Unknown<'_>>,
) -> Queued<Measured> {
    Queued::background(
        arguments(&input, options.as_ref()).map(|(block, settings)| {
            let with_target = settings.target.is_some();
            move || {
                measure_loudness(&block, &settings)
                    .map(|r| Measured(r, with_target))
                    .map_err(Failure::from)
            }
        }),
    )
}
