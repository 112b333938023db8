//! `Denoise`: noise suppression (RNNoise, `edgemix_dsp::Denoiser`) at 48 kHz, mono or
//! stereo (each channel on its own; one vector of interleaved samples, as f32le carries
//! it, or planar channels). The output has the input's length and lags it by 960 samples
//! per channel; a stream's state carries across its frames and its end flushes those 960.

use edgemix_dsp::{Channels, DenoiseConfig, Denoiser, Range, DENOISE_SAMPLE_RATE_HZ};

use super::data::{Audio, NodeData};
use super::error::NodeError;
use super::params::{ParamSpec, ParamType};
use super::registry::NodeSpec;
use super::Node;

const NAME: &str = "Denoise";
const RATE: Range = Range::new("sampleRate", DENOISE_SAMPLE_RATE_HZ, DENOISE_SAMPLE_RATE_HZ, "Hz");

struct Denoise {
    denoiser: Denoiser,
}

impl Node for Denoise {
    fn process(&mut self, input: NodeData) -> Result<NodeData, NodeError> {
        let audio = input.into_audio(NAME)?;
        Audio::check_rate(audio.sample_rate, DENOISE_SAMPLE_RATE_HZ, NAME)?;
        let channels = self.denoiser.channels();
        let (layout, rate) = (audio.channels.len(), audio.sample_rate);
        let mut samples = audio.into_interleaved(channels, NAME)?;
        if !samples.len().is_multiple_of(channels) {
            return Err(edgemix_dsp::AudioError::PartialFrame { samples: samples.len(), channels }.into());
        }
        self.denoiser.process(&mut samples);
        Ok(NodeData::Audio(Audio::from_interleaved(samples, layout, rate)))
    }

    /// The last 960 samples per channel still in the stage (interleaved when stereo).
    fn flush(&mut self) -> Result<Option<NodeData>, NodeError> {
        let mut tail = vec![0.0; self.denoiser.latency() * self.denoiser.channels()];
        self.denoiser.process(&mut tail);
        Ok(Some(NodeData::Audio(Audio::mono(tail, None))))
    }
}

pub fn spec() -> NodeSpec {
    NodeSpec::new(
        NAME,
        "audio",
        "Noise suppression (RNNoise, the chain's denoise stage) on 48 kHz mono or stereo audio (each channel on its own; \
         interleaved or planar). The output lags the input by 960 samples (20 ms) per channel; a stream's end flushes them.",
        vec![
            ParamSpec::new("sampleRate", ParamType::Number(Some(RATE)), "48000", "Sample rate of the audio, Hz: 48000 only (RNNoise's rate; resample first)."),
            ParamSpec::new("channels", ParamType::Integer { min: 1, max: 2 }, "1", "1 (mono) or 2 (stereo, each channel denoised on its own)."),
            ParamSpec::new(
                "attenuationLimitDb",
                ParamType::Number(Some(DenoiseConfig::ATTENUATION_LIMIT_DB)),
                "100",
                "The most the node takes away, dB: the input is mixed back in at -attenuationLimitDb (100: no limit).",
            ),
        ],
        |config, _| {
            let channels = Channels::try_from(config.f64_or("channels", 1.0))?;
            let stage = DenoiseConfig {
                enabled: true,
                attenuation_limit_db: config.f64_or("attenuationLimitDb", DenoiseConfig::default().attenuation_limit_db),
            };
            Ok(Box::new(Denoise { denoiser: Denoiser::new(&stage, channels) }))
        },
    )
}
