//! `AudioResampler`: sample-rate conversion with rubato's FFT resampler (synchronous,
//! whole-Hz rates), continuous across the frames of a stream, delay-compensated: the
//! output of a whole signal of `n` frames at `from` Hz has `round(n · to / from)` frames
//! aligned with the input.

use rubato::{FftFixedIn, Resampler};

use super::data::{Audio, NodeData};
use super::error::NodeError;
use super::params::{NodeConfig, ParamSpec, ParamType};
use super::registry::NodeSpec;
use super::Node;

const NAME: &str = "AudioResampler";
/// Input frames per FFT chunk.
const CHUNK: usize = 1024;
/// Allowed rates, Hz.
pub(super) const RATE: ParamType = ParamType::Integer {
    min: 8000,
    max: 192_000,
};

/// A resampler fed blocks of any length; one instance per stream.
pub(super) struct StreamResampler {
    from: u32,
    to: u32,
    /// Created on the first block (its channel count fixes the stream's).
    inner: Option<FftFixedIn<f32>>,
    /// Input not yet consumed, per channel.
    pending: Vec<Vec<f32>>,
    frames_in: u64,
    frames_out: u64,
    /// Output frames still to drop (the resampler's delay).
    skip: usize,
}

impl StreamResampler {
    pub fn new(from: u32, to: u32) -> Self {
        Self {
            from,
            to,
            inner: None,
            pending: Vec::new(),
            frames_in: 0,
            frames_out: 0,
            skip: 0,
        }
    }

    fn resampler(
        &mut self,
        channels: usize,
        node: &str,
    ) -> Result<&mut FftFixedIn<f32>, NodeError> {
        if self.inner.is_none() {
            let inner = FftFixedIn::new(self.from as usize, self.to as usize, CHUNK, 1, channels)
                .map_err(|e| {
                NodeError::invalid(format!(
                    "{node}: cannot resample {} Hz to {} Hz: {e}",
                    self.from, self.to
                ))
            })?;
            self.skip = inner.output_delay();
            self.pending = vec![Vec::new(); channels];
            self.inner = Some(inner);
        }
        let inner = self.inner.as_mut().expect("created above");
        if inner.nbr_channels() != channels {
            return Err(NodeError::invalid(format!(
                "{node}: this stream carries {} channels, received {channels}: the channel count is fixed by the first frame",
                inner.nbr_channels()
            )));
        }
        Ok(inner)
    }

    /// Appends `out` to `into`, after dropping what is left of the delay.
    fn emit(&mut self, out: Vec<Vec<f32>>, into: &mut [Vec<f32>], limit: Option<u64>) {
        let available = out.first().map_or(0, Vec::len);
        let start = self.skip.min(available);
        self.skip -= start;
        let mut end = available;
        if let Some(limit) = limit {
            end = end.min(start + limit.saturating_sub(self.frames_out) as usize);
        }
        for (dst, src) in into.iter_mut().zip(&out) {
            dst.extend_from_slice(&src[start..end]);
        }
        self.frames_out += (end - start) as u64;
    }

    /// Resamples what `channels` completes (the rest waits for more input).
    pub fn push(
        &mut self,
        channels: Vec<Vec<f32>>,
        node: &str,
    ) -> Result<Vec<Vec<f32>>, NodeError> {
        self.resampler(channels.len(), node)?;
        self.frames_in += channels[0].len() as u64;
        for (pending, channel) in self.pending.iter_mut().zip(channels) {
            pending.extend_from_slice(&channel);
        }
        let mut result = vec![Vec::new(); self.pending.len()];
        loop {
            let inner = self.inner.as_mut().expect("created by resampler()");
            let need = inner.input_frames_next();
            if self.pending[0].len() < need {
                break;
            }
            let chunk: Vec<&[f32]> = self.pending.iter().map(|c| &c[..need]).collect();
            let out = inner
                .process(&chunk, None)
                .map_err(|e| NodeError::internal(format!("{node}: {e}")))?;
            for pending in &mut self.pending {
                pending.drain(..need);
            }
            self.emit(out, &mut result, None);
        }
        Ok(result)
    }

    /// Everything still buffered, up to the total output length of the whole signal.
    pub fn flush(&mut self, node: &str) -> Result<Vec<Vec<f32>>, NodeError> {
        let Some(channels) = self.inner.as_ref().map(|r| r.nbr_channels()) else {
            return Ok(Vec::new());
        };
        let total =
            (self.frames_in as f64 * f64::from(self.to) / f64::from(self.from)).round() as u64;
        let mut result = vec![Vec::new(); channels];
        while self.frames_out < total {
            let pending = std::mem::take(&mut self.pending);
            let inner = self.inner.as_mut().expect("checked above");
            let out = if pending[0].is_empty() {
                inner.process_partial::<Vec<f32>>(None, None)
            } else {
                inner.process_partial(Some(&pending), None)
            }
            .map_err(|e| NodeError::internal(format!("{node}: {e}")))?;
            self.pending = vec![Vec::new(); channels];
            self.emit(out, &mut result, Some(total));
        }
        Ok(result)
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
            if !(rate.fract() == 0.0 && (8000.0..=192_000.0).contains(&rate)) {
                return Err(NodeError::invalid(format!(
                    "{NAME}: input sample_rate {rate} Hz is not allowed: expected {}",
                    RATE.allowed()
                )));
            }
            self.input_rate = rate;
            self.resampler = Some(StreamResampler::new(rate as u32, self.target));
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
