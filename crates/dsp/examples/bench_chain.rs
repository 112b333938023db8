//! Times the mixer chain on 960-sample frames directly in Rust and prints JSON:
//! `{"frames": n, "nsPerFrame": {"p50": .., "mean": ..}}`. Used by `npm run bench`.

use std::time::Instant;

use edgemix_dsp::{ChainConfig, MixerChain, FRAME_SAMPLES};

fn main() {
    let frames: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(20_000);
    let input = test_signal(FRAME_SAMPLES * 500);
    let mut chain = MixerChain::new(ChainConfig::default()).expect("default config is valid");
    let mut block = vec![0.0f32; FRAME_SAMPLES];
    let mut times = Vec::with_capacity(frames);
    for i in 0..frames + 1000 {
        let start = (i % 500) * FRAME_SAMPLES;
        block.copy_from_slice(&input[start..start + FRAME_SAMPLES]);
        let t = Instant::now();
        chain.process(&mut block).expect("finite input");
        let ns = t.elapsed().as_nanos() as f64;
        if i >= 1000 {
            times.push(ns);
        }
        std::hint::black_box(&block);
    }
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    times.sort_by(f64::total_cmp);
    let p50 = times[times.len() / 2];
    println!("{{\"frames\": {frames}, \"nsPerFrame\": {{\"p50\": {p50:.1}, \"mean\": {mean:.1}}}}}");
}

/// Speech-like test material: a 150 Hz buzz with formant-ish harmonics, syllable-rate
/// amplitude modulation, pauses, and a little noise (deterministic).
fn test_signal(len: usize) -> Vec<f32> {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    (0..len)
        .map(|n| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let noise = (seed >> 40) as f32 / (1u64 << 24) as f32 - 0.5;
            let t = n as f32 / 48_000.0;
            let syllable = (std::f32::consts::TAU * 4.0 * t).sin().max(0.0);
            let voiced: f32 = (1..8).map(|h| (std::f32::consts::TAU * 150.0 * h as f32 * t).sin() / h as f32).sum();
            0.4 * syllable * voiced + 0.003 * noise
        })
        .collect()
}
