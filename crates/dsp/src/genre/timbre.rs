//! Timbre statistics of a window: mean and standard deviation of each cepstral
//! coefficient c1..c12 (the spectral envelope, independent of the level), the mean
//! absolute frame-to-frame change of c1..c12 (how fast the envelope moves: fast in
//! speech, slow in pads and strings), and mean and standard deviation of the spectral
//! centroid (kHz, 0–8 kHz) and of log10 spectral flatness.

/// `(mean, population standard deviation)` of `values`.
pub fn mean_std(values: impl Iterator<Item = f64> + Clone) -> (f64, f64) {
    let (n, sum) = values
        .clone()
        .fold((0usize, 0.0), |(n, s), v| (n + 1, s + v));
    if n == 0 {
        return (0.0, 0.0);
    }
    let mean = sum / n as f64;
    let var = values.map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64;
    (mean, var.sqrt())
}

/// Mean over frames of the mean |c_t − c_{t−1}| over the coefficients.
pub fn cepstral_change<const N: usize>(frames: &[[f32; N]]) -> f64 {
    if frames.len() < 2 {
        return 0.0;
    }
    let total: f64 = frames
        .windows(2)
        .map(|w| {
            w[0].iter()
                .zip(&w[1])
                .map(|(a, b)| f64::from((b - a).abs()))
                .sum::<f64>()
                / N as f64
        })
        .sum();
    total / (frames.len() - 1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics_of_known_values() {
        let (m, s) = mean_std([1.0, 3.0].into_iter());
        assert_eq!((m, s), (2.0, 1.0));
        assert_eq!(
            cepstral_change(&[[0.0f32, 0.0], [1.0, -3.0], [1.0, -3.0]]),
            1.0
        );
    }
}
