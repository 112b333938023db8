//! [`SileroVad`]: a stream of audio in, one speech probability and decision per 20 ms
//! frame out.
//!
//! # Frames and chunks
//!
//! Input at 48 kHz is converted to 16 kHz by the exact 3:1 polyphase decimator of
//! `edgemix_dsp` ([`RationalResampler`]: passband to 7 kHz, 60 dB stopband from 8 kHz,
//! delay about 1.8 ms); 16 kHz input is used as it is. Frame `i` is the 20 ms of input
//! from `20·i` ms of the stream (960 samples at 48 kHz, 320 at 16 kHz), i.e. the 16 kHz
//! samples `320·i .. 320·i + 320`. The network sees consecutive chunks of 512 samples
//! (32 ms; chunk `k` = samples `512·k .. 512·k + 512`), so a frame overlaps one or two
//! chunks: its probability is the mean of their probabilities weighted by the samples
//! it shares with each. A frame is reported as soon as the last chunk it overlaps has
//! been run — up to 32 ms after its last sample arrives — in frame order, each exactly
//! once; [`SileroVad::flush`] completes the last chunk with zeros and reports the
//! frames still held back. A partial frame at the end of a stream is not reported.
//!
//! The decision is `probability ≥ threshold`.

use std::collections::VecDeque;

use edgemix_dsp::{check_audio, ConfigError, Range, RationalResampler};

use crate::error::SileroError;
use crate::model::{ModelState, SileroModel, CHUNK, MODEL_RATE_HZ};

/// Duration of a frame, ms.
pub const FRAME_MS: u32 = 20;
/// 16 kHz samples per frame.
const FRAME_16K: usize = (MODEL_RATE_HZ * FRAME_MS / 1000) as usize;

/// Parameters of a [`SileroVad`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SileroConfig {
    /// Sample rate of the input, Hz: 16000 or 48000. Default 48000.
    pub sample_rate: u32,
    /// Speech probability at or above which a frame is speech, 0 to 1. Default 0.5.
    pub threshold: f32,
}

impl Default for SileroConfig {
    fn default() -> Self {
        Self {
            sample_rate: 48_000,
            threshold: 0.5,
        }
    }
}

impl SileroConfig {
    pub const THRESHOLD: Range = Range::new("threshold", 0.0, 1.0, "");
    /// The input rates accepted, Hz.
    pub const SAMPLE_RATES: [u32; 2] = [16_000, 48_000];

    pub fn validate(&self) -> Result<(), ConfigError> {
        if !Self::SAMPLE_RATES.contains(&self.sample_rate) {
            return Err(ConfigError::new(
                "sampleRate",
                format!(
                    "sampleRate = {} is not supported: allowed 16000 or 48000 Hz",
                    self.sample_rate
                ),
            ));
        }
        Self::THRESHOLD.check(f64::from(self.threshold))
    }

    /// Input samples per 20 ms frame.
    pub fn frame_samples(&self) -> usize {
        (self.sample_rate * FRAME_MS / 1000) as usize
    }
}

/// The result for one frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SileroFrame {
    /// Frame number from the start of the stream (frame `i` starts at `20·i` ms).
    pub index: u64,
    /// Speech probability, 0 to 1.
    pub probability: f32,
    /// `probability ≥ threshold`.
    pub speech: bool,
}

/// Chunk-level streaming: 16 kHz samples in, one probability per 512-sample chunk.
pub struct SileroChunks {
    state: ModelState,
    pending: Vec<f32>,
}

impl SileroChunks {
    pub fn new(model: &SileroModel) -> Result<Self, SileroError> {
        Ok(Self {
            state: ModelState::new(model)?,
            pending: Vec::with_capacity(CHUNK),
        })
    }

    /// Feeds 16 kHz samples; calls `emit` with the probability of every chunk completed.
    pub fn push(&mut self, samples: &[f32], mut emit: impl FnMut(f32)) -> Result<(), SileroError> {
        for &sample in samples {
            self.pending.push(sample);
            if self.pending.len() == CHUNK {
                let probability = self.state.infer(&self.pending)?;
                self.pending.clear();
                emit(probability);
            }
        }
        Ok(())
    }

    /// Samples waiting for the next chunk.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }
}

