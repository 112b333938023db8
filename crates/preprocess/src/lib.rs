//! Preprocessing cores that run the same at the edge (compiled into `text_normalize.wasm`
//! and `image_preprocess.wasm`) and in the cloud (the `TextNormalize` and
//! `ImagePreprocess` nodes): one source, so both sides give identical results.
//!
//! Pure functions: no I/O, no clock, no threads; every input is bounded by its
//! configuration before any work proportional to what it declares.

mod error;
pub mod image;
pub mod text;

pub use error::{Error, ErrorKind};

/// Parses a configuration object (`""` = all defaults), refusing unknown keys; the
/// message names the key and what is allowed.
fn parse_config<T: serde::de::DeserializeOwned + Default>(what: &str, json: &str) -> Result<T, Error> {
    if json.trim().is_empty() {
        return Ok(T::default());
    }
    serde_json::from_str(json).map_err(|e| Error::config(format!("{what} configuration: {e}")))
}
