//! Window and real-FFT helpers shared by the spectral analysers (MFCC, spectral features).
//!
//! [`RealSpectrum`] computes the one-sided spectrum `X[k]`, `k = 0..=n/2`, of one windowed
//! frame of even length `n` exactly as `numpy.fft.rfft` defines it (no normalisation),
//! with one complex FFT of length `n/2` (the classic even/odd packing). The plan, the
//! twiddles, the window and every scratch buffer are made once; [`RealSpectrum::process`]
//! allocates nothing. Arithmetic is in `f64`, so bands 150 dB below the frame's peak are
//! still resolved as a double-precision reference (librosa on `float64` input) resolves
//! them.

use std::f64::consts::PI;
use std::fmt;
use std::sync::Arc;

use rustfft::num_complex::Complex;
use rustfft::{Fft, FftPlanner};

/// The periodic ("DFT-even") Hann window of length `n`: `0.5 − 0.5·cos(2πi/n)`, as
/// `scipy.signal.get_window("hann", n, fftbins=True)` and librosa's STFT use it.
pub fn hann_periodic(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| 0.5 - 0.5 * (2.0 * PI * i as f64 / n as f64).cos())
        .collect()
}

/// Bin centre frequencies of an `n_fft`-point real FFT at `sample_rate`:
/// `k · sample_rate / n_fft` for `k = 0..=n_fft/2` (`librosa.fft_frequencies`).
pub fn fft_frequencies(sample_rate: f64, n_fft: usize) -> Vec<f64> {
    (0..=n_fft / 2)
        .map(|k| k as f64 * sample_rate / n_fft as f64)
        .collect()
}

/// The one-sided spectrum of Hann-windowed frames of a fixed even length.
#[derive(Clone)]
pub struct RealSpectrum {
    n: usize,
    window: Vec<f64>,
    fft: Arc<dyn Fft<f64>>,
    /// Packed input `x[2m] + i·x[2m+1]`, then its FFT.
    packed: Vec<Complex<f64>>,
    scratch: Vec<Complex<f64>>,
    /// `e^{−2πik/n}` for `k = 0..n/2`.
    twiddles: Vec<Complex<f64>>,
    /// `|X[k]|²` of the last frame, `n/2 + 1` bins.
    power: Vec<f64>,
}

impl fmt::Debug for RealSpectrum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RealSpectrum")
            .field("n", &self.n)
            .finish_non_exhaustive()
    }
}

impl RealSpectrum {
    /// A spectrum of `n`-sample frames (`n` even, ≥ 2) under the periodic Hann window.
    pub fn hann(n: usize) -> Self {
        Self::with_window(hann_periodic(n))
    }

    /// A spectrum of frames weighted by `window` (its length is the frame length, even).
    pub fn with_window(window: Vec<f64>) -> Self {
        let n = window.len();
        assert!(
            n >= 2 && n.is_multiple_of(2),
            "RealSpectrum needs an even frame length, got {n}"
        );
        let half = n / 2;
        let fft = FftPlanner::new().plan_fft_forward(half);
        let scratch = vec![Complex::new(0.0, 0.0); fft.get_inplace_scratch_len()];
        let twiddles = (0..half)
            .map(|k| Complex::from_polar(1.0, -2.0 * PI * k as f64 / n as f64))
            .collect();
        Self {
            n,
            window,
            fft,
            packed: vec![Complex::new(0.0, 0.0); half],
            scratch,
            twiddles,
            power: vec![0.0; half + 1],
        }
    }

    /// Frame length, samples.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Always false: a spectrum has at least two samples per frame.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Number of one-sided bins, `n/2 + 1`.
    pub fn bins_len(&self) -> usize {
        self.n / 2 + 1
    }

