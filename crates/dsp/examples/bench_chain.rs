//! Times the mixer chain on 960-sample frames directly in Rust and prints JSON:
//! `{"frames": n, "nsPerFrame": {"p50": .., "mean": ..}}`. Used by `npm run bench`.

#[path = "common/signal.rs"]
mod signal;

use std::time::Instant;

use edgemix_dsp::{ChainConfig, MixerChain, FRAME_SAMPLES};

fn main() {
    let frames: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(20_000);
    let input = signal::test_signal(FRAME_SAMPLES * 500);
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

