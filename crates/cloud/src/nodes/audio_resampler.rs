//! `AudioResampler`: sample-rate conversion with rubato's FFT resampler (synchronous,
//! whole-Hz rates), continuous across the frames of a stream, delay-compensated: the
//! output of a whole signal of `n` frames at `from` Hz has `round(n · to / from)` frames
//! aligned with the input (`edgemix_audio_io::StreamResampler`, which the WAV tools use
//! too).

use edgemix_audio_io::resample::{check_rate, MAX_RATE_HZ, MIN_RATE_HZ};
use edgemix_audio_io::AudioIoError;

use super::data::{Audio, NodeData};
use super::error::NodeError;
use super::params::{NodeConfig, ParamSpec, ParamType};
use super::registry::NodeSpec;
use super::Node;

const NAME: &str = "AudioResampler";
/// Allowed rates, Hz.
pub(super) const RATE: ParamType = ParamType::Integer {
    min: MIN_RATE_HZ as i64,
    max: MAX_RATE_HZ as i64,
};

/// The stream resampler, its refusals as node errors naming `node`.
pub(super) struct StreamResampler(edgemix_audio_io::StreamResampler);

fn node_error(err: AudioIoError, node: &str) -> NodeError {
    match err {
        AudioIoError::Internal(m) => NodeError::internal(format!("{node}: {m}")),
        other => NodeError::invalid(format!("{node}: {other}")),
    }
}

impl StreamResampler {
    pub fn new(from: u32, to: u32) -> Self {
        Self(edgemix_audio_io::StreamResampler::new(from, to))
    }

    /// Resamples what `channels` completes (the rest waits for more input).
    pub fn push(&mut self, channels: Vec<Vec<f32>>, node: &str) -> Result<Vec<Vec<f32>>, NodeError> {
        self.0.push(channels).map_err(|e| node_error(e, node))
    }

    /// Everything still buffered, up to the total output length of the whole signal.
    pub fn flush(&mut self, node: &str) -> Result<Vec<Vec<f32>>, NodeError> {
        self.0.flush().map_err(|e| node_error(e, node))
    }
}

struct AudioResampler {
    input_rate: f64,
    target: u32,
    resampler: Option<StreamResampler>,
}

impl AudioResampler {
    fn from_config(config: &NodeConfig) -> Self {
        Self {
            input_rate: config.f64_or("sample_rate", 48_000.0),
            target: config.f64_or("target_sample_rate", 44_100.0) as u32,
            resampler: None,
        }
    }

    /// The stream's resampler, made for the first input's rate; later inputs must match.
    fn resampler(&mut self, rate: Option<f64>) -> Result<&mut StreamResampler, NodeError> {
        let rate = rate.unwrap_or(self.input_rate);
        if self.resampler.is_none() {
            let Ok(from) = check_rate("sample_rate", rate) else {
                return Err(NodeError::invalid(format!(
                    "{NAME}: input sample_rate {rate} Hz is not allowed: expected {}",
                    RATE.allowed()
                )));
            };
            self.input_rate = rate;
            self.resampler = Some(StreamResampler::new(from, self.target));
        }
        Audio::check_rate(Some(rate), self.input_rate, NAME)?;
        Ok(self.resampler.as_mut().expect("created above"))
    }
}

impl Node for AudioResampler {
    fn process(&mut self, input: NodeData) -> Result<NodeData, NodeError> {
        let audio = input.into_audio(NAME)?;
        let channels = self
            .resampler(audio.sample_rate)?
            .push(audio.channels, NAME)?;
        Ok(NodeData::Audio(Audio {
            channels,
            sample_rate: Some(f64::from(self.target)),
        }))
    }

    fn process_whole(&mut self, input: NodeData) -> Result<NodeData, NodeError> {
        let audio = input.into_audio(NAME)?;
        let resampler = self.resampler(audio.sample_rate)?;
        let mut channels = resampler.push(audio.channels, NAME)?;
        for (channel, tail) in channels.iter_mut().zip(resampler.flush(NAME)?) {
            channel.extend(tail);
        }
        Ok(NodeData::Audio(Audio {
            channels,
            sample_rate: Some(f64::from(self.target)),
        }))
    }

    fn flush(&mut self) -> Result<Option<NodeData>, NodeError> {
        let Some(resampler) = self.resampler.as_mut() else {
            return Ok(None);
        };
        let channels = resampler.flush(NAME)?;
        Ok((!channels.is_empty() && !channels[0].is_empty()).then(|| {
            NodeData::Audio(Audio {
                channels,
                sample_rate: Some(f64::from(self.target)),
            })
        }))
    }
}

pub fn spec() -> NodeSpec {
    NodeSpec::new(
        NAME,
        "audio",
        "Sample-rate conversion (rubato FFT resampler, delay-compensated). ExecuteNode returns the whole converted \
         signal; a stream returns what each frame completes and the rest at its end. Input may carry its rate as \
         {\"audio_data\": [...], \"sample_rate\": n}; the output carries target_sample_rate.",
        vec![
            ParamSpec::new("target_sample_rate", RATE, "44100", "Output sample rate, Hz."),
            ParamSpec::new("sample_rate", RATE, "48000", "Input sample rate, Hz, when the input does not carry one."),
        ],
        |config, _| Ok(Box::new(AudioResampler::from_config(config))),
    )
}
