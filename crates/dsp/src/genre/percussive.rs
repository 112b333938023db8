//! Harmonic/percussive separation by median filtering (Fitzgerald 2010) on the mel
//! spectrogram, one frame at a time.
//!
//! For frame `t` and mel band `m` with power `X[t][m]`: the harmonic estimate `H` is the
//! median of `X[t−4..=t+4][m]` (over time, 9 frames = 180 ms: sustained tones survive,
//! clicks are removed), the percussive one the median of `X[t][m−4..=m+4]` (over
//! frequency, 9 bands, clipped at the edges: broadband clicks survive, partials are
//! removed), the percussive one `P`. The frame's percussive energy is
//! `Σ_m X·P²/(H²+P²)` and its harmonic energy `Σ_m X·H²/(H²+P²)` (Wiener masks).
//! Results come [`Hpss::DELAY_FRAMES`] frames late (the time median is centred).

/// Mel bands per frame.
const BANDS: usize = super::frames::N_MELS;
/// Frames in the time median (odd).
const TIME_SPAN: usize = 9;
/// Bands in the frequency median (odd).
const FREQ_SPAN: usize = 9;

/// The last [`TIME_SPAN`] mel frames (linear power) and the median filters.
#[derive(Debug, Clone)]
pub struct Hpss {
    history: [[f64; BANDS]; TIME_SPAN],
    /// Index in `history` of the oldest frame.
    oldest: usize,
    /// Frames pushed, saturating at TIME_SPAN.
    seen: usize,
}

/// The median of 9 values by Paeth's 19-exchange network.
fn median9(v: &mut [f64; 9]) -> f64 {
    const PAIRS: [(usize, usize); 19] = [
        (1, 2),
        (4, 5),
        (7, 8),
        (0, 1),
        (3, 4),
        (6, 7),
        (1, 2),
        (4, 5),
        (7, 8),
        (0, 3),
        (5, 8),
        (4, 7),
        (3, 6),
        (1, 4),
        (2, 5),
        (4, 7),
        (4, 2),
        (6, 4),
        (4, 2),
    ];
    for (a, b) in PAIRS {
        let (lo, hi) = (v[a].min(v[b]), v[a].max(v[b]));
        v[a] = lo;
        v[b] = hi;
    }
    v[4]
}

/// The median (upper middle) of a few values, by insertion sort.
fn median_small(v: &mut [f64]) -> f64 {
    for i in 1..v.len() {
        let mut j = i;
        while j > 0 && v[j - 1] > v[j] {
            v.swap(j - 1, j);
            j -= 1;
        }
    }
    v[v.len() / 2]
}

impl Hpss {
    /// Frames between a frame's arrival and its separation.
    pub const DELAY_FRAMES: usize = TIME_SPAN / 2;

    pub fn new() -> Self {
        Self {
            history: [[0.0; BANDS]; TIME_SPAN],
            oldest: 0,
            seen: 0,
        }
    }

    /// Adds a frame's mel powers; returns the `(percussive, harmonic)` energies of
    /// the frame [`Self::DELAY_FRAMES`] back once it has its full time neighbourhood.
    pub fn push(&mut self, mel_power: &[f64]) -> Option<(f32, f32)> {
        self.history[self.oldest].copy_from_slice(mel_power);
        self.oldest = (self.oldest + 1) % TIME_SPAN;
        self.seen = (self.seen + 1).min(TIME_SPAN);
        if self.seen < TIME_SPAN {
            return None;
        }
        let centre = &self.history[(self.oldest + Self::DELAY_FRAMES) % TIME_SPAN];
        let (mut percussive, mut harmonic) = (0.0, 0.0);
        let mut column = [0.0; TIME_SPAN];
        let mut row = [0.0; FREQ_SPAN];
        for m in 0..BANDS {
            for (c, frame) in column.iter_mut().zip(&self.history) {
                *c = frame[m];
            }
            let h = median9(&mut column);
            let lo = m.saturating_sub(FREQ_SPAN / 2);
            let hi = (m + FREQ_SPAN / 2 + 1).min(BANDS);
            let n = hi - lo;
            row[..n].copy_from_slice(&centre[lo..hi]);
            let p = if n == FREQ_SPAN {
                median9(&mut row)
            } else {
                median_small(&mut row[..n])
            };
            let (h2, p2) = (h * h, p * p);
            let mask = if h2 + p2 > 0.0 { p2 / (h2 + p2) } else { 0.0 };
            percussive += centre[m] * mask;
            harmonic += centre[m] * (1.0 - mask);
        }
        Some((percussive as f32, harmonic as f32))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_network_agrees_with_sorting() {
        let mut seed = 12345u64;
        for _ in 0..1000 {
            let mut v = [0.0; 9];
            for x in &mut v {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                *x = (seed >> 40) as f64;
            }
            let mut sorted = v;
            sorted.sort_by(f64::total_cmp);
            assert_eq!(median9(&mut v), sorted[4]);
            let mut few = sorted[..5].to_vec();
            few.reverse();
            assert_eq!(median_small(&mut few), sorted[2]);
        }
    }

    #[test]
    fn a_steady_tone_is_harmonic_and_a_click_is_percussive() {
        let mut hpss = Hpss::new();
        // A steady partial in band 10, 60 dB above the rest.
        let tone: Vec<f64> = (0..BANDS)
            .map(|m| if m == 10 { 1.0 } else { 1e-6 })
            .collect();
        let mut last = None;
        for _ in 0..20 {
            last = hpss.push(&tone);
        }
        let (p, h) = last.unwrap();
        assert!(p < 0.01 * h, "tone: percussive {p}, harmonic {h}");
        // One broadband click frame among quiet ones, seen DELAY_FRAMES later.
        let quiet = vec![1e-6; BANDS];
        let click = vec![1.0; BANDS];
        let mut hpss = Hpss::new();
        let mut results = Vec::new();
        for t in 0..20 {
            results.push(hpss.push(if t == 10 { &click } else { &quiet }));
        }
        let (p, h) = results[10 + Hpss::DELAY_FRAMES].unwrap();
        assert!(h < 0.01 * p, "click: percussive {p}, harmonic {h}");
    }
}
