//! WAV parsing (`edgemix_audio_io::decode`, hound underneath): `readWav`, `decodeWav`
//! and the CLI read files through it.
//!
//! For every input: no panic; decoding uses at most [`HEAP_FACTOR`] times the file's
//! size in heap (plus a small constant), whatever its header declares; a refusal is a
//! damaged file (`ERR_WAV_INVALID`), an unsupported encoding (`ERR_WAV_UNSUPPORTED`) or a
//! non-finite float sample (`ERR_INVALID_AUDIO`), never an I/O, configuration or
//! internal error; what decodes is whole frames of finite samples, and writes back in
//! its own encoding to a file that decodes to the same samples, bit for bit.

#![no_main]

use edgemix_audio_io::{decode, encode, AudioIoError};
use edgemix_fuzz::PeakAlloc;
use libfuzzer_sys::fuzz_target;

#[global_allocator]
static ALLOC: PeakAlloc = PeakAlloc;

/// 8-bit samples become 4-byte floats.
const HEAP_FACTOR: usize = 8;

fuzz_target!(|data: &[u8]| {
    let (decoded, heap) = PeakAlloc::measure(|| decode(data));
    assert!(
        heap <= HEAP_FACTOR * data.len() + 64 * 1024,
        "decoding {} bytes used {heap} bytes of heap",
        data.len()
    );
    let audio = match decoded {
        Ok(audio) => audio,
        Err(AudioIoError::Invalid(m) | AudioIoError::Unsupported(m)) => {
            assert!(!m.is_empty());
            return;
        }
        Err(AudioIoError::Audio(m)) => {
            assert!(m.contains("NaN") || m.contains("Infinity"), "not a non-finite sample: {m}");
            return;
        }
        Err(other) => panic!("a file refused as {other:?}"),
    };
    let channels = usize::from(audio.channels);
    assert!(channels >= 1 && audio.sample_rate >= 1, "{} channels at {} Hz", channels, audio.sample_rate);
    assert!(audio.samples.len() % channels == 0, "{} samples, {channels} channels", audio.samples.len());
    assert!(audio.samples.iter().all(|x| x.is_finite()));

    let (bytes, _clipped) = encode(&audio).unwrap_or_else(|e| panic!("decoded audio does not encode: {e}"));
    let again = decode(&bytes).unwrap_or_else(|e| panic!("our own file does not decode: {e}"));
    assert_eq!((again.channels, again.sample_rate, again.format), (audio.channels, audio.sample_rate, audio.format));
    assert!(
        again.samples.len() == audio.samples.len()
            && again.samples.iter().zip(&audio.samples).all(|(a, b)| a.to_bits() == b.to_bits()),
        "samples changed on the way through encode and decode"
    );
});
