//! Genre presets of the adaptive chain: the parameters they set and how each is
//! interpolated while one preset morphs into another.
//!
//! A preset sets the fifteen numeric parameters in [`PARAMS`] (gate threshold and range,
//! the compressor's six, the EQ's seven); the limiter, the gate's timing and every
//! `bypass` flag stay as configured. A gate "off" in a preset is `rangeDb = 0` (unity
//! gain when closed), which a morph can reach continuously.

use serde::Serialize;

use serde_json::Value;

use crate::genre::GenreDecision;
use crate::mixer::config::ChainConfig;

/// The presets: one per genre, and `Neutral` when the classifier is not confident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Preset {
    Neutral,
    Speech,
    Rock,
    Jazz,
    Electronic,
    Classical,
}

impl Preset {
    pub const ALL: [Preset; 6] = [
        Preset::Neutral,
        Preset::Speech,
        Preset::Rock,
        Preset::Jazz,
        Preset::Electronic,
        Preset::Classical,
    ];

    /// The lowercase name reported in the meters ("neutral", "speech", ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Preset::Neutral => "neutral",
            Preset::Speech => "speech",
            Preset::Rock => "rock",
            Preset::Jazz => "jazz",
            Preset::Electronic => "electronic",
            Preset::Classical => "classical",
        }
    }

    /// The preset named `name` ("neutral", "speech", "rock", ...), if any.
    pub fn from_name(name: &str) -> Option<Preset> {
        Self::ALL.into_iter().find(|p| p.as_str() == name)
    }

    /// Sets `config`'s preset-managed parameters to this preset's values at its sample
    /// rate: the preset as a fixed configuration (adaptive processing stays as configured).
    pub fn apply(self, config: &mut ChainConfig) {
        write(&self.values(config.sample_rate), 0, config);
    }

    /// The preset for a genre name ("speech", "rock", "jazz", "electronic", "classical");
    /// `None` (no confident genre) and any other name give `Neutral`.
    pub fn for_genre(genre: Option<&str>) -> Preset {
        match genre {
            Some("speech") => Preset::Speech,
            Some("rock") => Preset::Rock,
            Some("jazz") => Preset::Jazz,
            Some("electronic") => Preset::Electronic,
            Some("classical") => Preset::Classical,
            _ => Preset::Neutral,
        }
    }

    /// The preset's values in [`PARAMS`] order. Frequencies above 0.45 × `sample_rate`
    /// (possible below ~27 kHz) are lowered to it so every preset is valid at any rate
    /// (the EQ allows up to 0.49 × `sample_rate`).
    pub fn values(self, sample_rate: f64) -> Values {
        let mut v: Values = match self {
            //                     gate          compressor                          eq: low          mid                high
            //                     thr    range  thr    ratio knee atk   rel   makeup freq  gain   freq   gain  Q    freq     gain
            Preset::Neutral => [
                -60.0, 0.0, -20.0, 2.0, 6.0, 10.0, 150.0, 1.5, 80.0, 0.0, 1000.0, 0.0, 0.7,
                10_000.0, 0.0,
            ],
            Preset::Speech => [
                -50.0, -30.0, -24.0, 4.0, 6.0, 5.0, 120.0, 6.0, 120.0, -6.0, 4000.0, 3.0, 1.0,
                10_000.0, 1.0,
            ],
            Preset::Rock => [
                -60.0, 0.0, -18.0, 3.0, 6.0, 10.0, 150.0, 3.0, 80.0, 1.5, 2500.0, 1.5, 0.8,
                10_000.0, 1.5,
            ],
            Preset::Jazz => [
                -60.0, 0.0, -24.0, 1.5, 12.0, 30.0, 300.0, 1.5, 100.0, 1.0, 3000.0, -1.0, 0.7,
                12_000.0, 1.0,
            ],
            Preset::Electronic => [
                -60.0, 0.0, -16.0, 2.5, 6.0, 20.0, 80.0, 2.0, 60.0, 2.0, 400.0, -1.5, 1.0,
                12_000.0, 2.0,
            ],
            Preset::Classical => [
                -60.0, 0.0, -20.0, 1.2, 12.0, 50.0, 500.0, 0.0, 60.0, 0.0, 1000.0, 0.0, 0.7,
                12_000.0, 0.0,
            ],
        };
        for (value, param) in v.iter_mut().zip(&PARAMS) {
            if param.domain == Domain::Frequency {
                *value = value.min(0.45 * sample_rate);
            }
        }
        v
    }
}

/// How a parameter is interpolated: a straight line in this domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Domain {
    /// Levels and gains, dB: linearly.
    Decibels,
    /// Frequencies, Hz: on a log scale (equal musical steps).
    Frequency,
    /// Q and time constants, ms: on a log scale.
    Log,
    /// Compression ratio: linearly in the slope 1/ratio (equal steps of the static curve).
    Ratio,
}

impl Domain {
    fn to_line(self, v: f64) -> f64 {
        match self {
            Domain::Decibels => v,
            // Times may be 0 in a user's configuration; 0.01 ms is instantaneous at any rate.
            Domain::Frequency | Domain::Log => v.max(0.01).ln(),
            Domain::Ratio => 1.0 / v,
        }
    }

    fn from_line(self, l: f64) -> f64 {
        match self {
            Domain::Decibels => l,
            Domain::Frequency | Domain::Log => l.exp(),
            Domain::Ratio => 1.0 / l,
        }
    }
}

