//! Processing nodes the cloud tier runs, by name: a [`NodeRegistry`] of [`NodeSpec`]s,
//! each with its documented parameters and a factory making one [`Node`] instance per
//! request (`ExecuteNode`) or per stream (`StreamNode`).
//!
//! A node is stateful for the life of its instance (a mixer stream stays continuous
//! across frames) and sees typed [`NodeData`], never wire bytes: decoding and encoding
//! (`json`, `f32le`, `bytes`) is done by `crate::serialization`.

mod audio_mixer;
mod audio_resampler;
mod audio_transform;
mod data;
mod delay;
mod denoise;
mod error;
mod genre_classifier;
mod image_preprocess;
mod literal;
mod mfcc;
mod params;
mod pass_through;
mod registry;
mod text_normalize;
mod wasm_module;

pub use data::{Audio, NodeData};
pub use error::{clip, echo, NodeError, NodeErrorKind, ECHO_CHARS, MESSAGE_CHARS};
pub use literal::parse_literal;
pub use params::{NodeConfig, ParamSpec, ParamType};
pub use registry::{BuiltinOptions, NodeContext, NodeFactory, NodeRegistry, NodeSpec};

/// A refusal of the text or image core, named for the node (`TextNormalize: ...`).
fn preprocess_error(node: &str, err: edgemix_preprocess::Error) -> NodeError {
    NodeError::invalid(format!("{node}: {err}"))
}

/// One instance of a node: the state of one request or one stream.
pub trait Node: Send {
    /// Processes one input (one request, or one frame of a stream).
    fn process(&mut self, input: NodeData) -> Result<NodeData, NodeError>;

    /// Processes one complete input (`ExecuteNode`): `process`, plus whatever a node
    /// that buffers across inputs (a resampler) would otherwise hold back.
    fn process_whole(&mut self, input: NodeData) -> Result<NodeData, NodeError> {
        self.process(input)
    }

    /// Called once at the end of a stream: what the node still holds (a delay line's
    /// tail), if anything.
    fn flush(&mut self) -> Result<Option<NodeData>, NodeError> {
        Ok(None)
    }
}
