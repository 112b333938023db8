//! WAV files through hound: decoded to interleaved f32 at full scale ±1.0, encoded from
//! it in any of the [`SampleFormat`]s.
//!
//! Integers map to floats as `v / 2^(bits−1)` (so 16- and 24-bit samples, and 8-bit ones,
//! come back exactly when written in their own format; 32-bit integers keep f32's 24-bit
//! precision). Writing integers rounds to the nearest step and clips to the format's range
//! (the number of clipped samples is reported); float is written as is.
//!
//! Hostile files cost bounded work: memory is reserved for at most what the input can
//! hold, whatever its header claims, and a file that ends early is refused as truncated.

use std::fs::File;
use std::io::{BufReader, Cursor, Read, Seek};
use std::path::Path;

use crate::error::{AudioIoError, Result};
use crate::format::{Declared, SampleFormat, READABLE};
use crate::samples::check_frames;

/// Interleaved audio with its rate and the encoding it came in (or is to be written in).
#[derive(Debug, Clone, PartialEq)]
pub struct WavAudio {
    /// Hz, ≥ 1.
    pub sample_rate: u32,
    /// ≥ 1.
    pub channels: u16,
    /// Interleaved frames, full scale ±1.0.
    pub samples: Vec<f32>,
    pub format: SampleFormat,
}

impl WavAudio {
    /// Frames (samples per channel).
    pub fn frames(&self) -> usize {
        self.samples.len() / usize::from(self.channels.max(1))
    }
}

/// Bytes of a file looked at to describe a header hound refused.
const HEAD_BYTES: usize = 64 * 1024;

/// Decodes a WAV file held in memory.
pub fn decode(bytes: &[u8]) -> Result<WavAudio> {
    let head = &bytes[..bytes.len().min(HEAD_BYTES)];
    decode_from(Cursor::new(bytes), bytes.len() as u64, head)
}

/// Reads and decodes a WAV file.
pub fn read_file(path: &Path) -> Result<WavAudio> {
    let io = |source| AudioIoError::Io {
        path: path.display().to_string(),
        source,
    };
    let file = File::open(path).map_err(io)?;
    let len = file.metadata().map_err(io)?.len();
    let mut head = Vec::with_capacity(HEAD_BYTES);
    (&file).take(HEAD_BYTES as u64).read_to_end(&mut head).map_err(io)?;
    (&file).rewind().map_err(io)?;
    decode_from(BufReader::with_capacity(1 << 18, file), len, &head).map_err(|e| match e {
        AudioIoError::Io { source, .. } => io(source),
        other => other,
    })
}

fn decode_from<R: Read>(reader: R, available: u64, head: &[u8]) -> Result<WavAudio> {
    let mut wav = hound::WavReader::new(reader).map_err(|e| header_error(e, head))?;
    let spec = wav.spec();
    let Some(format) = SampleFormat::of(&spec) else {
        return Err(unsupported(head));
    };
    if spec.sample_rate == 0 {
        return Err(AudioIoError::Invalid(
            "damaged WAV header: it declares a sample rate of 0 Hz".into(),
        ));
    }
    let declared = wav.len() as usize;
    // Never reserve more than the input could hold, whatever the header says.
    let bytes_per_sample = u64::from(format.bits() / 8);
    let room = usize::try_from(available / bytes_per_sample).unwrap_or(usize::MAX);
    let mut samples = Vec::with_capacity(declared.min(room));
    let truncated = |read: usize| {
        AudioIoError::Invalid(format!(
            "truncated WAV: its data chunk declares {declared} samples but the file ends after {read}"
        ))
    };
    let sample_error = |e: hound::Error, read: usize| match e {
        hound::Error::IoError(e) if ran_out(&e) => truncated(read),
        hound::Error::IoError(source) => AudioIoError::Io {
            path: String::new(),
            source,
        },
        hound::Error::Unsupported | hound::Error::TooWide => unsupported(head),
        other => AudioIoError::Invalid(format!("damaged WAV data: {other}")),
    };
    if format.is_float() {
        for sample in wav.samples::<f32>() {
            samples.push(sample.map_err(|e| sample_error(e, samples.len()))?);
        }
    } else {
        let scale = 1.0 / f64::from(1u32 << (format.bits() - 1)) as f32;
        for sample in wav.samples::<i32>() {
            samples.push(sample.map_err(|e| sample_error(e, samples.len()))? as f32 * scale);
        }
    }
    let channels = usize::from(spec.channels);
    check_frames(&samples, channels)?;
    Ok(WavAudio {
        sample_rate: spec.sample_rate,
        channels: spec.channels,
        samples,
        format,
    })
}

