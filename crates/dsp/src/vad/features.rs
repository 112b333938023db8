//! The feature vector of the voice activity detector ([`crate::Vad`]), one per 20 ms hop
//! of 16 kHz audio.
//!
//! Every hop analyses the last 32 ms ([`WINDOW`] = 512 samples at 16 kHz) under a
//! periodic Hann window, zero-padded to a 1024-point FFT (bins 15.625 Hz apart), and
//! keeps state across hops (noise floors, pitch track, modulation filter, context).
//!
//! | index | feature | unit, scaling |
//! | --- | --- | --- |
//! | 0..18 | band SNR: band level minus its noise floor, 18 mel-spaced bands 100–6000 Hz | dB / 20, clamped to [0, 2.5] |
//! | 18 | mean band SNR over the speech bands (bands inside 200–4000 Hz) | dB / 20 |
//! | 19 | broadband SNR: total level of the 18 bands minus the total of their floors | dB / 20, clamped to [0, 2.5] |
//! | 20 | harmonicity: peak normalised autocorrelation of the 0–2 kHz band for periods 2.5–14.3 ms (70–400 Hz) | 0..1 |
//! | 21 | harmonicity of the floor-subtracted spectrum (spectral subtraction, factor 2) | 0..1 |
//! | 22 | spectral flatness 300–4000 Hz: mean log2 power minus log2 mean power | bits / 8 (≤ 0) |
//! | 23 | pitch change: \|log2(period / previous period)\| / 0.25 when both hops are voiced (harmonicity ≥ 0.5), else 1 | 0..1 |
//! | 24 | spectral flux: mean over bands of the level increase since the previous hop | dB / 10 |
//! | 25 | syllable-rate modulation: RMS of feature 18 band-passed at 4 Hz (Q 0.7), smoothed over 300 ms | dB / 10 |
//! | 26..31 | feature 18 at 20, 60, 100, 200, 400 ms ago | dB / 20 |
//! | 31..36 | features 20, 21, 23, 24, 22 smoothed by a one-pole filter with a 100 ms time constant | as above |
//! | 36, 37 | features 18 and 20 smoothed with a 1 s time constant | as above |
//! | 38 | standard deviation of feature 20 (harmonicity) over the last ≈ 0.5 s (one-pole mean and mean square, 500 ms): speech alternates voiced and unvoiced sounds, a melody stays voiced, drums and noise stay unvoiced | 0..0.5 |
//! | 39 | standard deviation of feature 18 (speech-band SNR) over the last ≈ 0.5 s, as 38 | dB / 20 |
//! | 40 | standard deviation of feature 22 (flatness) over the last ≈ 0.5 s, as 38 | bits / 8 |
//! | 41 | feature 24 (flux) smoothed with a 500 ms time constant | dB / 10 |
//! | 42 | rhythm: peak normalised autocorrelation of feature 24 (flux, minus its 1 s mean) at lags of 12–50 hops (0.24–1 s: beats of 60–250 per minute), each product smoothed with a 2 s time constant: drums and music repeat, speech does not | 0..1 |
//! | 43 | length of the current voiced run (hops with harmonicity ≥ 0.5 in a row) | s, clamped to [0, 1.5] |
//!
//! Noise floor of a band: its level smoothed with a 30 ms time constant, then the
//! minimum over the last 1.5 s (minimum statistics, without bias correction: the model
//! learns the offset). Levels carry a floor of about −110 dBFS, so digital silence reads
//! as 0 dB SNR everywhere.
//!
//! All arithmetic is plain `f32` (the logarithm is the crate's `fastmath::log2`), in a
//! fixed order: the features have the same bits natively and in WebAssembly.

use crate::math::fastmath::log2;
use crate::math::radix2_fft::RealFft;
use crate::math::sliding_min::SlidingMin;

