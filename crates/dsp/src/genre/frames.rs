//! Per-frame analysis of the genre classifier: the input is converted to 16 kHz, cut into
//! 512-sample frames (32 ms, periodic Hann) every 320 samples (20 ms) and each frame
//! yields one [`FrameRecord`]. The last [`WINDOW_FRAMES`] records (3 s) are kept for the
//! window features.
//!
//! Reuses the analysis blocks of the crate: [`RationalResampler`] (pass band 0–6 kHz,
//! stop band from 8 kHz, 50 dB), [`Framer`] (silent history of 192 samples, as the
//! streaming feature extractor), [`RealSpectrum`], [`Mfcc`] (40 Slaney mel bands
//! 0–8 kHz, 13 coefficients, c1–c12 kept: c0 only follows the level; its filterbank
//! also gives the linear mel powers of the percussive separation) and the spectral
//! centroid and flatness of `features.rs`.

use std::collections::VecDeque;

use crate::analysis::extractor::Framer;
use crate::analysis::features::{spectral_centroid, spectral_flatness};
use crate::analysis::mel::MelFilterbank;
use crate::analysis::mfcc::Mfcc;
use crate::analysis::spectrum::{fft_frequencies, RealSpectrum};
use crate::genre::percussive::Hpss;
use crate::math::rational_resampler::{gcd, RationalResampler};

/// Sample rate of the analysis, Hz.
pub const ANALYSIS_RATE_HZ: u32 = 16_000;
/// Frame length (FFT size), samples at 16 kHz (32 ms).
pub const N_FFT: usize = 512;
/// Hop between frames, samples at 16 kHz (20 ms).
pub const HOP: usize = 320;
/// Frames per second.
pub const FRAME_RATE_HZ: f64 = ANALYSIS_RATE_HZ as f64 / HOP as f64;
/// Frames in one analysis window (3 s).
pub const WINDOW_FRAMES: usize = 150;
/// Length of one analysis window, s.
pub const WINDOW_S: f64 = WINDOW_FRAMES as f64 / FRAME_RATE_HZ;
/// Mel bands of the MFCC and of the onset / percussive analysis, 0 Hz to 8 kHz.
pub const N_MELS: usize = 40;
/// Cepstral coefficients used (c1..c12).
pub const N_CEPSTRA: usize = 12;
/// Lowest level of a mel band in the onset strength, dB below the frame's loudest band.
const ONSET_RANGE_DB: f64 = 80.0;
/// Mean square of digital silence's floor, so that levels stay finite.
pub const SILENCE_MEAN_SQUARE: f64 = 1e-10;

/// What one 20 ms frame contributes to the window features.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FrameRecord {
    /// c1..c12 of the frame.
    pub mfcc: [f32; N_CEPSTRA],
    /// Mean square of the hop's 320 new samples (linear).
    pub mean_square: f64,
    /// Largest |sample| of the hop's 320 new samples.
    pub peak: f32,
    /// Onset strength: mean over mel bands of the rise of the band level since the
    /// previous frame, dB (bands floored 80 dB below the frame's loudest band).
    pub onset_db: f32,
    /// Spectral centroid, kHz (0 for a silent frame).
    pub centroid_khz: f32,
    /// log10 of the spectral flatness (0 = white noise, strongly negative = tonal).
    pub log_flatness: f32,
    /// Percussive and harmonic mel energy of the frame (median-filtering separation);
    /// `None` until the frames after it needed by the time median have arrived.
    pub percussive: Option<(f32, f32)>,
}

/// Resampling, framing and per-frame analysis, with the last 3 s of records.
#[derive(Debug, Clone)]
pub struct GenreFrames {
    resampler: RationalResampler,
    resampled: Vec<f32>,
    framer: Framer,
    analysis: FrameAnalysis,
}

/// The per-frame analysers and the records of the last 3 s.
#[derive(Debug, Clone)]
struct FrameAnalysis {
    spectrum: RealSpectrum,
    mfcc: Mfcc,
    freqs: Vec<f64>,
    magnitude: Vec<f64>,
    mel_power: [f64; N_MELS],
    hpss: Hpss,
    previous_mel_db: [f64; N_MELS],
    records: VecDeque<FrameRecord>,
}

/// The resampler to 16 kHz of the genre analysis.
fn resampler(sample_rate: u32) -> RationalResampler {
    RationalResampler::new(sample_rate, ANALYSIS_RATE_HZ, 6000.0, 8000.0, 50.0)
}

