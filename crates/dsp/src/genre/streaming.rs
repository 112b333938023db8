//! Streaming genre decisions for a live signal.
//!
//! Every `hopMs` (after the first 3 s) the last 3 s window is classified; its
//! probabilities `p` update the smoothed ones `s ← s + α·(p − s)` with
//! `α = 1 − e^{−hop/smoothing}` (the first window sets `s = p`). From `s`:
//!
//! - the *candidate* is the most probable genre if `s ≥ threshold`, else none;
//! - a candidate other than the current decision *qualifies* when it leads the current
//!   genre by at least `margin` (from none: when it reaches the threshold; to none: when
//!   the current genre's smoothed probability is below the threshold);
//! - the decision switches to a candidate that has qualified at every evaluation for
//!   `holdMs` in a row (hysteresis); any evaluation that does not qualify restarts it.
//!
//! With the defaults (3 s windows every 0.5 s, 2 s smoothing, 1 s hold, margin 0.1,
//! threshold 0.5) a change of genre is reported about 3 to 5 s after it happens, and a
//! decision does not flicker between two genres of similar probability.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::frames::FRAME_RATE_HZ;
use super::{argmax, model, Genre, GenreAnalyzer, GenreOptions, GENRES};
use crate::error::{check_audio, AudioError, ConfigError};
use crate::range::Range;

/// Parameters of the [`StreamingGenreClassifier`] (JSON: camelCase keys, all optional).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct StreamingGenreOptions {
    /// Time between window evaluations, ms, 20 to 3000, rounded to whole 20 ms frames.
    /// Default 500.
    pub hop_ms: f64,
    /// Time constant of the exponential averaging of the window probabilities, ms,
    /// 0 (none) to 10000. Default 2000.
    pub smoothing_ms: f64,
    /// How long a new genre must keep qualifying before the decision switches, ms,
    /// 0 to 10000. Default 1000.
    pub hold_ms: f64,
    /// Smoothed-probability lead a new genre needs over the current one, 0 to 0.5.
    /// Default 0.1.
    pub margin: f64,
    /// Smoothed probability below which no genre is reported (`genre: None`, the
    /// neutral preset), 0 to 1. Default 0.5.
    pub threshold: f64,
}

impl Default for StreamingGenreOptions {
    fn default() -> Self {
        Self {
            hop_ms: 500.0,
            smoothing_ms: 2000.0,
            hold_ms: 1000.0,
            margin: 0.1,
            threshold: 0.5,
        }
    }
}

impl StreamingGenreOptions {
    pub const HOP_MS: Range = Range::new("hopMs", 20.0, 3000.0, "ms");
    pub const SMOOTHING_MS: Range = Range::new("smoothingMs", 0.0, 10_000.0, "ms");
    pub const HOLD_MS: Range = Range::new("holdMs", 0.0, 10_000.0, "ms");
    pub const MARGIN: Range = Range::new("margin", 0.0, 0.5, "");
    pub const THRESHOLD: Range = Range::new("threshold", 0.0, 1.0, "");

    pub fn validate(&self) -> Result<(), ConfigError> {
        Self::HOP_MS.check(self.hop_ms)?;
        Self::SMOOTHING_MS.check(self.smoothing_ms)?;
        Self::HOLD_MS.check(self.hold_ms)?;
        Self::MARGIN.check(self.margin)?;
        Self::THRESHOLD.check(self.threshold)
    }

    /// Parses `{ sampleRate?, hopMs?, smoothingMs?, holdMs?, margin?, threshold? }` into
    /// the validated sample rate and options.
    pub fn from_json(value: &Value) -> Result<(u32, Self), ConfigError> {
        let mut rest = value.clone();
        let rate = match rest.as_object_mut().and_then(|o| o.remove("sampleRate")) {
            Some(rate) => GenreOptions::from_json(&serde_json::json!({ "sampleRate": rate }))?,
            None => GenreOptions::default().validate()?,
        };
        let options: Self = crate::error::parse_config(&rest, "genre classifier options")?;
        options.validate()?;
        Ok((rate, options))
    }

    fn hop_frames(&self) -> usize {
        ((self.hop_ms / 1000.0 * FRAME_RATE_HZ).round() as usize).max(1)
    }
}

