//! Loudness per ITU-R BS.1770-4 / EBU R128: integrated (gated), short-term (3 s) and
//! momentary (400 ms) loudness, true peak, and the gain that normalises a programme to a
//! target loudness.
//!
//! * **K-weighting**: a high shelf (+4 dB above ~1.7 kHz) and a high-pass (~38 Hz),
//!   two biquads per channel. Their coefficients come from the analog prototypes of
//!   BS.1770 through the bilinear transform at the actual sample rate (libebur128's
//!   design); at 48 kHz they equal the tabulated BS.1770 coefficients.
//! * **Mean square** per 100 ms sub-block (`round(sr/10)` samples), summed over channels
//!   with the BS.1770 channel weights `G` (1 for L, R, C; 1.41 for Ls, Rs; LFE excluded).
//!   Loudness of a mean square `z` is `−0.691 + 10·log10(z)` LKFS.
//! * **Integrated**: 400 ms blocks every 100 ms (75 % overlap); blocks below −70 LKFS are
//!   dropped (absolute gate), then those more than 10 LU below the loudness of the
//!   remaining blocks' mean (relative gate); the result is the loudness of the mean of
//!   what is left. −∞ when no block passes (silence or under 400 ms).
//! * **Short-term**: the loudness of the last 3 s, ungated, every 100 ms once 3 s exist;
//!   **momentary**: the same over 400 ms.
//! * **True peak**: [`crate::TruePeak`] (4× oversampling, BS.1770-4 Annex 2), max over
//!   channels, in dBTP.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::analysis::extractor::AnalysisError;
use crate::error::{check_audio, ConfigError};
use crate::loudness::true_peak::TruePeak;
use crate::range::Range;

/// Loudness offset of BS.1770: a 997 Hz sine at 0 dBFS on one channel reads −3.01 LKFS.
pub const LOUDNESS_OFFSET: f64 = -0.691;
/// Absolute gate, LKFS.
pub const ABSOLUTE_GATE_LKFS: f64 = -70.0;
/// Relative gate, LU below the absolute-gated loudness.
pub const RELATIVE_GATE_LU: f64 = -10.0;
/// Common normalisation targets, LUFS.
pub const TARGET_PODCAST_LUFS: f64 = -16.0;
pub const TARGET_STREAMING_LUFS: f64 = -14.0;
pub const TARGET_BROADCAST_LUFS: f64 = -23.0;

/// Loudness of a (weighted) mean square, LKFS; −∞ for 0.
pub fn loudness_of_mean_square(z: f64) -> f64 {
    LOUDNESS_OFFSET + 10.0 * z.log10()
}

/// The K-weighting cascade (shelf, then high-pass) of one channel in direct form I,
/// `f64` state. Each output is `feed-forward terms − a1·y[n−1]`, so the loop-carried
/// dependency is one multiply and one subtraction per stage.
#[derive(Debug, Clone, Copy, Default)]
struct KFilter {
    shelf: [f64; 5],
    hp_a: [f64; 2],
    /// Input history x[n−1], x[n−2]; shelf output v[n−1], v[n−2]; high-pass output w[n−1], w[n−2].
    x: [f64; 2],
    v: [f64; 2],
    w: [f64; 2],
}

impl KFilter {
    fn new(sample_rate: f64) -> Self {
        let (shelf, hp) = k_weighting_coefficients(sample_rate);
        Self {
            shelf,
            hp_a: [hp[3], hp[4]],
            ..Self::default()
        }
    }

