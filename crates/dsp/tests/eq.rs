//! Three-band EQ: measured magnitude response against the RBJ cookbook's analog
//! prototypes mapped through the bilinear transform, shelf midpoints, and the exact
//! identity of 0 dB bands.

mod common;

use std::f64::consts::PI;

use common::{fit_sine_amplitude, sine, to_db, white_noise, FS};
use edgemix_dsp::{EqConfig, ThreeBandEq};

/// Test frequencies, Hz. Each fits a whole number of cycles into the measuring window.
const FREQS: [f64; 10] = [
    50.0, 100.0, 250.0, 1000.0, 2500.0, 3000.0, 6000.0, 8000.0, 12000.0, 18000.0,
];
const GAINS: [f64; 4] = [-12.0, -3.0, 6.0, 12.0];
const TOLERANCE_DB: f64 = 0.01;

/// Settling time before measuring, and the measuring window (0.5 s: f/2 whole cycles
/// of every test frequency).
const SETTLE: usize = 12_000;
const WINDOW: usize = 24_000;

// ---- complex arithmetic by hand -------------------------------------------------------

#[derive(Debug, Clone, Copy)]
struct C {
    re: f64,
    im: f64,
}

impl C {
    fn new(re: f64, im: f64) -> Self {
        Self { re, im }
    }
    fn real(re: f64) -> Self {
        Self { re, im: 0.0 }
    }
    fn add(self, o: C) -> C {
        C::new(self.re + o.re, self.im + o.im)
    }
    fn mul(self, o: C) -> C {
        C::new(
            self.re * o.re - self.im * o.im,
            self.re * o.im + self.im * o.re,
        )
    }
    fn scale(self, k: f64) -> C {
        C::new(self.re * k, self.im * k)
    }
    fn div(self, o: C) -> C {
        let d = o.re * o.re + o.im * o.im;
        C::new(
            (self.re * o.re + self.im * o.im) / d,
            (self.im * o.re - self.re * o.im) / d,
        )
    }
    fn abs(self) -> f64 {
        self.re.hypot(self.im)
    }
}

/// `c2·s² + c1·s + c0`.
fn quadratic(s: C, c2: f64, c1: f64, c0: f64) -> C {
    s.mul(s).scale(c2).add(s.scale(c1)).add(C::real(c0))
}

/// The analog frequency at which the prototype (normalised to w0 = 1) is evaluated for
/// digital frequency `f`: bilinear transform prewarped at the design frequency `f0`.
fn prewarped_s(f: f64, f0: f64) -> C {
    let w = 2.0 * PI * f / FS;
    let w0 = 2.0 * PI * f0 / FS;
    C::new(0.0, (w / 2.0).tan() / (w0 / 2.0).tan())
}

const SHELF_Q: f64 = std::f64::consts::FRAC_1_SQRT_2; // slope S = 1

fn peaking_db(f: f64, f0: f64, gain_db: f64, q: f64) -> f64 {
    let a = 10f64.powf(gain_db / 40.0);
    let s = prewarped_s(f, f0);
    let h = quadratic(s, 1.0, a / q, 1.0).div(quadratic(s, 1.0, 1.0 / (a * q), 1.0));
    to_db(h.abs())
}

fn low_shelf_db(f: f64, f0: f64, gain_db: f64) -> f64 {
    let a = 10f64.powf(gain_db / 40.0);
    let s = prewarped_s(f, f0);
    let k = a.sqrt() / SHELF_Q;
    let h = quadratic(s, 1.0, k, a)
        .scale(a)
        .div(quadratic(s, a, k, 1.0));
    to_db(h.abs())
}

fn high_shelf_db(f: f64, f0: f64, gain_db: f64) -> f64 {
    let a = 10f64.powf(gain_db / 40.0);
    let s = prewarped_s(f, f0);
    let k = a.sqrt() / SHELF_Q;
    let h = quadratic(s, a, k, 1.0)
        .scale(a)
        .div(quadratic(s, 1.0, k, a));
    to_db(h.abs())
}

// ---- measurement ---------------------------------------------------------------------

