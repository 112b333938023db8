//! `hybrid_vad.wasm`: voice activity detection on the edge, verified by the cloud where
//! the edge is unsure.
//!
//! Every 20 ms frame (960 samples at 48 kHz) goes through the edge detector of
//! `crates/dsp` (`Vad`, the same source as `vad.wasm`). A frame whose edge probability
//! lies inside the uncertainty band (`uncertain`, default `[0.3, 0.7]`, inclusive) is
//! verified by the cloud service `service` (default `"VAD"`, Silero VAD) through the
//! host import `env.call_remote_service`: the module sends the last `contextFrames`
//! frames of audio up to and including this one (little-endian f32 at 48 kHz; default
//! 24 frames = 480 ms = 15 whole Silero chunks, so the frame's own chunk is never
//! zero-padded) and takes the cloud's result for the last frame. When the cloud cannot
//! be reached, denies the call, times out or fails, the frame keeps its edge decision:
//! a hybrid detector is never worse off than the edge one.
//!
//! Configuration (JSON, all keys optional; unknown keys are refused with `-4`):
//! `{ "threshold": 0.5, "hangoverMs": 0, "uncertain": [0.3, 0.7], "service": "VAD",
//! "contextFrames": 24 }`. `threshold` and `hangoverMs` are the edge `Vad`'s (see
//! `VadConfig`); `uncertain` is `[low, high]` with 0 ≤ low ≤ high ≤ 1 (`[1, 0]`-like
//! empty bands are refused; `[0, 1]` verifies every frame); `contextFrames` 1 to 100.
//!
//! Input: f32 samples at 48 kHz, one or more whole frames per call (a partial trailing
//! frame is `-3`). Output: UTF-8 JSON, one object per frame —
//! `{"speech":true,"probability":0.91,"source":"cloud","edgeProbability":0.55}` — or an
//! array of them for several frames. `source` says whose decision it is (`"edge"` or
//! `"cloud"`); a frame whose verification failed also carries `"remoteError"` with the
//! import's code name (`"unavailable"`, `"failed"`, `"denied"`, `"timeout"`).

use std::collections::VecDeque;
use std::fmt::Write;

use edgemix_dsp::{check_audio, Vad, VadConfig};
use edgemix_wasm_abi::{call_remote, decode_f32_into, encode_f32, export_module, Code, Format, Module};
use serde::Deserialize;

/// Samples per frame (20 ms at 48 kHz).
const FRAME: usize = 960;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Config {
    threshold: Option<f64>,
    hangover_ms: Option<f64>,
    uncertain: Option<[f32; 2]>,
    service: Option<String>,
    context_frames: Option<usize>,
}

struct HybridVad {
    vad: Vad,
    low: f32,
    high: f32,
    service: String,
    context_frames: usize,
    /// The last `context_frames` frames, oldest first.
    history: VecDeque<f32>,
    block: Vec<f32>,
    request: Vec<u8>,
    text: String,
}

/// One frame's result.
struct Decision {
    speech: bool,
    probability: f32,
    cloud: bool,
    edge_probability: f32,
    remote_error: Option<&'static str>,
}

impl HybridVad {
    fn verify(&mut self) -> Result<(bool, f32), Code> {
        self.request.clear();
        let (a, b) = self.history.as_slices();
        encode_f32(a, &mut self.request);
        encode_f32(b, &mut self.request);
        let answer = call_remote(&self.service, &self.request)?;
        last_frame(&answer).ok_or_else(|| {
            eprintln!("hybrid_vad: the cloud answer is not a list of {{speech, probability}} frames");
            Code::RemoteFailed
        })
    }

    fn frame(&mut self, frame: &[f32]) -> Result<Decision, Code> {
        let local = self.vad.process(frame).map_err(|_| Code::InvalidInput)?;
        if self.history.len() == self.context_frames * FRAME {
            self.history.drain(..FRAME);
        }
        self.history.extend(frame);
        let mut decision = Decision {
            speech: local.speech,
            probability: local.probability,
            cloud: false,
            edge_probability: local.probability,
            remote_error: None,
        };
        if (self.low..=self.high).contains(&local.probability) {
            match self.verify() {
                Ok((speech, probability)) => {
                    decision.speech = speech;
                    decision.probability = probability;
                    decision.cloud = true;
                }
                Err(code) => decision.remote_error = Some(code_name(code)),
            }
        }
        Ok(decision)
    }
}