/// Sample rate of the analysis, Hz.
pub const ANALYSIS_RATE_HZ: u32 = 16_000;
/// Hop, ms.
pub const HOP_MS: usize = 20;
/// Samples per hop at 16 kHz (20 ms).
pub const HOP: usize = 320;
/// Analysis window at 16 kHz (32 ms).
pub const WINDOW: usize = 512;
/// Length of the feature vector.
pub const FEATURES: usize = 44;
/// Bands of the band-SNR features.
pub const BANDS: usize = 18;

const FFT: usize = 1024;
const BINS: usize = FFT / 2 + 1;
/// Autocorrelation: the 0–2 kHz part of the spectrum as a 256-point spectrum at 4 kHz
/// (the autocorrelation of the 2 kHz low-passed window, which spans ±128 lags at 4 kHz,
/// so the 256-point period does not wrap it).
const ACF: usize = 256;
/// Lags at 4 kHz: 400 Hz … 70 Hz.
const MIN_LAG: usize = 10;
const MAX_LAG: usize = 57;
/// 16 kHz samples per 4 kHz lag.
const LAG_STEP: usize = 4;
/// Per-bin power floor (a white noise at about −110 dBFS), keeps logarithms finite.
const POWER_FLOOR: f32 = 2e-9;
const DB_PER_LOG2: f32 = 3.010_3; // 10·log10(2)
const FLOOR_WINDOW_HOPS: usize = 1500 / HOP_MS;
const SUBTRACTION: f32 = 2.0;
const VOICED: f32 = 0.5;
const LAGS: [usize; 5] = [1, 3, 5, 10, 20];
const HISTORY: usize = 32; // ≥ the longest lag + 1, a power of two
/// Rhythm lags, hops (0.24–1 s) and the length of the flux history they need.
const RHYTHM_MIN_LAG: usize = 12;
const RHYTHM_LAGS: usize = 39; // 12..=50
const FLUX_HISTORY: usize = 64; // > the longest rhythm lag, a power of two
/// Longest voiced run reported, hops (1.5 s).
const MAX_VOICED_RUN: u32 = 75;

/// One-pole smoother coefficient for a time constant of `ms`, once per hop.
fn hop_pole(ms: f64) -> f32 {
    (-(HOP_MS as f64) / ms).exp() as f32
}

/// The VAD's per-hop feature extractor on 16 kHz audio.
#[derive(Debug, Clone)]
pub struct VadFeatures {
    window: Vec<f32>,
    /// The last `WINDOW` samples, oldest first.
    recent: Vec<f32>,
    fft: RealFft,
    fft_in: Vec<f32>,
    spectrum_re: Vec<f32>,
    spectrum_im: Vec<f32>,
    power: Vec<f32>,
    acf_fft: RealFft,
    acf_in: Vec<f32>,
    acf_out: Vec<f32>,
    acf_im: Vec<f32>,
    /// One-pole coefficients: 30 ms (band levels), 300 ms (modulation), 100 ms, 1 s,
    /// 500 ms (spreads, flux), 2 s (rhythm).
    poles: [f32; 6],
    /// Linear per-bin power of each band's floor (10^(floor/10)).
    floor_power: [f32; BANDS],
    /// `r_w(0) / r_w(4τ)`: undoes the window's own autocorrelation taper at lag τ (4 kHz).
    lag_correction: Vec<f32>,
    /// Band `b` covers bins `edges[b]..edges[b + 1]`.
    edges: [usize; BANDS + 1],
    speech_bands: (usize, usize),
    smooth: [f32; BANDS],
    previous: [f32; BANDS],
    floor: [f32; BANDS],
    minimum: Vec<SlidingMin>,
    previous_period: f32,
    previous_voiced: bool,
    /// 4 Hz band-pass biquad (b0, b2 = −b0, a1, a2) and its state.
    modulation: (f32, f32, f32),
    modulation_state: (f32, f32),
    modulation_power: f32,
    history: [f32; HISTORY],
    hops: u64,
    short: [f32; 5],
    long: [f32; 2],
    /// One-pole (500 ms) means and mean squares of harmonicity, speech-band SNR,
    /// flatness; then the smoothed flux.
    moments: [(f32, f32); 3],
    flux_mean: f32,
    /// Flux minus its 1 s mean, the last `FLUX_HISTORY` hops (ring), and the smoothed
    /// lagged products: `rhythm[0]` at lag 0, `rhythm[k]` at lag `RHYTHM_MIN_LAG + k − 1`.
    flux_history: [f32; FLUX_HISTORY],
    flux_slow: f32,
    rhythm: [f32; 1 + RHYTHM_LAGS],
    voiced_run: u32,
    started: bool,
    mean_square: f32,
    features: [f32; FEATURES],
}

