//! The benchmarks' shared test material (bench/signal.mjs rebuilds it in JS).

/// Speech-like test material: a 150 Hz buzz with formant-ish harmonics, syllable-rate
/// amplitude modulation, and a little noise (deterministic).
pub fn test_signal(len: usize) -> Vec<f32> {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    (0..len)
        .map(|n| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let noise = (seed >> 40) as f32 / (1u64 << 24) as f32 - 0.5;
            let t = n as f32 / 48_000.0;
            let syllable = (std::f32::consts::TAU * 4.0 * t).sin().max(0.0);
            let voiced: f32 = (1..8)
                .map(|h| (std::f32::consts::TAU * 150.0 * h as f32 * t).sin() / h as f32)
                .sum();
            0.4 * syllable * voiced + 0.003 * noise
        })
        .collect()
}
