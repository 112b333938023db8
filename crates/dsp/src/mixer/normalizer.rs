//! Real-time loudness normalisation: a slowly varying gain that brings the programme to a
//! target loudness (EBU R128 / BS.1770 measurement).
//!
//! The stage sits after the EQ and before the limiter, so the limiter's ceiling still
//! bounds every output sample whatever gain it applies. It is feed-forward: a
//! [`LoudnessMeter`] measures the stage's *input* (K-weighted, 100 ms sub-blocks), and at
//! the end of every sub-block the wanted gain becomes `targetLufs − L`, limited to
//! ±`maxGainDb`, where `L` is the gated loudness (absolute −70 LKFS and relative −10 LU
//! gates, as for integrated loudness) of the 400 ms blocks of the last `windowMs`. When no
//! block passes the gates (silence, a pause longer than the window) the gain holds. The
//! applied gain follows the wanted gain in a straight line in dB at no more than
//! `slewDbPerSecond` (per frame: `slewDbPerSecond / sampleRate` dB).
//!
//! For a steady input of loudness `L₀` the first measurement exists after 400 ms, and the
//! output reaches the target after `0.4 s + |targetLufs − L₀| / slewDbPerSecond` (as long
//! as the gain needed is within ±`maxGainDb` and the limiter does not act).
//!
//! Interleaved stereo is measured as BS.1770 specifies (the sum of the channels'
//! K-weighted powers) and gets one gain on both channels ([`crate::mixer::link`] says why).

use serde::{Deserialize, Serialize};

use crate::error::ConfigError;
use crate::loudness::meter::{LoudnessConfig, LoudnessMeter};
use crate::math::fastmath;
use crate::mixer::link::{self, Channels};
use crate::range::Range;

/// Settings of the loudness-normalisation stage (`loudness` in the chain configuration).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct LoudnessStageConfig {
    /// Run the stage. Default false (the chain's output is then exactly as without it).
    pub enabled: bool,
    /// Target loudness, LUFS, −70 to 0. Default −16 (podcast; −14 streaming, −23 broadcast).
    pub target_lufs: f64,
    /// Largest boost or cut, dB, 0 to 40. Default 12.
    pub max_gain_db: f64,
    /// Measurement window, ms, 400 to 60000 (whole 100 ms sub-blocks). Default 3000
    /// (the EBU short-term window).
    pub window_ms: f64,
    /// Fastest gain change, dB per second, 0.1 to 60. Default 3.
    pub slew_db_per_second: f64,
}

impl Default for LoudnessStageConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            target_lufs: -16.0,
            max_gain_db: 12.0,
            window_ms: 3000.0,
            slew_db_per_second: 3.0,
        }
    }
}

impl LoudnessStageConfig {
    pub const TARGET_LUFS: Range = Range::new("loudness.targetLufs", -70.0, 0.0, "LUFS");
    pub const MAX_GAIN_DB: Range = Range::new("loudness.maxGainDb", 0.0, 40.0, "dB");
    pub const WINDOW_MS: Range = Range::new("loudness.windowMs", 400.0, 60_000.0, "ms");
    pub const SLEW: Range = Range::new("loudness.slewDbPerSecond", 0.1, 60.0, "dB/s");

    pub fn validate(&self) -> Result<(), ConfigError> {
        Self::TARGET_LUFS.check(self.target_lufs)?;
        Self::MAX_GAIN_DB.check(self.max_gain_db)?;
        Self::WINDOW_MS.check(self.window_ms)?;
        Self::SLEW.check(self.slew_db_per_second)
    }
}

/// Loudness-normalisation state.
#[derive(Debug, Clone)]
pub struct LoudnessNormalizer {
    channels: usize,
    meter: LoudnessMeter,
    target_lufs: f64,
    max_gain_db: f64,
    window_blocks: usize,
    /// Largest gain change per frame (sample of each channel), dB.
    step_db: f64,
    /// Frames of the current sub-block seen so far.
    in_block: usize,
    /// Last measurement, LUFS (−∞: none yet, or nothing above the gates).
    measured_lufs: f64,
    wanted_db: f64,
    gain_db: f64,
}