impl Default for VadFeatures {
    fn default() -> Self {
        Self::new()
    }
}

impl VadFeatures {
    pub fn new() -> Self {
        let window: Vec<f32> = (0..WINDOW)
            .map(|i| (0.5 - 0.5 * (std::f64::consts::TAU * i as f64 / WINDOW as f64).cos()) as f32)
            .collect();
        let window_acf = |lag: usize| -> f64 {
            (0..WINDOW - lag)
                .map(|i| f64::from(window[i]) * f64::from(window[i + lag]))
                .sum()
        };
        let r0 = window_acf(0);
        let lag_correction = (0..=MAX_LAG + 1)
            .map(|tau| (r0 / window_acf(LAG_STEP * tau)) as f32)
            .collect();
        // Mel-spaced band edges, 100–6000 Hz, on the 15.625 Hz bin grid.
        let mel = |hz: f64| 2595.0 * (1.0 + hz / 700.0).log10();
        let hz = |m: f64| 700.0 * (10f64.powf(m / 2595.0) - 1.0);
        let (lo, hi) = (mel(100.0), mel(6000.0));
        let bin_hz = f64::from(ANALYSIS_RATE_HZ) / FFT as f64;
        let mut edges = [0usize; BANDS + 1];
        for (b, edge) in edges.iter_mut().enumerate() {
            *edge = (hz(lo + (hi - lo) * b as f64 / BANDS as f64) / bin_hz).round() as usize;
        }
        let centre = |b: usize| 0.5 * (edges[b] + edges[b + 1]) as f64 * bin_hz;
        let first = (0..BANDS).find(|&b| centre(b) >= 200.0).unwrap_or(0);
        let last = (0..BANDS)
            .rev()
            .find(|&b| centre(b) <= 4000.0)
            .unwrap_or(BANDS - 1);
        // RBJ band-pass (constant 0 dB peak) at 4 Hz, Q 0.7, at the hop rate (50 Hz).
        let w0 = std::f64::consts::TAU * 4.0 * HOP_MS as f64 / 1000.0;
        let alpha = w0.sin() / (2.0 * 0.7);
        let a0 = 1.0 + alpha;
        let modulation = (
            (alpha / a0) as f32,
            (-2.0 * w0.cos() / a0) as f32,
            ((1.0 - alpha) / a0) as f32,
        );
        let mut features = Self {
            window,
            recent: vec![0.0; WINDOW],
            fft: RealFft::new(FFT),
            fft_in: vec![0.0; FFT],
            spectrum_re: vec![0.0; BINS],
            spectrum_im: vec![0.0; BINS],
            power: vec![0.0; BINS],
            acf_fft: RealFft::new(ACF),
            acf_in: vec![0.0; ACF],
            acf_out: vec![0.0; ACF / 2 + 1],
            acf_im: vec![0.0; ACF / 2 + 1],
            poles: [
                hop_pole(30.0),
                hop_pole(300.0),
                hop_pole(100.0),
                hop_pole(1000.0),
                hop_pole(500.0),
                hop_pole(2000.0),
            ],
            floor_power: [0.0; BANDS],
            lag_correction,
            edges,
            speech_bands: (first, last + 1),
            smooth: [0.0; BANDS],
            previous: [0.0; BANDS],
            floor: [0.0; BANDS],
            minimum: (0..BANDS)
                .map(|_| SlidingMin::new(FLOOR_WINDOW_HOPS))
                .collect(),
            previous_period: 0.0,
            previous_voiced: false,
            modulation,
            modulation_state: (0.0, 0.0),
            modulation_power: 0.0,
            history: [0.0; HISTORY],
            hops: 0,
            short: [0.0; 5],
            long: [0.0; 2],
            moments: [(0.0, 0.0); 3],
            flux_mean: 0.0,
            flux_history: [0.0; FLUX_HISTORY],
            flux_slow: 0.0,
            rhythm: [0.0; 1 + RHYTHM_LAGS],
            voiced_run: 0,
            started: false,
            mean_square: 0.0,
            features: [0.0; FEATURES],
        };
        features.reset();
        features
    }

