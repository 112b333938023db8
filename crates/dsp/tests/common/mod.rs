//! Helpers shared by the integration tests: a deterministic PRNG, signal generators,
//! a least-squares sine fit and decibel conversions. Everything here is written from
//! first principles so the tests never measure the crate with its own arithmetic.
#![allow(dead_code)]

use std::f64::consts::TAU;

/// The sample rate every test uses unless it says otherwise.
pub const FS: f64 = 48_000.0;

pub mod programme;
mod xorshift;
pub use xorshift::XorShift64;

/// `n` samples of uniform white noise in [−amplitude, amplitude).
pub fn white_noise(n: usize, amplitude: f64, seed: u64) -> Vec<f32> {
    let mut rng = XorShift64::new(seed);
    (0..n).map(|_| (amplitude * rng.bipolar()) as f32).collect()
}

/// Phase in radians of sample `n` of a sine of `freq` Hz at `fs` Hz starting at phase 0,
/// reduced modulo one cycle. For integer `freq` and `fs` the reduction is exact, so a
/// 1 kHz sine at 48 kHz hits its crest (phase π/2) exactly every 48 samples.
pub fn phase(n: usize, freq: f64, fs: f64) -> f64 {
    TAU * ((n as f64 * freq) % fs) / fs
}

/// `n` samples of `amplitude · sin(2π·freq·t)`, starting at phase 0.
pub fn sine(n: usize, freq: f64, fs: f64, amplitude: f64) -> Vec<f32> {
    (0..n)
        .map(|i| (amplitude * phase(i, freq, fs).sin()) as f32)
        .collect()
}

/// Least-squares amplitude of a sine of known frequency in `x[start..]`: fits
/// `a·sin(wn) + b·cos(wn)` (n the absolute sample index) and returns √(a² + b²).
pub fn fit_sine_amplitude(x: &[f32], start: usize, freq: f64, fs: f64) -> f64 {
    let (mut ss, mut sc, mut cc, mut xs, mut xc) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for (n, &v) in x.iter().enumerate().skip(start) {
        let (s, c) = phase(n, freq, fs).sin_cos();
        let v = f64::from(v);
        ss += s * s;
        sc += s * c;
        cc += c * c;
        xs += v * s;
        xc += v * c;
    }
    let det = ss * cc - sc * sc;
    assert!(
        det.abs() > 1e-9 * ss * cc,
        "sine fit is ill-conditioned at {freq} Hz"
    );
    let a = (xs * cc - xc * sc) / det;
    let b = (xc * ss - xs * sc) / det;
    a.hypot(b)
}

/// 20·log10(amplitude).
pub fn to_db(amplitude: f64) -> f64 {
    20.0 * amplitude.log10()
}

/// 10^(db/20).
pub fn from_db(db: f64) -> f64 {
    10f64.powf(db / 20.0)
}

/// Largest |x|.
pub fn peak(x: &[f32]) -> f32 {
    x.iter().fold(0.0f32, |m, v| m.max(v.abs()))
}

/// Runs `process` over `signal` in consecutive blocks whose lengths come from `sizes`
/// (cycled), returning the processed copy.
pub fn in_blocks(signal: &[f32], sizes: &[usize], mut process: impl FnMut(&mut [f32])) -> Vec<f32> {
    let mut out = signal.to_vec();
    let mut start = 0;
    let mut i = 0;
    while start < out.len() {
        let len = sizes[i % sizes.len()].min(out.len() - start);
        process(&mut out[start..start + len]);
        start += len;
        i += 1;
    }
    out
}

/// Irregular block lengths in `1..=max`, deterministic per seed.
pub fn irregular_sizes(count: usize, max: usize, seed: u64) -> Vec<usize> {
    let mut rng = XorShift64::new(seed);
    (0..count).map(|_| rng.range(1, max)).collect()
}

/// Milliseconds to whole samples at `fs`.
pub fn ms(ms: f64, fs: f64) -> usize {
    (ms * fs / 1000.0).round() as usize
}