    /// Transforms one frame of `n` samples and returns its power spectrum `|X[k]|²`,
    /// `k = 0..=n/2`.
    pub fn process(&mut self, frame: &[f32]) -> &[f64] {
        assert_eq!(frame.len(), self.n, "frame length");
        let half = self.n / 2;
        for ((z, pair), w) in self
            .packed
            .iter_mut()
            .zip(frame.chunks_exact(2))
            .zip(self.window.chunks_exact(2))
        {
            *z = Complex::new(f64::from(pair[0]) * w[0], f64::from(pair[1]) * w[1]);
        }
        self.fft
            .process_with_scratch(&mut self.packed, &mut self.scratch);
        // Unpack: X[k] = E[k] + W^k·O[k] with W = e^{−2πi/n} and E, O the spectra of the
        // even and odd samples: E[k] = (Z[k] + conj Z[h−k]) / 2, O[k] = (Z[k] − conj Z[h−k]) / 2i.
        // For j = h − k, E[j] = conj E[k], O[j] = conj O[k] and W^j = −conj W^k, so
        // X[j] = conj(E[k] − W^k·O[k]): one pass over k ≤ h/2 yields both bins.
        let z0 = self.packed[0];
        self.power[0] = (z0.re + z0.im) * (z0.re + z0.im);
        self.power[half] = (z0.re - z0.im) * (z0.re - z0.im);
        // Pairs (k, h − k) with k < h − k, then the middle bin k = h/2 when h is even.
        let m = (half - 1) / 2;
        let (low, high) = self.power.split_at_mut(m + 1);
        let high = &mut high[half - m - (m + 1)..half - (m + 1)];
        let forward = self.packed[1..=m]
            .iter()
            .zip(&self.twiddles[1..=m])
            .zip(&mut low[1..]);
        let backward = self.packed[half - m..half]
            .iter()
            .rev()
            .zip(high.iter_mut().rev());
        for (((a, w), pk), (zj, pj)) in forward.zip(backward) {
            let (even, wo) = even_odd(*a, *zj, *w);
            *pk = (even + wo).norm_sqr();
            *pj = (even - wo).norm_sqr();
        }
        if half.is_multiple_of(2) && half >= 2 {
            let k = half / 2;
            let (even, wo) = even_odd(self.packed[k], self.packed[k], self.twiddles[k]);
            self.power[k] = (even + wo).norm_sqr();
        }
        &self.power
    }

    /// The power spectrum of the last processed frame.
    pub fn power(&self) -> &[f64] {
        &self.power
    }
}

/// `(E[k], W^k·O[k])` from `Z[k]`, `Z[h − k]` and `W^k`.
#[inline(always)]
fn even_odd(a: Complex<f64>, zj: Complex<f64>, w: Complex<f64>) -> (Complex<f64>, Complex<f64>) {
    let b = zj.conj();
    let even = (a + b) * 0.5;
    let d = a - b;
    // (a − b) / 2i
    let odd = Complex::new(0.5 * d.im, -0.5 * d.re);
    (even, w * odd)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The direct O(n²) DFT of the windowed frame.
    fn naive(frame: &[f32], window: &[f64]) -> Vec<Complex<f64>> {
        let n = frame.len();
        (0..=n / 2)
            .map(|k| {
                (0..n).fold(Complex::new(0.0, 0.0), |acc, i| {
                    acc + Complex::from_polar(
                        f64::from(frame[i]) * window[i],
                        -2.0 * PI * (k * i) as f64 / n as f64,
                    )
                })
            })
            .collect()
    }

    #[test]
    fn matches_the_direct_dft() {
        for n in [2usize, 8, 30, 64, 1024] {
            let frame: Vec<f32> = (0..n)
                .map(|i| ((i * 7919) % 97) as f32 / 97.0 - 0.5)
                .collect();
            let mut spectrum = RealSpectrum::hann(n);
            let power = spectrum.process(&frame).to_vec();
            let expected = naive(&frame, &hann_periodic(n));
            assert_eq!(power.len(), expected.len());
            for (k, (got, want)) in power.iter().zip(&expected).enumerate() {
                assert!(
                    (got - want.norm_sqr()).abs() < 1e-9 * n as f64,
                    "n = {n}, bin {k}: {got} vs {}",
                    want.norm_sqr()
                );
            }
        }
    }

    #[test]
    fn periodic_hann_is_dft_even() {
        let w = hann_periodic(8);
        assert_eq!(w[0], 0.0);
        assert!((w[4] - 1.0).abs() < 1e-15);
        assert!((w[1] - w[7]).abs() < 1e-15);
    }
}
