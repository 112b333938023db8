//! Analysis: librosa-parity spectra, the mel filterbank and MFCC, frame features and the
//! streaming feature extractor.

pub(crate) mod extractor;
pub(crate) mod features;
pub(crate) mod mel;
pub(crate) mod mfcc;
pub(crate) mod spectrum;
