//! WAV files and sample-rate conversion (`edgemix-audio-io`): `readWav`, `decodeWav`,
//! `writeWav`, `encodeWav` and `resample`, each a one-shot job on libuv's pool whose
//! promise rejects with the crate's refusals as coded errors.

use edgemix_audio_io::{self as audio_io, SampleFormat, WavAudio};
use napi::bindgen_prelude::{
    AsyncTask, Buffer, Float32Array, FromNapiValue, JsValue, Object, Uint8ArraySlice, Unknown,
};
use napi::{sys, Env, ValueType};
use napi_derive::napi;
use serde::Deserialize;
use serde_json::Value;

use crate::audio::{describe, samples};
use crate::config::{options_from_json, read_object, read_object_apart};
use crate::error::{Class, Failure, Fallible};
use crate::task::{Finish, Work};

/// A path string argument named `name`.
pub(crate) fn path(value: &Unknown<'_>, name: &str) -> Fallible<std::path::PathBuf> {
    let refuse = || {
        Failure::arg_type(format!(
            "The \"{name}\" argument must be a file path (a non-empty string), received {}",
            describe(value)
        ))
    };
    if value.get_type().ok() != Some(ValueType::String) {
        return Err(refuse());
    }
    let raw = value.value();
    // SAFETY: a live string value of the current call.
    let path = unsafe { String::from_napi_value(raw.env, raw.value) }.map_err(|_| refuse())?;
    if path.is_empty() {
        return Err(refuse());
    }
    Ok(path.into())
}

/// The fields of an audio argument besides its samples.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AudioFields {
    sample_rate: f64,
    channels: f64,
    #[serde(default)]
    format: Option<String>,
}

fn config_error(message: String) -> Failure {
    Failure::new(Class::RangeError, crate::error::code::INVALID_CONFIG, message)
}

/// A whole number in `1..=max` read from `name`.
fn count(name: &str, value: f64, max: f64) -> Fallible<f64> {
    if value.fract() == 0.0 && (1.0..=max).contains(&value) {
        Ok(value)
    } else {
        Err(config_error(format!("audio.{name} = {value} is out of range: allowed whole numbers from 1 to {max}")))
    }
}

/// An audio argument: `{ sampleRate, channels, samples: Float32Array, format? }`.
fn audio_argument(value: &Unknown<'_>) -> Fallible<WavAudio> {
    if value.get_type().ok() != Some(ValueType::Object) || value.is_array().unwrap_or(false) {
        return Err(Failure::arg_type(format!(
            "The \"audio\" argument must be an object {{ sampleRate, channels, samples: Float32Array, format? }}, received {}",
            describe(value)
        )));
    }
    let (fields, apart) = read_object_apart(Some(value), "audio", &["samples"])?;
    let data = match apart.first() {
        Some((_, property)) => Some(samples(property, "audio.samples")?),
        None => None,
    };
    let samples = data.ok_or_else(|| Failure::arg_type("audio.samples is missing: expected a Float32Array of interleaved samples"))?;
    let fields: AudioFields = options_from_json(&Value::Object(fields), "audio")?;
    let format = match fields.format.as_deref() {
        None => SampleFormat::Float32,
        Some(name) => SampleFormat::from_name(name).ok_or_else(|| {
            let names: Vec<_> = SampleFormat::ALL.iter().map(|f| f.name()).collect();
            config_error(format!("audio.format = {name:?} is not supported: allowed {}", names.join(", ")))
        })?,
    };
    Ok(WavAudio {
        sample_rate: count("sampleRate", fields.sample_rate, f64::from(u32::MAX))? as u32,
        channels: count("channels", fields.channels, f64::from(u16::MAX))? as u16,
        samples,
        format,
    })
}

/// Decoded audio, as `{ sampleRate, channels, samples, format }`.
pub struct Decoded(WavAudio);

impl Finish for Decoded {
    fn finish(self, env: &Env) -> napi::Result<sys::napi_value> {
        let audio = self.0;
        let mut obj = Object::new(env)?;
        obj.set("sampleRate", audio.sample_rate)?;
        obj.set("channels", u32::from(audio.channels))?;
        obj.set("samples", Float32Array::new(audio.samples))?;
        obj.set("format", audio.format.name())?;
        Ok(obj.raw())
    }
}

/// An encoding's outcome: the file's bytes (or none, once written) and the clipped count.
pub struct Encoded(Option<Vec<u8>>, usize);

