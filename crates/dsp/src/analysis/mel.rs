//! The Slaney mel filterbank of `librosa.filters.mel` (`htk=False`, `norm="slaney"`).
//!
//! Mel scale (Slaney's Auditory Toolbox): linear below 1 kHz (`mel = 3f/200`), logarithmic
//! above (`mel = 15 + 27·ln(f/1000)/ln 6.4`). `n_mels + 2` points equally spaced in mel
//! between `f_min` and `f_max` are the corners of `n_mels` overlapping triangles over the
//! FFT bin frequencies `k·sr/n_fft`; each triangle is scaled by `2 / (f[i+2] − f[i])` so
//! that it has (approximately) constant energy per channel. The weights are stored
//! sparsely (first non-zero bin plus the run of weights), so applying the bank costs one
//! multiply-add per non-zero weight.

use crate::analysis::spectrum::fft_frequencies;

const F_SP: f64 = 200.0 / 3.0;
const MIN_LOG_HZ: f64 = 1000.0;
const MIN_LOG_MEL: f64 = MIN_LOG_HZ / F_SP;

fn log_step() -> f64 {
    6.4f64.ln() / 27.0
}

/// Hz → mel on the Slaney scale (`librosa.hz_to_mel(f, htk=False)`).
pub fn hz_to_mel(hz: f64) -> f64 {
    if hz >= MIN_LOG_HZ {
        MIN_LOG_MEL + (hz / MIN_LOG_HZ).ln() / log_step()
    } else {
        hz / F_SP
    }
}

/// Mel → Hz on the Slaney scale (`librosa.mel_to_hz(m, htk=False)`).
pub fn mel_to_hz(mel: f64) -> f64 {
    if mel >= MIN_LOG_MEL {
        MIN_LOG_HZ * (log_step() * (mel - MIN_LOG_MEL)).exp()
    } else {
        F_SP * mel
    }
}

/// `n` values from `a` to `b` inclusive, as `numpy.linspace` computes them.
fn linspace(a: f64, b: f64, n: usize) -> Vec<f64> {
    if n == 1 {
        return vec![a];
    }
    let step = (b - a) / (n - 1) as f64;
    let mut out: Vec<f64> = (0..n).map(|i| i as f64 * step + a).collect();
    out[n - 1] = b;
    out
}

/// One triangle: weights for bins `start .. start + weights.len()`.
#[derive(Debug, Clone, PartialEq)]
struct Band {
    start: usize,
    weights: Vec<f64>,
}

/// `n_mels` Slaney-normalised triangular filters over the `n_fft/2 + 1` bins of a real FFT.
#[derive(Debug, Clone, PartialEq)]
pub struct MelFilterbank {
    bands: Vec<Band>,
    n_bins: usize,
}

impl MelFilterbank {
    /// The filterbank of `librosa.filters.mel(sr=sample_rate, n_fft, n_mels, fmin=f_min,
    /// fmax=f_max, htk=False, norm="slaney")`. The caller validates the arguments
    /// (`0 ≤ f_min < f_max ≤ sample_rate/2`, `n_mels ≥ 1`).
    pub fn slaney(sample_rate: f64, n_fft: usize, n_mels: usize, f_min: f64, f_max: f64) -> Self {
        let fft_freqs = fft_frequencies(sample_rate, n_fft);
        let mel_f: Vec<f64> = linspace(hz_to_mel(f_min), hz_to_mel(f_max), n_mels + 2)
            .into_iter()
            .map(mel_to_hz)
            .collect();
        let bands = (0..n_mels)
            .map(|i| {
                let (lo, mid, hi) = (mel_f[i], mel_f[i + 1], mel_f[i + 2]);
                let enorm = 2.0 / (hi - lo);
                let weight = |f: f64| {
                    let lower = (f - lo) / (mid - lo);
                    let upper = (hi - f) / (hi - mid);
                    lower.min(upper).max(0.0) * enorm
                };
                let start = fft_freqs
                    .iter()
                    .position(|&f| weight(f) > 0.0)
                    .unwrap_or(fft_freqs.len());
                let end = fft_freqs
                    .iter()
                    .rposition(|&f| weight(f) > 0.0)
                    .map_or(start, |k| k + 1);
                Band {
                    start,
                    weights: fft_freqs[start..end].iter().map(|&f| weight(f)).collect(),
                }
            })
            .collect();
        Self {
            bands,
            n_bins: fft_freqs.len(),
        }
    }

    pub fn n_mels(&self) -> usize {
        self.bands.len()
    }

    /// Number of FFT bins the bank applies to (`n_fft/2 + 1`).
    pub fn n_bins(&self) -> usize {
        self.n_bins
    }

    /// Index of the first band with no non-zero weight (the FFT is too coarse for it).
    pub fn first_empty_band(&self) -> Option<usize> {
        self.bands.iter().position(|b| b.weights.is_empty())
    }

    /// `out[m] = Σ_k weight[m][k] · spectrum[k]`.
    pub fn apply(&self, spectrum: &[f64], out: &mut [f64]) {
        debug_assert_eq!(spectrum.len(), self.n_bins);
        for (o, band) in out.iter_mut().zip(&self.bands) {
            let bins = &spectrum[band.start..band.start + band.weights.len()];
            *o = crate::math::dot::dot(bins, &band.weights);
        }
    }

    /// The dense `n_mels × (n_fft/2 + 1)` weight matrix, row by row.
    pub fn dense(&self) -> Vec<Vec<f64>> {
        self.bands
            .iter()
            .map(|b| {
                let mut row = vec![0.0; self.n_bins];
                row[b.start..b.start + b.weights.len()].copy_from_slice(&b.weights);
                row
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mel_scale_round_trips_and_is_continuous_at_1khz() {
        for hz in [0.0, 100.0, 999.0, 1000.0, 4000.0, 24_000.0] {
            assert!((mel_to_hz(hz_to_mel(hz)) - hz).abs() < 1e-9 * (1.0 + hz));
        }
        assert!((hz_to_mel(1000.0) - 15.0).abs() < 1e-12);
        assert!((hz_to_mel(999.999_999) - 15.0).abs() < 1e-6);
    }

    #[test]
    fn triangles_are_slaney_normalised() {
        // Each triangle integrates (over Hz) to 1: Σ_k w[k]·Δf ≈ 1 when bins are fine.
        let bank = MelFilterbank::slaney(48_000.0, 8192, 40, 0.0, 24_000.0);
        let df = 48_000.0 / 8192.0;
        for (m, row) in bank.dense().iter().enumerate() {
            let area: f64 = row.iter().sum::<f64>() * df;
            assert!((area - 1.0).abs() < 0.05, "band {m}: area {area}");
        }
        assert_eq!(bank.first_empty_band(), None);
    }
}
