//! WAV decoding and encoding against files built byte by byte from the format's
//! definition (RIFF/WAVE, `fmt ` and `data` chunks, little-endian samples; 8-bit offset
//! binary), not by hound: every supported encoding in mono and stereo, exact values,
//! exact bytes out, and hostile files refused with messages that name what they hold.

use edgemix_audio_io::{decode, encode, read_file, write_file, AudioIoError, SampleFormat, WavAudio};

/// A RIFF/WAVE file with a `fmt ` chunk of the given fields and `data`. `extensible`
/// wraps the tag as the sub-format of WAVE_FORMAT_EXTENSIBLE.
fn wav_bytes(tag: u16, channels: u16, rate: u32, bits: u16, data: &[u8], extensible: bool) -> Vec<u8> {
    let block_align = channels * bits.div_ceil(8);
    let mut fmt = Vec::new();
    fmt.extend((if extensible { 0xFFFEu16 } else { tag }).to_le_bytes());
    fmt.extend(channels.to_le_bytes());
    fmt.extend(rate.to_le_bytes());
    fmt.extend((rate * u32::from(block_align)).to_le_bytes());
    fmt.extend(block_align.to_le_bytes());
    fmt.extend(bits.to_le_bytes());
    if extensible {
        fmt.extend(22u16.to_le_bytes()); // cbSize
        fmt.extend(bits.to_le_bytes()); // valid bits
        fmt.extend(0u32.to_le_bytes()); // channel mask
        // KSDATAFORMAT_SUBTYPE_*: the tag, then 00000000-0010-8000-00AA00389B71.
        fmt.extend(u32::from(tag).to_le_bytes());
        fmt.extend([0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71]);
    }
    let mut out = Vec::new();
    out.extend(b"RIFF");
    out.extend((4 + 8 + fmt.len() as u32 + 8 + data.len() as u32).to_le_bytes());
    out.extend(b"WAVE");
    out.extend(b"fmt ");
    out.extend((fmt.len() as u32).to_le_bytes());
    out.extend(&fmt);
    out.extend(b"data");
    out.extend((data.len() as u32).to_le_bytes());
    out.extend(data);
    out
}

/// Integer sample values spanning the format's whole range, both extremes included.
fn int_values(bits: u16, n: usize) -> Vec<i64> {
    let full = 1i64 << (bits - 1);
    (0..n)
        .map(|i| match i % 7 {
            0 => -full,
            1 => full - 1,
            2 => 0,
            _ => ((i as i64 * 2_654_435_761) % (2 * full)) - full,
        })
        .collect()
}

fn int_data(bits: u16, values: &[i64]) -> Vec<u8> {
    let mut data = Vec::new();
    for &v in values {
        match bits {
            8 => data.push((v + 128) as u8), // offset binary
            16 => data.extend((v as i16).to_le_bytes()),
            24 => data.extend(&(v as i32).to_le_bytes()[..3]),
            32 => data.extend((v as i32).to_le_bytes()),
            _ => unreachable!(),
        }
    }
    data
}

const INT_FORMATS: [(SampleFormat, u16); 4] = [
    (SampleFormat::Int8, 8),
    (SampleFormat::Int16, 16),
    (SampleFormat::Int24, 24),
    (SampleFormat::Int32, 32),
];

#[test]
fn integer_pcm_decodes_to_v_over_2_to_the_bits_minus_1() {
    for (format, bits) in INT_FORMATS {
        for channels in [1u16, 2] {
            for extensible in [false, true] {
                let values = int_values(bits, 70);
                let bytes = wav_bytes(1, channels, 44_100, bits, &int_data(bits, &values), extensible);
                let audio = decode(&bytes).unwrap_or_else(|e| panic!("{bits}-bit: {e}"));
                assert_eq!((audio.format, audio.channels, audio.sample_rate), (format, channels, 44_100));
                assert_eq!(audio.frames(), 70 / usize::from(channels));
                for (got, &v) in audio.samples.iter().zip(&values) {
                    let expected = (v as f64 / (1i64 << (bits - 1)) as f64) as f32;
                    assert_eq!(*got, expected, "{bits}-bit value {v}");
                }
                assert_eq!(audio.samples.iter().cloned().fold(0.0f32, f32::min), -1.0);
            }
        }
    }
}

#[test]
fn float_decodes_exactly() {
    let values: Vec<f32> = vec![0.0, -0.0, 1.0, -1.0, 0.5, 1.5, -2.25, 1e-30, 0.123_456_79, -0.999];
    let data: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    for (channels, extensible) in [(1u16, false), (2, false), (2, true)] {
        let audio = decode(&wav_bytes(3, channels, 48_000, 32, &data, extensible)).unwrap();
        assert_eq!(audio.format, SampleFormat::Float32);
        assert_eq!(audio.samples.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), values.iter().map(|v| v.to_bits()).collect::<Vec<_>>());
    }
}

