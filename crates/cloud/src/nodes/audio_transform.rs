//! `AudioTransform` (RemoteMedia's node name): resampling, channel conversion and gain,
//! in that order. Parameters follow RemoteMedia's (`output_sample_rate`,
//! `output_channels`); omitted ones leave that property unchanged.

use edgemix_dsp::{db_to_gain, Range};

use super::audio_resampler::{StreamResampler, RATE};
use super::data::{Audio, NodeData};
use super::error::NodeError;
use super::params::{ParamSpec, ParamType};
use super::registry::NodeSpec;
use super::Node;

const NAME: &str = "AudioTransform";
const GAIN_DB: Range = Range::new("gain_db", -96.0, 24.0, "dB");

struct AudioTransform {
    /// Target rate and the stream's resampler (made for the first input's rate).
    output_rate: Option<u32>,
    default_input_rate: f64,
    resampler: Option<(f64, StreamResampler)>,
    output_channels: Option<usize>,
    gain: f32,
}

impl AudioTransform {
    fn resample(&mut self, audio: Audio, whole: bool) -> Result<Audio, NodeError> {
        let Some(to) = self.output_rate else {
            return Ok(audio);
        };
        let rate = audio.sample_rate.unwrap_or(self.default_input_rate);
        if self.resampler.is_none() && rate == f64::from(to) {
            return Ok(audio);
        }
        let (from, resampler) = self
            .resampler
            .get_or_insert_with(|| (rate, StreamResampler::new(rate as u32, to)));
        Audio::check_rate(Some(rate), *from, NAME)?;
        let mut channels = resampler.push(audio.channels, NAME)?;
        if whole {
            for (channel, tail) in channels.iter_mut().zip(resampler.flush(NAME)?) {
                channel.extend(tail);
            }
        }
        Ok(Audio {
            channels,
            sample_rate: Some(f64::from(to)),
        })
    }

    fn remix(&self, audio: Audio) -> Result<Audio, NodeError> {
        let Some(wanted) = self.output_channels else {
            return Ok(audio);
        };
        let have = audio.channels.len();
        let channels = match (have, wanted) {
            (h, w) if h == w => audio.channels,
            (_, 1) => {
                let scale = 1.0 / have as f32;
                let mut mono = vec![0.0f32; audio.frames()];
                for channel in &audio.channels {
                    for (m, x) in mono.iter_mut().zip(channel) {
                        *m += x * scale;
                    }
                }
                vec![mono]
            }
            (1, w) => vec![audio.channels[0].clone(); w],
            (h, w) => {
                return Err(NodeError::invalid(format!(
                    "{NAME}: cannot convert {h} channels to {w}: allowed are any count to 1 (average) and 1 to any count (copies)"
                )))
            }
        };
        Ok(Audio {
            channels,
            sample_rate: audio.sample_rate,
        })
    }

    fn run(&mut self, input: NodeData, whole: bool) -> Result<NodeData, NodeError> {
        let audio = input.into_audio(NAME)?;
        let resampled = self.resample(audio, whole)?;
        let mut audio = self.remix(resampled)?;
        if self.gain != 1.0 {
            for channel in &mut audio.channels {
                channel.iter_mut().for_each(|x| *x *= self.gain);
            }
        }
        Ok(NodeData::Audio(audio))
    }
}

impl Node for AudioTransform {
    fn process(&mut self, input: NodeData) -> Result<NodeData, NodeError> {
        self.run(input, false)
    }

    fn process_whole(&mut self, input: NodeData) -> Result<NodeData, NodeError> {
        self.run(input, true)
    }

    fn flush(&mut self) -> Result<Option<NodeData>, NodeError> {
        let Some((_, resampler)) = self.resampler.as_mut() else {
            return Ok(None);
        };
        let tail = resampler.flush(NAME)?;
        if tail.first().is_none_or(Vec::is_empty) {
            return Ok(None);
        }
        self.run(
            NodeData::Audio(Audio {
                channels: tail,
                sample_rate: None,
            }),
            false,
        )
        .map(Some)
    }
}

pub fn spec() -> NodeSpec {
    NodeSpec::new(
        NAME,
        "audio",
        "Resampling (rubato), channel conversion (any count to mono by averaging, mono to any count by copying) and \
         gain, in that order. Omitted parameters leave that property unchanged.",
        vec![
            ParamSpec::new("output_sample_rate", RATE, "", "Output sample rate, Hz (default: the input's)."),
            ParamSpec::new("sample_rate", RATE, "48000", "Input sample rate, Hz, when the input does not carry one."),
            ParamSpec::new("output_channels", ParamType::Integer { min: 1, max: 32 }, "", "Output channel count (default: the input's)."),
            ParamSpec::new("gain_db", ParamType::Number(Some(GAIN_DB)), "0", "Gain applied last, dB."),
        ],
        |config, _| {
            Ok(Box::new(AudioTransform {
                output_rate: config.get("output_sample_rate").and_then(|v| v.as_f64()).map(|r| r as u32),
                default_input_rate: config.f64_or("sample_rate", 48_000.0),
                resampler: None,
                output_channels: config.get("output_channels").and_then(|v| v.as_f64()).map(|c| c as usize),
                gain: db_to_gain(config.f64_or("gain_db", 0.0)) as f32,
            }))
        },
    )
}
