//! The mixer chain: (noise suppression) → noise gate → compressor → three-band EQ →
//! (loudness normalisation) → limiter, with per-stage bypass and meters.
//!
//! The chain is configured by one JSON document (camelCase keys, see [`ChainConfig`]),
//! the same natively, in `mixer.wasm` and over the wire. Omitted keys take their
//! defaults; unknown keys and out-of-range values are rejected with the parameter's
//! dotted path.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::adaptive::{pinned_by, AdaptiveConfig, Morph, PresetDecision, UPDATE_SAMPLES};
use crate::compressor::{Compressor, CompressorConfig};
use crate::denoise::{DenoiseConfig, Denoiser};
use crate::eq::{EqConfig, ThreeBandEq};
use crate::error::{check_audio, AudioError, ConfigError};
use crate::gate::{NoiseGate, NoiseGateConfig};
use crate::genre::{StreamingGenreClassifier, StreamingGenreOptions};
use crate::limiter::{Limiter, LimiterConfig};
use crate::link::Channels;
use crate::meters::{peak_rms_db, AdaptiveMeters, DenoiseMeters, LoudnessMeters, Meters};
use crate::normalizer::{LoudnessNormalizer, LoudnessStageConfig};
use crate::presets;
use crate::range::Range;
use crate::units::gain_to_db;

/// The default sample rate, Hz.
pub const SAMPLE_RATE_HZ: f64 = 48_000.0;
/// Samples in one 20 ms frame at 48 kHz. The chain accepts blocks of any length.
pub const FRAME_SAMPLES: usize = 960;

/// Configuration of the whole chain. The defaults are a podcast/voice chain: a gentle
/// gate at −50 dBFS, 3:1 compression from −20 dBFS with 3 dB makeup, a low-shelf cut, a
/// presence and an air lift, and a −1 dBFS limiter with 5 ms lookahead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ChainConfig {
    /// Sample rate, Hz. 8000 to 192000. Default 48000. Changing it resets the chain.
    pub sample_rate: f64,
    /// 1 (mono, the default; then absent from the serialised configuration) or 2
    /// (interleaved stereo with linked gain, see [`crate::link`]). Changing it resets the
    /// chain.
    #[serde(skip_serializing_if = "is_default")]
    pub channels: Channels,
    /// Noise suppression (RNNoise) before the gate; 48 kHz only. Off by default (and then
    /// absent from the serialised configuration).
    #[serde(skip_serializing_if = "is_default")]
    pub denoise: DenoiseConfig,
    pub gate: NoiseGateConfig,
    pub compressor: CompressorConfig,
    pub eq: EqConfig,
    pub limiter: LimiterConfig,
    /// Loudness normalisation between the EQ and the limiter. Off by default (and then
    /// absent from the serialised configuration).
    #[serde(skip_serializing_if = "is_default")]
    pub loudness: LoudnessStageConfig,
    /// Genre-adaptive presets: `true` or `{ enabled, smoothingMs }`. Off by default (and
    /// then absent from the serialised configuration).
    #[serde(skip_serializing_if = "is_default")]
    pub adaptive: AdaptiveConfig,
    /// The preset-managed parameters the user set explicitly (bits of
    /// [`presets::PARAMS`]): they keep the user's value while adaptive.
    #[serde(skip)]
    pub pinned: u32,
}

fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

impl Default for ChainConfig {
    fn default() -> Self {
        Self {
            sample_rate: SAMPLE_RATE_HZ,
            channels: Channels::Mono,
            denoise: DenoiseConfig::default(),
            gate: NoiseGateConfig::default(),
            compressor: CompressorConfig::default(),
            eq: EqConfig::default(),
            limiter: LimiterConfig::default(),
            loudness: LoudnessStageConfig::default(),
            adaptive: AdaptiveConfig::default(),
            pinned: 0,
        }
    }
}

impl ChainConfig {
    pub const SAMPLE_RATE: Range = Range::new("sampleRate", 8000.0, 192_000.0, "Hz");

