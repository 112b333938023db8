//! Framed analysis: MFCCs and spectral features of a signal, in one batch call over a
//! buffer or streaming block by block.
//!
//! **Framing.** Frame `i` of a buffer covers samples `[i·hop, i·hop + n_fft)` (librosa's
//! `center=False`): a buffer of `L ≥ n_fft` samples has `1 + ⌊(L − n_fft)/hop⌋` frames.
//! The streaming [`FeatureExtractor`] starts with `n_fft − hop` samples of silence as
//! history, so every `hop` samples pushed complete exactly one frame whose window ends at
//! the newest sample (by default: the new 960 samples plus 64 of history). Its output
//! over a signal `x` therefore equals the batch output over `x` preceded by `n_fft − hop`
//! zeros, whatever the block sizes.
//!
//! **Defaults** (48 kHz, 20 ms frames): `n_fft` 1024, `hop` 960, periodic Hann window,
//! power spectrum, 40 Slaney mel bands from 0 Hz to `sample_rate/2`, 10·log10 with floor
//! 1e−10 (no `top_db`), orthonormal DCT-II, 13 coefficients — librosa's
//! `mfcc(S=power_to_db(melspectrogram(y, sr, n_fft, hop_length, center=False, power=2,
//! n_mels, fmin, fmax), ref=1, amin=1e-10, top_db=None), n_mfcc)`.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::analysis::features::{FrameFeatures, SpectralFeatures, DEFAULT_ROLL_PERCENT};
use crate::analysis::mel::MelFilterbank;
use crate::analysis::mfcc::Mfcc;
use crate::analysis::spectrum::{fft_frequencies, RealSpectrum};
use crate::error::{check_audio, AudioError, ConfigError};
use crate::range::Range;

/// Options of the analysis (camelCase in JSON). Counts are numbers so that a fractional
/// or negative value gets a message naming the parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct AnalysisConfig {
    /// Sample rate, Hz, 8000..192000. Default 48000.
    pub sample_rate: f64,
    /// FFT size = window length, samples: even, 16..65536. Default 1024.
    pub n_fft: f64,
    /// Hop between frames, samples, 1..nFft. Default 960.
    pub hop: f64,
    /// Mel bands, 1..512. Default 40.
    pub n_mels: f64,
    /// Lowest mel band edge, Hz, 0 ≤ fMin < fMax. Default 0.
    pub f_min: f64,
    /// Highest mel band edge, Hz, ≤ sampleRate/2. Default (`None`): sampleRate/2.
    pub f_max: Option<f64>,
    /// Cepstral coefficients kept, 1..nMels. Default 13.
    pub n_mfcc: f64,
    /// Spectral rolloff fraction, 0 < rollPercent < 1. Default 0.85.
    pub roll_percent: f64,
    /// Streaming extractor only: also compute the spectral features of every frame
    /// (the batch `extract_features` always does, `extract_mfcc` never). Default false.
    pub spectral: bool,
}

impl Default for AnalysisConfig {
    fn default() -> Self {
        Self {
            sample_rate: 48_000.0,
            n_fft: 1024.0,
            hop: 960.0,
            n_mels: 40.0,
            f_min: 0.0,
            f_max: None,
            n_mfcc: 13.0,
            roll_percent: DEFAULT_ROLL_PERCENT,
            spectral: false,
        }
    }
}

/// A validated [`AnalysisConfig`] with whole-number counts and `f_max` resolved.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AnalysisSettings {
    pub sample_rate: f64,
    pub n_fft: usize,
    pub hop: usize,
    pub n_mels: usize,
    pub f_min: f64,
    pub f_max: f64,
    pub n_mfcc: usize,
    pub roll_percent: f64,
    pub spectral: bool,
}

fn whole(name: &str, value: f64, min: usize, max: usize, what: &str) -> Result<usize, ConfigError> {
    if value.is_finite() && value.fract() == 0.0 && value >= min as f64 && value <= max as f64 {
        Ok(value as usize)
    } else {
        Err(ConfigError::new(
            name,
            format!("{name} = {value} is out of range: allowed whole numbers {what}"),
        ))
    }
}

impl AnalysisConfig {
    pub const SAMPLE_RATE: Range = Range::new("sampleRate", 8000.0, 192_000.0, "Hz");
    pub const MAX_N_FFT: usize = 65_536;
    pub const MAX_N_MELS: usize = 512;

    /// Parses and validates a complete or partial configuration (omitted keys take
    /// their defaults).
    pub fn from_json(value: &Value) -> Result<AnalysisSettings, ConfigError> {
        let config: Self = crate::error::parse_config(value, "analysis options")?;
        config.validate()
    }

