//! Numeric building blocks shared by the subjects: fast approximations, the AVX2
//! dispatch, a sliding minimum, a radix-2 FFT, a rational resampler and a dot product.

pub(crate) mod dot;
pub(crate) mod fastmath;
pub(crate) mod radix2_fft;
pub(crate) mod rational_resampler;
pub(crate) mod simd;
pub(crate) mod sliding_min;
