//! Silero VAD for edgemix: the MIT-licensed Silero VAD network (v6, ONNX, as shipped in
//! the `silero-vad` PyPI package) run by tract, a pure-Rust ONNX engine, on streams of
//! 20 ms frames. It is the cloud tier's accurate voice activity detector (the `VAD`
//! node); the edge runs the small `edgemix_dsp::Vad`.
//!
//! Kept in its own crate so that tract stays out of `edgemix_runtime`; the server binary
//! and the addon's `startServer` register [`vad_node_spec`].

mod error;
mod model;
mod node;
mod stream;

pub use error::SileroError;
pub use model::{ModelState, SileroModel, CHUNK, CONTEXT, MODEL_ONNX, MODEL_RATE_HZ, MODEL_SHA256};
pub use node::vad_node_spec;
pub use stream::{SileroChunks, SileroConfig, SileroFrame, SileroVad, FRAME_MS};
