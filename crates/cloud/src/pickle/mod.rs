//! `pickle`: what RemoteMedia's Python client sends by default (`pickle.dumps`), read by a
//! restricted unpickler that never runs code ([`machine`]), and answered in pickle that
//! numpy 1 and 2 load ([`write`]).
//!
//! Audio input takes the shapes of the `json` format with numpy arrays in place of lists
//! (or lists): an array (1-d mono, 2-d `(channels, samples)`, 0-d one sample), a list of
//! numbers or of equal-length lists, a pair `(audio, sample_rate)`, or
//! `{"audio_data": audio, "sample_rate": n}`. Array dtypes: see [`numpy`]. A top-level
//! `bytes` is opaque bytes (WASM modules); anything else is JSON data (dict keys must be
//! str, floats finite). Replies take the input's shape; audio arrays come back as float32.

mod machine;
mod numpy;
mod write;

use serde_json::{Map, Number, Value as Json};

use crate::nodes::{Audio, NodeData, NodeError};
use machine::{invalid, Decoded, Obj, Value};

pub(super) use write::encode;

/// How audio arrived, so the reply can take the same shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    pub wrap: Wrap,
    pub samples: Samples,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wrap {
    /// The audio alone.
    Bare,
    /// `(audio, sample_rate)`.
    Tuple,
    /// `{"audio_data": audio, "sample_rate": n}`.
    Dict,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Samples {
    /// A numpy array (answered 1-d for mono, 2-d `(channels, samples)` otherwise).
    Array,
    /// A list of numbers.
    List,
    /// A list of lists of numbers (one per channel).
    Lists,
}

/// Decodes one pickled input; the shape is `None` when it is not audio.
pub fn decode(bytes: &[u8]) -> Result<(NodeData, Option<Shape>), NodeError> {
    let decoded = machine::run(bytes)?;
    let mut walk = Walk {
        d: &decoded,
        budget: decoded.values + 16,
    };
    walk.input()
}

/// A walk over the decoded values; it visits no more values than decoding made, so shared
/// references (a list holding one list a million times) cannot expand the work.
struct Walk<'a> {
    d: &'a Decoded,
    budget: usize,
}

fn number(value: Value) -> Option<f64> {
    match value {
        Value::Int(i) => Some(i as f64),
        Value::Float(x) => Some(x),
        _ => None,
    }
}

/// A sample rate: a positive number of Hz.
fn rate(value: Value) -> Option<f64> {
    number(value).filter(|r| *r > 0.0 && r.is_finite())
}