/// The error for a header hound refused, naming what the file declares.
fn header_error(err: hound::Error, head: &[u8]) -> AudioIoError {
    match err {
        hound::Error::Unsupported => unsupported(head),
        hound::Error::FormatError("no RIFF tag found") => AudioIoError::Invalid(format!(
            "not a WAV file: it starts with {} instead of \"RIFF\"",
            printable(&head[..head.len().min(4)])
        )),
        hound::Error::FormatError("no WAVE tag found") => AudioIoError::Invalid(format!(
            "not a WAV file: a RIFF file of type {} instead of \"WAVE\"",
            printable(head.get(8..12).unwrap_or_default())
        )),
        // hound refuses bit depths it does not decode as malformed; they are well-formed
        // files in an encoding that is not read.
        hound::Error::FormatError(msg) if msg.contains("bits per sample") => unsupported(head),
        hound::Error::FormatError(msg) => AudioIoError::Invalid(match Declared::find(head) {
            Some(declared) => format!("damaged WAV header ({msg}); it declares {declared}"),
            None => format!("damaged WAV header: {msg}"),
        }),
        hound::Error::IoError(e) if ran_out(&e) => {
            AudioIoError::Invalid(if head.len() < 12 {
                format!("not a WAV file: {} bytes, too short for a RIFF/WAVE header (12 bytes)", head.len())
            } else {
                "truncated WAV: the file ends before its fmt and data chunks".into()
            })
        }
        hound::Error::IoError(source) => AudioIoError::Io {
            path: String::new(),
            source,
        },
        other => AudioIoError::Invalid(format!("damaged WAV header: {other}")),
    }
}

/// Whether an I/O error of hound's means the input ended early (hound reports a short
/// read as its own error, std as `UnexpectedEof`) rather than an OS failure.
fn ran_out(e: &std::io::Error) -> bool {
    e.raw_os_error().is_none()
}

fn unsupported(head: &[u8]) -> AudioIoError {
    let what = Declared::find(head).map_or_else(|| "an encoding".to_string(), |d| d.to_string());
    AudioIoError::Unsupported(format!("unsupported WAV encoding: {what}; readable are {READABLE}"))
}

/// Bytes as a quoted string, non-printable ones escaped.
fn printable(bytes: &[u8]) -> String {
    format!("\"{}\"", bytes.escape_ascii())
}

/// Encodes `audio` as a WAV file in `audio.format`; also returns how many samples were
/// clipped to the range of an integer format.
pub fn encode(audio: &WavAudio) -> Result<(Vec<u8>, usize)> {
    let channels = usize::from(audio.channels);
    check_frames(&audio.samples, channels)?;
    if audio.sample_rate == 0 {
        return Err(AudioIoError::Config("sampleRate must be at least 1 Hz".into()));
    }
    let data_bytes = audio.samples.len() as u64 * u64::from(audio.format.bits() / 8);
    // The RIFF size field is 32 bits: header and data must fit in 4 GiB.
    if data_bytes > u64::from(u32::MAX) - 72 {
        return Err(AudioIoError::Audio(format!(
            "{} samples of {} need {data_bytes} bytes: a WAV file holds at most 4 GiB",
            audio.samples.len(),
            audio.format.name()
        )));
    }
    let spec = audio.format.spec(audio.channels, audio.sample_rate);
    let mut bytes = Vec::with_capacity(data_bytes as usize + 80);
    let mut clipped = 0;
    let failed = |e: hound::Error| AudioIoError::Internal(format!("writing WAV: {e}"));
    {
        let mut writer = hound::WavWriter::new(Cursor::new(&mut bytes), spec).map_err(failed)?;
        if audio.format.is_float() {
            for &x in &audio.samples {
                writer.write_sample(x).map_err(failed)?;
            }
        } else {
            let scale = f64::from(1u32 << (audio.format.bits() - 1));
            let (lo, hi) = (-scale, scale - 1.0);
            for &x in &audio.samples {
                let v = (f64::from(x) * scale).round();
                if v < lo || v > hi {
                    clipped += 1;
                }
                writer.write_sample(v.clamp(lo, hi) as i32).map_err(failed)?;
            }
        }
        writer.finalize().map_err(failed)?;
    }
    Ok((bytes, clipped))
}

/// Encodes `audio` and writes it to `path` (replacing it); returns the clipped count.
pub fn write_file(path: &Path, audio: &WavAudio) -> Result<usize> {
    let (bytes, clipped) = encode(audio)?;
    std::fs::write(path, bytes).map_err(|source| AudioIoError::Io {
        path: path.display().to_string(),
        source,
    })?;
    Ok(clipped)
}