    /// Filters `count` samples `data[offset], data[offset + stride], …` and returns the
    /// sum of the squared outputs.
    ///
    /// Samples go two at a time: with `u` the feed-forward part, `y[n+1] = u[n+1] −
    /// a1·u[n] + (a1² − a2)·y[n−1] + a1·a2·y[n−2]` depends on the same state as `y[n]`,
    /// which halves the loop-carried latency per sample. The result differs from the
    /// one-at-a-time recursion only by rounding (~1e−16 relative).
    #[inline]
    fn sum_squares(&mut self, data: &[f32], offset: usize, stride: usize, count: usize) -> f64 {
        let [b0, b1, b2, a1, a2] = self.shelf;
        let [c1, c2] = self.hp_a;
        let (p1, p2) = (a1 * a1 - a2, a1 * a2);
        let (q1, q2) = (c1 * c1 - c2, c1 * c2);
        let ([mut x1, mut x2], [mut v1, mut v2], [mut w1, mut w2]) = (self.x, self.v, self.w);
        let (mut even, mut odd) = (0.0, 0.0);
        // A macro rather than a closure: the state must stay in registers.
        macro_rules! pair {
            ($xa:expr, $xb:expr) => {{
                let (xa, xb): (f64, f64) = ($xa, $xb);
                let ua = b0 * xa + b1 * x1 + b2 * x2;
                let ub = b0 * xb + b1 * xa + b2 * x1;
                let va = (ua - a2 * v2) - a1 * v1;
                let vb = ((ub - a1 * ua) + p2 * v2) + p1 * v1;
                let ga = va - 2.0 * v1 + v2;
                let gb = vb - 2.0 * va + v1;
                let wa = (ga - c2 * w2) - c1 * w1;
                let wb = ((gb - c1 * ga) + q2 * w2) + q1 * w1;
                even += wa * wa;
                odd += wb * wb;
                (x2, x1, v2, v1, w2, w1) = (xa, xb, va, vb, wa, wb);
            }};
        }
        if stride == 1 {
            for p in data[offset..offset + count].chunks_exact(2) {
                pair!(f64::from(p[0]), f64::from(p[1]));
            }
        } else {
            for i in 0..count / 2 {
                pair!(
                    f64::from(data[offset + 2 * i * stride]),
                    f64::from(data[offset + (2 * i + 1) * stride])
                );
            }
        }
        if count % 2 == 1 {
            let x = f64::from(data[offset + (count - 1) * stride]);
            let v = (b0 * x + b1 * x1 + b2 * x2 - a2 * v2) - a1 * v1;
            let w = ((v - 2.0 * v1 + v2) - c2 * w2) - c1 * w1;
            even += w * w;
            (x2, x1, v2, v1, w2, w1) = (x1, x, v1, v, w1, w);
        }
        (self.x, self.v, self.w) = ([x1, x2], [v1, v2], [w1, w2]);
        even + odd
    }

    /// Samples after which the filter's response to any initial state is below 1e−18 of
    /// that state: the smallest `n` with `(n + 1)²·rⁿ < 1e−18`, `r` the largest pole
    /// radius of the cascade (the high-pass's double pole near 1, 0.995 at 48 kHz, gives
    /// about 12 000 samples; the `(n + 1)²` covers the double pole and the cascade).
    fn settling_samples(&self) -> usize {
        let radius = |a1: f64, a2: f64| {
            let d = a1 * a1 - 4.0 * a2;
            if d < 0.0 {
                a2.sqrt()
            } else {
                (a1.abs() + d.sqrt()) / 2.0
            }
        };
        let r = radius(self.shelf[3], self.shelf[4]).max(radius(self.hp_a[0], self.hp_a[1]));
        let (ln_r, target) = (r.ln(), 1e-18f64.ln());
        // n = (target − 2·ln(n + 1)) / ln r by fixed-point iteration (it increases to the
        // root), stepping one past each iterate so the loop ends strictly beyond it.
        let mut n = 1.0f64;
        while 2.0 * (n + 1.0).ln() + n * ln_r >= target {
            n = ((target - 2.0 * (n + 1.0).ln()) / ln_r).ceil() + 1.0;
        }
        n as usize
    }