    pub fn validate(&self) -> Result<(), ConfigError> {
        Self::SAMPLE_RATE.check(self.sample_rate)?;
        self.denoise.validate(self.sample_rate)?;
        self.gate.validate()?;
        self.compressor.validate()?;
        self.eq.validate(self.sample_rate)?;
        self.limiter.validate()?;
        self.loudness.validate()?;
        self.adaptive.validate(self.sample_rate)
    }

    /// Parses and validates a complete or partial configuration (omitted keys take
    /// their defaults). The preset-managed parameters it names are pinned.
    pub fn from_json(value: &Value) -> Result<Self, ConfigError> {
        let mut config: Self = serde_path_to_error::deserialize(value).map_err(|err| {
            let path = err.path().to_string();
            let inner = err.into_inner().to_string();
            if path == "." {
                ConfigError::new("", format!("invalid mixer config: {inner}"))
            } else {
                ConfigError::new(
                    path.clone(),
                    format!("invalid mixer config at {path}: {inner}"),
                )
            }
        })?;
        config.validate()?;
        config.pinned = pinned_by(value);
        Ok(config)
    }

    /// This configuration with `partial` merged over it (objects merge key by key), validated.
    /// The preset-managed parameters `partial` names join the pinned ones. On error
    /// nothing is changed.
    pub fn merged(&self, partial: &Value) -> Result<Self, ConfigError> {
        if !partial.is_object() {
            return Err(ConfigError::new(
                "",
                "invalid mixer config: expected an object such as { \"compressor\": { \"ratio\": 4 } }",
            ));
        }
        let mut value = serde_json::to_value(self).expect("config serialises");
        merge(&mut value, partial);
        let mut config = Self::from_json(&value)?;
        config.pinned = self.pinned | pinned_by(partial);
        Ok(config)
    }

    /// Latency of the chain, samples per channel: the limiter's lookahead, plus the
    /// denoiser's 960 samples when it is on.
    pub fn latency_samples(&self) -> usize {
        self.limiter.lookahead_samples(self.sample_rate) + self.denoise.latency_samples()
    }
}

/// Gain reduction in dB (≥ 0, and +0 rather than −0 at unity) of a linear gain.
fn reduction_db(gain: f32) -> f64 {
    0.0 - gain_to_db(f64::from(gain))
}

