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
        0.001_708_984_375, 0.010_986_328_125, -0.019_653_320_312_5, 0.033_203_125, -0.059_448_242_187_5,
        0.137_329_101_562_5, 0.972_167_968_750, -0.102_294_921_875, 0.047_607_421_875, -0.026_611_328_125,
        0.014_892_578_125, -0.008_300_781_250,
    ],
    [
        -0.029_174_804_687_5, 0.029_296_875, -0.051_757_812_500, 0.089_111_328_125, -0.166_503_906_250,
        0.465_087_890_625, 0.779_785_156_250, -0.200_317_382_812_5, 0.101_562_500, -0.058_227_539_062_5,
        0.033_081_054_687_5, -0.018_920_898_437_5,
    ],
    [
        -0.018_920_898_437_5, 0.033_081_054_687_5, -0.058_227_539_062_5, 0.101_562_500, -0.200_317_382_812_5,
        0.779_785_156_250, 0.465_087_890_625, -0.166_503_906_250, 0.089_111_328_125, -0.051_757_812_500,
        0.029_296_875, -0.029_174_804_687_5,
    ],
    [
        -0.008_300_781_250, 0.014_892_578_125, -0.026_611_328_125, 0.047_607_421_875, -0.102_294_921_875,
        0.972_167_968_750, 0.137_329_101_562_5, -0.059_448_242_187_5, 0.033_203_125, -0.019_653_320_312_5,
        0.010_986_328_125, 0.001_708_984_375,
    ],
];

const TAPS: usize = 12;

/// `[t][p]` layout so the four phases of one tap form one SIMD lane group.
const fn transposed() -> [[f32; 4]; TAPS] {
    let mut out = [[0.0; 4]; TAPS];
    let mut t = 0;
    while t < TAPS {
        let mut p = 0;
        while p < 4 {
            out[t][p] = PHASES[p][t] as f32;
            p += 1;
        }
        t += 1;
    }
    out
}

const BY_TAP: [[f32; 4]; TAPS] = transposed();

/// Outputs per chunk of the skip test.
const CHUNK: usize = 64;

/// An upper bound of `max_p Σ_t |h_p[t]|` (≈ 2.02), with a margin for `f32` rounding.
const GAIN_BOUND: f32 = 2.05;

/// The largest magnitude over the four phases of every output of `span` (each output
/// uses the `TAPS` samples ending at it).
fn oversampled_max(span: &[f32]) -> f32 {
    let mut peak = [0.0f32; 4];
    for window in span.windows(TAPS) {
        let mut acc = [0.0f32; 4];
        for (t, taps) in BY_TAP.iter().enumerate() {
            let x = window[TAPS - 1 - t];
            for p in 0..4 {
                acc[p] += taps[p] * x;
            }
        }
        for p in 0..4 {
            peak[p] = peak[p].max(acc[p].abs());
        }
    }
    peak.iter().fold(0.0f32, |m, &v| m.max(v))
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
        Self { line: vec![0.0; TAPS - 1], peak: 0.0, sample_peak: 0.0 }
    }
}

impl TruePeak {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds samples of this channel, one at a time from `samples` (every `stride`-th).
    pub fn push_strided(&mut self, samples: &[f32], offset: usize, stride: usize) {
        self.line.truncate(TAPS - 1);
        self.line.extend(samples.iter().skip(offset).step_by(stride));
        let outputs = self.line.len() - (TAPS - 1);
        let mut peak = self.peak;
        let mut sample_peak = self.sample_peak;
        let mut start = 0;
        while start < outputs {
            let len = CHUNK.min(outputs - start);
            let span = &self.line[start..start + len + TAPS - 1];
            let span_max = span.iter().fold(0.0f32, |m, x| m.max(x.abs()));
            sample_peak = sample_peak.max(span[TAPS - 1..].iter().fold(0.0f32, |m, x| m.max(x.abs())));
            // No interpolated value of this span can exceed Σ|h|·max|x|: skip the filter
            // when that cannot raise the peak (the result is the same, only faster).
            if span_max * GAIN_BOUND > peak {
                peak = peak.max(oversampled_max(span));
            }
            start += len;
        }
        self.peak = peak;
        self.sample_peak = sample_peak;
        let keep = self.line.len() - (TAPS - 1);
        self.line.copy_within(keep.., 0);
        self.line.truncate(TAPS - 1);
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
    fn skipping_never_changes_the_result() {
        // The exhaustive filter over the whole signal against the chunked, skipping one
        // fed in odd blocks.
        let x: Vec<f32> = (0..20_000).map(|n| ((n as f32 * 0.37).sin() * (n as f32 * 0.0011).cos()) * 0.8).collect();
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
