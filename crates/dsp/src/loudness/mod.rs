//! Loudness: the BS.1770 / EBU R128 meter (integrated, short-term, momentary, range) and
//! the true-peak oversampler it uses.

pub(crate) mod meter;
pub(crate) mod true_peak;