#[test]
fn encoding_gives_the_bytes_of_the_format_definition() {
    for (format, bits) in INT_FORMATS {
        for channels in [1u16, 2] {
            let values = int_values(bits, 70);
            let samples = values.iter().map(|&v| (v as f64 / (1i64 << (bits - 1)) as f64) as f32).collect();
            let audio = WavAudio { sample_rate: 22_050, channels, samples, format };
            let (bytes, clipped) = encode(&audio).unwrap();
            if bits <= 16 {
                assert_eq!(bytes, wav_bytes(1, channels, 22_050, bits, &int_data(bits, &values), false), "{bits}-bit");
            } else {
                // Wider samples go in a WAVE_FORMAT_EXTENSIBLE header (as the format asks);
                // the data are the exact integers (v/2^(bits−1) is exact in f32 up to 24 bits).
                assert_eq!(&bytes[20..22], &0xFFFEu16.to_le_bytes());
                if bits == 24 {
                    assert!(bytes.ends_with(&int_data(bits, &values)), "{bits}-bit data");
                }
            }
            // In f32, the largest 32-bit value (2^31 − 1)/2^31 rounds to 1.0, one step over.
            let over = if bits == 32 { values.iter().filter(|&&v| v == (1 << 31) - 1).count() } else { 0 };
            assert_eq!(clipped, over, "{bits}-bit");
            assert_eq!(decode(&bytes).unwrap(), audio, "{bits}-bit round trip");
        }
    }
    let floats = vec![0.25f32, -1.5, 3.0, 0.0];
    let audio = WavAudio { sample_rate: 96_000, channels: 2, samples: floats.clone(), format: SampleFormat::Float32 };
    let data: Vec<u8> = floats.iter().flat_map(|v| v.to_le_bytes()).collect();
    // hound writes float as WAVE_FORMAT_IEEE_FLOAT with an 18-byte fmt (cbSize 0) or as
    // EXTENSIBLE; either way it must decode back exactly, beyond ±1.0 too.
    let (bytes, clipped) = encode(&audio).unwrap();
    assert_eq!(clipped, 0);
    assert!(bytes.ends_with(&data));
    assert_eq!(decode(&bytes).unwrap(), audio);
}

#[test]
fn integers_round_to_the_nearest_step_and_clip() {
    let audio = WavAudio {
        sample_rate: 48_000,
        channels: 1,
        // 0.4 and 0.6 steps, the largest positive, beyond full scale both ways.
        samples: vec![0.4 / 32768.0, 0.6 / 32768.0, 32767.0 / 32768.0, 1.0, 1.7, -1.0, -3.0],
        format: SampleFormat::Int16,
    };
    let (bytes, clipped) = encode(&audio).unwrap();
    assert_eq!(clipped, 3, "1.0, 1.7 and -3.0 are outside [-1, 32767/32768]");
    assert_eq!(bytes, wav_bytes(1, 1, 48_000, 16, &int_data(16, &[0, 1, 32767, 32767, 32767, -32768, -32768]), false));
}

fn refusal(bytes: &[u8]) -> AudioIoError {
    decode(bytes).expect_err("must be refused")
}