    /// Back to the state of a new extractor.
    pub fn reset(&mut self) {
        self.recent.fill(0.0);
        self.minimum.iter_mut().for_each(SlidingMin::clear);
        self.smooth = [0.0; BANDS];
        self.previous = [0.0; BANDS];
        self.floor = [0.0; BANDS];
        self.previous_period = 0.0;
        self.previous_voiced = false;
        self.modulation_state = (0.0, 0.0);
        self.modulation_power = 0.0;
        self.history = [0.0; HISTORY];
        self.hops = 0;
        self.short = [0.0; 5];
        self.long = [0.0; 2];
        self.moments = [(0.0, 0.0); 3];
        self.flux_mean = 0.0;
        self.flux_history = [0.0; FLUX_HISTORY];
        self.flux_slow = 0.0;
        self.rhythm = [0.0; 1 + RHYTHM_LAGS];
        self.voiced_run = 0;
        self.started = false;
        self.mean_square = 0.0;
        self.floor_power = [0.0; BANDS];
        self.features = [0.0; FEATURES];
    }

    /// The features of the last hop.
    pub fn features(&self) -> &[f32; FEATURES] {
        &self.features
    }

    /// Mean square of the last hop's analysis window (the last 32 ms, unwindowed).
    pub fn window_mean_square(&self) -> f32 {
        self.mean_square
    }