    /// The sums of squares of `LANES · seg + warm` consecutive sub-blocks of `sub_len`
    /// frames starting at frame 0 of `data` (channel `offset` of `stride`), appended to
    /// `out`, computed as `LANES` segments filtered side by side (SIMD across segments):
    /// lane 0 continues from this filter's state over `seg + warm` sub-blocks; lane `k`
    /// starts from rest `warm` sub-blocks before its own `seg` sub-blocks, and its first
    /// `warm` sums are dropped. With `warm · sub_len ≥` [`Self::settling_samples`] every
    /// lane has forgotten its start by then, so the sums equal those of one sequential
    /// pass up to rounding (relative differences ~1e−16). Leaves the state of the end.
    fn sub_block_sums_lanes(
        &mut self,
        data: &[f32],
        offset: usize,
        stride: usize,
        sub_len: usize,
        seg: usize,
        warm: usize,
        out: &mut Vec<f64>,
    ) {
        let [b0, b1, b2, a1, a2] = self.shelf;
        let [c1, c2] = self.hp_a;
        let mut x = [[0.0f64; LANES]; 2];
        let mut v = [[0.0f64; LANES]; 2];
        let mut w = [[0.0f64; LANES]; 2];
        for k in 0..2 {
            (x[k][0], v[k][0], w[k][0]) = (self.x[k], self.v[k], self.w[k]);
        }
        let blocks = seg + warm;
        let mut sums = vec![[0.0f64; LANES]; blocks];
        let mut frames = vec![[0.0f64; LANES]; sub_len];
        for (b, sum) in sums.iter_mut().enumerate() {
            for (s, lanes) in frames.iter_mut().enumerate() {
                for (l, x) in lanes.iter_mut().enumerate() {
                    *x = f64::from(data[offset + ((l * seg + b) * sub_len + s) * stride]);
                }
            }
            *sum = filter_lanes(
                [b0, b1, b2, a1, a2, c1, c2],
                &frames,
                &mut x,
                &mut v,
                &mut w,
            );
        }
        out.extend(sums.iter().map(|s| s[0]));
        for l in 1..LANES {
            out.extend(sums[warm..].iter().map(|s| s[l]));
        }
        for k in 0..2 {
            (self.x[k], self.v[k], self.w[k]) = (x[k][LANES - 1], v[k][LANES - 1], w[k][LANES - 1]);
        }
    }
}

type LaneState = [[f64; LANES]; 2];

#[inline(always)]
fn filter_lanes_body(
    k: [f64; 7],
    frames: &[[f64; LANES]],
    x: &mut LaneState,
    v: &mut LaneState,
    w: &mut LaneState,
) -> [f64; LANES] {
    let [b0, b1, b2, a1, a2, c1, c2] = k;
    let (mut x1, mut x2, mut v1, mut v2, mut w1, mut w2) = (x[0], x[1], v[0], v[1], w[0], w[1]);
    let mut acc = [0.0f64; LANES];
    for xs in frames {
        let mut vn = [0.0f64; LANES];
        let mut wn = [0.0f64; LANES];
        for l in 0..LANES {
            vn[l] = (b0 * xs[l] + b1 * x1[l] + b2 * x2[l] - a2 * v2[l]) - a1 * v1[l];
            wn[l] = ((vn[l] - 2.0 * v1[l] + v2[l]) - c2 * w2[l]) - c1 * w1[l];
            acc[l] += wn[l] * wn[l];
        }
        (x2, x1, v2, v1, w2, w1) = (x1, *xs, v1, vn, w1, wn);
    }
    (*x, *v, *w) = ([x1, x2], [v1, v2], [w1, w2]);
    acc
}

crate::math::simd::with_avx2! {
    /// [`filter_lanes_body`], with AVX2 where the CPU has it.
    fn filter_lanes(k: [f64; 7], frames: &[[f64; LANES]], x: &mut LaneState, v: &mut LaneState, w: &mut LaneState) -> [f64; LANES] = filter_lanes_body;
}

/// Segments of a long block filtered side by side by [`KFilter::sub_block_sums_lanes`].
const LANES: usize = 4;

