//! The mixer chain: (noise suppression) → noise gate → compressor → three-band EQ →
//! (loudness normalisation) → limiter, with per-stage bypass and meters, configured by a
//! [`ChainConfig`].

use crate::error::{check_audio, AudioError, ConfigError};
use crate::genre::{StreamingGenreClassifier, StreamingGenreOptions};
use crate::mixer::adaptive::UPDATE_SAMPLES;
use crate::mixer::compressor::Compressor;
use crate::mixer::config::ChainConfig;
use crate::mixer::denoise::Denoiser;
use crate::mixer::eq::ThreeBandEq;
use crate::mixer::gate::NoiseGate;
use crate::mixer::limiter::Limiter;
use crate::mixer::meters::{peak_rms_db, AdaptiveMeters, DenoiseMeters, LoudnessMeters, Meters};
use crate::mixer::morph::Morph;
use crate::mixer::normalizer::LoudnessNormalizer;
use crate::mixer::presets;
use crate::mixer::presets::PresetDecision;
use crate::units::gain_to_db;

/// Gain reduction in dB (≥ 0, and +0 rather than −0 at unity) of a linear gain.
fn reduction_db(gain: f32) -> f64 {
    0.0 - gain_to_db(f64::from(gain))
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
/// between genre presets ([`crate::mixer::morph`]).
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
        if config.sample_rate != self.config.sample_rate || config.channels != self.config.channels
        {
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
                    // Each channel is scaled before the sum, so samples up to ±f32::MAX
                    // stay finite (halving is exact: the same bits as halving the sum).
                    let piece = &block[start..end];
                    if channels == 1 {
                        classifier.push(piece)?;
                    } else {
                        let share = 1.0 / channels as f32;
                        self.mixdown.clear();
                        self.mixdown.extend(
                            piece
                                .chunks_exact(channels)
                                .map(|f| f.iter().map(|x| x * share).sum::<f32>()),
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
