//! The Node.js binding of edgemix: JS classes and functions that convert values, call the
//! pure cores (`edgemix-dsp`, `edgemix-runtime`, `edgemix-cloud`, `edgemix-audio-io`) and map their errors to JS errors with
//! stable codes. No processing logic lives here.

mod analysis;
mod audio;
mod audio_file;
mod batch;
mod cloud;
mod config;
mod error;
mod genre;
mod json;
mod keepalive;
mod loudness;
mod mixer;
mod pool;
mod registry;
mod server;
mod task;
mod wasm;
