//! The edgemix engine, usable from Rust without Node: stateful processing nodes whose
//! operations apply strictly in submission order from any thread.

pub mod cancel;
pub mod cloud;
pub mod extractor;
pub mod genre;
pub mod json;
pub mod mixer;
pub mod nodes;
pub mod serial;
pub mod wasm;

pub use extractor::{ExtractorNode, ExtractorOp};
pub use genre::{GenreNode, GenreOp};
pub use mixer::{MetersHandle, MixerNode, MixerOp, MixerOutput, SerialMixer};
pub use serial::{Serial, Stateful, Ticket};