impl LoudnessNormalizer {
    /// A mono stage.
    pub fn new(config: &LoudnessStageConfig, sample_rate: f64) -> Self {
        Self::with_channels(config, sample_rate, Channels::Mono)
    }

    /// A stage for interleaved blocks of `channels`, one gain on all of them.
    pub fn with_channels(
        config: &LoudnessStageConfig,
        sample_rate: f64,
        channels: Channels,
    ) -> Self {
        let settings = LoudnessConfig {
            sample_rate,
            channels: channels.count() as f64,
            ..LoudnessConfig::default()
        }
        .validate()
        .expect("the chain validated the sample rate; 1 and 2 channels are BS.1770 layouts");
        let mut stage = Self {
            channels: channels.count(),
            meter: LoudnessMeter::with_true_peak(settings, false),
            target_lufs: 0.0,
            max_gain_db: 0.0,
            window_blocks: 0,
            step_db: 0.0,
            in_block: 0,
            measured_lufs: f64::NEG_INFINITY,
            wanted_db: 0.0,
            gain_db: 0.0,
        };
        stage.set_config(config, sample_rate);
        stage
    }

    /// Applies new settings, keeping the measurement and the current gain.
    pub fn set_config(&mut self, config: &LoudnessStageConfig, sample_rate: f64) {
        self.target_lufs = config.target_lufs;
        self.max_gain_db = config.max_gain_db;
        self.window_blocks = (config.window_ms / 100.0).round() as usize;
        self.step_db = config.slew_db_per_second / sample_rate;
    }

    pub fn reset(&mut self) {
        self.meter = LoudnessMeter::with_true_peak(self.meter.settings().clone(), false);
        self.in_block = 0;
        self.measured_lufs = f64::NEG_INFINITY;
        self.wanted_db = 0.0;
        self.gain_db = 0.0;
    }

    /// The gain applied to the last sample, dB.
    pub fn gain_db(&self) -> f64 {
        self.gain_db
    }

    /// The last measurement of the input's loudness, LUFS (−∞ before the first or when
    /// nothing in the window passes the gates).
    pub fn measured_lufs(&self) -> f64 {
        self.measured_lufs
    }

    /// Measures and normalises `block` (finite samples, whole interleaved frames) in place.
    pub fn process(&mut self, block: &mut [f32]) {
        let (sub_len, channels) = (self.meter.sub_block_frames(), self.channels);
        let mut start = 0;
        while start < block.len() {
            let n = (block.len() - start).min((sub_len - self.in_block) * channels);
            let segment = &mut block[start..start + n];
            self.meter.push_checked(segment);
            self.apply_gain(segment);
            self.in_block += n / channels;
            if self.in_block == sub_len {
                self.in_block = 0;
                self.measured_lufs = self.meter.recent_lufs(self.window_blocks);
                if self.measured_lufs.is_finite() {
                    self.wanted_db = (self.target_lufs - self.measured_lufs)
                        .clamp(-self.max_gain_db, self.max_gain_db);
                }
                self.meter.forget_older(self.window_blocks);
            }
            start += n;
        }
    }

    /// The gain moves towards the wanted gain by at most `step_db` per frame.
    fn apply_gain(&mut self, segment: &mut [f32]) {
        if self.gain_db == self.wanted_db {
            let gain = fastmath::db_to_amp(self.gain_db as f32);
            segment.iter_mut().for_each(|x| *x *= gain);
            return;
        }
        let (wanted, step) = (self.wanted_db, self.step_db);
        let mut gain_db = self.gain_db;
        for frame in segment.chunks_exact_mut(self.channels) {
            gain_db += (wanted - gain_db).clamp(-step, step);
            link::scale(frame, fastmath::db_to_amp(gain_db as f32));
        }
        self.gain_db = gain_db;
    }
}