    /// Takes the next hop of [`HOP`] samples at 16 kHz and computes its features.
    #[allow(clippy::needless_range_loop)] // the band index addresses nine parallel arrays
    pub fn process_hop(&mut self, hop: &[f32]) -> &[f32; FEATURES] {
        assert_eq!(hop.len(), HOP, "a hop is {HOP} samples at 16 kHz");
        self.recent.copy_within(HOP.., 0);
        self.recent[WINDOW - HOP..].copy_from_slice(hop);
        for ((out, x), w) in self.fft_in.iter_mut().zip(&self.recent).zip(&self.window) {
            *out = x * w;
        }
        self.fft
            .forward(&self.fft_in, &mut self.spectrum_re, &mut self.spectrum_im);
        for ((p, re), im) in self
            .power
            .iter_mut()
            .zip(&self.spectrum_re)
            .zip(&self.spectrum_im)
        {
            *p = re * re + im * im + POWER_FLOOR;
        }
        self.mean_square = self.recent.iter().map(|x| x * x).sum::<f32>() / WINDOW as f32;

        // Band levels (dB of the mean power per bin), floors, band SNRs.
        let mut level = [0.0f32; BANDS];
        let (mut total, mut total_floor, mut flux) = (0.0f32, 0.0f32, 0.0f32);
        let smooth_pole = self.poles[0];
        for b in 0..BANDS {
            let (lo, hi) = (self.edges[b], self.edges[b + 1]);
            let energy: f32 = self.power[lo..hi].iter().sum();
            let mean = energy / (hi - lo) as f32;
            level[b] = DB_PER_LOG2 * log2(mean);
            self.smooth[b] = if self.started {
                level[b] + (self.smooth[b] - level[b]) * smooth_pole
            } else {
                level[b]
            };
            self.floor[b] = self.minimum[b].push(self.smooth[b]);
            self.floor_power[b] = exp10_db(self.floor[b]);
            let floor_energy = self.floor_power[b] * (hi - lo) as f32;
            total += energy;
            total_floor += floor_energy;
            let snr = (level[b] - self.floor[b]).clamp(0.0, 50.0);
            self.features[b] = snr / 20.0;
            if self.started {
                flux += (level[b] - self.previous[b]).max(0.0);
            }
        }
        let (first, end) = self.speech_bands;
        let speech_snr = self.features[first..end].iter().sum::<f32>() / (end - first) as f32;
        self.features[18] = speech_snr;
        self.features[19] =
            (DB_PER_LOG2 * (log2(total) - log2(total_floor))).clamp(0.0, 50.0) / 20.0;

        // Harmonicity of the spectrum and of the floor-subtracted spectrum.
        let (harmonicity, period) = self.harmonicity(false);
        let (subtracted, _) = self.harmonicity(true);
        self.features[20] = harmonicity;
        self.features[21] = subtracted;

        // Flatness over 300–4000 Hz.
        let (lo, hi) = (20usize, 257usize); // 312.5 Hz … 4000 Hz
        let (mut log_sum, mut sum) = (0.0f32, 0.0f32);
        for &p in &self.power[lo..hi] {
            log_sum += log2(p);
            sum += p;
        }
        let n = (hi - lo) as f32;
        self.features[22] = (log_sum / n - log2(sum / n)) / 8.0;

        let voiced = harmonicity >= VOICED;
        self.features[23] = if voiced && self.previous_voiced {
            (log2(period / self.previous_period).abs() / 0.25).min(1.0)
        } else {
            1.0
        };
        (self.previous_period, self.previous_voiced) = (period, voiced);
        self.features[24] = flux / BANDS as f32 / 10.0;

        // Syllable-rate modulation of the speech-band SNR.
        let x = speech_snr * 20.0;
        let (b0, a1, a2) = self.modulation;
        let (z1, z2) = self.modulation_state;
        let y = b0 * x + z1;
        self.modulation_state = (z2 - a1 * y, -b0 * x - a2 * y);
        let pole = self.poles[1];
        self.modulation_power = y * y + (self.modulation_power - y * y) * pole;
        self.features[25] = self.modulation_power.sqrt() / 10.0;

        // Context: past speech-band SNRs, short and long averages.
        self.history[(self.hops as usize) % HISTORY] = speech_snr;
        for (i, lag) in LAGS.iter().enumerate() {
            self.features[26 + i] = if self.hops >= *lag as u64 {
                self.history[(self.hops as usize - lag) % HISTORY]
            } else {
                0.0
            };
        }
        let inputs = [
            self.features[20],
            self.features[21],
            self.features[23],
            self.features[24],
            self.features[22],
        ];
        let pole = self.poles[2];
        for (i, x) in inputs.into_iter().enumerate() {
            self.short[i] = if self.started {
                x + (self.short[i] - x) * pole
            } else {
                x
            };
            self.features[31 + i] = self.short[i];
        }
        let pole = self.poles[3];
        for (i, x) in [speech_snr, harmonicity].into_iter().enumerate() {
            self.long[i] = if self.started {
                x + (self.long[i] - x) * pole
            } else {
                x
            };
            self.features[36 + i] = self.long[i];
        }
        self.long_context(voiced);

        self.previous = level;
        self.started = true;
        self.hops += 1;
        &self.features
    }

