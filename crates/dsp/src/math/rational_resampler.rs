//! Streaming rational sample-rate conversion by L/M with a polyphase FIR.
//!
//! The input is conceptually upsampled by `L` (zero stuffing), low-pass filtered by a
//! Kaiser-windowed sinc prototype `h` designed at `L·fs_in`, and downsampled by `M`:
//!
//! `y[n] = L · Σ_{k<K} h[φ + k·L] · x[⌊nM/L⌋ − k]`, `φ = nM mod L`,
//!
//! so each output costs `K` multiply-adds (`K` taps per phase). The prototype passes
//! `0..pass_hz` and stops from `stop_hz` (≤ the lower Nyquist frequency) with
//! `attenuation_db`; its Kaiser length follows Kaiser's formula. `L = M = 1` is a plain
//! copy. Works on blocks of any length with no allocation: the state is the last `K − 1`
//! inputs and the position in the phase cycle, so any split of the input gives the same
//! output samples. Delay: `(K·L − 1)/2` samples at `L·fs_in`, i.e. about `K/2` input
//! samples.

/// Greatest common divisor.
pub(crate) fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// Largest numerator of the reduced ratio 16000 / sample rate accepted by the analysers
/// that resample to 16 kHz (the resampler's phases).
pub(crate) const MAX_PHASES_TO_16K: u64 = 640;

/// Checks a sample rate for conversion to 16 kHz: within `range` and a whole number of
/// Hz whose ratio to 16000 reduces to a numerator of at most [`MAX_PHASES_TO_16K`].
pub(crate) fn check_rate_to_16k(
    range: &crate::Range,
    rate: f64,
) -> Result<u32, crate::ConfigError> {
    range.check(rate)?;
    let phases = 16_000 / gcd(rate as u64, 16_000);
    if rate.fract() != 0.0 || phases > MAX_PHASES_TO_16K {
        return Err(crate::ConfigError::new(
            range.name,
            format!(
                "{} = {rate} is not supported: a whole number of Hz whose ratio to 16000 reduces \
                 to at most {MAX_PHASES_TO_16K}/n is needed (e.g. 16000, 22050, 24000, 32000, 44100, 48000, 96000)",
                range.name
            ),
        ));
    }
    Ok(rate as u32)
}

/// Inputs copied into the work buffer at a time.
const CHUNK: usize = 1024;

/// A streaming L/M resampler.
#[derive(Debug, Clone)]
pub struct RationalResampler {
    up: usize,
    down: usize,
    taps: usize,
    /// `L·h[φ + k·L]` for phase `φ`, stored phase after phase with `k` reversed, so that
    /// phase `φ` dotted with the inputs oldest-first gives the output.
    coefficients: Vec<f32>,
    /// The last `taps − 1` inputs, then up to `CHUNK` new ones.
    buffer: Vec<f32>,
    /// Valid samples in `buffer`.
    len: usize,
    /// Index in `buffer` of the newest input of the next output.
    next: usize,
    /// Phase of the next output (`nM mod L`).
    phase: usize,
}

impl RationalResampler {
    /// Converts `from_hz` to `to_hz` (both positive integers with `to_hz/from_hz = L/M`
    /// in lowest terms, `L ≤ 1024`). `pass_hz` < `stop_hz` ≤ half the lower rate.
    pub fn new(from_hz: u32, to_hz: u32, pass_hz: f64, stop_hz: f64, attenuation_db: f64) -> Self {
        let g = gcd(u64::from(from_hz), u64::from(to_hz));
        let (up, down) = (
            (u64::from(to_hz) / g) as usize,
            (u64::from(from_hz) / g) as usize,
        );
        assert!(
            up <= 1024,
            "resampling {from_hz} Hz -> {to_hz} Hz needs {up} phases"
        );
        let (taps, coefficients) = if up == 1 && down == 1 {
            (1, vec![1.0]) // a copy: `process` passes the input through
        } else {
            design(
                up,
                f64::from(from_hz) * up as f64,
                pass_hz,
                stop_hz,
                attenuation_db,
            )
        };
        let mut resampler = Self {
            up,
            down,
            taps,
            coefficients,
            buffer: vec![0.0; taps - 1 + CHUNK],
            len: 0,
            next: 0,
            phase: 0,
        };
        resampler.reset();
        resampler
    }

    /// Taps per output sample.
    pub fn taps(&self) -> usize {
        self.taps
    }

    /// Back to silence at the start of the phase cycle.
    pub fn reset(&mut self) {
        self.buffer.fill(0.0);
        self.len = self.taps - 1;
        self.next = self.taps - 1;
        self.phase = 0;
    }

    /// Feeds `input`; calls `emit` with every output sample that becomes available.
    #[inline]
    pub fn process(&mut self, input: &[f32], mut emit: impl FnMut(f32)) {
        let (taps, up, down) = (self.taps, self.up, self.down);
        if up == 1 && down == 1 {
            input.iter().for_each(|&x| emit(x));
            return;
        }
        for chunk in input.chunks(CHUNK) {
            self.buffer[self.len..self.len + chunk.len()].copy_from_slice(chunk);
            self.len += chunk.len();
            while self.next < self.len {
                let window = &self.buffer[self.next + 1 - taps..=self.next];
                let coefficients = &self.coefficients[self.phase * taps..(self.phase + 1) * taps];
                emit(dot(window, coefficients));
                // Next output: nM advances by M; whole input steps move `next`.
                let advance = self.phase + down;
                self.phase = advance % up;
                self.next += advance / up;
            }
            let keep = taps - 1;
            let drop = self.len - keep;
            self.buffer.copy_within(drop..self.len, 0);
            self.len = keep;
            self.next -= drop;
        }
    }
}

