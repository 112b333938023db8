//! The mixer chain's parameters as one table: the top-level `sampleRate` and `channels`,
//! and per stage every key, with what it does and, for numbers, the [`Range`] it is
//! validated against (limits and unit); defaults come from the configurations'
//! `Default`. The single source of the parameter documentation: the typings
//! (`src/typedefs.d.ts`, copied into `index.d.ts`) and the README's parameter table are
//! generated from it (checked, and rewritten on request, by `tests/parameter_docs.rs`),
//! and the cloud's `AudioMixer` node describes its parameters from it.

use serde_json::Value;

use crate::mixer::adaptive::AdaptiveConfig;
use crate::mixer::compressor::CompressorConfig;
use crate::mixer::config::ChainConfig;
use crate::mixer::denoise::DenoiseConfig;
use crate::mixer::eq::EqConfig;
use crate::mixer::gate::NoiseGateConfig;
use crate::mixer::limiter::LimiterConfig;
use crate::mixer::link::Channels;
use crate::mixer::normalizer::LoudnessStageConfig;
use crate::range::Range;

/// What a parameter takes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// A number within its range (whose name is the parameter's dotted path).
    Number(Range),
    /// A whole number within its range (whose name is the parameter's path).
    Count(Range),
    /// `true` or `false`.
    Flag(&'static str),
}

/// One configuration key.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Parameter {
    pub kind: Kind,
    /// What it does, without unit or range (those come from the range).
    pub doc: &'static str,
}

impl Parameter {
    pub const fn number(range: Range, doc: &'static str) -> Self {
        Self {
            kind: Kind::Number(range),
            doc,
        }
    }

    pub const fn count(range: Range, doc: &'static str) -> Self {
        Self {
            kind: Kind::Count(range),
            doc,
        }
    }

    pub const fn flag(key: &'static str, doc: &'static str) -> Self {
        Self {
            kind: Kind::Flag(key),
            doc,
        }
    }

    /// The key within its stage's object (`thresholdDb`).
    pub fn key(&self) -> &'static str {
        match self.kind {
            Kind::Number(range) | Kind::Count(range) => {
                range.name.rsplit('.').next().unwrap_or(range.name)
            }
            Kind::Flag(key) => key,
        }
    }

    /// What is allowed, as the validation messages say it (`-96 to 0 dBFS`).
    pub fn allowed(&self) -> String {
        match self.kind {
            Kind::Number(range) if range.unit.is_empty() => {
                format!("{} to {}", range.min, range.max)
            }
            Kind::Number(range) => format!("{} to {} {}", range.min, range.max, range.unit),
            Kind::Count(range) => format!("a whole number from {} to {}", range.min, range.max),
            Kind::Flag(_) => "true or false".into(),
        }
    }
}

/// One object of the chain configuration.
#[derive(Debug, Clone, Copy)]
pub struct Stage {
    /// Its key in the chain configuration.
    pub key: &'static str,
    /// Its TypeScript interface.
    pub interface: &'static str,
    /// What the stage is.
    pub doc: &'static str,
    /// Absent from the serialised configuration while at its defaults (off).
    pub optional: bool,
    pub parameters: &'static [Parameter],
    /// The stage's defaults as JSON (camelCase keys).
    pub defaults: fn() -> Value,
}

impl Stage {
    /// The stage's keys with unit and range, for a node's parameter description:
    /// `Noise gate. Keys: thresholdDb (-96 to 0 dBFS), …, bypass (true or false).`
    pub fn summary(&self) -> String {
        let keys: Vec<String> = self
            .parameters
            .iter()
            .map(|p| format!("{} ({})", p.key(), p.allowed()))
            .collect();
        format!("{}. Keys: {}.", self.doc, keys.join(", "))
    }

    /// The default value of `parameter`.
    pub fn default_of(&self, parameter: &Parameter) -> Value {
        (self.defaults)()
            .get(parameter.key())
            .cloned()
            .unwrap_or(Value::Null)
    }
}

/// `sampleRate`, top-level like `channels`.
pub const SAMPLE_RATE: Parameter = Parameter::number(
    ChainConfig::SAMPLE_RATE,
    "Sample rate (changing it resets the chain)",
);

/// `channels`, the chain's channel layout (absent from the serialised configuration
/// while mono).
pub const CHANNELS: Parameter = Parameter::count(
    Channels::RANGE,
    "1 mono or 2 interleaved stereo (L R L R ...) with linked gain: one gain for both channels from the frame's larger magnitude, EQ per channel (changing it resets the chain)",
);

const SKIP: &str = "Skip the stage (its state is reset when it is enabled again)";

