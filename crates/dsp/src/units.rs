//! Conversions between decibels, gains and times.

/// Linear amplitude gain of `db` decibels (0 dB → 1.0, −6.02 dB → 0.5).
pub fn db_to_gain(db: f64) -> f64 {
    10f64.powf(db / 20.0)
}

/// Decibels of the linear amplitude `gain`; 0 → −∞.
pub fn gain_to_db(gain: f64) -> f64 {
    20.0 * gain.log10()
}

/// Milliseconds at `sample_rate` Hz, rounded to whole samples.
pub fn ms_to_samples(ms: f64, sample_rate: f64) -> usize {
    (ms * 1e-3 * sample_rate).round() as usize
}

/// Coefficient `a` of the one-pole smoother `y += (x − y)(1 − a)` with time constant
/// `tau_ms`: the step response reaches 1 − 1/e (63.2 %) of its final value after `tau_ms`.
/// A time constant of 0 gives `a = 0` (no smoothing).
pub(crate) fn one_pole(tau_ms: f64, sample_rate: f64) -> f64 {
    if tau_ms <= 0.0 {
        0.0
    } else {
        (-1.0 / (tau_ms * 1e-3 * sample_rate)).exp()
    }
}
