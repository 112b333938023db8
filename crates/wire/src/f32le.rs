//! Audio as bytes: IEEE-754 float32 samples, little-endian, 4 bytes each, no header
//! (interleaved when there are several channels). Any byte length that is not a multiple
//! of 4 is refused, never truncated.

use std::fmt;

/// Bytes per sample.
pub const SAMPLE_BYTES: usize = 4;

/// A byte length that is not a whole number of samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotWholeSamples {
    /// The length received, bytes.
    pub bytes: usize,
}

impl fmt::Display for NotWholeSamples {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} bytes is not a whole number of float32 samples (4 bytes each, little-endian)",
            self.bytes
        )
    }
}

impl std::error::Error for NotWholeSamples {}

/// The samples of `bytes`, read in place (no copy).
pub fn samples(bytes: &[u8]) -> Result<impl ExactSizeIterator<Item = f32> + '_, NotWholeSamples> {
    if !bytes.len().is_multiple_of(SAMPLE_BYTES) {
        return Err(NotWholeSamples { bytes: bytes.len() });
    }
    Ok(bytes
        .chunks_exact(SAMPLE_BYTES)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])))
}

/// The samples of `bytes`.
pub fn decode(bytes: &[u8]) -> Result<Vec<f32>, NotWholeSamples> {
    samples(bytes).map(Iterator::collect)
}

/// Appends the bytes of `samples` to `out`.
pub fn encode_into(samples: impl IntoIterator<Item = f32>, out: &mut Vec<u8>) {
    out.extend(samples.into_iter().flat_map(f32::to_le_bytes));
}

/// The bytes of `samples`.
pub fn encode(samples: &[f32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(samples.len() * SAMPLE_BYTES);
    encode_into(samples.iter().copied(), &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_bit_pattern_class() {
        let values = [0.0, -0.0, 1.0, -1.0, f32::MIN_POSITIVE, 1e-45, f32::MAX, f32::INFINITY, 0.1];
        let bytes = encode(&values);
        assert_eq!(bytes.len(), values.len() * 4);
        // Little-endian by definition: 1.0 is 0x3f800000.
        assert_eq!(&bytes[8..12], &[0x00, 0x00, 0x80, 0x3f]);
        let back = decode(&bytes).unwrap();
        assert!(values.iter().zip(&back).all(|(a, b)| a.to_bits() == b.to_bits()));
        let nan = decode(&f32::NAN.to_le_bytes()).unwrap();
        assert!(nan[0].is_nan());
    }

    #[test]
    fn refuses_partial_samples_and_says_so() {
        for len in [1, 2, 3, 5, 7, 4097] {
            let err = decode(&vec![0; len]).unwrap_err();
            assert_eq!(err, NotWholeSamples { bytes: len });
            assert!(err.to_string().starts_with(&format!("{len} bytes is not a whole number")));
        }
        assert_eq!(decode(&[]).unwrap(), Vec::<f32>::new());
    }
}
