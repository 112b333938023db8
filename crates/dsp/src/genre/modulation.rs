//! Speech-rhythm features of a window, from the frame RMS envelope `e[t]` (20 ms frames).
//!
//! - **4 Hz modulation energy**, 0..1: the share of the envelope's modulation energy
//!   (its variance) that lies between 2 and 8 Hz, the syllable rate of speech. With
//!   `d[t] = e[t]/mean(e) − 1` over the `N` frames and its DFT `D[k]` at `k/(N·20 ms)` Hz:
//!   `2·Σ_{2 Hz ≤ f_k ≤ 8 Hz} |D[k]|² / (N·Σ d²)` (Parseval: 1 if all modulation is there).
//! - **Modulation depth**: `log10(2·Σ_{2..8 Hz} |D[k]|²/N² + 1e−6)`, the mean square of
//!   the 2–8 Hz part of `d` (AM depth², relative to the mean level).
//! - **Pause ratio**, 0..1: the fraction of frames more than 25 dB below the window's
//!   95th-percentile frame level (gaps between words and phrases).

use super::frames::{FRAME_RATE_HZ, WINDOW_FRAMES};

/// Syllable-rate band, Hz.
const BAND_HZ: (f64, f64) = (2.0, 8.0);
/// A pause is this far below the loud frames, dB.
const PAUSE_DB: f64 = 25.0;

/// Cosine and sine tables of the band's DFT bins over one window.
#[derive(Debug, Clone)]
pub struct ModulationBand {
    cos: Vec<f64>,
    sin: Vec<f64>,
    bins: usize,
}

impl ModulationBand {
    pub fn new() -> Self {
        let n = WINDOW_FRAMES;
        let resolution = FRAME_RATE_HZ / n as f64;
        let first = (BAND_HZ.0 / resolution).ceil() as usize;
        let last = (BAND_HZ.1 / resolution).floor() as usize;
        let (mut cos, mut sin) = (Vec::new(), Vec::new());
        for k in first..=last {
            for t in 0..n {
                let phase = std::f64::consts::TAU * (k * t) as f64 / n as f64;
                cos.push(phase.cos());
                sin.push(phase.sin());
            }
        }
        Self {
            cos,
            sin,
            bins: last + 1 - first,
        }
    }

    /// `(share of modulation energy in 2–8 Hz, log10 depth)` of the RMS envelope `rms`
    /// (exactly [`WINDOW_FRAMES`] values).
    pub fn measure(&self, rms: &[f64]) -> (f64, f64) {
        let n = rms.len();
        debug_assert_eq!(n, WINDOW_FRAMES);
        let mean = rms.iter().sum::<f64>() / n as f64;
        if mean <= 0.0 {
            return (0.0, (1e-6f64).log10());
        }
        let d: Vec<f64> = rms.iter().map(|e| e / mean - 1.0).collect();
        let variance_sum: f64 = d.iter().map(|v| v * v).sum();
        let mut band = 0.0;
        for b in 0..self.bins {
            let (c, s) = (&self.cos[b * n..(b + 1) * n], &self.sin[b * n..(b + 1) * n]);
            let re: f64 = d.iter().zip(c).map(|(x, y)| x * y).sum();
            let im: f64 = d.iter().zip(s).map(|(x, y)| x * y).sum();
            band += re * re + im * im;
        }
        let share = if variance_sum > 0.0 {
            (2.0 * band / (n as f64 * variance_sum)).min(1.0)
        } else {
            0.0
        };
        (share, (2.0 * band / (n * n) as f64 + 1e-6).log10())
    }
}

/// Fraction of frames more than 25 dB below the 95th-percentile level of `level_db`.
pub fn pause_ratio(level_db: &[f64], p95_db: f64) -> f64 {
    level_db.iter().filter(|&&l| l < p95_db - PAUSE_DB).count() as f64
        / level_db.len().max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_4hz_envelope_has_its_energy_in_the_band() {
        let band = ModulationBand::new();
        let am: Vec<f64> = (0..WINDOW_FRAMES)
            .map(|t| 1.0 + 0.5 * (std::f64::consts::TAU * 4.0 * t as f64 / FRAME_RATE_HZ).sin())
            .collect();
        let (share, depth) = band.measure(&am);
        assert!(share > 0.99, "{share}");
        // d = 0.5·sin: mean square 0.125.
        assert!((depth - (0.125f64 + 1e-6).log10()).abs() < 1e-6, "{depth}");
        let slow: Vec<f64> = (0..WINDOW_FRAMES)
            .map(|t| 1.0 + 0.5 * (std::f64::consts::TAU * 0.5 * t as f64 / FRAME_RATE_HZ).sin())
            .collect();
        assert!(band.measure(&slow).0 < 0.01);
    }
}