    /// Features 38–43 (see the table): spreads over 0.5 s, smoothed flux, rhythm and the
    /// voiced run, from this hop's features 18, 20, 22 and 24.
    fn long_context(&mut self, voiced: bool) {
        let [.., long, half, pole] = self.poles;
        let inputs = [self.features[20], self.features[18], self.features[22]];
        for (i, x) in inputs.into_iter().enumerate() {
            let (m, q) = &mut self.moments[i];
            if self.started {
                *m = x + (*m - x) * half;
                *q = x * x + (*q - x * x) * half;
            } else {
                (*m, *q) = (x, x * x);
            }
            self.features[38 + i] = (*q - *m * *m).max(0.0).sqrt();
        }
        let flux = self.features[24];
        self.flux_mean = if self.started {
            flux + (self.flux_mean - flux) * half
        } else {
            flux
        };
        self.features[41] = self.flux_mean;

        // Rhythm: lagged products of the flux minus its slow mean.
        self.flux_slow = if self.started {
            flux + (self.flux_slow - flux) * long
        } else {
            flux
        };
        let x = flux - self.flux_slow;
        let now = self.hops as usize;
        self.flux_history[now % FLUX_HISTORY] = x;
        self.rhythm[0] = x * x + (self.rhythm[0] - x * x) * pole;
        let mut best = 0.0f32;
        for k in 0..RHYTHM_LAGS {
            let lag = RHYTHM_MIN_LAG + k;
            let past = if now >= lag {
                self.flux_history[(now - lag) % FLUX_HISTORY]
            } else {
                0.0
            };
            let r = &mut self.rhythm[k + 1];
            *r = x * past + (*r - x * past) * pole;
            best = best.max(*r);
        }
        self.features[42] = if self.rhythm[0] > 1e-6 {
            (best / self.rhythm[0]).min(1.0)
        } else {
            0.0
        };

        self.voiced_run = if voiced {
            (self.voiced_run + 1).min(MAX_VOICED_RUN)
        } else {
            0
        };
        self.features[43] = self.voiced_run as f32 * HOP_MS as f32 / 1000.0;
    }

    /// Peak normalised autocorrelation over the pitch lags and its period in 4 kHz
    /// samples (parabolic interpolation), from the 0–2 kHz power spectrum; with
    /// `subtract`, of the spectrum minus twice its band floors (at least 0).
    fn harmonicity(&mut self, subtract: bool) -> (f32, f32) {
        let half = ACF / 2; // bins 0..=128 of the 1024-point spectrum: 0–2 kHz
        let mut band = 0;
        for k in 0..=half {
            let mut p = self.power[k];
            if subtract {
                while band + 1 < BANDS && k >= self.edges[band + 1] {
                    band += 1;
                }
                p = (p - SUBTRACTION * self.floor_power[band]).max(0.0);
            }
            self.acf_in[k] = p;
            if k > 0 && k < half {
                self.acf_in[ACF - k] = p;
            }
        }
        self.acf_fft
            .forward(&self.acf_in, &mut self.acf_out, &mut self.acf_im);
        let r0 = self.acf_out[0];
        if r0 <= 0.0 {
            return (0.0, MAX_LAG as f32);
        }
        let mut best = (f32::MIN, MIN_LAG);
        for tau in MIN_LAG..=MAX_LAG {
            let r = self.acf_out[tau] * self.lag_correction[tau];
            if r > best.0 {
                best = (r, tau);
            }
        }
        let tau = best.1;
        let at = |t: usize| self.acf_out[t] * self.lag_correction[t];
        let (a, b, c) = (at(tau - 1), at(tau), at(tau + 1));
        let denominator = a - 2.0 * b + c;
        let offset = if denominator < 0.0 {
            (0.5 * (a - c) / denominator).clamp(-0.5, 0.5)
        } else {
            0.0
        };
        ((best.0 / r0).clamp(0.0, 1.0), tau as f32 + offset)
    }
}

/// 10^(db/10).
#[inline]
fn exp10_db(db: f32) -> f32 {
    crate::math::fastmath::exp2(db / DB_PER_LOG2)
}
