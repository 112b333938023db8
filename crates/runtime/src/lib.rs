//! The edgemix edge engine, usable from Rust without Node and without gRPC: state whose
//! operations apply strictly in submission order from any thread ([`Serial`]; the
//! mixer, genre and extractor state behind the addon's classes), and the wasmtime host
//! for sandboxed WASM modules ([`wasm`]). The cloud tier is the `edgemix-cloud` crate.

pub mod cancel;
pub mod extractor;
pub mod genre;
pub mod json;
pub mod mixer;
pub mod registry;
pub mod serial;
pub mod text;
pub mod wasm;

pub use extractor::{ExtractorState, ExtractorOp};
pub use genre::{GenreState, GenreOp};
pub use mixer::{MetersHandle, MixerState, MixerOp, MixerOutput, SerialMixer};
pub use serial::{Serial, Stateful, Ticket};