/// Silero VAD on one stream.
pub struct SileroVad {
    config: SileroConfig,
    resampler: Option<RationalResampler>,
    chunks: SileroChunks,
    /// 16 kHz samples of the current block (reused).
    resampled: Vec<f32>,
    /// Probabilities of the chunks not yet needed by every frame, oldest first, with the
    /// index of the first.
    probabilities: VecDeque<f32>,
    first_chunk: u64,
    /// Input samples received, and the next frame to report.
    received: u64,
    next_frame: u64,
}

impl SileroVad {
    pub fn new(config: SileroConfig) -> Result<Self, SileroError> {
        config.validate()?;
        let model = SileroModel::shared()?;
        let resampler = (config.sample_rate != MODEL_RATE_HZ).then(|| {
            RationalResampler::new(config.sample_rate, MODEL_RATE_HZ, 7_000.0, 8_000.0, 60.0)
        });
        Ok(Self {
            config,
            resampler,
            chunks: SileroChunks::new(&model)?,
            resampled: Vec::new(),
            probabilities: VecDeque::new(),
            first_chunk: 0,
            received: 0,
            next_frame: 0,
        })
    }

    pub fn config(&self) -> &SileroConfig {
        &self.config
    }

    /// Feeds a block of any length (nominally one 960-sample frame at 48 kHz); returns
    /// the frames that became complete (see the module documentation). A refused block
    /// (empty, NaN or infinite samples) leaves the stream untouched.
    pub fn process(&mut self, block: &[f32]) -> Result<Vec<SileroFrame>, SileroError> {
        check_audio(block)?;
        self.resampled.clear();
        match &mut self.resampler {
            Some(resampler) => resampler.process(block, |y| self.resampled.push(y)),
            None => self.resampled.extend_from_slice(block),
        }
        self.received += block.len() as u64;
        let probabilities = &mut self.probabilities;
        self.chunks
            .push(&self.resampled, |p| probabilities.push_back(p))?;
        Ok(self.ready_frames())
    }

    /// Ends the stream: runs the last, zero-padded chunk and returns every complete
    /// frame not yet reported. The stream then starts again from silence.
    pub fn flush(&mut self) -> Result<Vec<SileroFrame>, SileroError> {
        let pending = self.chunks.pending();
        if pending > 0 {
            let probabilities = &mut self.probabilities;
            self.chunks
                .push(&vec![0.0; CHUNK - pending], |p| probabilities.push_back(p))?;
        }
        let frames = self.ready_frames();
        *self = Self::new(self.config)?;
        Ok(frames)
    }

    /// The frames whose input is complete and whose chunks have all been run.
    fn ready_frames(&mut self) -> Vec<SileroFrame> {
        let complete_frames = self.received / self.config.frame_samples() as u64;
        let chunks_done = self.first_chunk + self.probabilities.len() as u64;
        let mut frames = Vec::new();
        while self.next_frame < complete_frames {
            let (start, end) = (
                self.next_frame * FRAME_16K as u64,
                (self.next_frame + 1) * FRAME_16K as u64,
            );
            let last_chunk = (end - 1) / CHUNK as u64;
            if last_chunk >= chunks_done {
                break;
            }
            let probability = self.overlap_mean(start, end);
            frames.push(SileroFrame {
                index: self.next_frame,
                probability,
                speech: probability >= self.config.threshold,
            });
            self.next_frame += 1;
            // Chunks ending at or before the next frame's start are no longer needed.
            while self.first_chunk < (end / CHUNK as u64) && !self.probabilities.is_empty() {
                self.probabilities.pop_front();
                self.first_chunk += 1;
            }
        }
        frames
    }

    /// Mean of the chunk probabilities over 16 kHz samples `start..end`, weighted by
    /// overlap.
    fn overlap_mean(&self, start: u64, end: u64) -> f32 {
        let chunk = CHUNK as u64;
        let mut sum = 0.0f64;
        for k in start / chunk..=(end - 1) / chunk {
            let overlap = end.min((k + 1) * chunk) - start.max(k * chunk);
            sum += f64::from(self.probabilities[(k - self.first_chunk) as usize]) * overlap as f64;
        }
        (sum / (end - start) as f64) as f32
    }
}
