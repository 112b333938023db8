//! What nodes consume and produce, independent of the wire format.

use edgemix_dsp::check_audio;

use super::error::NodeError;

/// Planar audio: one vector per channel, all the same length.
#[derive(Debug, Clone, PartialEq)]
pub struct Audio {
    pub channels: Vec<Vec<f32>>,
    /// Sample rate, Hz, when the input carried one.
    pub sample_rate: Option<f64>,
}

impl Audio {
    pub fn mono(samples: Vec<f32>, sample_rate: Option<f64>) -> Self {
        Self {
            channels: vec![samples],
            sample_rate,
        }
    }

    /// Samples per channel.
    pub fn frames(&self) -> usize {
        self.channels.first().map_or(0, Vec::len)
    }

    /// Checks the shape (at least one channel, equal lengths) and every sample (finite,
    /// at least one per channel).
    pub fn validate(&self) -> Result<(), NodeError> {
        let Some(first) = self.channels.first() else {
            return Err(NodeError::invalid(
                "audio has no channels: expected at least one channel of samples",
            ));
        };
        for (index, channel) in self.channels.iter().enumerate() {
            if channel.len() != first.len() {
                return Err(NodeError::invalid(format!(
                    "audio channel {index} has {} samples but channel 0 has {}: every channel must have the same length",
                    channel.len(),
                    first.len()
                )));
            }
            check_audio(channel).map_err(|e| {
                let what = if self.channels.len() > 1 {
                    format!("channel {index}: ")
                } else {
                    String::new()
                };
                NodeError::invalid(format!("{what}{e}"))
            })?;
        }
        Ok(())
    }

    /// The single channel of mono audio; `node` names the node in the refusal.
    pub fn into_mono(self, node: &str) -> Result<(Vec<f32>, Option<f64>), NodeError> {
        let count = self.channels.len();
        let mut channels = self.channels;
        match (channels.pop(), count) {
            (Some(samples), 1) => Ok((samples, self.sample_rate)),
            _ => Err(NodeError::invalid(format!(
                "{node} takes mono audio, received {count} channels: downmix first (AudioTransform with output_channels = 1)"
            ))),
        }
    }

    /// The samples of a node configured for `channels`, interleaved: mono input as it is
    /// (for a stereo node, already interleaved, as f32le carries it), or exactly
    /// `channels` planar channels. `node` names the node in the refusal.
    pub fn into_interleaved(self, channels: usize, node: &str) -> Result<Vec<f32>, NodeError> {
        match self.channels.len() {
            n if n == 1 || channels == 1 => Ok(self.into_mono(node)?.0),
            n if n == channels => {
                let frames = self.frames();
                Ok((0..frames)
                    .flat_map(|i| self.channels.iter().map(move |c| c[i]))
                    .collect())
            }
            n => Err(NodeError::invalid(format!(
                "{node} is configured for {channels} channels, received {n}: send {channels} planar channels or one vector of interleaved samples"
            ))),
        }
    }

    /// Audio of `channels` planar channels from interleaved `samples` (one channel: as is).
    pub fn from_interleaved(samples: Vec<f32>, channels: usize, sample_rate: Option<f64>) -> Audio {
        if channels == 1 {
            return Audio::mono(samples, sample_rate);
        }
        Audio {
            channels: (0..channels)
                .map(|c| samples.iter().skip(c).step_by(channels).copied().collect())
                .collect(),
            sample_rate,
        }
    }

    /// Checks that the input's sample rate, if it carries one, is `expected`.
    pub fn check_rate(rate: Option<f64>, expected: f64, node: &str) -> Result<(), NodeError> {
        match rate {
            Some(rate) if rate != expected => Err(NodeError::invalid(format!(
                "{node}: input sample_rate {rate} Hz differs from the node's sample rate {expected} Hz: \
                 configure the node for {rate} Hz or resample first (AudioResampler)"
            ))),
            _ => Ok(()),
        }
    }
}

/// A node's input or output.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeData {
    Audio(Audio),
    /// Rows of `columns` numbers, row-major (e.g. MFCC frames × coefficients).
    Matrix {
        columns: usize,
        values: Vec<f32>,
    },
    /// Structured data (analysis results, control messages).
    Json(serde_json::Value),
    /// Opaque bytes (WASM module payloads).
    Bytes(Vec<u8>),
}

impl NodeData {
    /// What kind of data this is, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            NodeData::Audio(_) => "audio",
            NodeData::Matrix { .. } => "a matrix of numbers",
            NodeData::Json(_) => "JSON data",
            NodeData::Bytes(_) => "bytes",
        }
    }

    /// The audio of an audio input; `node` names the node in the refusal.
    pub fn into_audio(self, node: &str) -> Result<Audio, NodeError> {
        match self {
            NodeData::Audio(audio) => Ok(audio),
            other => Err(NodeError::invalid(format!(
                "{node} takes audio, received {}: send a JSON array of samples, {{\"audio_data\": [...], \"sample_rate\": n}} \
                 (format json) or raw float32 samples (format f32le)",
                other.kind()
            ))),
        }
    }
}
