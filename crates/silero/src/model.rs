//! The Silero VAD network (v6, ONNX opset 18) run by tract, and its per-stream
//! recurrent state.
//!
//! The model takes 512 new samples at 16 kHz (32 ms) preceded by the last 64 samples of
//! the previous chunk (its context, zeros before the first chunk), plus the recurrent
//! state `[2, 1, 128]` of the previous call (zeros at the start), and returns the speech
//! probability of the chunk and the next state: exactly the streaming loop of the
//! reference `silero_vad.utils_vad.OnnxWrapper`.
//!
//! The ONNX file (`model/silero_vad_op18_ifless.onnx`, MIT, from the `silero-vad` 6.2.3
//! wheel; `model/extract.py` re-extracts it, checks its SHA-256 and says why this export
//! of the network and not the package's default one) is compiled into the binary,
//! optimised once per process for the 16 kHz branch and shared by every stream.

use std::sync::{Arc, OnceLock};

use tract_onnx::prelude::*;

use crate::error::SileroError;

/// Sample rate of the network, Hz.
pub const MODEL_RATE_HZ: u32 = 16_000;
/// New samples per network call (32 ms at 16 kHz).
pub const CHUNK: usize = 512;
/// Samples of the previous chunk that precede each chunk.
pub const CONTEXT: usize = 64;
/// Size of the recurrent state tensor, `[2, 1, 128]`.
const STATE_SHAPE: [usize; 3] = [2, 1, 128];

/// The ONNX file, as shipped in the `silero-vad` 6.2.3 wheel.
pub static MODEL_ONNX: &[u8] = include_bytes!("../model/silero_vad_op18_ifless.onnx");
/// Hex SHA-256 of [`MODEL_ONNX`] (checked by `model/extract.py` and the tests).
pub const MODEL_SHA256: &str = "7671cd04b004e9076da0d4a7b1a5aec36adf161c39230c1cb94a4fd5db6bbd28";

type Plan = Arc<TypedRunnableModel>;

/// The optimised network, shared by every stream of the process.
#[derive(Clone)]
pub struct SileroModel {
    plan: Plan,
}

impl std::fmt::Debug for SileroModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SileroModel").finish_non_exhaustive()
    }
}

static SHARED: OnceLock<Result<SileroModel, SileroError>> = OnceLock::new();

impl SileroModel {
    /// The process-wide model, loaded and optimised on first use (about 50 ms).
    pub fn shared() -> Result<SileroModel, SileroError> {
        SHARED.get_or_init(Self::load).clone()
    }

    fn load() -> Result<SileroModel, SileroError> {
        let failed = |e: TractError| {
            SileroError::Model(format!("cannot load the Silero VAD network: {e:#}"))
        };
        // Inputs: `input` [batch, 576], `sr` (scalar), `state` [2, batch, 128]. The
        // sample rate is fixed to 16000, so the network's rate switch (its `If` on `sr`)
        // folds away and only the 16 kHz branch is compiled. The batch stays symbolic:
        // the branches are typed for any batch, and a concrete one does not unify.
        let plan = tract_onnx::onnx()
            .model_for_read(&mut std::io::Cursor::new(MODEL_ONNX))
            .and_then(|model| {
                let batch = model.sym("batch").to_dim();
                model
                    .with_input_fact(
                        0,
                        f32::fact(&[batch.clone(), (CONTEXT + CHUNK).to_dim()]).into(),
                    )?
                    .with_input_fact(1, InferenceFact::from(tensor0(i64::from(MODEL_RATE_HZ))))?
                    .with_input_fact(2, f32::fact(&[2.to_dim(), batch, 128.to_dim()]).into())
            })
            .and_then(|model| model.into_optimized())
            .and_then(|model| model.into_runnable())
            .map_err(failed)?;
        Ok(SileroModel { plan })
    }
}

/// One stream's network state: the recurrent state and the context samples.
pub struct ModelState {
    runner: TypedSimpleState,
    state: Tensor,
    /// The previous chunk's last [`CONTEXT`] samples, then the current chunk.
    window: [f32; CONTEXT + CHUNK],
}

fn zero_state() -> Tensor {
    Tensor::zero::<f32>(&STATE_SHAPE).expect("a small f32 tensor")
}

impl ModelState {
    /// A fresh stream (zero state, zero context).
    pub fn new(model: &SileroModel) -> Result<Self, SileroError> {
        let runner =
            TypedSimpleState::new(&model.plan).map_err(|e| SileroError::Model(format!("{e:#}")))?;
        Ok(Self {
            runner,
            state: zero_state(),
            window: [0.0; CONTEXT + CHUNK],
        })
    }

    /// Back to a fresh stream.
    pub fn reset(&mut self) {
        self.state = zero_state();
        self.window = [0.0; CONTEXT + CHUNK];
    }

    /// Runs the network on the next `chunk` of [`CHUNK`] samples at 16 kHz; the speech
    /// probability of the chunk, 0 to 1.
    pub fn infer(&mut self, chunk: &[f32]) -> Result<f32, SileroError> {
        assert_eq!(
            chunk.len(),
            CHUNK,
            "the network takes {CHUNK} samples per call"
        );
        self.window.copy_within(CHUNK.., 0); // the previous chunk's tail is the context
        self.window[CONTEXT..].copy_from_slice(chunk);
        let failed =
            |e: TractError| SileroError::Model(format!("the Silero VAD network failed: {e:#}"));
        let input = Tensor::from_shape(&[1, CONTEXT + CHUNK], &self.window).map_err(failed)?;
        let sample_rate = tensor0(i64::from(MODEL_RATE_HZ));
        let outputs = self
            .runner
            .run(tvec!(
                input.into(),
                sample_rate.into(),
                self.state.clone().into()
            ))
            .map_err(failed)?;
        let probability = outputs[0]
            .to_plain_array_view::<f32>()
            .map_err(failed)?
            .iter()
            .next()
            .copied()
            .ok_or_else(|| {
                SileroError::Model("the Silero VAD network returned no probability".into())
            })?;
        self.state = outputs[1].clone().into_tensor();
        Ok(probability)
    }
}