/// The two K-weighting stages at `sample_rate` (libebur128's bilinear design of the
/// BS.1770 prototypes): `(shelf, high_pass)`, as `(b0, b1, b2, a1, a2)`.
pub fn k_weighting_coefficients(sample_rate: f64) -> ([f64; 5], [f64; 5]) {
    use std::f64::consts::PI;
    let (f0, gain_db, q) = (
        1_681.974_450_955_533,
        3.999_843_853_973_347,
        0.707_175_236_955_419_6,
    );
    let k = (PI * f0 / sample_rate).tan();
    let vh = 10f64.powf(gain_db / 20.0);
    let vb = vh.powf(0.499_666_774_154_541_6);
    let a0 = 1.0 + k / q + k * k;
    let shelf = [
        (vh + vb * k / q + k * k) / a0,
        2.0 * (k * k - vh) / a0,
        (vh - vb * k / q + k * k) / a0,
        2.0 * (k * k - 1.0) / a0,
        (1.0 - k / q + k * k) / a0,
    ];
    let (f0, q) = (38.135_470_876_024_44, 0.500_327_037_323_877_3);
    let k = (PI * f0 / sample_rate).tan();
    let a0 = 1.0 + k / q + k * k;
    let high_pass = [
        1.0,
        -2.0,
        1.0,
        2.0 * (k * k - 1.0) / a0,
        (1.0 - k / q + k * k) / a0,
    ];
    (shelf, high_pass)
}

/// Options of a loudness measurement (camelCase in JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct LoudnessConfig {
    /// Sample rate, Hz, 8000..192000. Default 48000.
    pub sample_rate: f64,
    /// Interleaved channels: 1 (mono), 2 (L R), 5 (L R C Ls Rs) or 6 (L R C LFE Ls Rs).
    /// Default 1.
    pub channels: f64,
    /// Mono only: measure as if the channel played on both L and R (+3.01 dB), as
    /// broadcast meters' "dual mono" mode does. Default false.
    pub dual_mono: bool,
    /// If set, the report includes the gain that brings the integrated loudness to this
    /// target, LUFS, −70..0 (e.g. −16 podcast, −14 streaming, −23 broadcast).
    pub target_lufs: Option<f64>,
    /// With `target_lufs`: the gain is lowered so the true peak stays at or below this,
    /// dBTP, −24..0. Default: no peak limit.
    pub max_true_peak_dbtp: Option<f64>,
}

impl Default for LoudnessConfig {
    fn default() -> Self {
        Self {
            sample_rate: 48_000.0,
            channels: 1.0,
            dual_mono: false,
            target_lufs: None,
            max_true_peak_dbtp: None,
        }
    }
}

/// A validated [`LoudnessConfig`].
#[derive(Debug, Clone, PartialEq)]
pub struct LoudnessSettings {
    pub sample_rate: f64,
    /// Channel weights `G`, one per interleaved channel.
    pub weights: Vec<f64>,
    pub target: Option<NormalizationTarget>,
}

impl LoudnessConfig {
    pub const SAMPLE_RATE: Range = Range::new("sampleRate", 8000.0, 192_000.0, "Hz");
    pub const TARGET_LUFS: Range = Range::new("targetLufs", -70.0, 0.0, "LUFS");
    pub const MAX_TRUE_PEAK: Range = Range::new("maxTruePeakDbtp", -24.0, 0.0, "dBTP");

    pub fn from_json(value: &Value) -> Result<LoudnessSettings, ConfigError> {
        let config: Self = crate::error::parse_config(value, "loudness options")?;
        config.validate()
    }

