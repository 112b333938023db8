//! Mel-frequency cepstral coefficients of one power spectrum, as librosa computes them:
//!
//! ```text
//! M = mel_basis · |X|²                         librosa.feature.melspectrogram(power=2)
//! L = 10·log10(max(M, 1e-10))                  librosa.power_to_db(ref=1, amin=1e-10, top_db=None)
//! c = DCT-II(L, norm="ortho")[:n_mfcc]         librosa.feature.mfcc(S=L, dct_type=2, norm="ortho")
//! ```
//!
//! The orthonormal DCT-II (`scipy.fft.dct(type=2, norm="ortho")`) of `L[0..M]` is
//! `c[k] = s_k · Σ_m L[m]·cos(πk(2m+1)/(2M))` with `s_0 = √(1/M)` and `s_k = √(2/M)`.
//! The filterbank and the `n_mfcc × n_mels` DCT matrix are computed once.

use std::f64::consts::PI;

use crate::analysis::mel::MelFilterbank;
use crate::math::dot::dot;

/// Floor of the mel power before the logarithm (`amin` of `librosa.power_to_db`).
pub const POWER_FLOOR: f64 = 1e-10;

/// The first `n_out` rows of the orthonormal DCT-II matrix of size `n_in`.
#[derive(Debug, Clone, PartialEq)]
pub struct DctMatrix {
    n_in: usize,
    rows: Vec<f64>,
}

impl DctMatrix {
    pub fn ortho(n_out: usize, n_in: usize) -> Self {
        let mut rows = Vec::with_capacity(n_out * n_in);
        for k in 0..n_out {
            let scale = if k == 0 {
                (1.0 / n_in as f64).sqrt()
            } else {
                (2.0 / n_in as f64).sqrt()
            };
            rows.extend(
                (0..n_in).map(|m| {
                    scale * (PI * k as f64 * (2 * m + 1) as f64 / (2 * n_in) as f64).cos()
                }),
            );
        }
        Self { n_in, rows }
    }

    /// `out[k] = Σ_m row_k[m] · input[m]` for every row.
    pub fn apply(&self, input: &[f64], out: &mut [f64]) {
        for (o, row) in out.iter_mut().zip(self.rows.chunks_exact(self.n_in)) {
            *o = dot(row, input);
        }
    }
}

/// Power spectrum → MFCCs with the precomputed filterbank and DCT.
#[derive(Debug, Clone)]
pub struct Mfcc {
    mel: MelFilterbank,
    dct: DctMatrix,
    n_mfcc: usize,
    /// Mel powers, then their decibels.
    mel_db: Vec<f64>,
    coefficients: Vec<f64>,
}

impl Mfcc {
    pub fn new(mel: MelFilterbank, n_mfcc: usize) -> Self {
        let n_mels = mel.n_mels();
        Self {
            dct: DctMatrix::ortho(n_mfcc, n_mels),
            mel,
            n_mfcc,
            mel_db: vec![0.0; n_mels],
            coefficients: vec![0.0; n_mfcc],
        }
    }

    pub fn n_mfcc(&self) -> usize {
        self.n_mfcc
    }

    pub fn filterbank(&self) -> &MelFilterbank {
        &self.mel
    }

    /// The MFCCs of `power` (`|X[k]|²`, `n_fft/2 + 1` bins).
    pub fn process(&mut self, power: &[f64]) -> &[f64] {
        self.mel.apply(power, &mut self.mel_db);
        for v in &mut self.mel_db {
            *v = 10.0 * v.max(POWER_FLOOR).log10();
        }
        self.dct.apply(&self.mel_db, &mut self.coefficients);
        &self.coefficients
    }

    /// The log-mel spectrum (dB) of the last processed frame.
    pub fn mel_db(&self) -> &[f64] {
        &self.mel_db
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dct_is_orthonormal() {
        let n = 40;
        let dct = DctMatrix::ortho(n, n);
        for a in 0..n {
            for b in 0..n {
                let dot: f64 = (0..n)
                    .map(|m| dct.rows[a * n + m] * dct.rows[b * n + m])
                    .sum();
                assert!((dot - f64::from(u8::from(a == b))).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn silence_gives_the_floor_in_c0_only() {
        let mut mfcc = Mfcc::new(MelFilterbank::slaney(48_000.0, 1024, 40, 0.0, 24_000.0), 13);
        let c = mfcc.process(&vec![0.0; 513]).to_vec();
        assert!((c[0] - (-100.0 * 40f64.sqrt())).abs() < 1e-9);
        assert!(c[1..].iter().all(|v| v.abs() < 1e-9));
    }
}
