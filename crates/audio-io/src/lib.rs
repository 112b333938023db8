//! Audio files for edgemix, usable from Rust without Node: WAV reading and writing with
//! hound ([`wav`]) and sample-rate conversion with rubato ([`resample`]), on interleaved
//! f32 samples at full scale ±1.0. No DSP lives here.

mod error;
mod format;
pub mod resample;
mod samples;
pub mod wav;

pub use error::{AudioIoError, Result};
pub use format::{Declared, SampleFormat, READABLE};
pub use resample::{resample, StreamResampler};
pub use samples::check_frames;
pub use wav::{decode, encode, read_file, write_file, WavAudio};