/// Fewest input samples at `sample_rate` that complete one analysis window. The caller
/// has checked the rate (see `check_rate_to_16k`).
pub fn min_samples(sample_rate: u32) -> usize {
    // The resampler emits output m once input ⌊m·M/L⌋ has arrived (L/M = 16000/rate).
    let g = gcd(u64::from(sample_rate), u64::from(ANALYSIS_RATE_HZ));
    let (up, down) = (u64::from(ANALYSIS_RATE_HZ) / g, u64::from(sample_rate) / g);
    let last_output = (WINDOW_FRAMES * HOP - 1) as u64;
    ((last_output * down) / up + 1) as usize
}

impl GenreFrames {
    pub fn new(sample_rate: u32) -> Self {
        Self {
            resampler: resampler(sample_rate),
            resampled: Vec::with_capacity(2048),
            framer: Framer::new(N_FFT, HOP),
            analysis: FrameAnalysis::new(),
        }
    }

    /// Feeds samples at the input rate (checked finite by the caller); calls `on_frame`
    /// after every completed frame with the records so far (oldest first).
    pub fn push(&mut self, block: &[f32], mut on_frame: impl FnMut(&VecDeque<FrameRecord>)) {
        for chunk in block.chunks(1024) {
            let resampled = &mut self.resampled;
            resampled.clear();
            self.resampler.process(chunk, |y| resampled.push(y));
            let analysis = &mut self.analysis;
            self.framer.push(&self.resampled, |frame| {
                analysis.analyze(frame);
                on_frame(&analysis.records);
            });
        }
    }

    /// Back to the initial state (silent history).
    pub fn reset(&mut self) {
        self.resampler.reset();
        self.framer.reset();
        self.analysis = FrameAnalysis::new();
    }
}

impl FrameAnalysis {
    fn new() -> Self {
        let mel = MelFilterbank::slaney(f64::from(ANALYSIS_RATE_HZ), N_FFT, N_MELS, 0.0, 8000.0);
        Self {
            spectrum: RealSpectrum::hann(N_FFT),
            mfcc: Mfcc::new(mel, N_CEPSTRA + 1),
            freqs: fft_frequencies(f64::from(ANALYSIS_RATE_HZ), N_FFT),
            magnitude: vec![0.0; N_FFT / 2 + 1],
            mel_power: [0.0; N_MELS],
            hpss: Hpss::new(),
            previous_mel_db: [-100.0; N_MELS],
            records: VecDeque::with_capacity(WINDOW_FRAMES + 1),
        }
    }

    fn analyze(&mut self, frame: &[f32]) {
        let hop = &frame[N_FFT - HOP..];
        let mean_square = hop
            .iter()
            .map(|&x| f64::from(x) * f64::from(x))
            .sum::<f64>()
            / HOP as f64;
        let peak = hop.iter().fold(0.0f32, |m, &x| m.max(x.abs()));
        let power = self.spectrum.process(frame);
        for (m, p) in self.magnitude.iter_mut().zip(power) {
            *m = p.sqrt();
        }
        let centroid_hz = spectral_centroid(&self.magnitude, &self.freqs);
        let flatness = spectral_flatness(power);
        self.mfcc.filterbank().apply(power, &mut self.mel_power);
        let cepstra = self.mfcc.process(power);
        let mut mfcc = [0.0f32; N_CEPSTRA];
        for (m, c) in mfcc.iter_mut().zip(&cepstra[1..]) {
            *m = *c as f32;
        }
        let mel_db = self.mfcc.mel_db();
        let top = mel_db.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v));
        let mut rise = 0.0;
        for (prev, &db) in self.previous_mel_db.iter_mut().zip(mel_db) {
            let db = db.max(top - ONSET_RANGE_DB);
            rise += (db - *prev).max(0.0);
            *prev = db;
        }
        if self.records.len() == WINDOW_FRAMES {
            self.records.pop_front();
        }
        self.records.push_back(FrameRecord {
            mfcc,
            mean_square,
            peak,
            onset_db: (rise / N_MELS as f64) as f32,
            centroid_khz: (centroid_hz / 1000.0) as f32,
            log_flatness: flatness.log10() as f32,
            percussive: None,
        });
        if let Some(energies) = self.hpss.push(&self.mel_power) {
            let delayed = self.records.len().checked_sub(1 + Hpss::DELAY_FRAMES);
            if let Some(record) = delayed.and_then(|i| self.records.get_mut(i)) {
                record.percussive = Some(energies);
            }
        }
    }
}
