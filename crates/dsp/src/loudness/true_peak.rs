//! True-peak level by 4× oversampling, ITU-R BS.1770-4 Annex 2.
//!
//! Each input sample is interpolated into four output phases by the annex's 48-tap
//! polyphase FIR (4 phases × 12 taps, a low-pass at the original Nyquist frequency); the
//! true peak is the largest magnitude over all phases, and never below the largest
//! sample magnitude (as libebur128 reports it). The annex designs the filter for 48 kHz
//! input; at other rates the same filter applies relative to the rate (BS.1770-4 allows
//! a lower oversampling factor above 96 kHz; keeping 4× only raises accuracy). The
//! annex's 12.04 dB pre-attenuation exists for fixed-point headroom and is not needed in
//! floating point. The signal is taken to be preceded by silence; the last 6 samples'
//! interpolation with the future is not evaluated (no flush), like libebur128.

/// The BS.1770-4 Annex 2 coefficients, `PHASES[p][t]`: tap `t` of phase `p` (exact
/// binary fractions, so the `f32` copies are exact too).
const PHASES: [[f64; 12]; 4] = [
    [
        0.001_708_984_375,
        0.010_986_328_125,
        -0.019_653_320_312_5,
        0.033_203_125,
        -0.059_448_242_187_5,
        0.137_329_101_562_5,
        0.972_167_968_750,
        -0.102_294_921_875,
        0.047_607_421_875,
        -0.026_611_328_125,
        0.014_892_578_125,
        -0.008_300_781_250,
    ],
    [
        -0.029_174_804_687_5,
        0.029_296_875,
        -0.051_757_812_500,
        0.089_111_328_125,
        -0.166_503_906_250,
        0.465_087_890_625,
        0.779_785_156_250,
        -0.200_317_382_812_5,
        0.101_562_500,
        -0.058_227_539_062_5,
        0.033_081_054_687_5,
        -0.018_920_898_437_5,
    ],
    [
        -0.018_920_898_437_5,
        0.033_081_054_687_5,
        -0.058_227_539_062_5,
        0.101_562_500,
        -0.200_317_382_812_5,
        0.779_785_156_250,
        0.465_087_890_625,
        -0.166_503_906_250,
        0.089_111_328_125,
        -0.051_757_812_500,
        0.029_296_875,
        -0.029_174_804_687_5,
    ],
    [
        -0.008_300_781_250,
        0.014_892_578_125,
        -0.026_611_328_125,
        0.047_607_421_875,
        -0.102_294_921_875,
        0.972_167_968_750,
        0.137_329_101_562_5,
        -0.059_448_242_187_5,
        0.033_203_125,
        -0.019_653_320_312_5,
        0.010_986_328_125,
        0.001_708_984_375,
    ],
];

const TAPS: usize = 12;
/// Tap pairs `(t, TAPS − 1 − t)` of the symmetric form.
const HALF: usize = TAPS / 2;

/// Phases 3 and 2 are phases 0 and 1 reversed (`h₃[t] = h₀[11 − t]`, `h₂[t] = h₁[11 − t]`).
/// With `a_t = x[n − t]`, `b_t = x[n − 11 + t]` (t < 6), a phase pair (p, p') gives
/// `y_p + y_p' = Σ (h_p[t] + h_p[11 − t])(a_t + b_t)` and
/// `y_p − y_p' = Σ (h_p[t] − h_p[11 − t])(a_t − b_t)`, and
/// `max(|y_p|, |y_p'|) = (|y_p + y_p'| + |y_p − y_p'|) / 2`: 24 multiplies per input
/// sample instead of 48, and no phase needs reconstructing.
const fn folded(phase: usize, sign: f64) -> [f32; HALF] {
    let mut out = [0.0; HALF];
    let mut t = 0;
    while t < HALF {
        out[t] = (PHASES[phase][t] + sign * PHASES[phase][TAPS - 1 - t]) as f32;
        t += 1;
    }
    out
}

