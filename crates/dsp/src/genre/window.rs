//! The feature vector of one 3 s window: every family computed over the window's
//! [`FrameRecord`]s, in the order of [`FEATURE_NAMES`] (the model's input order).

use std::collections::VecDeque;

use super::dynamics::{crest_db, dynamic_range_db, low_energy_ratio, quantile};
use super::frames::{FrameRecord, N_CEPSTRA, SILENCE_MEAN_SQUARE, WINDOW_FRAMES};
use super::modulation::{pause_ratio, ModulationBand};
use super::rhythm::{onset_rate, tempo};
use super::timbre::{cepstral_change, mean_std};

/// Length of the feature vector.
pub const FEATURES: usize = 40;

/// Names of the features, in order (also the columns of the training tables).
pub const FEATURE_NAMES: [&str; FEATURES] = [
    "mfcc1_mean",
    "mfcc2_mean",
    "mfcc3_mean",
    "mfcc4_mean",
    "mfcc5_mean",
    "mfcc6_mean",
    "mfcc7_mean",
    "mfcc8_mean",
    "mfcc9_mean",
    "mfcc10_mean",
    "mfcc11_mean",
    "mfcc12_mean",
    "mfcc1_std",
    "mfcc2_std",
    "mfcc3_std",
    "mfcc4_std",
    "mfcc5_std",
    "mfcc6_std",
    "mfcc7_std",
    "mfcc8_std",
    "mfcc9_std",
    "mfcc10_std",
    "mfcc11_std",
    "mfcc12_std",
    "mfcc_change",
    "onset_rate_per_s",
    "onset_strength_db",
    "tempo_periodicity",
    "tempo_log2_120",
    "percussive_fraction",
    "modulation_4hz_share",
    "modulation_4hz_depth_log10",
    "pause_ratio",
    "crest_db",
    "dynamic_range_db",
    "low_energy_ratio",
    "centroid_mean_khz",
    "centroid_std_khz",
    "log_flatness_mean",
    "log_flatness_std",
];

/// Reusable buffers for the window features.
#[derive(Debug, Clone)]
pub struct WindowFeatures {
    band: ModulationBand,
    mean_square: Vec<f64>,
    peak: Vec<f64>,
    rms: Vec<f64>,
    level_db: Vec<f64>,
    sorted_db: Vec<f64>,
    onset: Vec<f64>,
    mfcc: Vec<[f32; N_CEPSTRA]>,
}

impl WindowFeatures {
    pub fn new() -> Self {
        let column = || Vec::with_capacity(WINDOW_FRAMES);
        Self {
            band: ModulationBand::new(),
            mean_square: column(),
            peak: column(),
            rms: column(),
            level_db: column(),
            sorted_db: column(),
            onset: column(),
            mfcc: Vec::with_capacity(WINDOW_FRAMES),
        }
    }

    /// The features of a full window (`records.len() == WINDOW_FRAMES`).
    pub fn compute(&mut self, records: &VecDeque<FrameRecord>, out: &mut [f32; FEATURES]) {
        debug_assert_eq!(records.len(), WINDOW_FRAMES);
        self.mean_square.clear();
        self.peak.clear();
        self.rms.clear();
        self.level_db.clear();
        self.onset.clear();
        self.mfcc.clear();
        for r in records {
            self.mean_square.push(r.mean_square);
            self.peak.push(f64::from(r.peak));
            self.rms.push(r.mean_square.sqrt());
            self.level_db
                .push(10.0 * r.mean_square.max(SILENCE_MEAN_SQUARE).log10());
            self.onset.push(f64::from(r.onset_db));
            self.mfcc.push(r.mfcc);
        }
        self.sorted_db.clear();
        self.sorted_db.extend_from_slice(&self.level_db);
        self.sorted_db.sort_by(f64::total_cmp);
        let mut f = [0.0f64; FEATURES];
        for c in 0..N_CEPSTRA {
            let (mean, std) = mean_std(records.iter().map(|r| f64::from(r.mfcc[c])));
            f[c] = mean;
            f[N_CEPSTRA + c] = std;
        }
        f[24] = cepstral_change(&self.mfcc);
        f[25] = onset_rate(&self.onset);
        f[26] = self.onset.iter().sum::<f64>() / WINDOW_FRAMES as f64;
        (f[27], f[28]) = tempo(&self.onset);
        let (p, h) = records
            .iter()
            .filter_map(|r| r.percussive)
            .fold((0.0f64, 0.0f64), |(p, h), (pi, hi)| {
                (p + f64::from(pi), h + f64::from(hi))
            });
        f[29] = if p + h > 0.0 { p / (p + h) } else { 0.0 };
        (f[30], f[31]) = self.band.measure(&self.rms);
        f[32] = pause_ratio(&self.level_db, quantile(&self.sorted_db, 0.95));
        f[33] = crest_db(&self.mean_square, &self.peak);
        f[34] = dynamic_range_db(&self.sorted_db);
        f[35] = low_energy_ratio(&self.mean_square);
        (f[36], f[37]) = mean_std(records.iter().map(|r| f64::from(r.centroid_khz)));
        (f[38], f[39]) = mean_std(records.iter().map(|r| f64::from(r.log_flatness)));
        for (o, v) in out.iter_mut().zip(f) {
            *o = v as f32;
        }
    }
}