    pub fn validate(&self) -> Result<LoudnessSettings, ConfigError> {
        Self::SAMPLE_RATE.check(self.sample_rate)?;
        let c = self.channels;
        let weights = if c == 1.0 {
            vec![if self.dual_mono { 2.0 } else { 1.0 }]
        } else if c == 2.0 {
            vec![1.0, 1.0]
        } else if c == 5.0 {
            vec![1.0, 1.0, 1.0, 1.41, 1.41]
        } else if c == 6.0 {
            vec![1.0, 1.0, 1.0, 0.0, 1.41, 1.41]
        } else {
            return Err(ConfigError::new(
                "channels",
                format!(
                    "channels = {c} is not supported: allowed 1 (mono), 2 (L R), 5 (L R C Ls Rs) or 6 (L R C LFE Ls Rs), interleaved"
                ),
            ));
        };
        if self.dual_mono && weights.len() != 1 {
            return Err(ConfigError::new(
                "dualMono",
                "dualMono applies to mono input only (channels = 1)",
            ));
        }
        if let Some(t) = self.target_lufs {
            Self::TARGET_LUFS.check(t)?;
        }
        if let Some(p) = self.max_true_peak_dbtp {
            Self::MAX_TRUE_PEAK.check(p)?;
            if self.target_lufs.is_none() {
                return Err(ConfigError::new(
                    "maxTruePeakDbtp",
                    "maxTruePeakDbtp needs targetLufs (it limits the normalisation gain)",
                ));
            }
        }
        let target = self.target_lufs.map(|target_lufs| NormalizationTarget {
            target_lufs,
            max_true_peak_dbtp: self.max_true_peak_dbtp,
        });
        Ok(LoudnessSettings {
            sample_rate: self.sample_rate,
            weights,
            target,
        })
    }
}

impl LoudnessSettings {
    /// Mono at `sample_rate`, no target.
    pub fn mono(sample_rate: f64) -> Result<Self, ConfigError> {
        LoudnessConfig {
            sample_rate,
            ..LoudnessConfig::default()
        }
        .validate()
    }

    pub fn channels(&self) -> usize {
        self.weights.len()
    }
}

/// Where to normalise to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NormalizationTarget {
    pub target_lufs: f64,
    pub max_true_peak_dbtp: Option<f64>,
}

/// The gain, dB, that takes a programme of `integrated_lufs` to the target, lowered if
/// needed so that `true_peak_dbtp + gain ≤ max_true_peak_dbtp`. `None` for a programme
/// with no gated loudness (silence): no gain can reach the target.
pub fn normalization_gain_db(
    integrated_lufs: f64,
    true_peak_dbtp: f64,
    target: &NormalizationTarget,
) -> Option<f64> {
    if !integrated_lufs.is_finite() {
        return None;
    }
    let gain = target.target_lufs - integrated_lufs;
    Some(match target.max_true_peak_dbtp {
        Some(ceiling) if true_peak_dbtp.is_finite() => gain.min(ceiling - true_peak_dbtp),
        _ => gain,
    })
}

/// Multiplies every sample by `gain_db` decibels.
pub fn apply_gain_db(samples: &mut [f32], gain_db: f64) {
    let gain = 10f64.powf(gain_db / 20.0) as f32;
    for x in samples {
        *x *= gain;
    }
}

/// The measurements of a programme.
#[derive(Debug, Clone, PartialEq)]
pub struct LoudnessReport {
    /// Gated integrated loudness, LUFS (−∞: nothing above the gates).
    pub integrated_lufs: f64,
    /// Short-term loudness every 100 ms: entry `i` is the 3 s ending at `3 + i/10` s.
    /// Empty under 3 s.
    pub short_term_lufs: Vec<f64>,
    /// The largest short-term loudness, LUFS (−∞ under 3 s).
    pub short_term_max_lufs: f64,
    /// The largest momentary (400 ms) loudness, LUFS (−∞ under 400 ms).
    pub momentary_max_lufs: f64,
    /// True peak, dBTP (−∞ for digital silence).
    pub true_peak_dbtp: f64,
    /// Largest sample magnitude, dBFS.
    pub sample_peak_dbfs: f64,
    /// With a target: the normalisation gain, dB (`None` for silence).
    pub normalization_gain_db: Option<f64>,
}