/// All bands flat; each test switches on exactly one.
fn flat() -> EqConfig {
    EqConfig {
        bypass: false,
        low_freq_hz: 100.0,
        low_gain_db: 0.0,
        mid_freq_hz: 1000.0,
        mid_gain_db: 0.0,
        mid_q: 1.0,
        high_freq_hz: 8000.0,
        high_gain_db: 0.0,
    }
}

/// Gain of the real filter at `f`, dB: settle, then least-squares fit over whole cycles.
fn measured_db(config: &EqConfig, f: f64) -> f64 {
    config.validate(FS).expect("test config is valid");
    let mut eq = ThreeBandEq::new(config, FS);
    let input = sine(SETTLE + WINDOW, f, FS, 0.25);
    let mut output = input.clone();
    eq.process(&mut output);
    to_db(fit_sine_amplitude(&output, SETTLE, f, FS) / fit_sine_amplitude(&input, SETTLE, f, FS))
}

fn check(label: &str, measured: f64, expected: f64, failures: &mut Vec<String>) {
    if (measured - expected).abs() > TOLERANCE_DB || !measured.is_finite() {
        failures.push(format!(
            "{label}: measured {measured:.5} dB, expected {expected:.5} dB"
        ));
    }
}

fn assert_no_failures(failures: Vec<String>) {
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// ---- tests ---------------------------------------------------------------------------

#[test]
fn low_shelf_magnitude_matches_rbj_analytic_response() {
    let mut failures = Vec::new();
    for f0 in [100.0, 250.0] {
        for gain in GAINS {
            let config = EqConfig {
                low_freq_hz: f0,
                low_gain_db: gain,
                ..flat()
            };
            for f in FREQS {
                check(
                    &format!("low shelf {f0} Hz {gain:+} dB at {f} Hz"),
                    measured_db(&config, f),
                    low_shelf_db(f, f0, gain),
                    &mut failures,
                );
            }
        }
    }
    assert_no_failures(failures);
}

#[test]
fn mid_peak_magnitude_matches_rbj_analytic_response() {
    let mut failures = Vec::new();
    for (f0, q) in [
        (1000.0, 0.5),
        (1000.0, 1.0),
        (1000.0, 2.0),
        (1000.0, 4.0),
        (3000.0, 0.7),
    ] {
        for gain in GAINS {
            let config = EqConfig {
                mid_freq_hz: f0,
                mid_gain_db: gain,
                mid_q: q,
                ..flat()
            };
            for f in FREQS {
                check(
                    &format!("peak {f0} Hz Q {q} {gain:+} dB at {f} Hz"),
                    measured_db(&config, f),
                    peaking_db(f, f0, gain, q),
                    &mut failures,
                );
            }
        }
    }
    assert_no_failures(failures);
}

#[test]
fn mid_peak_reaches_its_gain_at_the_centre() {
    // Independent of the prototype: a peaking filter has exactly `gain` at w0.
    let mut failures = Vec::new();
    for q in [0.5, 1.0, 4.0] {
        for gain in GAINS {
            let config = EqConfig {
                mid_freq_hz: 2500.0,
                mid_gain_db: gain,
                mid_q: q,
                ..flat()
            };
            check(
                &format!("peak Q {q} {gain:+} dB at centre"),
                measured_db(&config, 2500.0),
                gain,
                &mut failures,
            );
        }
    }
    assert_no_failures(failures);
}

#[test]
fn high_shelf_magnitude_matches_rbj_analytic_response() {
    let mut failures = Vec::new();
    for f0 in [3000.0, 8000.0] {
        for gain in GAINS {
            let config = EqConfig {
                high_freq_hz: f0,
                high_gain_db: gain,
                ..flat()
            };
            for f in FREQS {
                check(
                    &format!("high shelf {f0} Hz {gain:+} dB at {f} Hz"),
                    measured_db(&config, f),
                    high_shelf_db(f, f0, gain),
                    &mut failures,
                );
            }
        }
    }
    assert_no_failures(failures);
}

#[test]
fn shelves_give_half_their_gain_at_the_corner_frequency() {
    let mut failures = Vec::new();
    for gain in [-24.0, -12.0, -3.0, 3.0, 6.0, 12.0, 24.0] {
        for f0 in [50.0, 250.0, 1000.0] {
            let config = EqConfig {
                low_freq_hz: f0,
                low_gain_db: gain,
                ..flat()
            };
            check(
                &format!("low shelf {gain:+} dB at corner {f0} Hz"),
                measured_db(&config, f0),
                gain / 2.0,
                &mut failures,
            );
        }
        for f0 in [2500.0, 8000.0, 12000.0] {
            let config = EqConfig {
                high_freq_hz: f0,
                high_gain_db: gain,
                ..flat()
            };
            check(
                &format!("high shelf {gain:+} dB at corner {f0} Hz"),
                measured_db(&config, f0),
                gain / 2.0,
                &mut failures,
            );
        }
    }
    assert_no_failures(failures);
}

#[test]
fn shelves_reach_full_gain_far_from_the_corner() {
    // Far inside the shelf the response approaches `gain`; far outside it approaches 0 dB.
    // Loose physical sanity check (0.1 dB) on top of the exact comparisons above.
    for gain in [-12.0, 12.0] {
        let low = EqConfig {
            low_freq_hz: 1000.0,
            low_gain_db: gain,
            ..flat()
        };
        assert!(
            (measured_db(&low, 50.0) - gain).abs() < 0.1,
            "low shelf {gain} dB deep in the shelf"
        );
        assert!(
            measured_db(&low, 18000.0).abs() < 0.1,
            "low shelf {gain} dB far above the corner"
        );
        let high = EqConfig {
            high_freq_hz: 2500.0,
            high_gain_db: gain,
            ..flat()
        };
        assert!(
            (measured_db(&high, 18000.0) - gain).abs() < 0.1,
            "high shelf {gain} dB deep in the shelf"
        );
        assert!(
            measured_db(&high, 50.0).abs() < 0.1,
            "high shelf {gain} dB far below the corner"
        );
    }
}

#[test]
fn zero_gain_on_every_band_is_a_bit_exact_identity() {
    let input = white_noise(48_000, 1.0, 0x5EED_0001);
    for (lf, mf, q, hf) in [
        (100.0, 3000.0, 1.0, 8000.0),
        (20.0, 100.0, 0.1, 1000.0),
        (2000.0, 16000.0, 10.0, 20000.0),
    ] {
        let config = EqConfig {
            bypass: false,
            low_freq_hz: lf,
            low_gain_db: 0.0,
            mid_freq_hz: mf,
            mid_gain_db: 0.0,
            mid_q: q,
            high_freq_hz: hf,
            high_gain_db: 0.0,
        };
        let mut eq = ThreeBandEq::new(&config, FS);
        let mut output = input.clone();
        eq.process(&mut output);
        for (n, (x, y)) in input.iter().zip(&output).enumerate() {
            assert_eq!(
                x.to_bits(),
                y.to_bits(),
                "sample {n}: in {x}, out {y} (bands {lf}/{mf}/{hf} Hz)"
            );
        }
    }
}

#[test]
fn one_band_at_zero_gain_leaves_the_others_untouched() {
    // Low shelf alone vs. low shelf followed by two flat bands at different frequencies:
    // the flat bands must not change a single bit.
    let input = white_noise(24_000, 0.5, 0x5EED_0002);
    let a = EqConfig {
        low_gain_db: 6.0,
        ..flat()
    };
    let b = EqConfig {
        low_gain_db: 6.0,
        mid_freq_hz: 5000.0,
        mid_q: 3.0,
        high_freq_hz: 15000.0,
        ..flat()
    };
    let (mut ya, mut yb) = (input.clone(), input.clone());
    ThreeBandEq::new(&a, FS).process(&mut ya);
    ThreeBandEq::new(&b, FS).process(&mut yb);
    assert_ne!(ya, input, "the low shelf must act");
    assert!(ya.iter().zip(&yb).all(|(p, q)| p.to_bits() == q.to_bits()));
}
