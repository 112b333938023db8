//! Times the mixer chain on 960-sample frames directly in Rust and prints JSON:
//! `{"frames": n, "nsPerFrame": {"p50": .., "mean": ..}, "adaptive": {"settled": {..},
//! "morphing": {..}}}`. `adaptive.settled`: the same chain with `adaptive: true` on a
//! steady preset; `adaptive.morphing`: a new preset decided whenever the previous morph
//! (200 ms) has finished, so nearly every frame recomputes the parameters 30 times. Used
//! by `npm run bench`.

#[path = "common/signal.rs"]
mod signal;

use std::time::Instant;

use edgemix_dsp::{ChainConfig, MixerChain, PresetDecision, FRAME_SAMPLES};
use serde_json::json;

fn main() {
    let frames: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000);
    let input = signal::test_signal(FRAME_SAMPLES * 500);
    let plain = time(
        &input,
        frames,
        MixerChain::new(ChainConfig::default()).expect("valid"),
        |_| {},
    );
    let adaptive = || {
        let config =
            ChainConfig::from_json(&json!({ "adaptive": { "enabled": true, "smoothingMs": 200 } }))
                .expect("valid");
        MixerChain::new(config).expect("valid")
    };
    let settled = time(&input, frames, adaptive(), |_| {});
    let genres = ["speech", "rock", "jazz", "electronic", "classical"];
    let mut next = 0;
    let morphing = time(&input, frames, adaptive(), |chain| {
        if !chain.is_morphing() {
            next = (next + 1) % genres.len();
            chain.set_decision(PresetDecision {
                genre: Some(genres[next]),
                confidence: 0.9,
            });
        }
    });
    println!("{{\"frames\": {frames}, \"nsPerFrame\": {plain}, \"adaptive\": {{\"settled\": {settled}, \"morphing\": {morphing}}}}}");
}

/// `{"p50": .., "mean": ..}` ns per frame over `frames` frames after 1000 untimed ones.
fn time(
    input: &[f32],
    frames: usize,
    mut chain: MixerChain,
    mut before: impl FnMut(&mut MixerChain),
) -> String {
    let mut block = vec![0.0f32; FRAME_SAMPLES];
    let mut times = Vec::with_capacity(frames);
    for i in 0..frames + 1000 {
        let start = (i % 500) * FRAME_SAMPLES;
        block.copy_from_slice(&input[start..start + FRAME_SAMPLES]);
        before(&mut chain);
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
    format!("{{\"p50\": {p50:.1}, \"mean\": {mean:.1}}}")
}