const SUM_0: [f32; HALF] = folded(0, 1.0);
const DIFF_0: [f32; HALF] = folded(0, -1.0);
const SUM_1: [f32; HALF] = folded(1, 1.0);
const DIFF_1: [f32; HALF] = folded(1, -1.0);

/// Outputs per chunk of the skip test.
const CHUNK: usize = 64;

/// An upper bound of `max_p Σ_t |h_p[t]|` (≈ 2.02), with a margin for `f32` rounding.
const GAIN_BOUND: f32 = 2.05;

/// Outputs computed side by side (one AVX register of `f32`, two SSE ones).
const LANES: usize = 8;

/// `2·max(|y₀|, |y₁|, |y₂|, |y₃|)` of the `N` consecutive outputs whose windows start in
/// `w[..N]` (`w` holds `N + TAPS − 1` samples).
#[inline(always)]
fn group<const N: usize>(w: &[f32]) -> [f32; N] {
    let w = &w[..N + TAPS - 1];
    let (mut s0, mut d0, mut s1, mut d1) = ([0.0f32; N], [0.0f32; N], [0.0f32; N], [0.0f32; N]);
    for t in 0..HALF {
        for l in 0..N {
            let (a, b) = (w[l + TAPS - 1 - t], w[l + t]);
            let (sum, diff) = (a + b, a - b);
            s0[l] += SUM_0[t] * sum;
            d0[l] += DIFF_0[t] * diff;
            s1[l] += SUM_1[t] * sum;
            d1[l] += DIFF_1[t] * diff;
        }
    }
    std::array::from_fn(|l| {
        let (pair0, pair1) = (s0[l].abs() + d0[l].abs(), s1[l].abs() + d1[l].abs());
        if pair1 > pair0 {
            pair1
        } else {
            pair0
        }
    })
}

crate::math::simd::with_avx2! {
    /// [`oversampled_max_body`], with AVX2 where the CPU has it.
    fn oversampled_max(span: &[f32]) -> f32 = oversampled_max_body;
}

/// The largest magnitude over the four phases of every output of `span` (each output
/// uses the `TAPS` samples ending at it), `LANES` outputs at a time so the arithmetic
/// vectorises across time.
#[inline(always)]
fn oversampled_max_body(span: &[f32]) -> f32 {
    let outputs = span.len() + 1 - TAPS;
    let mut peak = [0.0f32; LANES];
    let mut i = 0;
    while i + LANES <= outputs {
        for (p, m) in peak.iter_mut().zip(group::<LANES>(&span[i..])) {
            *p = if m > *p { m } else { *p };
        }
        i += LANES;
    }
    let mut peak = peak.iter().fold(0.0f32, |m, &v| if v > m { v } else { m });
    for j in i..outputs {
        let [m] = group::<1>(&span[j..]);
        peak = if m > peak { m } else { peak };
    }
    0.5 * peak
}

/// Input samples per channel taken into the line at a time.
const PIECE: usize = 4096;

/// The largest `|x|` of `values`, over `LANES` lanes so the loop vectorises.
fn abs_max(values: &[f32]) -> f32 {
    let mut lanes = [0.0f32; LANES];
    let mut groups = values.chunks_exact(LANES);
    for group in &mut groups {
        for (lane, &v) in lanes.iter_mut().zip(group) {
            let a = v.abs();
            *lane = if a > *lane { a } else { *lane };
        }
    }
    groups
        .remainder()
        .iter()
        .map(|v| v.abs())
        .chain(lanes)
        .fold(0.0, |m, a| if a > m { a } else { m })
}

/// The running true peak of one channel.
#[derive(Debug, Clone)]
pub struct TruePeak {
    /// The last `TAPS − 1` input samples followed by the current block.
    line: Vec<f32>,
    peak: f32,
    sample_peak: f32,
}

