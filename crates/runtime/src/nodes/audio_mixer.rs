//! `AudioMixer`: the native gate → compressor → EQ → limiter chain, one chain per
//! request or stream (a stream stays continuous across frames).

use edgemix_dsp::parameters::{self, SAMPLE_RATE};
use edgemix_dsp::{ChainConfig, MixerChain};

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
        let (mut samples, rate) = input.into_audio(NAME)?.into_mono(NAME)?;
        Audio::check_rate(rate, self.chain.config().sample_rate, NAME)?;
        self.chain.process(&mut samples)?;
        Ok(NodeData::Audio(Audio::mono(samples, rate)))
    }

    /// The limiter's lookahead still holds the last `latency` samples: pushes that many
    /// zeros through and returns them.
    fn flush(&mut self) -> Result<Option<NodeData>, NodeError> {
        let latency = self.chain.latency_samples();
        if latency == 0 {
            return Ok(None);
        }
        let mut tail = vec![0.0; latency];
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
        "The native mixer chain (noise gate, compressor, 3-band EQ, limiter) on mono audio at any block length; \
         state carries across the frames of a stream and the limiter tail is flushed at its end. \
         Configured like MixerChain: omitted keys take the podcast/voice defaults.",
        vec![
            ParamSpec::new(
                SAMPLE_RATE.key(),
                ParamType::Number(Some(ChainConfig::SAMPLE_RATE)),
                parameters::number(&parameters::default_sample_rate()),
                "Sample rate of the audio, Hz.",
            ),
            stage("gate"),
            stage("compressor"),
            stage("eq"),
            stage("limiter"),
        ],
        |config, _| {
            let chain = MixerChain::new(ChainConfig::from_json(&config.to_object()).map_err(|e| NodeError::from(e).context(NAME))?)?;
            Ok(Box::new(AudioMixer { chain }))
        },
    )
}
