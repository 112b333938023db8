//! Rhythm features of a window, from the onset-strength envelope `o[t]` (one value per
//! 20 ms frame: the mean rise of the mel band levels, dB; see `frames.rs`).
//!
//! - **Onset rate**, onsets per second: frames where `o` is a local maximum over ±3
//!   frames (±60 ms) and exceeds `mean(o) + 0.5·std(o)` and 1 dB.
//! - **Tempo periodicity**, 0..1: the largest normalised, unbiased autocorrelation
//!   `r(l)/r(0)·N/(N−l)` of the mean-removed envelope over lags `l` of 0.25 s to 1.5 s
//!   (240 to 40 beats per minute); a steady beat gives values near 1, speech and rubato
//!   low ones.
//! - **Tempo**, as `log2(bpm/120)` at the shortest lag that is a local maximum of the
//!   autocorrelation within 10 % of the largest (so that 120 bpm is not read as 60).

use super::frames::FRAME_RATE_HZ;

/// Neighbourhood of an onset peak, frames each side (60 ms).
const PEAK_SPAN: usize = 3;
/// Shortest and longest beat period searched, s.
const MIN_PERIOD_S: f64 = 0.25;
const MAX_PERIOD_S: f64 = 1.5;

/// Onsets per second in `onset` (dB per frame).
pub fn onset_rate(onset: &[f64]) -> f64 {
    let n = onset.len();
    if n == 0 {
        return 0.0;
    }
    let mean = onset.iter().sum::<f64>() / n as f64;
    let std = (onset.iter().map(|o| (o - mean).powi(2)).sum::<f64>() / n as f64).sqrt();
    let threshold = (mean + 0.5 * std).max(1.0);
    let count = (0..n)
        .filter(|&t| {
            let lo = t.saturating_sub(PEAK_SPAN);
            let hi = (t + PEAK_SPAN + 1).min(n);
            onset[t] > threshold
                && onset[lo..t].iter().all(|&v| v < onset[t])
                && onset[t + 1..hi].iter().all(|&v| v <= onset[t])
        })
        .count();
    count as f64 * FRAME_RATE_HZ / n as f64
}

/// `(periodicity, log2(bpm/120))` of `onset`; `(0, 0)` when the envelope is constant.
pub fn tempo(onset: &[f64]) -> (f64, f64) {
    let n = onset.len();
    let mean = onset.iter().sum::<f64>() / n.max(1) as f64;
    let r = |lag: usize| -> f64 {
        (0..n - lag)
            .map(|t| (onset[t] - mean) * (onset[t + lag] - mean))
            .sum()
    };
    let r0 = r(0);
    let min_lag = (MIN_PERIOD_S * FRAME_RATE_HZ).round() as usize;
    let max_lag = ((MAX_PERIOD_S * FRAME_RATE_HZ).round() as usize).min(n.saturating_sub(1));
    if r0 <= f64::EPSILON || min_lag > max_lag {
        return (0.0, 0.0);
    }
    let acf: Vec<f64> = (min_lag..=max_lag)
        .map(|lag| r(lag) / r0 * n as f64 / (n - lag) as f64)
        .collect();
    let best = acf.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v));
    // Multiples of the beat period correlate as well as the period itself: take the
    // shortest lag that is a local maximum within 10 % of the best.
    let local_max =
        |i: usize| (i == 0 || acf[i] >= acf[i - 1]) && (i + 1 == acf.len() || acf[i] >= acf[i + 1]);
    let best_lag = min_lag
        + (0..acf.len())
            .find(|&i| local_max(i) && acf[i] >= 0.9 * best)
            .unwrap_or(0);
    let bpm = 60.0 * FRAME_RATE_HZ / best_lag as f64;
    (best.max(0.0), (bpm / 120.0).log2())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pulse_train_has_its_rate_and_tempo() {
        // One onset every 25 frames (0.5 s = 120 bpm) over 3 s: lag 50 correlates as well.
        let onset: Vec<f64> = (0..150)
            .map(|t| if t % 25 == 3 { 12.0 } else { 0.2 })
            .collect();
        assert!((onset_rate(&onset) - 2.0).abs() < 1e-9);
        let (periodicity, log_tempo) = tempo(&onset);
        assert!(periodicity > 0.9, "{periodicity}");
        assert!(log_tempo.abs() < 1e-9, "{log_tempo}");
    }
}