fn merge(base: &mut Value, patch: &Value) {
    match (base, patch) {
        (Value::Object(base), Value::Object(patch)) => {
            for (key, value) in patch {
                match base.get_mut(key) {
                    Some(slot) if slot.is_object() && value.is_object() => merge(slot, value),
                    _ => {
                        base.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (base, patch) => *base = patch.clone(),
    }
}

/// The adaptive part of a chain: the preset morph, the latest decision and the
/// configuration the stages run with (the user's, with the unpinned managed parameters
/// at the morph's values).
#[derive(Debug, Clone)]
struct Adaptive {
    morph: Morph,
    /// The streaming genre classifier fed with the chain's input; `None` once decisions
    /// are handed in by [`MixerChain::set_decision`].
    classifier: Option<StreamingGenreClassifier>,
    decision: Option<PresetDecision>,
    /// A decision handed in by [`MixerChain::set_decision`], taken at the next update step.
    pending: Option<PresetDecision>,
    effective: ChainConfig,
}

impl Adaptive {
    /// `config` is validated (so the classifier accepts its sample rate).
    fn new(config: &ChainConfig, settled: bool) -> Self {
        let morph = Morph::new(
            &config.adaptive,
            config.sample_rate,
            presets::read(config),
            settled,
        );
        let mut effective = config.clone();
        presets::write(morph.values(), config.pinned, &mut effective);
        let classifier = StreamingGenreClassifier::new(
            config.sample_rate as u32,
            StreamingGenreOptions::default(),
        )
        .expect("ChainConfig::validate checked the classifier's sample rate");
        Self {
            morph,
            classifier: Some(classifier),
            decision: None,
            pending: None,
            effective,
        }
    }
}

/// Gain reductions gathered over the pieces of one block.
struct StageRun {
    gate_min: f32,
    compressor_max: f32,
    limiter_min: f32,
}

/// (Noise suppression) → gate → compressor → EQ → (loudness normalisation) → limiter on
/// mono or interleaved stereo blocks of any length (whole frames), optionally moving
/// between genre presets ([`crate::adaptive`]).
#[derive(Debug, Clone)]
pub struct MixerChain {
    config: ChainConfig,
    denoiser: Option<Denoiser>,
    gate: NoiseGate,
    compressor: Compressor,
    eq: ThreeBandEq,
    normalizer: Option<LoudnessNormalizer>,
    limiter: Limiter,
    adaptive: Option<Adaptive>,
    /// Frames processed since the start or the last reset (the update-step grid).
    position: u64,
    meters: Meters,
    /// Stereo and adaptive: the mono mixdown the genre classifier hears (reused buffer).
    mixdown: Vec<f32>,
}

impl MixerChain {
    pub fn new(config: ChainConfig) -> Result<Self, ConfigError> {
        config.validate()?;
        let (rate, channels) = (config.sample_rate, config.channels);
        let adaptive = config
            .adaptive
            .enabled()
            .then(|| Adaptive::new(&config, true));
        let stages = adaptive.as_ref().map_or(&config, |a| &a.effective);
        Ok(Self {
            denoiser: config
                .denoise
                .enabled
                .then(|| Denoiser::new(&config.denoise, channels)),
            gate: NoiseGate::with_channels(&stages.gate, rate, channels),
            compressor: Compressor::with_channels(&stages.compressor, rate, channels),
            eq: ThreeBandEq::with_channels(&stages.eq, rate, channels),
            normalizer: config
                .loudness
                .enabled
                .then(|| LoudnessNormalizer::with_channels(&config.loudness, rate, channels)),
            limiter: Limiter::with_channels(&config.limiter, rate, channels),
            adaptive,
            position: 0,
            meters: Meters::default(),
            mixdown: Vec::new(),
            config,
        })
    }

    pub fn config(&self) -> &ChainConfig {
        &self.config
    }

    /// The configuration the stages run with now: the user's, or while adaptive, the
    /// user's with the unpinned preset parameters at their current (morphing) values.
    pub fn effective_config(&self) -> &ChainConfig {
        self.adaptive
            .as_ref()
            .map_or(&self.config, |a| &a.effective)
    }

    /// Applies a new configuration between blocks. Filter and detector state carries
    /// over; a stage coming out of bypass starts from reset state; a new sample rate or
    /// channel count resets the whole chain and a new lookahead resets the limiter. Turning
    /// `denoise` on starts it from silence and adds its latency; turning it off removes
    /// both at once. Turning `adaptive`
    /// on morphs from the configured values to the neutral preset; turning it off
    /// returns to the configured values at once.
    pub fn configure(&mut self, config: ChainConfig) -> Result<(), ConfigError> {
        config.validate()?;
        if config.sample_rate != self.config.sample_rate || config.channels != self.config.channels {
            *self = Self::new(config)?;
            return Ok(());
        }
        let rate = config.sample_rate;
        self.adaptive = match (self.adaptive.take(), config.adaptive.enabled()) {
            (_, false) => None,
            (None, true) => Some(Adaptive::new(&config, false)),
            (Some(mut adaptive), true) => {
                adaptive.morph.set_config(&config.adaptive);
                adaptive.effective = config.clone();
                presets::write(
                    adaptive.morph.values(),
                    config.pinned,
                    &mut adaptive.effective,
                );
                Some(adaptive)
            }
        };
        match (&mut self.denoiser, config.denoise.enabled) {
            (_, false) => self.denoiser = None,
            (Some(stage), true) => stage.set_config(&config.denoise),
            (None, true) => self.denoiser = Some(Denoiser::new(&config.denoise, config.channels)),
        }
        let old = std::mem::replace(&mut self.config, config);
        let new = self
            .adaptive
            .as_ref()
            .map_or(&self.config, |a| &a.effective);
        self.gate.set_config(&new.gate, rate);
        if old.gate.bypass && !new.gate.bypass {
            self.gate.reset();
        }
        self.compressor.set_config(&new.compressor, rate);
        if old.compressor.bypass && !new.compressor.bypass {
            self.compressor.reset();
        }
        self.eq.set_config(&new.eq, rate);
        if old.eq.bypass && !new.eq.bypass {
            self.eq.reset();
        }
        match (&mut self.normalizer, new.loudness.enabled) {
            (_, false) => self.normalizer = None,
            (Some(stage), true) => stage.set_config(&new.loudness, rate),
            (None, true) => {
                self.normalizer = Some(LoudnessNormalizer::with_channels(
                    &new.loudness,
                    rate,
                    new.channels,
                ))
            }
        }
        self.limiter.set_config(&new.limiter, rate);
        Ok(())
    }

    /// Hands the adaptive chain a genre decision (as a classifier running elsewhere, or a
    /// test, would); it takes effect at the next update step ([`UPDATE_SAMPLES`] grid).
    /// From then on the built-in classifier is no longer consulted (until a reset).
    /// Ignored unless adaptive.
    pub fn set_decision(&mut self, decision: PresetDecision) {
        if let Some(adaptive) = &mut self.adaptive {
            adaptive.classifier = None;
            adaptive.pending = Some(decision);
        }
    }

    /// Whether a preset morph is in progress (false when not adaptive).
    pub fn is_morphing(&self) -> bool {
        self.adaptive
            .as_ref()
            .is_some_and(|a| !a.morph.is_settled())
    }

    /// Latency, samples per channel: the limiter's lookahead (also while it is
    /// bypassed), plus the denoiser's when it is on.
    pub fn latency_samples(&self) -> usize {
        self.limiter.latency() + self.denoiser.as_ref().map_or(0, Denoiser::latency)
    }

    /// Meters of the last processed block.
    pub fn meters(&self) -> Meters {
        self.meters
    }

    /// Clears every stage's state and the meters, keeping the configuration (an adaptive
    /// chain returns to the neutral preset).
    pub fn reset(&mut self) {
        if self.adaptive.is_some() {
            let adaptive = Adaptive::new(&self.config, true);
            let rate = self.config.sample_rate;
            self.gate.set_config(&adaptive.effective.gate, rate);
            self.compressor
                .set_config(&adaptive.effective.compressor, rate);
            self.eq.set_config(&adaptive.effective.eq, rate);
            self.adaptive = Some(adaptive);
        }
        if let Some(stage) = &mut self.denoiser {
            stage.reset();
        }
        self.gate.reset();
        self.compressor.reset();
        self.eq.reset();
        if let Some(stage) = &mut self.normalizer {
            stage.reset();
        }
        self.limiter.reset();
        self.position = 0;
        self.meters = Meters::default();
    }

    /// Processes `block` (interleaved when stereo) in place. An empty block, a partial
    /// frame or a non-finite sample is rejected before anything changes.
    pub fn process(&mut self, block: &mut [f32]) -> Result<(), AudioError> {
        check_audio(block)?;
        let channels = self.config.channels.count();
        if !block.len().is_multiple_of(channels) {
            return Err(AudioError::PartialFrame {
                samples: block.len(),
                channels,
            });
        }
        let (input_peak_db, input_rms_db) = peak_rms_db(block);
        let mut run = StageRun {
            gate_min: 1.0,
            compressor_max: 0.0,
            limiter_min: 1.0,
        };
        if self.adaptive.is_some() {
            // Pieces end on the update grid (in frames), where the presets advance.
            let mut start = 0;
            while start < block.len() {
                let to_grid = UPDATE_SAMPLES - (self.position % UPDATE_SAMPLES as u64) as usize;
                let end = block.len().min(start + to_grid * channels);
                if let Some(classifier) = self.adaptive.as_mut().and_then(|a| a.classifier.as_mut())
                {
                    // The chain's input (finite: checked above), mixed down to mono.
                    let piece = &block[start..end];
                    if channels == 1 {
                        classifier.push(piece)?;
                    } else {
                        self.mixdown.clear();
                        self.mixdown.extend(
                            piece.chunks_exact(channels).map(|f| f.iter().sum::<f32>() / channels as f32),
                        );
                        classifier.push(&self.mixdown)?;
                    }
                }
                self.run_stages(&mut block[start..end], &mut run);
                self.position += ((end - start) / channels) as u64;
                if self.position.is_multiple_of(UPDATE_SAMPLES as u64) {
                    self.update_presets();
                }
                start = end;
            }
        } else {
            self.run_stages(block, &mut run);
            self.position += (block.len() / channels) as u64;
        }
        let stages = self.effective_config();
        let mut meters = Meters {
            input_peak_db,
            input_rms_db,
            ..Meters::default()
        };
        if !stages.gate.bypass {
            meters.gate_reduction_db = reduction_db(run.gate_min);
        }
        meters.gate_open = stages.gate.bypass || self.gate.is_open();
        if !stages.compressor.bypass {
            meters.compressor_reduction_db = f64::from(run.compressor_max);
        }
        meters.limiter_reduction_db = reduction_db(run.limiter_min);
        (meters.output_peak_db, meters.output_rms_db) = peak_rms_db(block);
        meters.denoise = self.denoiser.as_ref().map(|stage| DenoiseMeters {
            denoise_speech_probability: stage.speech_probability(),
        });
        meters.loudness = self.normalizer.as_ref().map(|stage| LoudnessMeters {
            loudness_lufs: stage.measured_lufs(),
            normalization_gain_db: stage.gain_db(),
        });
        meters.adaptive = self.adaptive.as_ref().map(|a| AdaptiveMeters {
            genre: a.decision.and_then(|d| d.genre),
            genre_confidence: a.decision.map_or(0.0, |d| d.confidence),
            preset: a.morph.target().as_str(),
        });
        self.meters = meters;
        Ok(())
    }

    /// Every stage over one piece of a block.
    fn run_stages(&mut self, piece: &mut [f32], run: &mut StageRun) {
        let stages = self
            .adaptive
            .as_ref()
            .map_or(&self.config, |a| &a.effective);
        if let Some(stage) = &mut self.denoiser {
            stage.process(piece);
        }
        if !stages.gate.bypass {
            run.gate_min = run.gate_min.min(self.gate.process(piece));
        }
        if !stages.compressor.bypass {
            run.compressor_max = run.compressor_max.max(self.compressor.process(piece));
        }
        if !stages.eq.bypass {
            self.eq.process(piece);
        }
        if let Some(stage) = &mut self.normalizer {
            stage.process(piece);
        }
        run.limiter_min = run.limiter_min.min(self.limiter.process(piece));
    }

    /// At an update-grid point: takes the latest decision (handed in, or the classifier's),
    /// advances the morph and hands the stages the new parameters.
    fn update_presets(&mut self) {
        let Some(adaptive) = &mut self.adaptive else {
            return;
        };
        let decision = adaptive.pending.take().or_else(|| {
            adaptive
                .classifier
                .as_ref()
                .map(|c| PresetDecision::from(&c.decision()))
        });
        if let Some(decision) = decision {
            adaptive.decision = Some(decision);
            adaptive.morph.retarget(decision.preset());
        }
        let Some(values) = adaptive.morph.step() else {
            return;
        };
        presets::write(values, self.config.pinned, &mut adaptive.effective);
        let (stages, rate) = (&adaptive.effective, self.config.sample_rate);
        self.gate.set_config(&stages.gate, rate);
        self.compressor.set_config(&stages.compressor, rate);
        self.eq.set_config(&stages.eq, rate);
    }
}
