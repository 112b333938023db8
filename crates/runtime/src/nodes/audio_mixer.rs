//! `AudioMixer`: the native (denoise →) gate → compressor → EQ → limiter chain, one chain per
//! request or stream (a stream stays continuous across frames). With `channels: 2` the
//! chain is stereo with linked gain: it takes one vector of interleaved samples (what
//! f32le carries) or two planar channels (JSON), and answers in the same shape.

use edgemix_dsp::{ChainConfig, MixerChain};
use serde_json::Value;

use super::data::{Audio, NodeData};
use super::error::NodeError;
use super::params::{ParamSpec, ParamType};
use super::registry::NodeSpec;
use super::Node;

const NAME: &str = "AudioMixer";

struct AudioMixer {
    chain: MixerChain,
}

impl Node for AudioMixer {
    fn process(&mut self, input: NodeData) -> Result<NodeData, NodeError> {
        let audio = input.into_audio(NAME)?;
        Audio::check_rate(audio.sample_rate, self.chain.config().sample_rate, NAME)?;
        let channels = self.chain.config().channels.count();
        let (layout, rate) = (audio.channels.len(), audio.sample_rate);
        let mut samples = audio.into_interleaved(channels, NAME)?;
        self.chain.process(&mut samples)?;
        Ok(NodeData::Audio(Audio::from_interleaved(samples, layout, rate)))
    }

    /// The limiter's lookahead still holds the last `latency` frames: pushes that many
    /// silent frames through and returns them (interleaved when stereo).
    fn flush(&mut self) -> Result<Option<NodeData>, NodeError> {
        let latency = self.chain.latency_samples();
        if latency == 0 {
            return Ok(None);
        }
        let mut tail = vec![0.0; latency * self.chain.config().channels.count()];
        self.chain.process(&mut tail)?;
        Ok(Some(NodeData::Audio(Audio::mono(tail, None))))
    }
}

fn default_of(section: &str) -> String {
    let config = serde_json::to_value(ChainConfig::default()).expect("config serialises");
    config
        .get(section)
        .map(Value::to_string)
        .unwrap_or_default()
}

pub fn spec() -> NodeSpec {
    NodeSpec::new(
        NAME,
        "audio",
        "The native mixer chain ((noise suppression,) noise gate, compressor, 3-band EQ, limiter) on mono or stereo audio (channels: 2, linked gain; \
         interleaved or planar) at any block length; \
         state carries across the frames of a stream and the limiter tail is flushed at its end. \
         Configured like MixerChain: omitted keys take the podcast/voice defaults.",
        vec![
            ParamSpec::new("sampleRate", ParamType::Number(Some(ChainConfig::SAMPLE_RATE)), "48000", "Sample rate of the audio, Hz."),
            ParamSpec::new("channels", ParamType::Integer { min: 1, max: 2 }, "1", "1 (mono) or 2 (stereo, linked gain)."),
            ParamSpec::new("denoise", ParamType::Object, "{\"enabled\":false}", "Noise suppression (RNNoise) before the gate, 48 kHz only, 960 samples of latency (enabled, attenuationLimitDb)."),
            ParamSpec::new("gate", ParamType::Object, default_of("gate"), "Noise gate settings (thresholdDb, hysteresisDb, attackMs, holdMs, releaseMs, rangeDb, bypass)."),
            ParamSpec::new("compressor", ParamType::Object, default_of("compressor"), "Compressor settings (thresholdDb, ratio, kneeDb, attackMs, releaseMs, makeupDb, bypass)."),
            ParamSpec::new("eq", ParamType::Object, default_of("eq"), "3-band EQ settings (lowFreqHz, lowGainDb, midFreqHz, midGainDb, midQ, highFreqHz, highGainDb, bypass)."),
            ParamSpec::new("limiter", ParamType::Object, default_of("limiter"), "Limiter settings (ceilingDb, lookaheadMs, releaseMs, bypass)."),
            ParamSpec::new("loudness", ParamType::Object, "{\"enabled\":false}", "Loudness normalisation before the limiter (enabled, targetLufs, maxGainDb, windowMs, slewDbPerSecond)."),
            ParamSpec::new("adaptive", ParamType::Object, "{\"enabled\":false}", "Genre-adaptive presets (enabled, smoothingMs)."),
        ],
        |config, _| {
            let chain = MixerChain::new(ChainConfig::from_json(&config.to_object()).map_err(|e| NodeError::from(e).context(NAME))?)?;
            Ok(Box::new(AudioMixer { chain }))
        },
    )
}
