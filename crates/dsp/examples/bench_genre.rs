//! Times the genre detector directly in Rust and prints JSON:
//!
//! ```json
//! {"push": {"frames": n, "nsPerFrame": {"mean": .., "max": ..}, "windows": w},
//!  "classify60s": {"ms": .., "nsPerSecondOfAudio": ..}}
//! ```
//!
//! `push`: a `StreamingGenreClassifier` at 48 kHz with the default options, one
//! 960-sample frame per push over the benchmarks' 60 s test signal (cycled); the mean is
//! amortised (every 25th frame also evaluates a 3 s window), `max` is the slowest push.
//! `classify60s`: `classify` over the 60 s, best of 5. There is no peer. Used by
//! `npm run bench`.

#[path = "common/signal.rs"]
mod signal;

use std::time::Instant;

use edgemix_dsp::genre::{classify, StreamingGenreClassifier, StreamingGenreOptions};
use edgemix_dsp::FRAME_SAMPLES;

fn main() {
    let frames: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000);
    let input = signal::test_signal(48_000 * 60);
    let blocks: Vec<&[f32]> = input.chunks_exact(FRAME_SAMPLES).collect();
    let mut classifier =
        StreamingGenreClassifier::new(48_000, StreamingGenreOptions::default()).expect("valid");
    let (mut total, mut max) = (0.0f64, 0.0f64);
    for i in 0..frames {
        let t0 = Instant::now();
        classifier.push(blocks[i % blocks.len()]).expect("finite");
        let ns = t0.elapsed().as_nanos() as f64;
        total += ns;
        max = max.max(ns);
    }
    let mut best = f64::INFINITY;
    for _ in 0..5 {
        let t0 = Instant::now();
        std::hint::black_box(classify(&input, 48_000).expect("60 s"));
        best = best.min(t0.elapsed().as_secs_f64());
    }
    println!(
        "{{\"push\": {{\"frames\": {frames}, \"nsPerFrame\": {{\"mean\": {:.1}, \"max\": {:.1}}}, \"windows\": {}}}, \
         \"classify60s\": {{\"ms\": {:.3}, \"nsPerSecondOfAudio\": {:.1}}}}}",
        total / frames as f64,
        max,
        classifier.windows(),
        best * 1e3,
        best * 1e9 / 60.0
    );
}