/// Streaming BS.1770 meter over interleaved blocks of any length. It keeps the mean
/// square of every 100 ms sub-block (8 bytes per 100 ms, 288 KB per hour) so that the
/// integrated loudness can be gated exactly over the whole programme.
#[derive(Debug, Clone)]
pub struct LoudnessMeter {
    settings: LoudnessSettings,
    filters: Vec<KFilter>,
    peaks: Vec<TruePeak>,
    measure_true_peak: bool,
    /// Samples per channel in a 100 ms sub-block.
    sub_len: usize,
    /// Sub-blocks covering the K-filter's settling time (the segment-parallel warm-up).
    warm_blocks: usize,
    /// Weighted sum of squares of the current sub-block, and its samples so far.
    acc: f64,
    acc_len: usize,
    /// Weighted mean square of every completed sub-block.
    sub_blocks: Vec<f64>,
}

impl LoudnessMeter {
    pub fn new(settings: LoudnessSettings) -> Self {
        Self::with_true_peak(settings, true)
    }

    /// A meter that skips the true-peak oversampler when `true_peak` is false (its
    /// true peak then reads −∞).
    pub fn with_true_peak(settings: LoudnessSettings, true_peak: bool) -> Self {
        let channels = settings.channels();
        let filter = KFilter::new(settings.sample_rate);
        let sub_len = ((settings.sample_rate / 10.0).round() as usize).max(1);
        Self {
            filters: vec![filter; channels],
            peaks: vec![TruePeak::new(); channels],
            measure_true_peak: true_peak,
            sub_len,
            warm_blocks: filter.settling_samples().div_ceil(sub_len),
            acc: 0.0,
            acc_len: 0,
            sub_blocks: Vec::new(),
            settings,
        }
    }

    pub fn settings(&self) -> &LoudnessSettings {
        &self.settings
    }

    /// Feeds interleaved samples (a whole number of frames). Rejected before anything
    /// changes if empty, not whole frames, or not finite.
    pub fn push(&mut self, interleaved: &[f32]) -> Result<(), AnalysisError> {
        check_audio(interleaved)?;
        let channels = self.settings.channels();
        if !interleaved.len().is_multiple_of(channels) {
            return Err(AnalysisError::Interleave {
                samples: interleaved.len(),
                channels,
            });
        }
        self.push_checked(interleaved);
        Ok(())
    }

    /// [`Self::push`] of samples already known to be finite whole frames.
    pub(crate) fn push_checked(&mut self, interleaved: &[f32]) {
        let channels = self.settings.channels();
        let frames = interleaved.len() / channels;
        if self.measure_true_peak {
            for (c, peak) in self.peaks.iter_mut().enumerate() {
                peak.push_strided(interleaved, c, channels);
            }
        }
        // Sub-block by sub-block, every channel's K-weighted energy, weighted and summed.
        let mut frame = 0;
        while frame < frames {
            if self.acc_len == 0 {
                let done = self.push_lanes(interleaved, frame, frames);
                if done > 0 {
                    frame += done;
                    continue;
                }
            }
            let take = (frames - frame).min(self.sub_len - self.acc_len);
            for (c, filter) in self.filters.iter_mut().enumerate() {
                let weight = self.settings.weights[c];
                if weight != 0.0 {
                    self.acc += weight
                        * filter.sum_squares(interleaved, frame * channels + c, channels, take);
                }
            }
            frame += take;
            self.acc_len += take;
            if self.acc_len == self.sub_len {
                self.sub_blocks.push(self.acc / self.sub_len as f64);
                self.acc = 0.0;
                self.acc_len = 0;
            }
        }
    }

