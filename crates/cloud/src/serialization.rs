//! Node inputs and outputs on the wire.
//!
//! - `json` — what the Python client's `JSONSerializer` sends (`json.dumps`). Audio is
//!   a JSON array of numbers (mono), an array of equal-length arrays (channels ×
//!   samples, numpy's `tolist()` of a `(channels, samples)` array), a pair
//!   `[audio, sample_rate]` (RemoteMedia's `(audio, sr)` tuple), or
//!   `{"audio_data": audio, "sample_rate": n}`. Anything else is passed to the node as
//!   JSON. Audio output takes the shape of the input.
//! - `f32le` — raw little-endian float32 mono samples (multi-channel output is
//!   interleaved); the fast path.
//! - `bytes` — opaque bytes (WASM modules); audio output as f32le, JSON as its text.
//! - `pickle` — what the Python client sends by default (`pickle.dumps`): numpy arrays and
//!   plain data, read without running code and answered as pickle (see [`super::pickle`]).
//!
//! Audio input is checked: at least one sample, every sample finite.

use edgemix_wire::f32le;
use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use serde_json::Value;

use crate::pickle;
use edgemix_runtime::json::JsonError;
use crate::nodes::{echo, Audio, NodeData, NodeError};

/// How a node's input and output are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Serialization {
    Json,
    F32le,
    Bytes,
    Pickle,
}

impl Serialization {
    pub const ALLOWED: &'static str = "json, f32le, bytes, pickle";

    pub fn as_str(&self) -> &'static str {
        match self {
            Serialization::Json => "json",
            Serialization::F32le => "f32le",
            Serialization::Bytes => "bytes",
            Serialization::Pickle => "pickle",
        }
    }
}

impl fmt::Display for Serialization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Serialization {
    type Err = NodeError;

    /// A format name; the empty string is `json`.
    fn from_str(name: &str) -> Result<Self, NodeError> {
        match name {
            "json" | "" => Ok(Serialization::Json),
            "f32le" => Ok(Serialization::F32le),
            "bytes" => Ok(Serialization::Bytes),
            "pickle" => Ok(Serialization::Pickle),
            other => Err(NodeError::invalid(format!(
                "unknown serialization format {}; allowed formats: {}",
                echo(other),
                Self::ALLOWED
            ))),
        }
    }
}

/// The JSON shape audio arrived in, so the output can take the same one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Envelope {
    /// Not JSON audio (f32le, bytes, other JSON).
    None,
    /// `[x0, x1, ...]`
    Flat,
    /// `[[ch0...], [ch1...]]`
    Nested,
    /// `[audio, sample_rate]`
    Tuple,
    /// `{"audio_data": audio, "sample_rate": n}`
    Dict,
    /// Pickled audio, in this shape.
    Pickle(pickle::Shape),
}

/// Decodes one input.
pub fn decode(format: Serialization, bytes: &[u8]) -> Result<(NodeData, Envelope), NodeError> {
    let (data, envelope) = match format {
        Serialization::F32le => (
            NodeData::Audio(Audio::mono(f32le(bytes)?, None)),
            Envelope::None,
        ),
        Serialization::Bytes => (NodeData::Bytes(bytes.to_vec()), Envelope::None),
        Serialization::Json => json_input(bytes)?,
        Serialization::Pickle => {
            let (data, shape) = pickle::decode(bytes)?;
            (data, shape.map_or(Envelope::None, Envelope::Pickle))
        }
    };
    if let NodeData::Audio(audio) = &data {
        audio.validate()?;
    }
    Ok((data, envelope))
}

fn f32le(bytes: &[u8]) -> Result<Vec<f32>, NodeError> {
    f32le::decode(bytes).map_err(|e| NodeError::invalid(format!("f32le input: {e}")))
}

fn json_input(bytes: &[u8]) -> Result<(NodeData, Envelope), NodeError> {
    let value: Value = edgemix_runtime::json::parse(bytes).map_err(|e| match e {
        JsonError::TooDeep => NodeError::invalid(format!("json input: {e}")),
        JsonError::Syntax(e) => {
            let text = String::from_utf8_lossy(bytes);
            if ["NaN", "Infinity"].iter().any(|token| text.contains(token)) {
                NodeError::invalid(format!(
                    "json input holds NaN or Infinity ({e}): audio samples must be finite numbers (nominally -1.0 to 1.0)"
                ))
            } else {
                NodeError::invalid(format!("json input is not valid JSON: {e}"))
            }
        }
    })?;
    Ok(match value {
        Value::Array(items) => match audio_items(&items) {
            Some(channels) => (
                audio(channels, None),
                if items.first().is_some_and(Value::is_array) {
                    Envelope::Nested
                } else {
                    Envelope::Flat
                },
            ),
            None => match tuple(&items) {
                Some((channels, rate)) => (audio(channels, Some(rate)), Envelope::Tuple),
                None => (NodeData::Json(Value::Array(items)), Envelope::None),
            },
        },
        Value::Object(map) if map.contains_key("audio_data") => {
            let channels = map["audio_data"].as_array().and_then(|items| audio_items(items)).ok_or_else(|| {
                NodeError::invalid("json input: audio_data must be an array of numbers or an array of equal-length arrays of numbers")
            })?;
            let rate = match map.get("sample_rate") {
                None | Some(Value::Null) => None,
                Some(v) => Some(v.as_f64().filter(|r| *r > 0.0).ok_or_else(|| {
                    NodeError::invalid(format!("json input: sample_rate = {v} is not allowed: expected a positive number of Hz"))
                })?),
            };
            (audio(channels, rate), Envelope::Dict)
        }
        other => (NodeData::Json(other), Envelope::None),
    })
}

