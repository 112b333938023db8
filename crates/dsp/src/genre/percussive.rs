//! Harmonic/percussive separation by median filtering (Fitzgerald 2010) on the mel
//! spectrogram, one frame at a time.
//!
//! For frame `t` and mel band `m` with level `X[t][m]` (dB): the harmonic estimate is the
//! median of `X[t−4..=t+4][m]` (over time, 9 frames = 180 ms: sustained tones survive,
//! clicks are removed), the percussive one the median of `X[t][m−4..=m+4]` (over
//! frequency, 9 bands, clipped at the edges: broadband clicks survive, partials are
//! removed). With `H`, `P` the corresponding powers, the frame's percussive energy is
//! `Σ_m X·P²/(H²+P²)` and its harmonic energy `Σ_m X·H²/(H²+P²)` (Wiener masks).
//! Results come [`Hpss::DELAY_FRAMES`] frames late (the time median is centred).

/// Mel bands per frame.
const BANDS: usize = super::frames::N_MELS;
/// Frames in the time median (odd).
const TIME_SPAN: usize = 9;
/// Bands in the frequency median (odd).
const FREQ_SPAN: usize = 9;

/// The last [`TIME_SPAN`] mel frames (dB) and the median filters.
#[derive(Debug, Clone)]
pub struct Hpss {
    history: [[f64; BANDS]; TIME_SPAN],
    /// Index in `history` of the oldest frame.
    oldest: usize,
    /// Frames pushed, saturating at TIME_SPAN.
    seen: usize,
}

fn median(values: &mut [f64]) -> f64 {
    let mid = values.len() / 2;
    *values.select_nth_unstable_by(mid, f64::total_cmp).1
}

impl Hpss {
    /// Frames between a frame's arrival and its separation.
    pub const DELAY_FRAMES: usize = TIME_SPAN / 2;

    pub fn new() -> Self {
        Self { history: [[0.0; BANDS]; TIME_SPAN], oldest: 0, seen: 0 }
    }

    /// Adds a frame's mel levels (dB); returns the `(percussive, harmonic)` energies of
    /// the frame [`Self::DELAY_FRAMES`] back once it has its full time neighbourhood.
    pub fn push(&mut self, mel_db: &[f64]) -> Option<(f32, f32)> {
        self.history[self.oldest].copy_from_slice(mel_db);
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
            let h_db = median(&mut column);
            let lo = m.saturating_sub(FREQ_SPAN / 2);
            let hi = (m + FREQ_SPAN / 2 + 1).min(BANDS);
            let n = hi - lo;
            row[..n].copy_from_slice(&centre[lo..hi]);
            let p_db = median(&mut row[..n]);
            // P²/(H²+P²) = 1/(1 + (H/P)²), with H/P = 10^((h−p)/10) in power.
            let mask = 1.0 / (1.0 + 10f64.powf((h_db - p_db) / 5.0));
            let energy = 10f64.powf(centre[m] / 10.0);
            percussive += energy * mask;
            harmonic += energy * (1.0 - mask);
        }
        Some((percussive as f32, harmonic as f32))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_steady_tone_is_harmonic_and_a_click_is_percussive() {
        let mut hpss = Hpss::new();
        // A steady partial in band 10, 60 dB above the rest.
        let tone: Vec<f64> = (0..BANDS).map(|m| if m == 10 { 0.0 } else { -60.0 }).collect();
        let mut last = None;
        for _ in 0..20 {
            last = hpss.push(&tone);
        }
        let (p, h) = last.unwrap();
        assert!(p < 0.01 * h, "tone: percussive {p}, harmonic {h}");
        // One broadband click frame among quiet ones, seen DELAY_FRAMES later.
        let quiet = vec![-60.0; BANDS];
        let click = vec![0.0; BANDS];
        let mut hpss = Hpss::new();
        let mut results = Vec::new();
        for t in 0..20 {
            results.push(hpss.push(if t == 10 { &click } else { &quiet }));
        }
        let (p, h) = results[10 + Hpss::DELAY_FRAMES].unwrap();
        assert!(h < 0.01 * p, "click: percussive {p}, harmonic {h}");
    }
}
