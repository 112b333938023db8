//! The cloud tier's `VAD` node: Silero VAD on the audio of a request or a stream, one
//! result per 20 ms frame.
//!
//! Input: mono audio (json, f32le), or `bytes` holding little-endian float32 samples
//! (what WASM modules send through the GrpcBridge). Output: a JSON array with one
//! `{"frame": i, "probability": p, "speech": b}` per frame reported, `frame` counted
//! from the start of the request or stream. `ExecuteNode` reports every complete frame
//! of its input; a stream reports each frame as soon as its 32 ms chunk has run (up to
//! two messages later) and the rest at its end.

use edgemix_cloud::nodes::{Audio, Node, NodeData, NodeError, NodeSpec, ParamSpec, ParamType};
use serde_json::{json, Value};

use crate::stream::{SileroConfig, SileroFrame, SileroVad};
use crate::SileroError;

const NAME: &str = "VAD";

struct VadNode {
    vad: SileroVad,
}

impl VadNode {
    fn samples(&self, input: NodeData) -> Result<Vec<f32>, NodeError> {
        match input {
            NodeData::Bytes(bytes) => edgemix_wire::f32le::decode(&bytes)
                .map_err(|e| NodeError::invalid(format!("{NAME}: {e}"))),
            other => {
                let (samples, rate) = other.into_audio(NAME)?.into_mono(NAME)?;
                Audio::check_rate(rate, f64::from(self.vad.config().sample_rate), NAME)?;
                Ok(samples)
            }
        }
    }
}

fn frames_json(frames: &[SileroFrame]) -> NodeData {
    NodeData::Json(Value::Array(
        frames
            .iter()
            .map(|f| json!({ "frame": f.index, "probability": f.probability, "speech": f.speech }))
            .collect(),
    ))
}

fn node_error(err: SileroError) -> NodeError {
    match err {
        SileroError::Config(e) => NodeError::from(e).context(NAME),
        SileroError::Audio(e) => NodeError::from(e).context(NAME),
        SileroError::Model(message) => NodeError::internal(message).context(NAME),
    }
}

impl Node for VadNode {
    fn process(&mut self, input: NodeData) -> Result<NodeData, NodeError> {
        let samples = self.samples(input)?;
        Ok(frames_json(
            &self.vad.process(&samples).map_err(node_error)?,
        ))
    }

    fn process_whole(&mut self, input: NodeData) -> Result<NodeData, NodeError> {
        let samples = self.samples(input)?;
        let mut frames = self.vad.process(&samples).map_err(node_error)?;
        frames.extend(self.vad.flush().map_err(node_error)?);
        Ok(frames_json(&frames))
    }

    fn flush(&mut self) -> Result<Option<NodeData>, NodeError> {
        let frames = self.vad.flush().map_err(node_error)?;
        Ok((!frames.is_empty()).then(|| frames_json(&frames)))
    }
}

/// The `VAD` node type, for `NodeRegistry::register`.
pub fn vad_node_spec() -> NodeSpec {
    NodeSpec::new(
        NAME,
        "analysis",
        "Voice activity detection by Silero VAD (v6 ONNX network run by tract): one {frame, probability, speech} per \
         20 ms frame of mono audio. Input: audio (json or f32le) or little-endian float32 samples (bytes). A frame is \
         reported once the network's 32 ms chunk covering it has run; ExecuteNode reports every complete frame.",
        vec![
            ParamSpec::new(
                "threshold",
                ParamType::Number(Some(SileroConfig::THRESHOLD)),
                "0.5",
                "Speech probability at or above which a frame is speech.",
            ),
            ParamSpec::new("sampleRate", ParamType::Integer { min: 16_000, max: 48_000 }, "48000", "Sample rate of the audio, Hz: 16000 or 48000."),
            ParamSpec::new(
                "mode",
                ParamType::String(&["accurate"]),
                "\"accurate\"",
                "Detector: accurate (Silero VAD; the edge's fast detector is the vad.wasm module).",
            ),
        ],
        |config, _| {
            let defaults = SileroConfig::default();
            let vad_config = SileroConfig {
                sample_rate: config.f64_or("sampleRate", f64::from(defaults.sample_rate)) as u32,
                threshold: config.f64_or("threshold", f64::from(defaults.threshold)) as f32,
            };
            Ok(Box::new(VadNode { vad: SileroVad::new(vad_config).map_err(node_error)? }))
        },
    )
}
