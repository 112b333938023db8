//! Sample encodings of WAV files, and what a file's `fmt ` chunk declares (for messages
//! about files that cannot be read).

use std::fmt;

/// The sample encodings read and written: integer PCM of 8, 16, 24 or 32 bits and 32-bit
/// IEEE float.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SampleFormat {
    Int8,
    Int16,
    Int24,
    Int32,
    Float32,
}

impl SampleFormat {
    pub const ALL: [SampleFormat; 5] = [
        SampleFormat::Int8,
        SampleFormat::Int16,
        SampleFormat::Int24,
        SampleFormat::Int32,
        SampleFormat::Float32,
    ];

    /// The name used in options and messages: "int16", "float32", ...
    pub fn name(self) -> &'static str {
        match self {
            SampleFormat::Int8 => "int8",
            SampleFormat::Int16 => "int16",
            SampleFormat::Int24 => "int24",
            SampleFormat::Int32 => "int32",
            SampleFormat::Float32 => "float32",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }

    pub fn bits(self) -> u16 {
        match self {
            SampleFormat::Int8 => 8,
            SampleFormat::Int16 => 16,
            SampleFormat::Int24 => 24,
            SampleFormat::Int32 => 32,
            SampleFormat::Float32 => 32,
        }
    }

    pub fn is_float(self) -> bool {
        self == SampleFormat::Float32
    }

    /// The encoding of a hound spec, if it is one of ours.
    pub(crate) fn of(spec: &hound::WavSpec) -> Option<Self> {
        match (spec.sample_format, spec.bits_per_sample) {
            (hound::SampleFormat::Float, 32) => Some(SampleFormat::Float32),
            (hound::SampleFormat::Int, 8) => Some(SampleFormat::Int8),
            (hound::SampleFormat::Int, 16) => Some(SampleFormat::Int16),
            (hound::SampleFormat::Int, 24) => Some(SampleFormat::Int24),
            (hound::SampleFormat::Int, 32) => Some(SampleFormat::Int32),
            _ => None,
        }
    }

    pub(crate) fn spec(self, channels: u16, sample_rate: u32) -> hound::WavSpec {
        hound::WavSpec {
            channels,
            sample_rate,
            bits_per_sample: self.bits(),
            sample_format: if self.is_float() {
                hound::SampleFormat::Float
            } else {
                hound::SampleFormat::Int
            },
        }
    }
}

/// What is read: integer PCM (tag 1) of 8/16/24/32 bits, IEEE float (tag 3) of 32 bits,
/// or either as WAVE_FORMAT_EXTENSIBLE (tag 0xFFFE).
pub const READABLE: &str = "PCM (format tag 1) of 8, 16, 24 or 32 bits, IEEE float (tag 3) of 32 bits, \
                            or either in WAVE_FORMAT_EXTENSIBLE (tag 0xFFFE)";

/// The fields of a `fmt ` chunk, as declared by a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Declared {
    pub tag: u16,
    pub channels: u16,
    pub sample_rate: u32,
    pub bits: u16,
    /// For WAVE_FORMAT_EXTENSIBLE: the sub-format's tag (first two bytes of its GUID).
    pub sub_tag: Option<u16>,
}

impl Declared {
    /// Finds the `fmt ` chunk in the first bytes of a RIFF/WAVE file. Walks at most the
    /// chunks within `head` (what the caller read), so it costs nothing on hostile input.
    pub fn find(head: &[u8]) -> Option<Self> {
        if head.len() < 12 || &head[0..4] != b"RIFF" || &head[8..12] != b"WAVE" {
            return None;
        }
        let u16_at = |at: usize| head.get(at..at + 2).map(|b| u16::from_le_bytes([b[0], b[1]]));
        let u32_at = |at: usize| {
            head.get(at..at + 4)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        };
        let mut at = 12usize;
        while at + 8 <= head.len() {
            let len = u32_at(at + 4)? as usize;
            if &head[at..at + 4] == b"fmt " {
                let body = at + 8;
                return Some(Self {
                    tag: u16_at(body)?,
                    channels: u16_at(body + 2)?,
                    sample_rate: u32_at(body + 4)?,
                    bits: u16_at(body + 14)?,
                    sub_tag: if u16_at(body)? == 0xFFFE && len >= 40 {
                        u16_at(body + 24)
                    } else {
                        None
                    },
                });
            }
            // Chunks are padded to an even length.
            at = at.checked_add(8)?.checked_add(len)?.checked_add(len & 1)?;
        }
        None
    }
}

fn tag_name(tag: u16) -> &'static str {
    match tag {
        0x0001 => "PCM",
        0x0002 => "Microsoft ADPCM",
        0x0003 => "IEEE float",
        0x0006 => "A-law",
        0x0007 => "µ-law",
        0x0011 => "IMA ADPCM",
        0x0031 => "GSM 6.10",
        0x0050 => "MPEG",
        0x0055 => "MPEG Layer III",
        0x00FF => "AAC",
        0xFFFE => "WAVE_FORMAT_EXTENSIBLE",
        _ => "unknown",
    }
}

impl fmt::Display for Declared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "format tag 0x{:04X} ({})", self.tag, tag_name(self.tag))?;
        if let Some(sub) = self.sub_tag {
            write!(f, " with sub-format 0x{sub:04X} ({})", tag_name(sub))?;
        }
        write!(
            f,
            ", {} channel{}, {} Hz, {} bits per sample",
            self.channels,
            if self.channels == 1 { "" } else { "s" },
            self.sample_rate,
            self.bits
        )
    }
}