fn audio(channels: Vec<Vec<f32>>, sample_rate: Option<f64>) -> NodeData {
    NodeData::Audio(Audio {
        channels,
        sample_rate,
    })
}

/// Samples of a non-empty array of numbers.
fn numbers(items: &[Value]) -> Option<Vec<f32>> {
    if items.is_empty() {
        return None;
    }
    items.iter().map(|v| v.as_f64().map(|x| x as f32)).collect()
}

/// Channels of `[numbers]` or `[[numbers], ...]`.
fn audio_items(items: &[Value]) -> Option<Vec<Vec<f32>>> {
    match items.first()? {
        Value::Number(_) => numbers(items).map(|samples| vec![samples]),
        Value::Array(_) => items
            .iter()
            .map(|channel| numbers(channel.as_array()?))
            .collect(),
        _ => None,
    }
}

/// `[audio, sample_rate]`.
fn tuple(items: &[Value]) -> Option<(Vec<Vec<f32>>, f64)> {
    match items {
        [Value::Array(audio), rate] => {
            Some((audio_items(audio)?, rate.as_f64().filter(|r| *r > 0.0)?))
        }
        _ => None,
    }
}

#[derive(Serialize)]
#[serde(untagged)]
enum Samples<'a> {
    Flat(&'a [f32]),
    Nested(&'a [Vec<f32>]),
}

/// A sample rate as Python wrote it: an integer when whole.
#[derive(Serialize)]
#[serde(untagged)]
enum Rate {
    Whole(u64),
    Fraction(f64),
}

fn rate(value: f64) -> Rate {
    if value.fract() == 0.0 && value >= 0.0 && value < 1e15 {
        Rate::Whole(value as u64)
    } else {
        Rate::Fraction(value)
    }
}

#[derive(Serialize)]
struct AudioDict<'a> {
    audio_data: Samples<'a>,
    sample_rate: Option<Rate>,
}

fn json_error(e: serde_json::Error) -> NodeError {
    NodeError::internal(format!("cannot encode the output as JSON: {e}"))
}

fn interleaved(audio: &Audio) -> Vec<u8> {
    let frames = audio.frames();
    let mut out = Vec::with_capacity(frames * audio.channels.len() * f32le::SAMPLE_BYTES);
    let channels = &audio.channels;
    f32le::encode_into(
        (0..frames).flat_map(|i| channels.iter().map(move |channel| channel[i])),
        &mut out,
    );
    out
}