/// The current decision of a [`StreamingGenreClassifier`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GenreDecision {
    /// The genre in effect; `None` below the confidence threshold (neutral preset) and
    /// before the first 3 s.
    pub genre: Option<Genre>,
    /// Smoothed probability of `genre`, or of the most probable genre when `genre` is
    /// `None` (0 before the first window).
    pub confidence: f32,
    /// Smoothed probabilities in the order of [`Genre::ALL`] (all 0.2 before the first
    /// window).
    pub probabilities: [f32; GENRES],
}

impl Default for GenreDecision {
    fn default() -> Self {
        Self {
            genre: None,
            confidence: 0.0,
            probabilities: [1.0 / GENRES as f32; GENRES],
        }
    }
}

/// Genre decisions over a live signal; blocks of any length. See the module docs.
#[derive(Debug, Clone)]
pub struct StreamingGenreClassifier {
    options: StreamingGenreOptions,
    sample_rate: u32,
    analyzer: GenreAnalyzer,
    hop_frames: usize,
    decider: Decider,
}

/// Smoothing and hysteresis over the window probabilities.
#[derive(Debug, Clone)]
struct Decider {
    alpha: f32,
    hold_evaluations: u32,
    threshold: f32,
    margin: f32,
    smoothed: Option<[f32; GENRES]>,
    current: Option<Genre>,
    /// The candidate that is qualifying and for how many evaluations in a row.
    pending: Option<(Option<Genre>, u32)>,
    decision: GenreDecision,
    windows: u64,
}

impl StreamingGenreClassifier {
    pub fn new(sample_rate: u32, options: StreamingGenreOptions) -> Result<Self, ConfigError> {
        GenreOptions {
            sample_rate: f64::from(sample_rate),
        }
        .validate()?;
        options.validate()?;
        let hop_frames = options.hop_frames();
        let hop_ms = hop_frames as f64 / FRAME_RATE_HZ * 1000.0;
        let alpha = if options.smoothing_ms == 0.0 {
            1.0
        } else {
            1.0 - (-hop_ms / options.smoothing_ms).exp()
        };
        let decider = Decider {
            alpha: alpha as f32,
            hold_evaluations: (options.hold_ms / hop_ms).ceil().max(1.0) as u32,
            threshold: options.threshold as f32,
            margin: options.margin as f32,
            smoothed: None,
            current: None,
            pending: None,
            decision: GenreDecision::default(),
            windows: 0,
        };
        Ok(Self {
            options,
            sample_rate,
            analyzer: GenreAnalyzer::new(sample_rate),
            hop_frames,
            decider,
        })
    }

    pub fn options(&self) -> &StreamingGenreOptions {
        &self.options
    }

    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// Feeds a block of any length (empty: nothing happens). A non-finite sample is
    /// rejected before anything changes.
    pub fn push(&mut self, block: &[f32]) -> Result<(), AudioError> {
        if block.is_empty() {
            return Ok(());
        }
        check_audio(block)?;
        let decider = &mut self.decider;
        self.analyzer.push(block, self.hop_frames, |features| {
            decider.update(&model::predict(features))
        });
        Ok(())
    }

    /// The decision after everything pushed so far.
    pub fn decision(&self) -> GenreDecision {
        self.decider.decision
    }

    /// Windows evaluated so far.
    pub fn windows(&self) -> u64 {
        self.decider.windows
    }

    /// Back to the initial state: no history, no decision.
    pub fn reset(&mut self) {
        self.analyzer.reset();
        let d = &mut self.decider;
        d.smoothed = None;
        d.current = None;
        d.pending = None;
        d.decision = GenreDecision::default();
        d.windows = 0;
    }
}