impl Walk<'_> {
    fn spend(&mut self, n: usize) -> Result<(), NodeError> {
        self.budget = self.budget.checked_sub(n).ok_or_else(|| {
            invalid("its shared references expand to more values than the pickle holds")
        })?;
        Ok(())
    }

    fn input(&mut self) -> Result<(NodeData, Option<Shape>), NodeError> {
        let top = self.d.top;
        let shaped = |wrap, (channels, samples): (Vec<Vec<f32>>, Samples), sample_rate| {
            let data = NodeData::Audio(Audio {
                channels,
                sample_rate,
            });
            Ok((data, Some(Shape { wrap, samples })))
        };
        if let Some(audio) = self.audio(top)? {
            return shaped(Wrap::Bare, audio, None);
        }
        match self.d.obj(top) {
            Some(Obj::Tuple(items) | Obj::List(items)) if items.len() == 2 => {
                if let (Some(sr), Some(audio)) = (rate(items[1]), self.audio(items[0])?) {
                    return shaped(Wrap::Tuple, audio, Some(sr));
                }
            }
            Some(Obj::Dict(pairs)) => {
                let get = |key: &str| {
                    pairs
                        .iter()
                        .find(|(k, _)| matches!(self.d.obj(*k), Some(Obj::Str(s)) if s == key))
                        .map(|(_, v)| *v)
                };
                if let Some(audio) = get("audio_data") {
                    let audio = self.audio(audio)?.ok_or_else(|| {
                        invalid("audio_data must be a numpy array, a list of numbers or a list of equal-length lists of numbers")
                    })?;
                    let sr = match get("sample_rate") {
                        None | Some(Value::None) => None,
                        Some(v) => Some(rate(v).ok_or_else(|| {
                            invalid("sample_rate is not allowed: expected a positive number of Hz")
                        })?),
                    };
                    return shaped(Wrap::Dict, audio, sr);
                }
            }
            Some(Obj::Bytes(bytes)) => return Ok((NodeData::Bytes(bytes.to_vec()), None)),
            _ => {}
        }
        Ok((NodeData::Json(self.json(top, 0)?), None))
    }

    /// Samples of a non-empty list of numbers.
    fn numbers(&mut self, items: &[Value]) -> Result<Option<Vec<f32>>, NodeError> {
        if items.is_empty() {
            return Ok(None);
        }
        self.spend(items.len())?;
        Ok(items.iter().map(|&v| number(v).map(|x| x as f32)).collect())
    }

    /// Channels of an array, `[numbers]` or `[[numbers], ...]`; `None` if it is not audio.
    fn audio(&mut self, value: Value) -> Result<Option<(Vec<Vec<f32>>, Samples)>, NodeError> {
        let d = self.d;
        match d.obj(value) {
            Some(Obj::Array(array)) => Ok(Some((array.channels()?, Samples::Array))),
            Some(Obj::List(items)) => match items.first() {
                Some(first) if number(*first).is_some() => {
                    Ok(self.numbers(items)?.map(|s| (vec![s], Samples::List)))
                }
                Some(first) if matches!(d.obj(*first), Some(Obj::List(_))) => {
                    let mut channels = Vec::with_capacity(items.len());
                    for &channel in items {
                        self.spend(1)?;
                        let Some(Obj::List(samples)) = d.obj(channel) else {
                            return Ok(None);
                        };
                        match self.numbers(samples)? {
                            Some(samples) => channels.push(samples),
                            None => return Ok(None),
                        }
                    }
                    Ok(Some((channels, Samples::Lists)))
                }
                _ => Ok(None),
            },
            _ => Ok(None),
        }
    }

    fn json(&mut self, value: Value, depth: usize) -> Result<Json, NodeError> {
        self.spend(1)?;
        if depth > edgemix_runtime::json::MAX_DEPTH {
            return Err(invalid(format!(
                "it is nested more than {} levels deep (or holds itself)",
                edgemix_runtime::json::MAX_DEPTH
            )));
        }
        Ok(match value {
            Value::None => Json::Null,
            Value::Bool(b) => Json::Bool(b),
            Value::Int(i) => Json::from(i),
            Value::Float(x) => Json::Number(Number::from_f64(x).ok_or_else(|| {
                invalid(format!("the float {x} is not finite: data floats must be finite"))
            })?),
            Value::Obj(_) => match self.d.obj(value).expect("objects are in the arena") {
                Obj::Str(s) => Json::String(s.clone()),
                Obj::Tuple(items) | Obj::List(items) => Json::Array(
                    items
                        .iter()
                        .map(|&v| self.json(v, depth + 1))
                        .collect::<Result<_, _>>()?,
                ),
                Obj::Dict(pairs) => {
                    let mut map = Map::new();
                    for &(k, v) in pairs {
                        let Some(Obj::Str(key)) = self.d.obj(k) else {
                            return Err(invalid("a dict key is not a str: data dicts have str keys"));
                        };
                        map.insert(key.clone(), self.json(v, depth + 1)?);
                    }
                    Json::Object(map)
                }
                Obj::Bytes(_) => {
                    return Err(invalid(
                        "bytes inside a container are not accepted: bytes travel alone (opaque input)",
                    ))
                }
                other => {
                    return Err(invalid(format!(
                        "a {} inside a container is not accepted: numpy arrays travel as audio — alone, as (array, sample_rate) or as {{\"audio_data\": array, \"sample_rate\": n}}",
                        other.kind()
                    )))
                }
            },
        })
    }
}
