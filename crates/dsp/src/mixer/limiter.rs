//! Brickwall lookahead limiter.
//!
//! The input is delayed by the lookahead L samples (the limiter's whole latency, exactly
//! L). For every incoming sample the gain it needs is `min(1, ceiling/|x|)`; a sliding
//! minimum over the next L + 1 needs, a one-pole release (`releaseMs`, 63.2 % convention)
//! that only ever lowers it, and a boxcar average over L + 1 samples give the applied gain.
//! Every value the average covers is at most the need of the sample being output, so the
//! output never exceeds the ceiling; the average makes the gain fall as a straight-line
//! ramp across the lookahead instead of a step. A final clamp to ±ceiling catches
//! rounding at the last ulp. Below the ceiling the output is the input delayed by L,
//! bit for bit.

use serde::{Deserialize, Serialize};

use crate::error::ConfigError;
use crate::math::fastmath;
use crate::math::sliding_min::SlidingMin;
use crate::mixer::link::{self, Channels};
use crate::range::Range;
use crate::units::{ms_to_samples, one_pole};

/// Limiter parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct LimiterConfig {
    /// Pass the (delayed) input through unlimited. The delay stays, so toggling bypass
    /// never shifts the signal in time.
    pub bypass: bool,
    /// Ceiling: no output sample exceeds this level, dBFS. −24 to 0. Default −1.
    pub ceiling_db: f64,
    /// Lookahead, ms; also the latency. 0 to 20. Default 5.
    pub lookahead_ms: f64,
    /// Release time constant, ms. 1 to 5000. Default 60.
    pub release_ms: f64,
}

impl Default for LimiterConfig {
    fn default() -> Self {
        Self {
            bypass: false,
            ceiling_db: -1.0,
            lookahead_ms: 5.0,
            release_ms: 60.0,
        }
    }
}

impl LimiterConfig {
    pub const CEILING_DB: Range = Range::new("limiter.ceilingDb", -24.0, 0.0, "dBFS");
    pub const LOOKAHEAD_MS: Range = Range::new("limiter.lookaheadMs", 0.0, 20.0, "ms");
    pub const RELEASE_MS: Range = Range::new("limiter.releaseMs", 1.0, 5000.0, "ms");

    pub fn validate(&self) -> Result<(), ConfigError> {
        Self::CEILING_DB.check(self.ceiling_db)?;
        Self::LOOKAHEAD_MS.check(self.lookahead_ms)?;
        Self::RELEASE_MS.check(self.release_ms)
    }

    /// The lookahead in whole samples (frames) at `sample_rate`: the limiter's latency.
    pub fn lookahead_samples(&self, sample_rate: f64) -> usize {
        ms_to_samples(self.lookahead_ms, sample_rate)
    }
}

/// Frames per processing chunk (a stack buffer; any block length works).
const CHUNK: usize = 64;

/// Fixed-point scale of the ramp (2^32 per unit gain). Integer sums are exact, so the
/// running sum never drifts and unity gain comes back exactly.
const RAMP_ONE: f64 = 4_294_967_296.0;

/// Limiter state.
#[derive(Debug, Clone)]
pub struct Limiter {
    channels: Channels,
    bypass: bool,
    ceiling: f32,
    release: f64,
    /// Window length L + 1.
    window: usize,
    /// 1 / (window · RAMP_ONE): turns the ramp sum into the average gain.
    average_scale: f64,
    /// Input delay line of L frames (interleaved); `delay_pos` holds the oldest sample
    /// (output next).
    delay: Vec<f32>,
    delay_pos: usize,
    /// Released gains of the last `window` samples in fixed point, and their sum.
    ramp: Vec<i64>,
    ramp_sum: i64,
    ramp_pos: usize,
    /// Minimum need over the window.
    minima: SlidingMin,
    released: f64,
}

impl Limiter {
    /// A mono limiter.
    pub fn new(config: &LimiterConfig, sample_rate: f64) -> Self {
        Self::with_channels(config, sample_rate, Channels::Mono)
    }

    /// A limiter for interleaved blocks of `channels`, linked.
    pub fn with_channels(config: &LimiterConfig, sample_rate: f64, channels: Channels) -> Self {
        let mut limiter = Self {
            channels,
            bypass: config.bypass,
            ceiling: 1.0,
            release: 0.0,
            window: 0,
            average_scale: 0.0,
            delay: Vec::new(),
            delay_pos: 0,
            ramp: Vec::new(),
            ramp_sum: 0,
            ramp_pos: 0,
            minima: SlidingMin::new(1),
            released: 1.0,
        };
        limiter.set_config(config, sample_rate);
        limiter
    }

    /// Latency in samples per channel (= the lookahead).
    pub fn latency(&self) -> usize {
        self.window - 1
    }

    /// Applies new parameters. A new lookahead resizes the delay line and resets the
    /// state; other parameters keep it.
    pub fn set_config(&mut self, config: &LimiterConfig, sample_rate: f64) {
        self.bypass = config.bypass;
        self.ceiling = 10f64.powf(config.ceiling_db / 20.0) as f32;
        self.release = one_pole(config.release_ms, sample_rate);
        let window = config.lookahead_samples(sample_rate) + 1;
        if window != self.window {
            self.window = window;
            self.average_scale = 1.0 / (window as f64 * RAMP_ONE);
            self.minima = SlidingMin::new(window);
            self.reset();
        }
    }

