//! numpy's pickles of dtypes, arrays and scalars, interpreted (numpy is never run):
//!
//! - protocols 2–4: `_reconstruct(ndarray, (0,), b"b")` then BUILD with
//!   `(version, shape, dtype, is_fortran, raw_bytes)`;
//! - protocol 5: `_frombuffer(buffer, dtype, shape, order)`;
//! - `dtype(code, align, copy)` then BUILD with `(version, byte_order, subarray, names,
//!   fields, elsize, alignment, flags[, metadata])`;
//! - `scalar(dtype, raw_bytes)`.
//!
//! Array dtypes accepted as audio: float32, float64 (converted to float32), int16 and int32
//! (PCM: divided by 32768 and 2147483648, so full scale is ±1.0); little- or big-endian.
//! int64 is read (numpy scalars such as a sample rate) but is not audio.

use std::rc::Rc;

use super::machine::{invalid, Value, View};
use crate::nodes::{echo, NodeError};

/// The element types read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    F4,
    F8,
    I2,
    I4,
    I8,
}

impl Kind {
    fn size(self) -> usize {
        match self {
            Kind::I2 => 2,
            Kind::F4 | Kind::I4 => 4,
            Kind::F8 | Kind::I8 => 8,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Dtype {
    pub kind: Kind,
    pub big_endian: bool,
}

const DTYPES: &str = "float32 (f4), float64 (f8), int16 (i2), int32 (i4); int64 (i8) for scalars";

impl Dtype {
    /// `numpy.dtype(code)`: native byte order until its BUILD state says otherwise.
    pub fn named(code: &str) -> Result<Self, NodeError> {
        let kind = match code {
            "f4" => Kind::F4,
            "f8" => Kind::F8,
            "i2" => Kind::I2,
            "i4" => Kind::I4,
            "i8" => Kind::I8,
            other => {
                return Err(invalid(format!(
                    "numpy dtype {} is not accepted; accepted dtypes: {DTYPES}",
                    echo(other)
                )))
            }
        };
        Ok(Self {
            kind,
            big_endian: cfg!(target_endian = "big"),
        })
    }

    fn read(self, bytes: &[u8]) -> f64 {
        macro_rules! num {
            ($t:ty) => {{
                let raw = bytes.try_into().expect("one element");
                if self.big_endian {
                    <$t>::from_be_bytes(raw)
                } else {
                    <$t>::from_le_bytes(raw)
                }
            }};
        }
        match self.kind {
            Kind::F4 => f64::from(num!(f32)),
            Kind::F8 => num!(f64),
            Kind::I2 => f64::from(num!(i16)),
            Kind::I4 => f64::from(num!(i32)),
            Kind::I8 => num!(i64) as f64,
        }
    }
}

/// A numpy array of at most 2 dimensions, its bytes as pickled.
#[derive(Debug, Clone)]
pub(super) struct Array {
    pub dtype: Dtype,
    pub shape: Vec<usize>,
    pub fortran: bool,
    pub data: Rc<[u8]>,
}

impl Array {
    fn new(
        dtype: Dtype,
        shape: Vec<usize>,
        fortran: bool,
        data: Rc<[u8]>,
    ) -> Result<Self, NodeError> {
        if shape.len() > 2 {
            return Err(invalid(format!(
                "a numpy array of {} dimensions is not accepted: audio is 1-d (samples) or 2-d (channels, samples)",
                shape.len()
            )));
        }
        let elements = shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
        if elements.and_then(|n| n.checked_mul(dtype.kind.size())) != Some(data.len()) {
            return Err(invalid(format!(
                "a numpy array of shape {shape:?} and {}-byte elements comes with {} bytes of data",
                dtype.kind.size(),
                data.len()
            )));
        }
        Ok(Self {
            dtype,
            shape,
            fortran,
            data,
        })
    }

    /// Channels of float32 samples: a 0-d or 1-d array is one channel, a 2-d array is
    /// (channels, samples) in either memory order.
    pub fn channels(&self) -> Result<Vec<Vec<f32>>, NodeError> {
        let scale = match self.dtype.kind {
            Kind::F4 | Kind::F8 => 1.0,
            Kind::I2 => 1.0 / 32768.0,
            Kind::I4 => 1.0 / 2_147_483_648.0,
            Kind::I8 => {
                return Err(invalid(
                    "an int64 numpy array is not audio: send float32 (or float64, int16, int32 PCM), e.g. a.astype(np.float32)",
                ))
            }
        };
        let size = self.dtype.kind.size();
        let sample =
            |i: usize| (self.dtype.read(&self.data[i * size..(i + 1) * size]) * scale) as f32;
        let (count, frames) = match self.shape[..] {
            [] => (1, 1),
            [n] => (1, n),
            [c, n] => (c, n),
            _ => unreachable!("Array::new refuses more than 2 dimensions"),
        };
        Ok((0..count)
            .map(|c| {
                (0..frames)
                    .map(|s| {
                        sample(if self.fortran {
                            s * count + c
                        } else {
                            c * frames + s
                        })
                    })
                    .collect()
            })
            .collect())
    }
}

fn int(value: Value) -> Option<i64> {
    match value {
        Value::Int(i) => Some(i),
        _ => None,
    }
}

fn shape(view: View<'_>, value: Value) -> Option<Vec<usize>> {
    view.tuple(value)?
        .iter()
        .map(|&d| int(d).and_then(|d| usize::try_from(d).ok()))
        .collect()
}

/// BUILD of a dtype.
pub(super) fn dtype_state(view: View<'_>, target: Value, state: Value) -> Result<Dtype, NodeError> {
    let mut dtype = view.dtype(target).expect("the caller checked the target");
    let refused = || {
        invalid("a numpy dtype state is not the (version, byte order, None, None, None, …) of a plain numeric dtype: structured and sub-array dtypes are not accepted")
    };
    let items = view.tuple(state).ok_or_else(refused)?;
    if !(8..=9).contains(&items.len())
        || !matches!(int(items[0]), Some(3 | 4))
        || items[2..5].iter().any(|v| *v != Value::None)
    {
        return Err(refused());
    }
    match view.str(items[1]) {
        Some("<") => dtype.big_endian = false,
        Some(">") => dtype.big_endian = true,
        Some("=" | "|") => {}
        _ => return Err(refused()),
    }
    Ok(dtype)
}

/// BUILD of an array made by `_reconstruct`: `([version,] shape, dtype, is_fortran, data)`.
pub(super) fn array_state(view: View<'_>, state: Value) -> Result<Array, NodeError> {
    let refused = || {
        invalid("a numpy array state is not (version, shape, dtype, is_fortran, bytes): object arrays are not accepted")
    };
    let items = view.tuple(state).ok_or_else(refused)?;
    let items = match items {
        [version, rest @ ..] if rest.len() == 4 && int(*version).is_some() => rest,
        rest if rest.len() == 4 => rest,
        _ => return Err(refused()),
    };
    let [shape_value, dtype, fortran, data] = items else {
        return Err(refused());
    };
    let shape = shape(view, *shape_value).ok_or_else(refused)?;
    let dtype = view.dtype(*dtype).ok_or_else(refused)?;
    let Value::Bool(fortran) = *fortran else {
        return Err(refused());
    };
    let data = view.bytes(*data).ok_or_else(refused)?;
    Array::new(dtype, shape, fortran, Rc::clone(data))
}

/// `_frombuffer(buffer, dtype, shape, order)`.
pub(super) fn from_buffer(view: View<'_>, args: &[Value]) -> Result<Array, NodeError> {
    let refused =
        || invalid("_frombuffer's arguments are not (bytes, dtype, shape, \"C\" or \"F\")");
    let [data, dtype, shape_value, order] = args else {
        return Err(refused());
    };
    let data = view.bytes(*data).ok_or_else(refused)?;
    let dtype = view.dtype(*dtype).ok_or_else(refused)?;
    let shape = shape(view, *shape_value).ok_or_else(refused)?;
    let fortran = match view.str(*order) {
        Some("C") => false,
        Some("F") => true,
        _ => return Err(refused()),
    };
    Array::new(dtype, shape, fortran, Rc::clone(data))
}

/// `scalar(dtype, bytes)`: a numpy scalar as a plain number.
pub(super) fn scalar(view: View<'_>, args: &[Value]) -> Result<Value, NodeError> {
    let refused = || invalid("numpy scalar arguments are not (dtype, bytes of one element)");
    let [dtype, data] = args else {
        return Err(refused());
    };
    let dtype = view.dtype(*dtype).ok_or_else(refused)?;
    let data = view.bytes(*data).ok_or_else(refused)?;
    if data.len() != dtype.kind.size() {
        return Err(refused());
    }
    Ok(match dtype.kind {
        Kind::F4 | Kind::F8 => Value::Float(dtype.read(data)),
        Kind::I8 => {
            let raw = data[..].try_into().expect("8 bytes");
            Value::Int(if dtype.big_endian {
                i64::from_be_bytes(raw)
            } else {
                i64::from_le_bytes(raw)
            })
        }
        Kind::I2 | Kind::I4 => Value::Int(dtype.read(data) as i64),
    })
}