    /// Checks every option and resolves the defaults that depend on others.
    pub fn validate(&self) -> Result<AnalysisSettings, ConfigError> {
        Self::SAMPLE_RATE.check(self.sample_rate)?;
        let sr = self.sample_rate;
        let n_fft = whole(
            "nFft",
            self.n_fft,
            16,
            Self::MAX_N_FFT,
            "from 16 to 65536 (even)",
        )?;
        if n_fft % 2 != 0 {
            return Err(ConfigError::new(
                "nFft",
                format!("nFft = {n_fft} must be even (16 to 65536)"),
            ));
        }
        let hop = whole(
            "hop",
            self.hop,
            1,
            n_fft,
            &format!("from 1 to nFft = {n_fft} (frames must not skip samples)"),
        )?;
        let n_mels = whole("nMels", self.n_mels, 1, Self::MAX_N_MELS, "from 1 to 512")?;
        let n_mfcc = whole(
            "nMfcc",
            self.n_mfcc,
            1,
            n_mels,
            &format!("from 1 to nMels = {n_mels} (the DCT of nMels bands has nMels coefficients)"),
        )?;
        let nyquist = sr / 2.0;
        let f_max = self.f_max.unwrap_or(nyquist);
        if !(f_max.is_finite() && f_max > 0.0 && f_max <= nyquist) {
            return Err(ConfigError::new(
                "fMax",
                format!("fMax = {f_max} Hz is out of range: allowed above 0 up to sampleRate/2 = {nyquist} Hz"),
            ));
        }
        if !(self.f_min.is_finite() && self.f_min >= 0.0 && self.f_min < f_max) {
            return Err(ConfigError::new(
                "fMin",
                format!(
                    "fMin = {} Hz is out of range: allowed from 0 Hz to below fMax = {f_max} Hz",
                    self.f_min
                ),
            ));
        }
        if !(self.roll_percent > 0.0 && self.roll_percent < 1.0) {
            return Err(ConfigError::new(
                "rollPercent",
                format!(
                    "rollPercent = {} is out of range: allowed above 0 and below 1",
                    self.roll_percent
                ),
            ));
        }
        let settings = AnalysisSettings {
            sample_rate: sr,
            n_fft,
            hop,
            n_mels,
            f_min: self.f_min,
            f_max,
            n_mfcc,
            roll_percent: self.roll_percent,
            spectral: self.spectral,
        };
        if let Some(band) = settings.filterbank().first_empty_band() {
            return Err(ConfigError::new(
                "nMels",
                format!(
                    "nMels = {n_mels} is too many for nFft = {n_fft} at {sr} Hz between fMin = {} Hz and fMax = {f_max} Hz: \
                     mel band {band} falls between two FFT bins and would always be empty; lower nMels or raise nFft",
                    self.f_min
                ),
            ));
        }
        Ok(settings)
    }
}

impl Default for AnalysisSettings {
    fn default() -> Self {
        AnalysisConfig::default()
            .validate()
            .expect("the defaults are valid")
    }
}

impl AnalysisSettings {
    fn filterbank(&self) -> MelFilterbank {
        MelFilterbank::slaney(
            self.sample_rate,
            self.n_fft,
            self.n_mels,
            self.f_min,
            self.f_max,
        )
    }

    /// Frames of a buffer of `samples` samples (`center=False`); 0 if shorter than `n_fft`.
    pub fn frame_count(&self, samples: usize) -> usize {
        if samples < self.n_fft {
            0
        } else {
            1 + (samples - self.n_fft) / self.hop
        }
    }
}

/// Why an analysis call refused its input.
#[derive(Debug, Clone, PartialEq)]
pub enum AnalysisError {
    Config(ConfigError),
    Audio(AudioError),
    /// A batch input shorter than one analysis window.
    TooShort {
        samples: usize,
        n_fft: usize,
    },
    /// Interleaved audio that is not a whole number of `channels`-sample frames.
    Interleave {
        samples: usize,
        channels: usize,
    },
    /// A batch input shorter than one analysis window of `window_s` seconds (genre).
    TooShortForWindow {
        samples: usize,
        min_samples: usize,
        sample_rate: u32,
        window_s: f64,
    },
}

impl fmt::Display for AnalysisError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AnalysisError::Config(e) => e.fmt(f),
            AnalysisError::Audio(e) => e.fmt(f),
            AnalysisError::TooShort { samples, n_fft } => write!(
                f,
                "audio of {samples} samples is shorter than the analysis window nFft = {n_fft}: \
                 at least {n_fft} samples are needed for one frame (center=false framing)"
            ),
            AnalysisError::Interleave { samples, channels } => write!(
                f,
                "interleaved audio of {samples} samples is not a whole number of {channels}-channel frames"
            ),
            AnalysisError::TooShortForWindow { samples, min_samples, sample_rate, window_s } => write!(
                f,
                "audio of {samples} samples is shorter than one {window_s} s analysis window: \
                 at least {min_samples} samples are needed at sampleRate = {sample_rate} Hz"
            ),
        }
    }
}