fn assert_invalid(bytes: &[u8], needles: &[&str]) {
    match refusal(bytes) {
        AudioIoError::Invalid(m) => {
            for needle in needles {
                assert!(m.contains(needle), "{m:?} lacks {needle:?}");
            }
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
}

fn assert_unsupported(bytes: &[u8], needles: &[&str]) {
    match refusal(bytes) {
        AudioIoError::Unsupported(m) => {
            for needle in needles {
                assert!(m.contains(needle), "{m:?} lacks {needle:?}");
            }
            assert!(m.contains("readable are PCM"), "{m}");
        }
        other => panic!("expected Unsupported, got {other:?}"),
    }
}

#[test]
fn unsupported_encodings_are_named() {
    let data = vec![0u8; 64];
    assert_unsupported(&wav_bytes(2, 2, 44_100, 4, &data, false), &["0x0002 (Microsoft ADPCM)", "2 channels", "44100 Hz", "4 bits"]);
    assert_unsupported(&wav_bytes(0x55, 1, 32_000, 0, &data, false), &["0x0055 (MPEG Layer III)", "1 channel,"]);
    assert_unsupported(&wav_bytes(6, 1, 8000, 8, &data, false), &["0x0006 (A-law)"]);
    assert_unsupported(&wav_bytes(3, 1, 48_000, 64, &data, false), &["0x0003 (IEEE float)", "64 bits"]);
    assert_unsupported(&wav_bytes(7, 2, 8000, 8, &data, true), &["0xFFFE (WAVE_FORMAT_EXTENSIBLE) with sub-format 0x0007 (µ-law)"]);
    assert_unsupported(&wav_bytes(1, 1, 48_000, 12, &data, false), &["12 bits"]);
}

#[test]
fn damaged_and_foreign_files_are_refused_with_what_was_found() {
    assert_invalid(b"ID3\x04\x00\x00\x00\x00\x00\x00 mp3 frames", &["not a WAV file", "\"ID3\\x04\""]);
    assert_invalid(b"fLaC", &["not a WAV file", "\"fLaC\""]);
    assert_invalid(b"", &["0 bytes"]);
    let mut avi = wav_bytes(1, 1, 48_000, 16, &[0; 4], false);
    avi[8..12].copy_from_slice(b"AVI ");
    assert_invalid(&avi, &["RIFF file of type \"AVI \""]);
    let good = wav_bytes(1, 2, 48_000, 16, &int_data(16, &int_values(16, 200)), false);
    // Cut inside the data: the header declares 200 samples.
    assert_invalid(&good[..good.len() - 101], &["truncated", "declares 200 samples"]);
    // Cut inside the header.
    assert_invalid(&good[..30], &["truncated"]);
    // A header claiming 4 GiB of data in a tiny file: refused as truncated, nothing huge reserved.
    let mut huge = good.clone();
    let at = huge.len() - 400 - 4;
    huge[at..at + 4].copy_from_slice(&0xFFFF_FFFCu32.to_le_bytes());
    assert_invalid(&huge, &["truncated"]);
    // Zero channels, a zero sample rate, a data chunk that is not whole samples.
    assert_invalid(&wav_bytes(1, 0, 48_000, 16, &[0; 4], false), &["zero channels"]);
    assert_invalid(&wav_bytes(1, 1, 0, 16, &[0; 4], false), &["0 Hz"]);
    assert_invalid(&wav_bytes(1, 2, 48_000, 16, &[0; 6], false), &["declares format tag 0x0001 (PCM), 2 channels"]);
}

#[test]
fn non_finite_float_samples_are_audio_errors() {
    let data: Vec<u8> = [0.5f32, 0.25, f32::NAN, 0.0].iter().flat_map(|v| v.to_le_bytes()).collect();
    match decode(&wav_bytes(3, 2, 48_000, 32, &data, false)).unwrap_err() {
        AudioIoError::Audio(m) => assert!(m.contains("sample 2 (frame 1, channel 0) is NaN"), "{m}"),
        other => panic!("{other:?}"),
    }
    let audio = WavAudio { sample_rate: 48_000, channels: 1, samples: vec![0.0, f32::INFINITY], format: SampleFormat::Int16 };
    assert!(matches!(encode(&audio), Err(AudioIoError::Audio(m)) if m.contains("Infinity")));
    let partial = WavAudio { sample_rate: 48_000, channels: 2, samples: vec![0.0; 3], format: SampleFormat::Int16 };
    assert!(matches!(encode(&partial), Err(AudioIoError::Audio(m)) if m.contains("2-channel frames")));
}

#[test]
fn files_on_disk() {
    let dir = std::env::temp_dir().join(format!("edgemix-audio-io-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("stereo24.wav");
    let audio = WavAudio { sample_rate: 44_100, channels: 2, samples: vec![0.5, -0.25, 0.125, 0.0], format: SampleFormat::Int24 };
    assert_eq!(write_file(&path, &audio).unwrap(), 0);
    assert_eq!(read_file(&path).unwrap(), audio);
    // Refusals of files on disk say the same as in memory; a missing file names its path.
    std::fs::write(dir.join("adpcm.wav"), wav_bytes(2, 1, 8000, 4, &[0; 16], false)).unwrap();
    assert!(matches!(read_file(&dir.join("adpcm.wav")), Err(AudioIoError::Unsupported(m)) if m.contains("ADPCM")));
    match read_file(&dir.join("missing.wav")).unwrap_err() {
        err @ AudioIoError::Io { .. } => assert!(err.to_string().contains("missing.wav"), "{err}"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(write_file(&dir.join("no/such/dir.wav"), &audio), Err(AudioIoError::Io { .. })));
    std::fs::remove_dir_all(&dir).unwrap();
}
