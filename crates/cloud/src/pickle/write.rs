//! Replies in pickle protocol 3, which every Python 3 loads. Arrays are written as numpy
//! itself writes them at protocols 2–4, under the numpy 1 names
//! (`numpy.core.multiarray._reconstruct`), which numpy 2 still loads without a warning:
//! float32, little-endian, C order.

use serde_json::Value as Json;

use super::{Samples, Shape, Wrap};
use crate::nodes::{Audio, NodeData, NodeError};

struct Writer(Vec<u8>);

impl Writer {
    fn op(&mut self, op: u8) {
        self.0.push(op);
    }

    fn global(&mut self, module: &str, name: &str) {
        self.op(b'c');
        for part in [module, name] {
            self.0.extend_from_slice(part.as_bytes());
            self.0.push(b'\n');
        }
    }

    fn int(&mut self, value: i128) {
        if let Ok(small) = i32::try_from(value) {
            self.op(b'J');
            self.0.extend_from_slice(&small.to_le_bytes());
        } else {
            // LONG1: little-endian two's complement, as few bytes as keep the sign.
            let bytes = value.to_le_bytes();
            let mut len = bytes.len();
            while len > 1 {
                let (top, next) = (bytes[len - 1], bytes[len - 2]);
                if (top == 0 && next & 0x80 == 0) || (top == 0xff && next & 0x80 != 0) {
                    len -= 1;
                } else {
                    break;
                }
            }
            self.op(0x8a);
            self.op(len as u8);
            self.0.extend_from_slice(&bytes[..len]);
        }
    }

    fn float(&mut self, value: f64) {
        self.op(b'G');
        self.0.extend_from_slice(&value.to_be_bytes());
    }

    fn sized(&mut self, op: u8, payload: &[u8]) -> Result<(), NodeError> {
        let len = u32::try_from(payload.len()).map_err(|_| {
            NodeError::internal("a reply str or bytes of 4 GiB or more cannot be pickled")
        })?;
        self.op(op);
        self.0.extend_from_slice(&len.to_le_bytes());
        self.0.extend_from_slice(payload);
        Ok(())
    }

    fn str(&mut self, text: &str) -> Result<(), NodeError> {
        self.sized(b'X', text.as_bytes())
    }

    /// A tuple of what `items` writes.
    fn tuple(
        &mut self,
        items: impl FnOnce(&mut Self) -> Result<(), NodeError>,
    ) -> Result<(), NodeError> {
        self.op(b'(');
        items(self)?;
        self.op(b't');
        Ok(())
    }

    fn floats(&mut self, samples: &[f32]) {
        self.op(b']');
        if !samples.is_empty() {
            self.op(b'(');
            for &x in samples {
                self.float(x.into());
            }
            self.op(b'e');
        }
    }

    /// `numpy.ndarray` of float32, C order.
    fn array(&mut self, shape: &[usize], data: impl Iterator<Item = f32>) -> Result<(), NodeError> {
        self.global("numpy.core.multiarray", "_reconstruct");
        self.global("numpy", "ndarray");
        self.tuple(|w| {
            w.int(0);
            Ok(())
        })?;
        self.sized(b'B', b"b")?;
        self.op(0x87); // TUPLE3
        self.op(b'R');
        self.tuple(|w| {
            w.int(1);
            w.tuple(|w| {
                shape.iter().for_each(|&d| w.int(d as i128));
                Ok(())
            })?;
            w.global("numpy", "dtype");
            w.str("f4")?;
            w.op(0x89); // align = False
            w.op(0x88); // copy = True
            w.op(0x87);
            w.op(b'R');
            w.tuple(|w| {
                w.int(3);
                w.str("<")?;
                w.op(b'N');
                w.op(b'N');
                w.op(b'N');
                w.int(-1);
                w.int(-1);
                w.int(0);
                Ok(())
            })?;
            w.op(b'b');
            w.op(0x89); // is_fortran = False
            let mut bytes = Vec::new();
            edgemix_wire::f32le::encode_into(data, &mut bytes);
            w.sized(b'B', &bytes)
        })?;
        self.op(b'b');
        Ok(())
    }

    fn audio_samples(&mut self, audio: &Audio, samples: Samples) -> Result<(), NodeError> {
        let frames = audio.frames();
        match (samples, audio.channels.as_slice()) {
            (Samples::Array, [mono]) => self.array(&[frames], mono.iter().copied()),
            (Samples::Array, channels) => self.array(
                &[channels.len(), frames],
                channels.iter().flatten().copied(),
            ),
            (Samples::List, [mono]) => {
                self.floats(mono);
                Ok(())
            }
            (_, channels) => {
                self.op(b']');
                self.op(b'(');
                channels.iter().for_each(|c| self.floats(c));
                self.op(b'e');
                Ok(())
            }
        }
    }

    fn rate(&mut self, rate: Option<f64>) {
        match rate {
            None => self.op(b'N'),
            Some(r) if r.fract() == 0.0 && r.abs() < 1e15 => self.int(r as i128),
            Some(r) => self.float(r),
        }
    }

    fn audio(&mut self, audio: &Audio, shape: Shape) -> Result<(), NodeError> {
        match shape.wrap {
            Wrap::Bare => self.audio_samples(audio, shape.samples),
            Wrap::Tuple => self.tuple(|w| {
                w.audio_samples(audio, shape.samples)?;
                w.rate(audio.sample_rate);
                Ok(())
            }),
            Wrap::Dict => {
                self.op(b'}');
                self.op(b'(');
                self.str("audio_data")?;
                self.audio_samples(audio, shape.samples)?;
                self.str("sample_rate")?;
                self.rate(audio.sample_rate);
                self.op(b'u');
                Ok(())
            }
        }
    }

    fn json(&mut self, value: &Json) -> Result<(), NodeError> {
        match value {
            Json::Null => self.op(b'N'),
            Json::Bool(b) => self.op(if *b { 0x88 } else { 0x89 }),
            Json::Number(n) => match (n.as_i64(), n.as_u64()) {
                (Some(i), _) => self.int(i.into()),
                (None, Some(u)) => self.int(u.into()),
                _ => self.float(n.as_f64().unwrap_or(f64::NAN)),
            },
            Json::String(s) => self.str(s)?,
            Json::Array(items) => {
                self.op(b']');
                if !items.is_empty() {
                    self.op(b'(');
                    for item in items {
                        self.json(item)?;
                    }
                    self.op(b'e');
                }
            }
            Json::Object(map) => {
                self.op(b'}');
                if !map.is_empty() {
                    self.op(b'(');
                    for (k, v) in map {
                        self.str(k)?;
                        self.json(v)?;
                    }
                    self.op(b'u');
                }
            }
        }
        Ok(())
    }
}

/// Pickles one output; audio takes `shape` (a mono or `(channels, samples)` array when the
/// input was not audio), a matrix is a 2-d float32 array.
pub fn encode(data: &NodeData, shape: Option<Shape>) -> Result<Vec<u8>, NodeError> {
    let mut w = Writer(vec![0x80, 3]);
    match data {
        NodeData::Audio(audio) => w.audio(
            audio,
            shape.unwrap_or(Shape {
                wrap: Wrap::Bare,
                samples: Samples::Array,
            }),
        )?,
        NodeData::Matrix { columns, values } => {
            let columns = (*columns).max(1);
            w.array(&[values.len() / columns, columns], values.iter().copied())?
        }
        NodeData::Json(value) => w.json(value)?,
        NodeData::Bytes(bytes) => w.sized(b'B', bytes)?,
    }
    w.op(b'.');
    Ok(w.0)
}