    /// From a sub-block boundary at `frame`: whole sub-blocks by the segment-parallel
    /// K-filter ([`KFilter::sub_block_sums_lanes`]) when the rest of the block is long
    /// enough for the warm-up to cost at most a few per cent (at least ~5 s at any rate).
    /// Returns the frames consumed (0: not used).
    fn push_lanes(&mut self, interleaved: &[f32], frame: usize, frames: usize) -> usize {
        let (channels, sub, warm) = (self.settings.channels(), self.sub_len, self.warm_blocks);
        let seg = ((frames - frame) / sub).saturating_sub(warm) / LANES;
        if seg < 4 * warm {
            return 0;
        }
        let count = LANES * seg + warm;
        let mut total = vec![0.0; count];
        let mut sums = Vec::with_capacity(count);
        for (c, filter) in self.filters.iter_mut().enumerate() {
            let weight = self.settings.weights[c];
            if weight != 0.0 {
                sums.clear();
                filter.sub_block_sums_lanes(
                    &interleaved[frame * channels..],
                    c,
                    channels,
                    sub,
                    seg,
                    warm,
                    &mut sums,
                );
                for (t, s) in total.iter_mut().zip(&sums) {
                    *t += weight * s;
                }
            }
        }
        self.sub_blocks.extend(total.iter().map(|t| t / sub as f64));
        count * sub
    }

    /// Mean squares of every window of `n` consecutive sub-blocks, in order.
    fn windows(&self, n: usize) -> impl Iterator<Item = f64> + '_ {
        self.sub_blocks
            .windows(n)
            .map(move |w| w.iter().sum::<f64>() / n as f64)
    }

    /// Gated integrated loudness so far (of the sub-blocks kept, see
    /// [`Self::forget_older`]), LUFS.
    pub fn integrated_lufs(&self) -> f64 {
        gated_lufs(&self.sub_blocks)
    }

    /// Gated loudness (both gates of the integrated loudness) of the 400 ms blocks inside
    /// the last `sub_blocks` 100 ms sub-blocks, LUFS; −∞ if none passes.
    pub fn recent_lufs(&self, sub_blocks: usize) -> f64 {
        gated_lufs(&self.sub_blocks[self.sub_blocks.len().saturating_sub(sub_blocks)..])
    }

    /// Frames per channel in one 100 ms sub-block.
    pub fn sub_block_frames(&self) -> usize {
        self.sub_len
    }

    /// Keeps only the last `keep` completed sub-blocks (bounded memory for a meter that
    /// runs forever and only needs recent loudness). Amortised O(1): the history is cut
    /// when it has doubled.
    pub fn forget_older(&mut self, keep: usize) {
        if self.sub_blocks.len() > 2 * keep.max(1) {
            self.sub_blocks.drain(..self.sub_blocks.len() - keep);
        }
    }

    /// Short-term loudness every 100 ms (see [`LoudnessReport::short_term_lufs`]).
    pub fn short_term_series(&self) -> Vec<f64> {
        self.windows(30).map(loudness_of_mean_square).collect()
    }

    /// The largest momentary loudness so far, LUFS.
    pub fn momentary_max_lufs(&self) -> f64 {
        self.windows(4)
            .map(loudness_of_mean_square)
            .fold(f64::NEG_INFINITY, f64::max)
    }

    /// True peak so far, dBTP (max over channels).
    pub fn true_peak_dbtp(&self) -> f64 {
        if !self.measure_true_peak {
            return f64::NEG_INFINITY;
        }
        20.0 * self
            .peaks
            .iter()
            .map(TruePeak::peak)
            .fold(0.0, f64::max)
            .log10()
    }

    /// Everything measured so far.
    pub fn report(&self) -> LoudnessReport {
        let integrated_lufs = self.integrated_lufs();
        let short_term_lufs = self.short_term_series();
        let true_peak_dbtp = self.true_peak_dbtp();
        LoudnessReport {
            integrated_lufs,
            short_term_max_lufs: short_term_lufs
                .iter()
                .copied()
                .fold(f64::NEG_INFINITY, f64::max),
            short_term_lufs,
            momentary_max_lufs: self.momentary_max_lufs(),
            true_peak_dbtp,
            sample_peak_dbfs: 20.0
                * self
                    .peaks
                    .iter()
                    .map(TruePeak::sample_peak)
                    .fold(0.0, f64::max)
                    .log10(),
            normalization_gain_db: self
                .settings
                .target
                .as_ref()
                .and_then(|t| normalization_gain_db(integrated_lufs, true_peak_dbtp, t)),
        }
    }
}

