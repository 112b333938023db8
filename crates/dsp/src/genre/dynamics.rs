//! Level statistics of a window, from each 20 ms frame's mean square `ms[t]` and peak
//! `|x|` (of the 320 new samples at 16 kHz).
//!
//! - **Crest factor**, dB: `20·log10(max peak / √mean(ms))` over the window (a sine is
//!   3.01 dB, dense mixes 10–15 dB, sparse speech and classical 15–25 dB); 0 for silence.
//! - **Dynamic range**, dB: 95th minus 5th percentile of the frame levels
//!   `10·log10(ms)`, the levels floored 80 dB below the 95th percentile.
//! - **Low-energy ratio**, 0..1: the fraction of frames whose mean square is below the
//!   window's mean (Tzanetakis & Cook 2002).

/// Floor of the frame levels below the 95th percentile, dB.
const RANGE_FLOOR_DB: f64 = 80.0;

/// The `q`-quantile (0..1) of `sorted` by nearest rank.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[i]
}

/// Crest factor, dB, of frames with mean squares `ms` and peaks `peak`.
pub fn crest_db(ms: &[f64], peak: &[f64]) -> f64 {
    let mean = ms.iter().sum::<f64>() / ms.len().max(1) as f64;
    let top = peak.iter().fold(0.0f64, |m, &p| m.max(p));
    if mean <= 0.0 || top <= 0.0 {
        return 0.0;
    }
    20.0 * (top / mean.sqrt()).log10()
}

/// Dynamic range, dB, from the frame levels sorted ascending.
pub fn dynamic_range_db(sorted_db: &[f64]) -> f64 {
    let p95 = quantile(sorted_db, 0.95);
    let p5 = quantile(sorted_db, 0.05).max(p95 - RANGE_FLOOR_DB);
    p95 - p5
}

/// Fraction of frames below the mean mean-square.
pub fn low_energy_ratio(ms: &[f64]) -> f64 {
    let mean = ms.iter().sum::<f64>() / ms.len().max(1) as f64;
    ms.iter().filter(|&&m| m < mean).count() as f64 / ms.len().max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sine_has_a_crest_factor_of_root_two() {
        // Frames of a full-period sine of amplitude 0.5: mean square 0.125, peak 0.5.
        let (ms, peak) = (vec![0.125; 150], vec![0.5; 150]);
        assert!((crest_db(&ms, &peak) - 20.0 * 2f64.sqrt().log10()).abs() < 1e-12);
        assert_eq!(low_energy_ratio(&ms), 0.0);
        let mut levels: Vec<f64> = (0..100).map(|i| -60.0 + 0.4 * i as f64).collect();
        levels.sort_by(f64::total_cmp);
        // 5th..95th percentile of a uniform ramp over 40 dB: 36 dB.
        assert!((dynamic_range_db(&levels) - 36.0).abs() < 0.5);
    }
}