/// Encodes one output in `format`, audio in the shape its input had.
pub fn encode(
    format: Serialization,
    data: &NodeData,
    envelope: Envelope,
) -> Result<Vec<u8>, NodeError> {
    match (format, data) {
        (Serialization::Pickle, data) => pickle::encode(
            data,
            match envelope {
                Envelope::Pickle(shape) => Some(shape),
                _ => None,
            },
        ),
        (Serialization::Json, NodeData::Audio(audio)) => {
            let samples = match (envelope, audio.channels.as_slice()) {
                (Envelope::Nested, channels) => Samples::Nested(channels),
                (_, [mono]) => Samples::Flat(mono),
                (_, channels) => Samples::Nested(channels),
            };
            match envelope {
                Envelope::Tuple => serde_json::to_vec(&(samples, audio.sample_rate.map(rate))),
                Envelope::Dict => serde_json::to_vec(&AudioDict {
                    audio_data: samples,
                    sample_rate: audio.sample_rate.map(rate),
                }),
                _ => serde_json::to_vec(&samples),
            }
            .map_err(json_error)
        }
        (Serialization::Json, NodeData::Matrix { columns, values }) => {
            let rows: Vec<&[f32]> = values.chunks(*columns.max(&1)).collect();
            serde_json::to_vec(&rows).map_err(json_error)
        }
        (Serialization::Json, NodeData::Json(value)) => {
            serde_json::to_vec(value).map_err(json_error)
        }
        (Serialization::Json, NodeData::Bytes(_)) => Err(NodeError::invalid(
            "the node's output is opaque bytes, which json cannot carry: use format bytes",
        )),
        (Serialization::F32le | Serialization::Bytes, NodeData::Audio(audio)) => {
            Ok(interleaved(audio))
        }
        (Serialization::F32le | Serialization::Bytes, NodeData::Matrix { values, .. }) => {
            Ok(f32le::encode(values))
        }
        (Serialization::F32le, NodeData::Json(_)) => Err(NodeError::invalid(
            "the node's output is JSON data, which f32le cannot carry: use format json",
        )),
        (Serialization::F32le, NodeData::Bytes(_)) => Err(NodeError::invalid(
            "the node's output is opaque bytes, not float32 samples: use format bytes",
        )),
        (Serialization::Bytes, NodeData::Json(value)) => {
            serde_json::to_vec(value).map_err(json_error)
        }
        (Serialization::Bytes, NodeData::Bytes(bytes)) => Ok(bytes.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn round_trip(format: Serialization, input: &[u8]) -> Vec<u8> {
        let (data, envelope) = decode(format, input).unwrap();
        encode(format, &data, envelope).unwrap()
    }

    #[test]
    fn json_audio_keeps_its_shape() {
        for text in [
            "[0.5,-0.25]",
            "[[0.5,-0.25],[0.125,1.0]]",
            "[[0.5,-0.25],16000]",
            "{\"audio_data\":[0.5,-0.25],\"sample_rate\":44100}",
            "{\"audio_data\":[[0.5],[0.25]],\"sample_rate\":22050.5}",
        ] {
            let out: serde_json::Value =
                serde_json::from_slice(&round_trip(Serialization::Json, text.as_bytes())).unwrap();
            assert_eq!(
                out,
                serde_json::from_str::<serde_json::Value>(text).unwrap(),
                "{text}"
            );
        }
        let (data, envelope) = decode(
            Serialization::Json,
            b"{\"audio_data\": [0.1, 0.2], \"sample_rate\": 16000}",
        )
        .unwrap();
        assert_eq!(envelope, Envelope::Dict);
        assert_eq!(
            data,
            NodeData::Audio(Audio::mono(vec![0.1, 0.2], Some(16000.0)))
        );
    }

    #[test]
    fn json_floats_are_written_as_the_shortest_float32_text() {
        let data = NodeData::Audio(Audio::mono(vec![0.1, 1.0 / 3.0], None));
        assert_eq!(
            encode(Serialization::Json, &data, Envelope::Flat).unwrap(),
            b"[0.1,0.33333334]"
        );
    }

    #[test]
    fn other_json_is_data() {
        for text in ["{\"a\":1}", "[\"x\",1]", "[]", "3", "\"s\"", "[[1],\"x\"]"] {
            let (data, _) = decode(Serialization::Json, text.as_bytes()).unwrap();
            assert_eq!(
                data,
                NodeData::Json(serde_json::from_str(text).unwrap()),
                "{text}"
            );
        }
    }

    #[test]
    fn f32le_and_bytes() {
        let samples: Vec<u8> = [0.5f32, -1.0]
            .iter()
            .flat_map(|x| x.to_le_bytes())
            .collect();
        assert_eq!(round_trip(Serialization::F32le, &samples), samples);
        assert_eq!(round_trip(Serialization::Bytes, b"\x00\xff"), b"\x00\xff");
        let stereo = NodeData::Audio(Audio {
            channels: vec![vec![1.0, 2.0], vec![3.0, 4.0]],
            sample_rate: None,
        });
        let interleaved: Vec<u8> = [1.0f32, 3.0, 2.0, 4.0]
            .iter()
            .flat_map(|x| x.to_le_bytes())
            .collect();
        assert_eq!(
            encode(Serialization::F32le, &stereo, Envelope::None).unwrap(),
            interleaved
        );
        let matrix = NodeData::Matrix {
            columns: 2,
            values: vec![1.0, 2.0, 3.0, 4.0],
        };
        assert_eq!(
            encode(Serialization::Json, &matrix, Envelope::None).unwrap(),
            b"[[1.0,2.0],[3.0,4.0]]"
        );
        assert!(encode(
            Serialization::F32le,
            &NodeData::Json(json!({})),
            Envelope::None
        )
        .unwrap_err()
        .message
        .contains("use format json"));
    }

    #[test]
    fn refusals_say_what_is_allowed() {
        assert!("xml"
            .parse::<Serialization>()
            .unwrap_err()
            .message
            .contains("json, f32le, bytes, pickle"));
        assert_eq!("".parse::<Serialization>().unwrap(), Serialization::Json);
        assert!(
            decode(Serialization::Json, b"[]").is_ok(),
            "an empty list is JSON data, not audio"
        );
        assert!(decode(Serialization::F32le, b"")
            .unwrap_err()
            .message
            .contains("empty"));
        assert!(decode(Serialization::Json, b"{\"audio_data\": \"x\"}")
            .unwrap_err()
            .message
            .contains("audio_data must be"));
        assert!(decode(
            Serialization::Json,
            b"{\"audio_data\": [1], \"sample_rate\": -5}"
        )
        .unwrap_err()
        .message
        .contains("sample_rate = -5"));
        assert!(decode(Serialization::Json, b"[Infinity]")
            .unwrap_err()
            .message
            .contains("NaN or Infinity"));
    }
}