/// One preset-managed parameter of the chain configuration.
pub struct Param {
    /// Dotted path as in the JSON configuration.
    pub path: &'static str,
    pub domain: Domain,
    get: fn(&ChainConfig) -> f64,
    set: fn(&mut ChainConfig, f64),
}

/// Number of preset-managed parameters.
pub const PARAM_COUNT: usize = 15;

/// Values of the managed parameters, in [`PARAMS`] order.
pub type Values = [f64; PARAM_COUNT];

macro_rules! param {
    ($path:literal, $domain:ident, $stage:ident . $field:ident) => {
        Param {
            path: $path,
            domain: Domain::$domain,
            get: |c| c.$stage.$field,
            set: |c, v| c.$stage.$field = v,
        }
    };
}

/// The managed parameters, in the order of [`Values`].
pub const PARAMS: [Param; PARAM_COUNT] = [
    param!("gate.thresholdDb", Decibels, gate.threshold_db),
    param!("gate.rangeDb", Decibels, gate.range_db),
    param!("compressor.thresholdDb", Decibels, compressor.threshold_db),
    param!("compressor.ratio", Ratio, compressor.ratio),
    param!("compressor.kneeDb", Decibels, compressor.knee_db),
    param!("compressor.attackMs", Log, compressor.attack_ms),
    param!("compressor.releaseMs", Log, compressor.release_ms),
    param!("compressor.makeupDb", Decibels, compressor.makeup_db),
    param!("eq.lowFreqHz", Frequency, eq.low_freq_hz),
    param!("eq.lowGainDb", Decibels, eq.low_gain_db),
    param!("eq.midFreqHz", Frequency, eq.mid_freq_hz),
    param!("eq.midGainDb", Decibels, eq.mid_gain_db),
    param!("eq.midQ", Log, eq.mid_q),
    param!("eq.highFreqHz", Frequency, eq.high_freq_hz),
    param!("eq.highGainDb", Decibels, eq.high_gain_db),
];

/// The managed parameters' current values in `config`.
pub fn read(config: &ChainConfig) -> Values {
    std::array::from_fn(|i| (PARAMS[i].get)(config))
}

/// Writes `values` into `config`, except the parameters set in `pinned` (bit `i` = `PARAMS[i]`).
pub fn write(values: &Values, pinned: u32, config: &mut ChainConfig) {
    for (i, (param, &v)) in PARAMS.iter().zip(values).enumerate() {
        if pinned & (1 << i) == 0 {
            (param.set)(config, v);
        }
    }
}

/// The point a fraction `t` (0..=1) of the way from `from` to `to`, each parameter on the
/// straight line of its [`Domain`]; `t = 1` gives `to` exactly.
pub fn interpolate(from: &Values, to: &Values, t: f64) -> Values {
    if t >= 1.0 {
        return *to;
    }
    std::array::from_fn(|i| {
        let d = PARAMS[i].domain;
        let (a, b) = (d.to_line(from[i]), d.to_line(to[i]));
        d.from_line(a + (b - a) * t)
    })
}

/// The managed parameters a configuration document sets explicitly, as bits of
/// [`PARAMS`] indices.
pub fn pinned_by(document: &Value) -> u32 {
    PARAMS.iter().enumerate().fold(0, |bits, (i, param)| {
        let mut node = Some(document);
        for key in param.path.split('.') {
            node = node.and_then(|n| n.get(key));
        }
        if node.is_some() {
            bits | (1 << i)
        } else {
            bits
        }
    })
}

/// What the presets follow: a [`GenreDecision`] as the presets and meters need it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PresetDecision {
    /// The genre's name, `None` below the classifier's confidence threshold.
    pub genre: Option<&'static str>,
    pub confidence: f32,
}

impl From<&GenreDecision> for PresetDecision {
    fn from(decision: &GenreDecision) -> Self {
        Self {
            genre: decision.genre.map(|g| g.as_str()),
            confidence: decision.confidence,
        }
    }
}

impl PresetDecision {
    pub fn preset(&self) -> Preset {
        Preset::for_genre(self.genre)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_parameter_moves_on_the_line_of_its_domain() {
        let from = Preset::Speech.values(48_000.0);
        let to = Preset::Electronic.values(48_000.0);
        let half = interpolate(&from, &to, 0.5);
        for (i, param) in PARAMS.iter().enumerate() {
            let (a, b, m) = (from[i], to[i], half[i]);
            let expected = match param.domain {
                Domain::Decibels => (a + b) / 2.0,
                Domain::Frequency | Domain::Log => (a * b).sqrt(),
                Domain::Ratio => 2.0 / (1.0 / a + 1.0 / b),
            };
            assert!(
                (m - expected).abs() <= 1e-9 * expected.abs().max(1.0),
                "{}: {m} vs {expected}",
                param.path
            );
        }
        assert_eq!(interpolate(&from, &to, 1.0), to, "the end point exactly");
        for (a, b) in interpolate(&from, &to, 0.0).iter().zip(&from) {
            assert!((a - b).abs() <= 1e-12 * b.abs().max(1.0));
        }
    }

    #[test]
    fn read_and_write_follow_the_paths() {
        let mut config = ChainConfig::default();
        let values: Values = std::array::from_fn(|i| i as f64 + 0.5);
        write(&values, 0b10, &mut config);
        let back = read(&config);
        assert_eq!(
            back[1],
            ChainConfig::default().gate.range_db,
            "bit 1 (gate.rangeDb) is pinned"
        );
        assert_eq!(config.eq.high_gain_db, 14.5);
        assert_eq!(config.compressor.ratio, 3.5);
        assert_eq!(PARAMS[3].path, "compressor.ratio");
    }
}
