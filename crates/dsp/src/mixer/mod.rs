//! The mixer chain: its stages (noise suppressor, gate, compressor, three-band EQ on
//! biquads, loudness normaliser, limiter), their channel linking and meters, the genre presets and the
//! adaptive morph between them, and the one table of its parameters.
//!
//! Module order, bottom up (no loops): the stages and the [`adaptive`] settings ←
//! [`config`] ← [`presets`] (values read from and written to a config, the parameters a
//! document pins) ← [`document`] (reading a configuration document) and [`morph`] (the
//! smoothed move between presets) ← [`chain`].

pub(crate) mod adaptive;
pub(crate) mod biquad;
pub(crate) mod chain;
pub(crate) mod compressor;
pub(crate) mod config;
pub(crate) mod denoise;
pub(crate) mod document;
pub(crate) mod eq;
pub(crate) mod gate;
pub(crate) mod limiter;
pub(crate) mod link;
pub(crate) mod meters;
pub(crate) mod morph;
pub(crate) mod normalizer;
pub mod parameters;
pub(crate) mod presets;