impl Finish for Encoded {
    fn finish(self, env: &Env) -> napi::Result<sys::napi_value> {
        let mut obj = Object::new(env)?;
        if let Some(bytes) = self.0 {
            obj.set("bytes", Buffer::from(bytes))?;
        }
        obj.set("clippedSamples", self.1 as f64)?;
        Ok(obj.raw())
    }
}

/// Reads a WAV file (PCM 8/16/24/32-bit or 32-bit float, any channel count) into
/// interleaved samples at full scale ±1.0, off the JS thread.
#[napi(ts_args_type = "path: string", ts_return_type = "Promise<WavAudio>")]
pub fn read_wav(input: Unknown<'_>) -> AsyncTask<Work<Decoded>> {
    Work::start(path(&input, "path").map(|path| move || Ok(Decoded(audio_io::read_file(&path)?))))
}

/// `readWav` on a file held in memory.
#[napi(ts_args_type = "bytes: Uint8Array", ts_return_type = "Promise<WavAudio>")]
pub fn decode_wav(input: Unknown<'_>) -> AsyncTask<Work<Decoded>> {
    let raw = input.value();
    // SAFETY: a live value of the current call; the bytes are copied before returning.
    let bytes = unsafe { Uint8ArraySlice::from_napi_value(raw.env, raw.value) }
        .map(|b| b.to_vec())
        .map_err(|_| {
            Failure::arg_type(format!(
                "The \"bytes\" argument must be a Uint8Array or Buffer, received {}",
                describe(&input)
            ))
        });
    Work::start(bytes.map(|bytes| move || Ok(Decoded(audio_io::decode(&bytes)?))))
}

/// Writes `audio` as a WAV file in `audio.format` (default float32), replacing `path`.
/// Integer formats round to the nearest step and clip; resolves to the clipped count.
#[napi(ts_args_type = "path: string, audio: WavAudio", ts_return_type = "Promise<{ clippedSamples: number }>")]
pub fn write_wav(target: Unknown<'_>, audio: Unknown<'_>) -> AsyncTask<Work<Encoded>> {
    let prepared = path(&target, "path").and_then(|path| Ok((path, audio_argument(&audio)?)));
    Work::start(prepared.map(|(path, audio)| {
        move || Ok(Encoded(None, audio_io::write_file(&path, &audio)?))
    }))
}

/// `writeWav` into memory: resolves to the file's bytes and the clipped count.
#[napi(ts_args_type = "audio: WavAudio", ts_return_type = "Promise<{ bytes: Buffer; clippedSamples: number }>")]
pub fn encode_wav(audio: Unknown<'_>) -> AsyncTask<Work<Encoded>> {
    Work::start(audio_argument(&audio).map(|audio| {
        move || {
            let (bytes, clipped) = audio_io::encode(&audio)?;
            Ok(Encoded(Some(bytes), clipped))
        }
    }))
}

/// Options of `resample`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ResampleOptions {
    sample_rate: f64,
    target_sample_rate: f64,
    #[serde(default = "one")]
    channels: f64,
}

fn one() -> f64 {
    1.0
}

/// Converts a whole interleaved signal between sample rates (rubato's FFT resampler,
/// delay-compensated: `round(frames · target / rate)` frames out, aligned with the input).
#[napi(
    ts_args_type = "samples: Float32Array, options: ResampleOptions",
    ts_return_type = "Promise<Float32Array>"
)]
pub fn resample(input: Unknown<'_>, options: Unknown<'_>) -> AsyncTask<Work<Vec<f32>>> {
    let prepared = (|| {
        let block = samples(&input, "samples")?;
        let json = read_object(Some(&options), "options")?
            .ok_or_else(|| Failure::arg_type("The \"options\" argument must be an object { sampleRate, targetSampleRate, channels? }"))?;
        let opts: ResampleOptions = options_from_json(&json, "options")?;
        let channels = count("channels", opts.channels, f64::from(u16::MAX)).map_err(|_| {
            config_error(format!("options.channels = {} is out of range: allowed whole numbers from 1 to 65535", opts.channels))
        })? as usize;
        Ok((block, opts, channels))
    })();
    Work::start(prepared.map(|(block, opts, channels)| {
        move || Ok(audio_io::resample(&block, channels, opts.sample_rate, opts.target_sample_rate)?)
    }))
}