impl Default for TruePeak {
    fn default() -> Self {
        Self {
            line: vec![0.0; TAPS - 1],
            peak: 0.0,
            sample_peak: 0.0,
        }
    }
}

impl TruePeak {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds samples of this channel, one at a time from `samples` (every `stride`-th).
    pub fn push_strided(&mut self, samples: &[f32], offset: usize, stride: usize) {
        // A piece at a time, so the line stays small (in L1) whatever the input length.
        for piece in samples[offset.min(samples.len())..].chunks(PIECE * stride) {
            self.line.truncate(TAPS - 1);
            self.line.extend(piece.iter().step_by(stride));
            self.scan_line();
            let keep = self.line.len() - (TAPS - 1);
            self.line.copy_within(keep.., 0);
        }
        self.line.truncate(TAPS - 1);
    }

    /// Every output of the line, chunk by chunk.
    fn scan_line(&mut self) {
        let outputs = self.line.len() - (TAPS - 1);
        let (mut peak, mut sample_peak) = (self.peak, self.sample_peak);
        let mut start = 0;
        while start < outputs {
            let len = CHUNK.min(outputs - start);
            let span = &self.line[start..start + len + TAPS - 1];
            let span_max = abs_max(span);
            sample_peak = sample_peak.max(abs_max(&span[TAPS - 1..]));
            // No interpolated value of this span can exceed Σ|h|·max|x|: skip the filter
            // when that cannot raise the peak (the result is the same, only faster).
            if span_max * GAIN_BOUND > peak {
                peak = peak.max(oversampled_max(span));
            }
            start += len;
        }
        (self.peak, self.sample_peak) = (peak, sample_peak);
    }

    /// The largest oversampled magnitude so far (at least the sample peak), linear.
    pub fn peak(&self) -> f64 {
        f64::from(self.peak.max(self.sample_peak))
    }

    /// The largest sample magnitude so far, linear.
    pub fn sample_peak(&self) -> f64 {
        f64::from(self.sample_peak)
    }

    pub fn reset(&mut self) {
        *self = Self::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gain_bound_covers_every_phase() {
        for phase in PHASES {
            let sum: f64 = phase.iter().map(|h| h.abs()).sum();
            assert!(sum * 1.01 < f64::from(GAIN_BOUND), "{sum}");
        }
    }

    #[test]
    fn folded_phases_equal_the_direct_filter() {
        // The annex's four phases applied directly in f64, window by window.
        let x: Vec<f32> = (0..5_000)
            .map(|n| ((n as f32 * 0.91).sin() * (n as f32 * 0.013).cos()) * 0.9)
            .collect();
        for end in (TAPS..x.len()).step_by(97) {
            let span = &x[end - TAPS..end];
            let direct = PHASES
                .iter()
                .map(|h| {
                    (0..TAPS)
                        .map(|t| h[t] * f64::from(span[TAPS - 1 - t]))
                        .sum::<f64>()
                        .abs()
                })
                .fold(0.0, f64::max);
            let folded = f64::from(oversampled_max(span));
            assert!(
                (folded - direct).abs() <= 1e-6 * direct.max(1e-3),
                "{folded} vs {direct}"
            );
        }
    }

    #[test]
    fn skipping_never_changes_the_result() {
        // The exhaustive filter over the whole signal against the chunked, skipping one
        // fed in odd blocks.
        let x: Vec<f32> = (0..20_000)
            .map(|n| ((n as f32 * 0.37).sin() * (n as f32 * 0.0011).cos()) * 0.8)
            .collect();
        let mut line = vec![0.0f32; TAPS - 1];
        line.extend_from_slice(&x);
        let exhaustive = oversampled_max(&line);
        let mut tp = TruePeak::new();
        for block in x.chunks(777) {
            tp.push_strided(block, 0, 1);
        }
        let sample_peak = x.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        assert_eq!(tp.peak(), f64::from(exhaustive.max(sample_peak)));
    }
}
