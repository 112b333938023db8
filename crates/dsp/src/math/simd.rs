//! Runtime selection of a wider instruction set for the few loops that are written to
//! vectorise (the K-weighting lanes, the true-peak oversampler, the mixer's dynamics
//! stages and meters).
//!
//! The crate is compiled for the baseline target (SSE2 on x86-64, simd128 for the WASM
//! guests), so auto-vectorised loops use 128-bit registers. On x86-64 CPUs with AVX2 the
//! same source, compiled a second time with AVX2 enabled, runs with 256-bit registers.
//! Both compilations perform the same IEEE operations in the same order (no FMA
//! contraction), so the results are bit-identical whichever runs.

/// `fn $name(args) -> ret` that calls `$body(args)`, compiled for the baseline and, on
/// x86-64, also with AVX2 enabled, picking the AVX2 copy when the CPU has it.
macro_rules! with_avx2 {
    ($(#[$meta:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty = $body:path;) => {
        $(#[$meta])*
        $vis fn $name($($arg: $ty),*) -> $ret {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx2")]
                fn avx2($($arg: $ty),*) -> $ret {
                    $body($($arg),*)
                }
                if std::arch::is_x86_feature_detected!("avx2") {
                    // SAFETY: the CPU supports AVX2 (checked just above).
                    return unsafe { avx2($($arg),*) };
                }
            }
            $body($($arg),*)
        }
    };
}

pub(crate) use with_avx2;