    pub fn reset(&mut self) {
        self.delay = vec![0.0; (self.window - 1) * self.channels.count()];
        self.delay_pos = 0;
        self.ramp = vec![RAMP_ONE as i64; self.window];
        self.ramp_sum = RAMP_ONE as i64 * self.window as i64;
        self.ramp_pos = 0;
        self.minima.clear();
        self.released = 1.0;
    }

    /// Limits `block` (whole interleaved frames) in place; returns the smallest gain
    /// applied (linear).
    ///
    /// Works in chunks of [`CHUNK`] frames: the per-frame needs and the final gain
    /// stage vectorise; only the envelope runs sample by sample. The arithmetic per
    /// sample is the same whatever the block boundaries (and with or without AVX2).
    pub fn process(&mut self, block: &mut [f32]) -> f32 {
        match self.channels {
            Channels::Mono => limit_mono(self, block),
            Channels::Stereo => limit_stereo(self, block),
        }
    }

    #[inline(always)]
    fn process_body<const C: usize>(&mut self, block: &mut [f32]) -> f32 {
        let mut min_gain = 1.0f32;
        let mut scratch = [0.0f32; CHUNK];
        for chunk in block.chunks_mut(CHUNK * C) {
            let gains = &mut scratch[..chunk.len() / C];
            // ceiling / max(|x|, ceiling) is exactly 1.0 at or below the ceiling.
            for (g, frame) in gains.iter_mut().zip(chunk.chunks_exact(C)) {
                *g = self.ceiling / fastmath::max(link::level::<C>(frame), self.ceiling);
            }
            // The gain is tracked while bypassed too, so enabling the stage mid-stream
            // starts from a settled state. Idle (no need in the window or the chunk, fully
            // released) the envelope stays at exactly 1 and is advanced in one step.
            let all_clear = gains.iter().fold(true, |clear, &g| clear & (g == 1.0));
            if all_clear && self.is_idle() {
                self.minima.push_repeated(gains.len());
                self.ramp_pos = (self.ramp_pos + gains.len()) % self.window;
            } else {
                self.envelope(gains);
            }
            self.delay_line(chunk);
            if !self.bypass {
                let c = self.ceiling;
                for (frame, &g) in chunk.chunks_exact_mut(C).zip(gains.iter()) {
                    for x in frame {
                        *x = fastmath::clamp(*x * g, -c, c);
                    }
                }
                min_gain = gains
                    .iter()
                    .fold(min_gain, |m, &g| if g < m { g } else { m });
            }
        }
        min_gain
    }

    /// No limiting anywhere in the window and the release complete: every ramp entry is
    /// exactly one (each is at most one, and their sum says all are).
    fn is_idle(&self) -> bool {
        self.released == 1.0
            && self.minima.minimum() == 1.0
            && self.ramp_sum == RAMP_ONE as i64 * self.window as i64
    }

    /// Swaps `chunk` through the delay line: each sample goes in, the one of its channel
    /// from L frames earlier comes out.
    #[inline(always)]
    fn delay_line(&mut self, mut chunk: &mut [f32]) {
        let len = self.delay.len();
        if len == 0 {
            return;
        }
        while !chunk.is_empty() {
            let n = chunk.len().min(len - self.delay_pos);
            let (head, rest) = chunk.split_at_mut(n);
            head.swap_with_slice(&mut self.delay[self.delay_pos..self.delay_pos + n]);
            self.delay_pos = (self.delay_pos + n) % len;
            chunk = rest;
        }
    }

    /// Replaces each need in `gains` by the gain for the sample leaving the delay line
    /// at that moment. The scalar state lives in locals for the loop (the compiler
    /// cannot keep fields in registers across the deque's writes).
    #[inline(always)]
    fn envelope(&mut self, gains: &mut [f32]) {
        let (window, release, scale) = (self.window, self.release, self.average_scale);
        let mut released = self.released;
        let (mut sum, mut pos) = (self.ramp_sum, self.ramp_pos);
        let ramp = &mut self.ramp[..window];
        for g in gains.iter_mut() {
            let minimum = f64::from(self.minima.push(*g));
            released = if minimum <= released {
                minimum
            } else {
                let next = minimum + (released - minimum) * release;
                if minimum - next < 1e-9 {
                    minimum
                } else {
                    next
                }
            };
            // Truncation rounds down, so the average stays at or below every need it covers.
            let entering = (released * RAMP_ONE) as i64;
            sum += entering - std::mem::replace(&mut ramp[pos], entering);
            pos += 1;
            if pos == window {
                pos = 0;
            }
            *g = fastmath::min((sum as f64 * scale) as f32, 1.0);
        }
        (self.released, self.ramp_sum, self.ramp_pos) = (released, sum, pos);
    }
}

crate::math::simd::with_avx2! {
    /// [`Limiter::process_body`] on mono blocks, with AVX2 where the CPU has it.
    fn limit_mono(limiter: &mut Limiter, block: &mut [f32]) -> f32 = Limiter::process_body::<1>;
}

crate::math::simd::with_avx2! {
    /// [`Limiter::process_body`] on interleaved stereo blocks, with AVX2 where the CPU has it.
    fn limit_stereo(limiter: &mut Limiter, block: &mut [f32]) -> f32 = Limiter::process_body::<2>;
}