impl std::error::Error for AnalysisError {}

impl From<ConfigError> for AnalysisError {
    fn from(e: ConfigError) -> Self {
        AnalysisError::Config(e)
    }
}

impl From<AudioError> for AnalysisError {
    fn from(e: AudioError) -> Self {
        AnalysisError::Audio(e)
    }
}

/// Analysis results, frame-major: `mfcc[i·n_mfcc + c]` is coefficient `c` of frame `i`;
/// the feature columns hold one value per frame, or nothing when spectral features were
/// not computed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AnalysisFrames {
    pub n_mfcc: usize,
    pub frames: usize,
    pub mfcc: Vec<f32>,
    pub rms: Vec<f32>,
    pub zcr: Vec<f32>,
    pub centroid_hz: Vec<f32>,
    pub rolloff_hz: Vec<f32>,
    pub flatness: Vec<f32>,
    pub flux: Vec<f32>,
}

impl AnalysisFrames {
    pub fn new(n_mfcc: usize) -> Self {
        Self {
            n_mfcc,
            ..Self::default()
        }
    }

    /// Empties every column, keeping the capacity.
    pub fn clear(&mut self) {
        self.frames = 0;
        for column in [
            &mut self.mfcc,
            &mut self.rms,
            &mut self.zcr,
            &mut self.centroid_hz,
            &mut self.rolloff_hz,
            &mut self.flatness,
            &mut self.flux,
        ] {
            column.clear();
        }
    }

    fn push_features(&mut self, f: &FrameFeatures) {
        self.rms.push(f.rms as f32);
        self.zcr.push(f.zcr as f32);
        self.centroid_hz.push(f.centroid_hz as f32);
        self.rolloff_hz.push(f.rolloff_hz as f32);
        self.flatness.push(f.flatness as f32);
        self.flux.push(f.flux as f32);
    }
}

/// Everything that is computed once per configuration and reused for every frame.
#[derive(Debug, Clone)]
struct FrameAnalyzer {
    spectrum: RealSpectrum,
    mfcc: Mfcc,
    spectral: Option<SpectralFeatures>,
}

impl FrameAnalyzer {
    fn new(settings: &AnalysisSettings, spectral: bool) -> Self {
        let spectrum = RealSpectrum::hann(settings.n_fft);
        Self {
            spectrum,
            mfcc: Mfcc::new(settings.filterbank(), settings.n_mfcc),
            spectral: spectral.then(|| {
                SpectralFeatures::new(
                    fft_frequencies(settings.sample_rate, settings.n_fft),
                    settings.roll_percent,
                )
            }),
        }
    }

    fn analyze(&mut self, frame: &[f32], out: &mut AnalysisFrames) {
        let power = self.spectrum.process(frame);
        out.mfcc
            .extend(self.mfcc.process(power).iter().map(|&c| c as f32));
        if let Some(spectral) = &mut self.spectral {
            out.push_features(&spectral.process(frame, power));
        }
        out.frames += 1;
    }

    fn reset(&mut self) {
        if let Some(spectral) = &mut self.spectral {
            spectral.reset();
        }
    }
}

fn extract(
    samples: &[f32],
    settings: &AnalysisSettings,
    spectral: bool,
) -> Result<AnalysisFrames, AnalysisError> {
    if samples.len() < settings.n_fft {
        check_audio(samples)?;
        return Err(AnalysisError::TooShort {
            samples: samples.len(),
            n_fft: settings.n_fft,
        });
    }
    check_audio(samples)?;
    let frames = settings.frame_count(samples.len());
    let mut analyzer = FrameAnalyzer::new(settings, spectral);
    let mut out = AnalysisFrames::new(settings.n_mfcc);
    out.mfcc.reserve_exact(frames * settings.n_mfcc);
    for i in 0..frames {
        let start = i * settings.hop;
        analyzer.analyze(&samples[start..start + settings.n_fft], &mut out);
    }
    Ok(out)
}

/// MFCCs of every frame of `samples` (`center=False`), frame-major.
pub fn extract_mfcc(
    samples: &[f32],
    settings: &AnalysisSettings,
) -> Result<Vec<f32>, AnalysisError> {
    extract(samples, settings, false).map(|frames| frames.mfcc)
}

/// MFCCs and spectral features of every frame of `samples` (`center=False`).
pub fn extract_features(
    samples: &[f32],
    settings: &AnalysisSettings,
) -> Result<AnalysisFrames, AnalysisError> {
    extract(samples, settings, true)
}