/// The polyphase coefficients (see [`RationalResampler::coefficients`]) and taps per
/// phase of a Kaiser-windowed sinc at `rate` = `L·fs_in`.
fn design(
    up: usize,
    rate: f64,
    pass_hz: f64,
    stop_hz: f64,
    attenuation_db: f64,
) -> (usize, Vec<f32>) {
    // Kaiser's design formulas (β and length for the given ripple and transition).
    let a = attenuation_db;
    let beta = if a > 50.0 {
        0.1102 * (a - 8.7)
    } else if a >= 21.0 {
        0.5842 * (a - 21.0).powf(0.4) + 0.07886 * (a - 21.0)
    } else {
        0.0
    };
    let transition = std::f64::consts::TAU * (stop_hz - pass_hz) / rate;
    let length = ((a - 8.0) / (2.285 * transition)).ceil() as usize + 1;
    // Whole blocks of 16 taps per phase (the dot product's width); the padding is zeros
    // at the oldest end.
    let taps = length.div_ceil(up);
    let length = taps * up;
    let padded = taps.div_ceil(16) * 16;
    let cutoff = 0.5 * (pass_hz + stop_hz) / rate; // cycles per sample at L·fs_in
    let centre = (length - 1) as f64 / 2.0;
    let i0_beta = bessel_i0(beta);
    let prototype: Vec<f64> = (0..length)
        .map(|i| {
            let t = i as f64 - centre;
            let sinc = if t == 0.0 {
                2.0 * cutoff
            } else {
                (std::f64::consts::TAU * cutoff * t).sin() / (std::f64::consts::PI * t)
            };
            let r = t / centre;
            sinc * bessel_i0(beta * (1.0 - r * r).max(0.0).sqrt()) / i0_beta
        })
        .collect();
    // Scaled to sum to L: every phase then sums to about 1 (unit gain at DC).
    let sum: f64 = prototype.iter().sum();
    let mut coefficients = vec![0.0f32; padded * up];
    for phase in 0..up {
        for k in 0..taps {
            coefficients[phase * padded + (padded - 1 - k)] =
                (prototype[phase + k * up] / sum * up as f64) as f32;
        }
    }
    (padded, coefficients)
}

/// Dot product of slices whose length is a multiple of 16, in sixteen interleaved
/// partial sums (a fixed order: the same bits everywhere; four independent vector
/// accumulators keep the additions from waiting on each other).
#[inline]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; 16];
    for (x, y) in a.chunks_exact(16).zip(b.chunks_exact(16)) {
        for i in 0..16 {
            acc[i] += x[i] * y[i];
        }
    }
    // The fence keeps the reduction's pairing from reshaping the loop's lanes (LLVM
    // otherwise shuffles the accumulators on every iteration).
    let acc = std::hint::black_box(acc);
    let s: [f32; 4] = std::array::from_fn(|i| (acc[i] + acc[4 + i]) + (acc[8 + i] + acc[12 + i]));
    (s[0] + s[1]) + (s[2] + s[3])
}

/// The modified Bessel function of the first kind, order 0 (power series).
fn bessel_i0(x: f64) -> f64 {
    let (mut sum, mut term, mut k) = (1.0, 1.0, 1.0);
    while term > 1e-12 * sum {
        term *= (x / (2.0 * k)) * (x / (2.0 * k));
        sum += term;
        k += 1.0;
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::RationalResampler;

    fn run(from: u32, to: u32, input: &[f32]) -> Vec<f32> {
        let mut r = RationalResampler::new(from, to, 6000.0, 8000.0, 50.0);
        let mut out = Vec::new();
        r.process(input, |y| out.push(y));
        out
    }

    #[test]
    fn output_length_follows_the_ratio() {
        let input = vec![0.0f32; 48_000];
        assert_eq!(run(48_000, 16_000, &input).len(), 16_000);
        assert_eq!(run(44_100, 16_000, &input[..44_100]).len(), 16_000);
        assert_eq!(run(16_000, 16_000, &input[..100]).len(), 100);
        assert_eq!(run(22_050, 16_000, &input[..22_050]).len(), 16_000);
    }

    #[test]
    fn a_passband_sine_keeps_its_level_and_a_stopband_sine_is_removed() {
        for from in [48_000u32, 44_100, 32_000, 24_000] {
            let tone = |f: f64| -> Vec<f32> {
                (0..from as usize)
                    .map(|i| (std::f64::consts::TAU * f * i as f64 / f64::from(from)).sin() as f32)
                    .collect()
            };
            let rms = |v: &[f32]| {
                (v[4000..].iter().map(|x| x * x).sum::<f32>() / (v.len() - 4000) as f32).sqrt()
            };
            let pass = rms(&run(from, 16_000, &tone(1000.0)));
            assert!(
                (pass - std::f32::consts::FRAC_1_SQRT_2).abs() < 0.01,
                "{from}: {pass}"
            );
            if from > 20_000 {
                let stop = rms(&run(from, 16_000, &tone(9500.0)));
                assert!(stop < 0.005, "{from}: alias {stop}");
            }
        }
    }

    #[test]
    fn any_block_split_gives_the_same_output() {
        let input: Vec<f32> = (0..10_000)
            .map(|i| ((i * 7919) % 1000) as f32 / 500.0 - 1.0)
            .collect();
        let whole = run(44_100, 16_000, &input);
        let mut r = RationalResampler::new(44_100, 16_000, 6000.0, 8000.0, 50.0);
        let mut split = Vec::new();
        let mut start = 0;
        for size in [1usize, 7, 441, 1000, 3].iter().cycle() {
            if start >= input.len() {
                break;
            }
            let end = (start + size).min(input.len());
            r.process(&input[start..end], |y| split.push(y));
            start = end;
        }
        assert_eq!(whole, split);
    }
}
