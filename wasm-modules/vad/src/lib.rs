//! `vad.wasm`: the voice activity detector of `crates/dsp` (`Vad`), the same source as
//! native, so its decisions and probabilities are bit-identical to the native ones.
//!
//! Configuration: the native JSON (`VadConfig::from_json`, all keys optional):
//! `{ "sampleRate": 48000, "threshold": …, "hangoverMs": … }`. A refused configuration
//! is `-4` (the message goes to stderr). Reconfiguring keeps the detector's state unless
//! the sample rate changes.
//!
//! Input: f32 samples at `sampleRate`, nominally one 20 ms frame per call (960 samples at
//! 48 kHz). Output: UTF-8 JSON.
//! * An input of at most one frame gives one object `{"speech":true,"probability":0.93}`
//!   (what `Vad::process` returns for the block).
//! * A longer input is cut into 20 ms frames from its start (the last one may be shorter)
//!   and gives an array with one such object per frame, in order.
//!
//! The detector decides every 20 ms of input since the session started, whatever the
//! call sizes: a call that completes no 20 ms step repeats the previous result. An
//! empty input or a non-finite sample is `-3`, with the state unchanged.

use std::fmt::Write;

use edgemix_dsp::{Vad, VadConfig, VadFrame};
use edgemix_wasm_abi::{decode_f32_into, export_module, Code, Format, Module};

struct VadModule {
    vad: Vad,
    /// Samples of the current input (reused between calls).
    block: Vec<f32>,
    /// Text of the current output (reused between calls).
    text: String,
}

impl Module for VadModule {
    const NAME: &'static str = "vad";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const DESCRIPTION: &'static str =
        "Voice activity detection: f32 frames (20 ms) in, {speech, probability} JSON out (configured like the native Vad)";
    const INPUT: Format = Format::F32;
    const OUTPUT: Format = Format::Json;

    fn initialize(_session_id: &str) -> Result<Self, Code> {
        Ok(VadModule {
            vad: Vad::new(VadConfig::default()).map_err(|_| Code::Failed)?,
            block: Vec::new(),
            text: String::new(),
        })
    }

    fn configure(&mut self, json: &str) -> Result<(), Code> {
        let config = serde_json::from_str(json)
            .map_err(|err| err.to_string())
            .and_then(|value| VadConfig::from_json(&value).map_err(|err| err.to_string()))
            .map_err(|message| {
                eprintln!("vad: {message}");
                Code::InvalidConfig
            })?;
        self.vad.configure(config).map_err(|_| Code::InvalidConfig)
    }

    fn process(&mut self, input: &[u8], output: &mut Vec<u8>) -> Result<(), Code> {
        decode_f32_into(input, &mut self.block)?;
        // Refuse the whole input before any of it reaches the detector.
        edgemix_dsp::check_audio(&self.block).map_err(|_| Code::InvalidInput)?;
        let frame = self.vad.config().frame_samples();
        self.text.clear();
        if self.block.len() <= frame {
            let result = self.vad.process(&self.block).map_err(|_| Code::InvalidInput)?;
            write_frame(&mut self.text, result);
        } else {
            self.text.push('[');
            for (i, chunk) in self.block.chunks(frame).enumerate() {
                if i > 0 {
                    self.text.push(',');
                }
                let result = self.vad.process(chunk).map_err(|_| Code::InvalidInput)?;
                write_frame(&mut self.text, result);
            }
            self.text.push(']');
        }
        output.extend_from_slice(self.text.as_bytes());
        Ok(())
    }
}

/// `{"speech":…,"probability":…}`; the probability in the shortest form that reads back
/// as the same f32.
fn write_frame(text: &mut String, frame: VadFrame) {
    let _ = write!(text, r#"{{"speech":{},"probability":{}}}"#, frame.speech, frame.probability);
}

export_module!(VadModule);
