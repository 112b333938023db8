//! Per-sample logarithm and exponential in plain f32 arithmetic.
//!
//! The dynamics processors convert between linear amplitude and decibels once per
//! sample. These versions are accurate to a few f32 ulps over the audio range, cost a
//! handful of multiplies, and — being plain arithmetic — give the same bits natively and
//! in WebAssembly, which keeps `mixer.wasm` in parity with the native chain.

/// The larger of `a` and `b` for non-NaN inputs: one compare-and-select (`f32::max`'s NaN
/// handling costs extra instructions natively and a longer sequence in WebAssembly).
#[inline]
pub(crate) fn max(a: f32, b: f32) -> f32 {
    if a > b {
        a
    } else {
        b
    }
}

/// The smaller of `a` and `b` for non-NaN inputs (see [`max`]).
#[inline]
pub(crate) fn min(a: f32, b: f32) -> f32 {
    if a < b {
        a
    } else {
        b
    }
}

/// `x` limited to `[lo, hi]` for non-NaN inputs (see [`max`]).
#[inline]
pub(crate) fn clamp(x: f32, lo: f32, hi: f32) -> f32 {
    min(max(x, lo), hi)
}

const LOG2_10_OVER_20: f32 = 0.166_096_4; // log2(10) / 20
const DB_PER_LOG2: f32 = 6.020_6; // 20·log10(2)

/// log2(x) for finite x > 0 (subnormals read as their f32 exponent floor).
#[inline]
pub(crate) fn log2(x: f32) -> f32 {
    let bits = x.to_bits();
    let mut exponent = ((bits >> 23) & 0xff) as i32 - 127;
    let mut m = f32::from_bits((bits & 0x007f_ffff) | 0x3f80_0000); // [1, 2)
    if m > std::f32::consts::SQRT_2 {
        m *= 0.5;
        exponent += 1;
    }
    // log2(m) = (2 / ln 2)·atanh(t), t = (m − 1)/(m + 1), |t| ≤ 0.1716.
    let t = (m - 1.0) / (m + 1.0);
    let t2 = t * t;
    let series = t * (1.0 + t2 * (1.0 / 3.0 + t2 * (1.0 / 5.0 + t2 * (1.0 / 7.0))));
    exponent as f32 + series * (2.0 / std::f32::consts::LN_2)
}

/// 2^y, for y clamped to [−126, 126].
#[inline]
pub(crate) fn exp2(y: f32) -> f32 {
    // Shifted to [0, 252] so that adding 2^23 leaves round(t) in the mantissa bits:
    // floor and the exponent field come from integer and select operations only, which
    // vectorise (a float-to-int cast would not).
    const MAGIC: f32 = 8_388_608.0; // 2^23
    let y = clamp(y, -126.0, 126.0);
    let t = y + 126.0;
    let rounded = (t + MAGIC) - MAGIC;
    let whole = if rounded > t { rounded - 1.0 } else { rounded };
    let biased = (whole + MAGIC).to_bits() - MAGIC.to_bits() + 1; // whole − 126 + 127
    let scale = f32::from_bits(biased << 23);
    // 2^f = √2 · e^(u), u = (f − ½)·ln 2, |u| ≤ 0.347; Taylor to u⁶.
    // The fraction from y itself: t has lost low bits of y.
    let u = (y - (whole - 126.0) - 0.5) * std::f32::consts::LN_2;
    let poly = 1.0
        + u * (1.0
            + u * (0.5
                + u * (1.0 / 6.0 + u * (1.0 / 24.0 + u * (1.0 / 120.0 + u * (1.0 / 720.0))))));
    poly * std::f32::consts::SQRT_2 * scale
}

/// 20·log10(x) for finite x > 0.
#[inline]
pub(crate) fn amp_to_db(x: f32) -> f32 {
    log2(x) * DB_PER_LOG2
}

/// 10^(db/20).
#[inline]
pub(crate) fn db_to_amp(db: f32) -> f32 {
    exp2(db * LOG2_10_OVER_20)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log2_matches_std_over_the_audio_range() {
        let mut x = 1e-9f32;
        while x < 1e4 {
            let err = (log2(x) - x.log2()).abs();
            assert!(
                err < 2e-6 * x.log2().abs().max(1.0),
                "log2({x}) = {} vs {}",
                log2(x),
                x.log2()
            );
            x *= 1.013;
        }
    }

    #[test]
    fn exp2_matches_std_over_the_gain_range() {
        let mut y = -40.0f32;
        while y < 40.0 {
            let rel = (exp2(y) - y.exp2()).abs() / y.exp2();
            assert!(rel < 1e-6, "exp2({y}) = {} vs {}", exp2(y), y.exp2());
            y += 0.0137;
        }
    }

    #[test]
    fn decibel_round_trip_is_within_a_thousandth_of_a_db() {
        for db in [-120.0f32, -60.0, -20.0, -6.0206, 0.0, 3.0, 24.0] {
            let back = amp_to_db(db_to_amp(db));
            assert!((back - db).abs() < 1e-3, "{db} dB -> {back} dB");
        }
    }
}