impl Decider {
    fn update(&mut self, p: &[f32; GENRES]) {
        self.windows += 1;
        let s = match self.smoothed {
            None => *p,
            Some(mut s) => {
                for (v, q) in s.iter_mut().zip(p) {
                    *v += self.alpha * (q - *v);
                }
                s
            }
        };
        self.smoothed = Some(s);
        let (best, best_p) = argmax(&s);
        let candidate = (best_p >= self.threshold).then_some(best);
        if candidate == self.current {
            self.pending = None;
        } else {
            let qualifies = match (self.current, candidate) {
                (Some(c), Some(t)) => s[t.index()] - s[c.index()] >= self.margin,
                (None, Some(_)) => true,
                (Some(c), None) => s[c.index()] < self.threshold,
                (None, None) => false,
            };
            self.pending = match self.pending {
                _ if !qualifies => None,
                Some((g, n)) if g == candidate => Some((g, n + 1)),
                _ => Some((candidate, 1)),
            };
            if let Some((g, n)) = self.pending {
                if n >= self.hold_evaluations {
                    self.current = g;
                    self.pending = None;
                }
            }
        }
        let confidence = self.current.map_or(best_p, |g| s[g.index()]);
        self.decision = GenreDecision {
            genre: self.current,
            confidence,
            probabilities: s,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decider(options: StreamingGenreOptions) -> Decider {
        StreamingGenreClassifier::new(48_000, options)
            .unwrap()
            .decider
    }

    /// Probabilities with `p` on `genre` and the rest spread evenly.
    fn peaked(genre: Genre, p: f32) -> [f32; GENRES] {
        let mut out = [(1.0 - p) / (GENRES - 1) as f32; GENRES];
        out[genre.index()] = p;
        out
    }

    #[test]
    fn the_first_confident_window_decides_and_a_challenger_needs_the_hold_time() {
        // No smoothing; hold 1 s = 2 evaluations at the 500 ms hop.
        let mut d = decider(StreamingGenreOptions {
            smoothing_ms: 0.0,
            ..Default::default()
        });
        assert_eq!(d.decision, GenreDecision::default());
        d.update(&peaked(Genre::Rock, 0.9));
        // From none, a candidate must also hold: one evaluation is not enough.
        assert_eq!(d.decision.genre, None);
        d.update(&peaked(Genre::Rock, 0.9));
        assert_eq!(d.decision.genre, Some(Genre::Rock));
        assert_eq!(d.decision.confidence, 0.9);
        // Jazz leads once, then rock again: the hold restarts, no switch.
        d.update(&peaked(Genre::Jazz, 0.9));
        d.update(&peaked(Genre::Rock, 0.9));
        d.update(&peaked(Genre::Jazz, 0.9));
        assert_eq!(d.decision.genre, Some(Genre::Rock));
        d.update(&peaked(Genre::Jazz, 0.9));
        assert_eq!(d.decision.genre, Some(Genre::Jazz));
    }

    #[test]
    fn a_challenger_within_the_margin_never_takes_over() {
        let mut d = decider(StreamingGenreOptions {
            smoothing_ms: 0.0,
            hold_ms: 0.0,
            margin: 0.2,
            ..Default::default()
        });
        d.update(&peaked(Genre::Speech, 0.9));
        assert_eq!(d.decision.genre, Some(Genre::Speech));
        // Rock 0.55 against speech 0.4: a lead of 0.15 < 0.2.
        let mut p = [0.0; GENRES];
        p[Genre::Rock.index()] = 0.55;
        p[Genre::Speech.index()] = 0.4;
        p[Genre::Jazz.index()] = 0.05;
        for _ in 0..10 {
            d.update(&p);
        }
        assert_eq!(d.decision.genre, Some(Genre::Speech));
        assert_eq!(d.decision.confidence, 0.4);
        // Below the threshold for everything: none (neutral), confidence of the best.
        d.update(&[0.2, 0.3, 0.2, 0.2, 0.1]);
        assert_eq!(d.decision.genre, None);
        assert_eq!(d.decision.confidence, 0.3);
    }

    #[test]
    fn smoothing_is_an_exponential_average_with_the_hop_as_time_step() {
        // hop 500 ms, smoothing 2000 ms: α = 1 − e^(−1/4).
        let mut d = decider(StreamingGenreOptions::default());
        let alpha = 1.0 - (-0.25f32).exp();
        d.update(&peaked(Genre::Speech, 1.0));
        d.update(&peaked(Genre::Classical, 1.0));
        let p = d.decision.probabilities;
        assert!((p[Genre::Classical.index()] - alpha).abs() < 1e-6);
        assert!((p[Genre::Speech.index()] - (1.0 - alpha)).abs() < 1e-6);
    }
}
