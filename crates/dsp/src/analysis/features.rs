//! Frame-level features beside the MFCCs, with librosa's definitions where librosa has
//! them. For one frame `x[0..N]` (the raw samples, `N = n_fft`) and its Hann-windowed
//! spectrum `X[k]`, `k = 0..=N/2`, with bin frequencies `f[k] = k·sr/N` and magnitudes
//! `S[k] = |X[k]|`:
//!
//! | feature | definition | librosa equivalent (`center=False`) |
//! | --- | --- | --- |
//! | `rms` | `√(Σ x² / N)` on the raw samples (no window) | `feature.rms(y, frame_length=N, hop_length)` |
//! | `zcr` | `#{n ∈ 1..N : s(x[n]) ≠ s(x[n−1])} / N`, `s(v) = v < −1e−10` (samples with `|v| ≤ 1e−10` count as zero, zero as positive) | `feature.zero_crossing_rate(y, frame_length=N, hop_length)` (threshold 1e−10, `zero_pos=True`, `pad=False`) |
//! | `centroid_hz` | `Σ f·S / Σ S` (0 for a silent frame) | `feature.spectral_centroid` |
//! | `rolloff_hz` | the smallest `f[k]` with `Σ_{j≤k} S[j] ≥ 0.85 · Σ S` (0 for a silent frame) | `feature.spectral_rolloff(roll_percent=0.85)` |
//! | `flatness` | `exp(mean ln P) / mean P` with `P = max(S², 1e−10)` (1 for a silent frame) | `feature.spectral_flatness(amin=1e−10, power=2)` |
//! | `flux` | `√(Σ max(0, S_t − S_{t−1})²)`, the L2 norm of the magnitude increase since the previous frame (the frame before the first is silent) | none (librosa's onset strength is a different, log-mel flux) |
//!
//! Magnitudes are those of the unnormalised FFT (`numpy.fft.rfft`), as in librosa, so
//! `flux` scales with the window: a full-scale sine starting from silence gives about
//! `N/4 · √1.5`.

/// Fraction of the total magnitude below the rolloff frequency (librosa's default).
pub const DEFAULT_ROLL_PERCENT: f64 = 0.85;
/// Samples with `|x| ≤` this count as zero in the zero-crossing rate (librosa's default).
pub const ZCR_THRESHOLD: f64 = 1e-10;
/// Floor of `S²` in the spectral flatness (librosa's `amin`).
pub const FLATNESS_FLOOR: f64 = 1e-10;

/// The features of one frame.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FrameFeatures {
    pub rms: f64,
    pub zcr: f64,
    pub centroid_hz: f64,
    pub rolloff_hz: f64,
    pub flatness: f64,
    pub flux: f64,
}

/// Root mean square of the raw samples.
pub fn rms(frame: &[f32]) -> f64 {
    let sum: f64 = frame.iter().map(|&x| f64::from(x) * f64::from(x)).sum();
    (sum / frame.len() as f64).sqrt()
}

/// Zero crossings per sample (see the module table).
pub fn zero_crossing_rate(frame: &[f32]) -> f64 {
    let negative = |x: f32| f64::from(x) < -ZCR_THRESHOLD;
    let crossings = frame
        .windows(2)
        .filter(|w| negative(w[0]) != negative(w[1]))
        .count();
    crossings as f64 / frame.len() as f64
}

/// Magnitude-weighted mean frequency; 0 when every magnitude is 0.
pub fn spectral_centroid(magnitude: &[f64], freqs: &[f64]) -> f64 {
    let total: f64 = magnitude.iter().sum();
    if total < f64::MIN_POSITIVE {
        return 0.0;
    }
    magnitude
        .iter()
        .zip(freqs)
        .map(|(s, f)| f * (s / total))
        .sum()
}

/// The lowest bin frequency below which `roll_percent` of the total magnitude lies.
pub fn spectral_rolloff(magnitude: &[f64], freqs: &[f64], roll_percent: f64) -> f64 {
    let total: f64 = magnitude.iter().sum();
    let threshold = roll_percent * total;
    let mut cumulative = 0.0;
    for (s, f) in magnitude.iter().zip(freqs) {
        cumulative += s;
        if cumulative >= threshold {
            return *f;
        }
    }
    freqs.last().copied().unwrap_or(0.0)
}

/// Geometric over arithmetic mean of the floored power spectrum, in (0, 1].
pub fn spectral_flatness(power: &[f64]) -> f64 {
    let n = power.len() as f64;
    let (log_sum, sum) = power.iter().fold((0.0, 0.0), |(l, s), &p| {
        let p = p.max(FLATNESS_FLOOR);
        (l + p.ln(), s + p)
    });
    (log_sum / n).exp() / (sum / n)
}

/// L2 norm of the positive magnitude differences.
pub fn spectral_flux(magnitude: &[f64], previous: &[f64]) -> f64 {
    magnitude
        .iter()
        .zip(previous)
        .map(|(s, p)| (s - p).max(0.0).powi(2))
        .sum::<f64>()
        .sqrt()
}

/// Computes [`FrameFeatures`] frame after frame, keeping the previous magnitudes for the
/// flux. Buffers are allocated once.
#[derive(Debug, Clone)]
pub struct SpectralFeatures {
    freqs: Vec<f64>,
    roll_percent: f64,
    magnitude: Vec<f64>,
    previous: Vec<f64>,
}

impl SpectralFeatures {
    /// Features over the spectra of `freqs.len()` bins with bin frequencies `freqs`.
    pub fn new(freqs: Vec<f64>, roll_percent: f64) -> Self {
        let n = freqs.len();
        Self {
            freqs,
            roll_percent,
            magnitude: vec![0.0; n],
            previous: vec![0.0; n],
        }
    }

    /// Forgets the previous frame (the next flux is measured against silence).
    pub fn reset(&mut self) {
        self.previous.fill(0.0);
    }

    /// The features of `frame` (raw samples) whose spectrum has powers `power`.
    pub fn process(&mut self, frame: &[f32], power: &[f64]) -> FrameFeatures {
        for (m, p) in self.magnitude.iter_mut().zip(power) {
            *m = p.sqrt();
        }
        let features = FrameFeatures {
            rms: rms(frame),
            zcr: zero_crossing_rate(frame),
            centroid_hz: spectral_centroid(&self.magnitude, &self.freqs),
            rolloff_hz: spectral_rolloff(&self.magnitude, &self.freqs, self.roll_percent),
            flatness: spectral_flatness(power),
            flux: spectral_flux(&self.magnitude, &self.previous),
        };
        std::mem::swap(&mut self.magnitude, &mut self.previous);
        features
    }
}
