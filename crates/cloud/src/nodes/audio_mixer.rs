//! `AudioMixer`: the native (denoise →) gate → compressor → EQ → limiter chain, one chain per
//! request or stream (a stream stays continuous across frames). With `channels: 2` the
//! chain is stereo with linked gain: it takes one vector of interleaved samples (what
//! f32le carries) or two planar channels (JSON), and answers in the same shape.

use edgemix_dsp::parameters::{self, CHANNELS, SAMPLE_RATE};
use edgemix_dsp::{ChainConfig, Channels, MixerChain};

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

/// The `key` stage's object parameter: its defaults, and its keys with their units and
/// ranges (from the chain's parameter table).
fn stage(key: &'static str) -> ParamSpec {
    let stage = parameters::stage(key).expect("a stage of the chain");
    ParamSpec::new(
        key,
        ParamType::Object,
        (stage.defaults)().to_string(),
        stage.summary(),
    )
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
            ParamSpec::new(
                SAMPLE_RATE.key(),
                ParamType::Number(Some(ChainConfig::SAMPLE_RATE)),
                parameters::number(&parameters::default_sample_rate()),
                "Sample rate of the audio, Hz.",
            ),
            ParamSpec::new(
                CHANNELS.key(),
                ParamType::Integer {
                    min: Channels::RANGE.min as i64,
                    max: Channels::RANGE.max as i64,
                },
                parameters::number(&parameters::default_channels()),
                format!("{}.", CHANNELS.doc),
            ),
            stage("denoise"),
            stage("gate"),
            stage("compressor"),
            stage("eq"),
            stage("limiter"),
            stage("loudness"),
            stage("adaptive"),
        ],
        |config, _| {
            let chain = MixerChain::new(ChainConfig::from_json(&config.to_object()).map_err(|e| NodeError::from(e).context(NAME))?)?;
            Ok(Box::new(AudioMixer { chain }))
        },
    )
}