/// Cuts a stream into frames of `n_fft` samples every `hop` samples. It starts with
/// `n_fft − hop` samples of silence as history, so every `hop` samples pushed complete
/// exactly one frame whose window ends at the newest sample.
#[derive(Debug, Clone)]
pub(crate) struct Framer {
    hop: usize,
    /// The current window; `buffer[..filled]` holds the newest samples.
    buffer: Vec<f32>,
    filled: usize,
}

impl Framer {
    pub(crate) fn new(n_fft: usize, hop: usize) -> Self {
        Self {
            hop,
            buffer: vec![0.0; n_fft],
            filled: n_fft - hop,
        }
    }

    /// Appends `block` and calls `frame` with every window it completes, oldest first.
    pub(crate) fn push(&mut self, block: &[f32], mut frame: impl FnMut(&[f32])) {
        let n_fft = self.buffer.len();
        let mut rest = block;
        while !rest.is_empty() {
            let take = rest.len().min(n_fft - self.filled);
            self.buffer[self.filled..self.filled + take].copy_from_slice(&rest[..take]);
            self.filled += take;
            rest = &rest[take..];
            if self.filled == n_fft {
                frame(&self.buffer);
                self.buffer.copy_within(self.hop.., 0);
                self.filled = n_fft - self.hop;
            }
        }
    }

    /// Back to the silent history with nothing pending.
    pub(crate) fn reset(&mut self) {
        self.buffer.fill(0.0);
        self.filled = self.buffer.len() - self.hop;
    }

    /// Samples pushed since the last completed frame.
    pub(crate) fn pending(&self) -> usize {
        self.filled - (self.buffer.len() - self.hop)
    }
}

/// Streaming analysis: blocks of any length in, one frame out per `hop` samples.
#[derive(Debug, Clone)]
pub struct FeatureExtractor {
    settings: AnalysisSettings,
    analyzer: FrameAnalyzer,
    framer: Framer,
}

impl FeatureExtractor {
    pub fn new(settings: AnalysisSettings) -> Self {
        Self {
            analyzer: FrameAnalyzer::new(&settings, settings.spectral),
            framer: Framer::new(settings.n_fft, settings.hop),
            settings,
        }
    }

    pub fn settings(&self) -> &AnalysisSettings {
        &self.settings
    }

    /// Appends to `out` the frames that `block` completes. An empty block or a non-finite
    /// sample is rejected before anything changes.
    pub fn push(&mut self, block: &[f32], out: &mut AnalysisFrames) -> Result<usize, AudioError> {
        check_audio(block)?;
        let before = out.frames;
        let analyzer = &mut self.analyzer;
        self.framer
            .push(block, |frame| analyzer.analyze(frame, out));
        Ok(out.frames - before)
    }

    /// Back to the initial state: silent history, nothing pending, flux from silence.
    pub fn reset(&mut self) {
        self.framer.reset();
        self.analyzer.reset();
    }

    /// Samples pushed since the last completed frame.
    pub fn pending_samples(&self) -> usize {
        self.framer.pending()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streaming_equals_batch_after_the_silent_history() {
        let settings = AnalysisConfig {
            spectral: true,
            ..AnalysisConfig::default()
        }
        .validate()
        .unwrap();
        let x: Vec<f32> = (0..48_000)
            .map(|n| ((n * 7919 % 1000) as f32 / 1000.0 - 0.5) * (n as f32 / 48_000.0))
            .collect();
        let mut padded = vec![0.0; 64];
        padded.extend_from_slice(&x);
        let batch = extract_features(&padded, &settings).unwrap();
        let mut stream = FeatureExtractor::new(settings);
        let mut out = AnalysisFrames::new(13);
        let mut pos = 0;
        for (i, len) in [1usize, 959, 960, 2000, 17, 5000]
            .iter()
            .cycle()
            .enumerate()
        {
            if pos >= x.len() || i > 1000 {
                break;
            }
            let end = (pos + len).min(x.len());
            stream.push(&x[pos..end], &mut out).unwrap();
            pos = end;
        }
        assert_eq!(out, batch);
        assert_eq!(out.frames, 50);
    }

    #[test]
    fn rejects_bad_options_with_their_names() {
        let bad = |json: &str| {
            AnalysisConfig::from_json(&serde_json::from_str(json).unwrap())
                .unwrap_err()
                .param
        };
        assert_eq!(bad(r#"{"nMfcc": 41}"#), "nMfcc");
        assert_eq!(bad(r#"{"fMax": 24001}"#), "fMax");
        assert_eq!(bad(r#"{"nFft": 1023}"#), "nFft");
        assert_eq!(bad(r#"{"hop": 2000}"#), "hop");
        assert_eq!(bad(r#"{"fMin": 30000}"#), "fMin");
        assert_eq!(bad(r#"{"nMels": 128, "nFft": 256, "hop": 128}"#), "nMels");
        assert_eq!(bad(r#"{"nmfcc": 3}"#), "nmfcc");
    }
}