/// `speech` and `probability` of the last frame of the cloud VAD's answer (a JSON
/// array of `{speech, probability, ...}`).
fn last_frame(answer: &[u8]) -> Option<(bool, f32)> {
    let value: serde_json::Value = serde_json::from_slice(answer).ok()?;
    let last = value.as_array()?.last()?;
    Some((last.get("speech")?.as_bool()?, last.get("probability")?.as_f64()? as f32))
}

fn code_name(code: Code) -> &'static str {
    match code {
        Code::RemoteUnavailable => "unavailable",
        Code::RemoteDenied => "denied",
        Code::RemoteTimeout => "timeout",
        _ => "failed",
    }
}

fn write_decision(text: &mut String, d: &Decision) {
    let source = if d.cloud { "cloud" } else { "edge" };
    let _ = write!(
        text,
        r#"{{"speech":{},"probability":{},"source":"{source}","edgeProbability":{}"#,
        d.speech, d.probability, d.edge_probability
    );
    if let Some(error) = d.remote_error {
        let _ = write!(text, r#","remoteError":"{error}""#);
    }
    text.push('}');
}

impl Module for HybridVad {
    const NAME: &'static str = "hybrid_vad";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const DESCRIPTION: &'static str = "Voice activity detection on the edge; frames inside the uncertainty band are verified by \
         the cloud VAD (f32 frames at 48 kHz in, {speech, probability, source, edgeProbability} JSON out)";
    const INPUT: Format = Format::F32;
    const OUTPUT: Format = Format::Json;

    fn initialize(_session_id: &str) -> Result<Self, Code> {
        Ok(HybridVad {
            vad: Vad::new(VadConfig::default()).map_err(|_| Code::Failed)?,
            low: 0.3,
            high: 0.7,
            service: "VAD".into(),
            context_frames: 24,
            history: VecDeque::new(),
            block: Vec::new(),
            request: Vec::new(),
            text: String::new(),
        })
    }

    fn configure(&mut self, json: &str) -> Result<(), Code> {
        let refuse = |message: String| {
            eprintln!("hybrid_vad: invalid config: {message}");
            Code::InvalidConfig
        };
        if json.trim().is_empty() {
            return Ok(());
        }
        let config: Config = serde_json::from_str(json).map_err(|e| refuse(e.to_string()))?;
        let mut vad_config = self.vad.config().clone();
        if let Some(threshold) = config.threshold {
            vad_config.threshold = threshold;
        }
        if let Some(hangover) = config.hangover_ms {
            vad_config.hangover_ms = hangover;
        }
        vad_config.validate().map_err(|e| refuse(e.to_string()))?;
        let [low, high] = config.uncertain.unwrap_or([self.low, self.high]);
        if !(0.0..=1.0).contains(&low) || !(0.0..=1.0).contains(&high) || low > high {
            return Err(refuse(format!("uncertain = [{low}, {high}]: expected [low, high] with 0 <= low <= high <= 1")));
        }
        let context_frames = config.context_frames.unwrap_or(self.context_frames);
        if !(1..=100).contains(&context_frames) {
            return Err(refuse(format!("contextFrames = {context_frames}: allowed 1 to 100")));
        }
        let service = config.service.unwrap_or_else(|| self.service.clone());
        if service.is_empty() {
            return Err(refuse("service must not be empty".into()));
        }
        self.vad.configure(vad_config).map_err(|_| Code::InvalidConfig)?;
        (self.low, self.high, self.service, self.context_frames) = (low, high, service, context_frames);
        while self.history.len() > self.context_frames * FRAME {
            self.history.drain(..FRAME);
        }
        Ok(())
    }

    fn process(&mut self, input: &[u8], output: &mut Vec<u8>) -> Result<(), Code> {
        decode_f32_into(input, &mut self.block)?;
        check_audio(&self.block).map_err(|_| Code::InvalidInput)?;
        if !self.block.len().is_multiple_of(FRAME) {
            eprintln!("hybrid_vad: {} samples is not a whole number of 960-sample frames", self.block.len());
            return Err(Code::InvalidInput);
        }
        let block = std::mem::take(&mut self.block);
        let mut decisions = Vec::with_capacity(block.len() / FRAME);
        for frame in block.chunks_exact(FRAME) {
            decisions.push(self.frame(frame)?);
        }
        self.block = block;
        self.text.clear();
        if let [one] = decisions.as_slice() {
            write_decision(&mut self.text, one);
        } else {
            self.text.push('[');
            for (i, d) in decisions.iter().enumerate() {
                if i > 0 {
                    self.text.push(',');
                }
                write_decision(&mut self.text, d);
            }
            self.text.push(']');
        }
        output.extend_from_slice(self.text.as_bytes());
        Ok(())
    }
}

export_module!(HybridVad);
