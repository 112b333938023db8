//! `denoise.wasm`: the noise suppressor of `crates/dsp` (`Denoiser`: RNNoise through
//! `nnnoiseless`), the same source as the chain's native `denoise` stage.
//!
//! Configuration (all keys optional): `{ "channels": 1 | 2, "attenuationLimitDb": 0..100 }`
//! (mono, no limit). A refused configuration is `-4` (its message goes to stderr);
//! `configure` starts a new stage.
//!
//! Input and output: f32 samples at 48 kHz, interleaved when stereo, any whole number of
//! frames per call; the output has the input's length and lags it by 960 samples per
//! channel (the stage's latency; the first 960 precede the input). An empty block, a partial
//! stereo frame or a non-finite sample is `-3`, with the state unchanged.
//!
//! The output equals the native stage's to within 1e-4 of full scale, not to the bit: the
//! FFT under RNNoise (`rustfft`) runs SIMD butterflies natively and scalar ones here, and
//! `log10` comes from glibc natively and from musl here (crates/dsp/src/denoise.rs says why).

use edgemix_dsp::{check_audio, Denoiser};
use edgemix_wasm_abi::{decode_f32_into, encode_f32, export_module, Code, Format, Module};

struct Denoise {
    denoiser: Denoiser,
    /// Samples of the block being processed (reused between calls).
    block: Vec<f32>,
}

impl Module for Denoise {
    const NAME: &'static str = "denoise";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const DESCRIPTION: &'static str =
        "Noise suppression (RNNoise) at 48 kHz, mono or interleaved stereo; 960 samples of latency per channel";
    const INPUT: Format = Format::F32;
    const OUTPUT: Format = Format::F32;

    fn initialize(_session_id: &str) -> Result<Self, Code> {
        Ok(Denoise {
            denoiser: Denoiser::from_json(&serde_json::json!({})).map_err(|_| Code::Failed)?,
            block: Vec::new(),
        })
    }

    fn configure(&mut self, json: &str) -> Result<(), Code> {
        self.denoiser = serde_json::from_str(json)
            .map_err(|err| err.to_string())
            .and_then(|value| Denoiser::from_json(&value).map_err(|err| err.to_string()))
            .map_err(|message| {
                eprintln!("denoise: {message}");
                Code::InvalidConfig
            })?;
        Ok(())
    }

    fn process(&mut self, input: &[u8], output: &mut Vec<u8>) -> Result<(), Code> {
        decode_f32_into(input, &mut self.block)?;
        if check_audio(&self.block).is_err() || !self.block.len().is_multiple_of(self.denoiser.channels()) {
            return Err(Code::InvalidInput);
        }
        self.denoiser.process(&mut self.block);
        encode_f32(&self.block, output);
        Ok(())
    }
}

export_module!(Denoise);
