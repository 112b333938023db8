//! Second-order IIR section with the RBJ Audio EQ Cookbook designs (R. Bristow-Johnson,
//! "Cookbook formulae for audio EQ biquad filter coefficients").
//!
//! Coefficients and state are f64; the structure is transposed direct form II.

use std::f64::consts::PI;

/// Normalised coefficients (a0 = 1): `y = b0·x + b1·x₋₁ + b2·x₋₂ − a1·y₋₁ − a2·y₋₂`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BiquadCoefficients {
    pub b0: f64,
    pub b1: f64,
    pub b2: f64,
    pub a1: f64,
    pub a2: f64,
}

impl BiquadCoefficients {
    fn normalised(b: [f64; 3], a: [f64; 3]) -> Self {
        Self {
            b0: b[0] / a[0],
            b1: b[1] / a[0],
            b2: b[2] / a[0],
            a1: a[1] / a[0],
            a2: a[2] / a[0],
        }
    }

    /// Peaking EQ at `freq_hz` with `gain_db` at the centre and quality factor `q`.
    pub fn peaking(sample_rate: f64, freq_hz: f64, gain_db: f64, q: f64) -> Self {
        let a = 10f64.powf(gain_db / 40.0);
        let w0 = 2.0 * PI * freq_hz / sample_rate;
        let (sin, cos) = w0.sin_cos();
        let alpha = sin / (2.0 * q);
        Self::normalised(
            [1.0 + alpha * a, -2.0 * cos, 1.0 - alpha * a],
            [1.0 + alpha / a, -2.0 * cos, 1.0 - alpha / a],
        )
    }

    /// Low shelf at `freq_hz` (the midpoint: gain/2 there) with shelf slope S = 1.
    pub fn low_shelf(sample_rate: f64, freq_hz: f64, gain_db: f64) -> Self {
        let (a, cos, beta) = shelf_terms(sample_rate, freq_hz, gain_db);
        Self::normalised(
            [
                a * ((a + 1.0) - (a - 1.0) * cos + beta),
                2.0 * a * ((a - 1.0) - (a + 1.0) * cos),
                a * ((a + 1.0) - (a - 1.0) * cos - beta),
            ],
            [
                (a + 1.0) + (a - 1.0) * cos + beta,
                -2.0 * ((a - 1.0) + (a + 1.0) * cos),
                (a + 1.0) + (a - 1.0) * cos - beta,
            ],
        )
    }

    /// High shelf at `freq_hz` (the midpoint: gain/2 there) with shelf slope S = 1.
    pub fn high_shelf(sample_rate: f64, freq_hz: f64, gain_db: f64) -> Self {
        let (a, cos, beta) = shelf_terms(sample_rate, freq_hz, gain_db);
        Self::normalised(
            [
                a * ((a + 1.0) + (a - 1.0) * cos + beta),
                -2.0 * a * ((a - 1.0) + (a + 1.0) * cos),
                a * ((a + 1.0) + (a - 1.0) * cos - beta),
            ],
            [
                (a + 1.0) - (a - 1.0) * cos + beta,
                2.0 * ((a - 1.0) - (a + 1.0) * cos),
                (a + 1.0) - (a - 1.0) * cos - beta,
            ],
        )
    }
}

/// A = 10^(gain/40), cos w0, and 2·√A·α for shelf slope S = 1 (α = sin w0 / √2).
fn shelf_terms(sample_rate: f64, freq_hz: f64, gain_db: f64) -> (f64, f64, f64) {
    let a = 10f64.powf(gain_db / 40.0);
    let w0 = 2.0 * PI * freq_hz / sample_rate;
    let (sin, cos) = w0.sin_cos();
    let alpha = sin / std::f64::consts::SQRT_2;
    (a, cos, 2.0 * a.sqrt() * alpha)
}

/// A biquad section with its state.
#[derive(Debug, Clone)]
pub struct Biquad {
    c: BiquadCoefficients,
    z1: f64,
    z2: f64,
}

impl Biquad {
    pub fn new(c: BiquadCoefficients) -> Self {
        Self {
            c,
            z1: 0.0,
            z2: 0.0,
        }
    }

    /// Replaces the coefficients, keeping the state.
    pub fn set_coefficients(&mut self, c: BiquadCoefficients) {
        self.c = c;
    }

    pub fn reset(&mut self) {
        self.z1 = 0.0;
        self.z2 = 0.0;
    }

    #[inline]
    pub fn tick(&mut self, x: f64) -> f64 {
        let c = &self.c;
        let y = c.b0 * x + self.z1;
        self.z1 = c.b1 * x - c.a1 * y + self.z2;
        self.z2 = c.b2 * x - c.a2 * y;
        y
    }
}