/// BS.1770 gating over the 400 ms blocks (4 sub-blocks, hop 1) of `sub_blocks` (mean
/// squares): blocks at or below −70 LKFS are dropped, then those more than 10 LU below
/// the rest's loudness; the loudness of the mean of what is left, or −∞.
fn gated_lufs(sub_blocks: &[f64]) -> f64 {
    let blocks: Vec<f64> = sub_blocks
        .windows(4)
        .map(|w| w.iter().sum::<f64>() / 4.0)
        .filter(|&z| loudness_of_mean_square(z) > ABSOLUTE_GATE_LKFS)
        .collect();
    if blocks.is_empty() {
        return f64::NEG_INFINITY;
    }
    let relative_gate = loudness_of_mean_square(blocks.iter().sum::<f64>() / blocks.len() as f64)
        + RELATIVE_GATE_LU;
    let (sum, count) = blocks
        .iter()
        .filter(|&&z| loudness_of_mean_square(z) > relative_gate)
        .fold((0.0, 0usize), |(s, n), z| (s + z, n + 1));
    if count == 0 {
        f64::NEG_INFINITY
    } else {
        loudness_of_mean_square(sum / count as f64)
    }
}

/// Measures a whole programme (interleaved per `settings`).
pub fn measure_loudness(
    interleaved: &[f32],
    settings: &LoudnessSettings,
) -> Result<LoudnessReport, AnalysisError> {
    let mut meter = LoudnessMeter::new(settings.clone());
    meter.push(interleaved)?;
    Ok(meter.report())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_parallel_filter_equals_one_sequential_pass() {
        // 20 s stereo: a decaying 50 Hz tone (exercises the high-pass's slow pole) plus
        // pseudo-random noise; one push takes the lane path, 100 ms pushes the sequential one.
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let x: Vec<f32> = (0..48_000 * 20 * 2)
            .map(|i| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let t = (i / 2) as f64 / 48_000.0;
                let noise = (seed >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
                (0.5 * (-t / 8.0).exp() * (2.0 * std::f64::consts::PI * 50.0 * t).sin()
                    + 0.2 * noise) as f32
            })
            .collect();
        let settings = LoudnessConfig {
            channels: 2.0,
            ..LoudnessConfig::default()
        }
        .validate()
        .unwrap();
        let mut lanes = LoudnessMeter::with_true_peak(settings.clone(), false);
        assert!((10_000..14_000).contains(&lanes.filters[0].settling_samples()));
        lanes.push(&x).unwrap();
        let mut sequential = LoudnessMeter::with_true_peak(settings, false);
        for block in x.chunks(9600) {
            sequential.push(block).unwrap();
        }
        assert_eq!(lanes.sub_blocks.len(), 200);
        for (i, (a, b)) in lanes
            .sub_blocks
            .iter()
            .zip(&sequential.sub_blocks)
            .enumerate()
        {
            assert!((a - b).abs() <= 1e-12 * b, "sub-block {i}: {a} vs {b}");
        }
        for (a, b) in lanes.filters.iter().zip(&sequential.filters) {
            for (p, q) in a.w.iter().zip(&b.w) {
                assert!((p - q).abs() <= 1e-12, "end state {p} vs {q}");
            }
        }
    }

    #[test]
    fn coefficients_at_48k_are_the_bs1770_table() {
        let (shelf, hp) = k_weighting_coefficients(48_000.0);
        let table_shelf = [
            1.535_124_859_586_97,
            -2.691_696_189_406_38,
            1.198_392_810_852_85,
            -1.690_659_293_182_41,
            0.732_480_774_215_85,
        ];
        let table_hp = [1.0, -2.0, 1.0, -1.990_047_454_833_98, 0.990_072_250_366_21];
        for (a, b) in shelf
            .iter()
            .zip(&table_shelf)
            .chain(hp.iter().zip(&table_hp))
        {
            assert!((a - b).abs() < 1e-9, "{a} vs {b}");
        }
    }
}