/// The stages in chain order (`denoise` first), `loudness` and `adaptive` last.
pub const STAGES: &[Stage] = &[
    Stage {
        key: "denoise",
        interface: "DenoiseConfig",
        doc: "Noise suppression (RNNoise) before the gate: 48 kHz only, 960 samples (20 ms) of latency per channel while on",
        optional: true,
        parameters: &[
            Parameter::flag(
                "enabled",
                "Run the stage (needs sampleRate 48000; adds 960 samples to the latency)",
            ),
            Parameter::number(
                DenoiseConfig::ATTENUATION_LIMIT_DB,
                "The most it takes away: the delayed input is mixed back in at -attenuationLimitDb (100: no limit; 0: a pure delay)",
            ),
        ],
        defaults: || to_json(DenoiseConfig::default()),
    },
    Stage {
        key: "gate",
        interface: "GateConfig",
        doc: "Noise gate. Levels are dBFS RMS (10 ms detector)",
        optional: false,
        parameters: &[
            Parameter::flag("bypass", SKIP),
            Parameter::number(NoiseGateConfig::THRESHOLD_DB, "Open threshold"),
            Parameter::number(
                NoiseGateConfig::HYSTERESIS_DB,
                "Hysteresis: closes below thresholdDb - hysteresisDb",
            ),
            Parameter::number(NoiseGateConfig::ATTACK_MS, "Full opening ramp (linear in dB)"),
            Parameter::number(
                NoiseGateConfig::HOLD_MS,
                "Time below the close threshold before closing",
            ),
            Parameter::number(NoiseGateConfig::RELEASE_MS, "Full closing ramp (linear in dB)"),
            Parameter::number(NoiseGateConfig::RANGE_DB, "Gain when closed"),
        ],
        defaults: || to_json(NoiseGateConfig::default()),
    },
    Stage {
        key: "compressor",
        interface: "CompressorConfig",
        doc: "Feed-forward soft-knee compressor (Giannoulis et al. 2012)",
        optional: false,
        parameters: &[
            Parameter::flag("bypass", SKIP),
            Parameter::number(CompressorConfig::THRESHOLD_DB, "Threshold (sample level)"),
            Parameter::number(
                CompressorConfig::RATIO,
                "Ratio: input dB per output dB above the threshold",
            ),
            Parameter::number(CompressorConfig::KNEE_DB, "Knee width, centred on the threshold"),
            Parameter::number(
                CompressorConfig::ATTACK_MS,
                "Attack time constant (63.2 % of a step)",
            ),
            Parameter::number(
                CompressorConfig::RELEASE_MS,
                "Release time constant (63.2 % of a step)",
            ),
            Parameter::number(CompressorConfig::MAKEUP_DB, "Makeup gain"),
        ],
        defaults: || to_json(CompressorConfig::default()),
    },
    Stage {
        key: "eq",
        interface: "EqConfig",
        doc: "Three-band EQ: low shelf, mid peak, high shelf (RBJ cookbook, shelves with slope S = 1). Frequencies must be below 0.49 x sampleRate",
        optional: false,
        parameters: &[
            Parameter::flag("bypass", SKIP),
            Parameter::number(EqConfig::LOW_FREQ_HZ, "Low-shelf corner (half-gain point)"),
            Parameter::number(EqConfig::LOW_GAIN_DB, "Low-shelf gain"),
            Parameter::number(EqConfig::MID_FREQ_HZ, "Mid peak centre"),
            Parameter::number(EqConfig::MID_GAIN_DB, "Mid peak gain"),
            Parameter::number(EqConfig::MID_Q, "Mid peak Q"),
            Parameter::number(EqConfig::HIGH_FREQ_HZ, "High-shelf corner (half-gain point)"),
            Parameter::number(EqConfig::HIGH_GAIN_DB, "High-shelf gain"),
        ],
        defaults: || to_json(EqConfig::default()),
    },
    Stage {
        key: "limiter",
        interface: "LimiterConfig",
        doc: "Brickwall lookahead limiter",
        optional: false,
        parameters: &[
            Parameter::flag(
                "bypass",
                "Pass the delayed input through unlimited (the latency stays, so toggling it never shifts the signal)",
            ),
            Parameter::number(LimiterConfig::CEILING_DB, "Ceiling: no output sample exceeds it"),
            Parameter::number(LimiterConfig::LOOKAHEAD_MS, "Lookahead, also the latency"),
            Parameter::number(LimiterConfig::RELEASE_MS, "Release time constant"),
        ],
        defaults: || to_json(LimiterConfig::default()),
    },
    Stage {
        key: "loudness",
        interface: "LoudnessStageConfig",
        doc: "Loudness normalisation between the EQ and the limiter (EBU R128 / BS.1770 measurement of the stage's input, feed-forward)",
        optional: true,
        parameters: &[
            Parameter::flag("enabled", "Run the stage"),
            Parameter::number(
                LoudnessStageConfig::TARGET_LUFS,
                "Target loudness (-16 podcast, -14 streaming, -23 broadcast)",
            ),
            Parameter::number(LoudnessStageConfig::MAX_GAIN_DB, "Largest boost or cut"),
            Parameter::number(
                LoudnessStageConfig::WINDOW_MS,
                "Gated measurement window (3000: the EBU short-term window)",
            ),
            Parameter::number(
                LoudnessStageConfig::SLEW,
                "Fastest gain change (per sample: slewDbPerSecond / sampleRate dB)",
            ),
        ],
        defaults: || to_json(LoudnessStageConfig::default()),
    },
    Stage {
        key: "adaptive",
        interface: "AdaptiveConfig",
        doc: "Genre-adaptive presets (speech, rock, jazz, electronic, classical, neutral)",
        optional: true,
        parameters: &[
            Parameter::flag("enabled", "Move between genre presets"),
            Parameter::number(AdaptiveConfig::SMOOTHING_MS, "Duration of a morph between presets"),
        ],
        defaults: || to_json(AdaptiveConfig::default()),
    },
];

/// The stage named `key`.
pub fn stage(key: &str) -> Option<&'static Stage> {
    STAGES.iter().find(|s| s.key == key)
}

/// The chain's default `sampleRate`.
pub fn default_sample_rate() -> Value {
    to_json(ChainConfig::default())
        .get(SAMPLE_RATE.key())
        .cloned()
        .unwrap_or(Value::Null)
}

/// The chain's default `channels`.
pub fn default_channels() -> Value {
    to_json(Channels::default())
}

fn to_json(value: impl serde::Serialize) -> Value {
    serde_json::to_value(value).expect("a configuration serialises")
}

/// A JSON number as the documentation writes it (`-50`, not `-50.0`).
pub fn number(value: &Value) -> String {
    match value.as_f64() {
        Some(x) => x.to_string(),
        None => value.to_string(),
    }
}
