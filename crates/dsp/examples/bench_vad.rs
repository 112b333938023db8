//! Accuracy and speed of the native `Vad` on the four test conditions of the committed
//! labelled set (speech + pink noise / music bed at 20 and 5 dB SNR; see
//! crates/dsp/tests/vad_set/signals.rs). Prints JSON
//! `{ "<condition>": { "accuracy": …, "usPerFrame": … }, … }` on stdout, the same shape
//! as bench/vad_peer.mjs (WebRTC VAD) prints for the same mixed signals.
//!
//! ```sh
//! cargo run --release -p edgemix-dsp --example bench_vad
//! ```
//!
//! Accuracy: the fraction of 20 ms frames whose decision equals the label. Time: wall
//! clock of `Vad::process` over the whole condition (one 960-sample frame per call, a
//! fresh detector), best of 5 runs, divided by the number of frames.

#[path = "../tests/vad_set/signals.rs"]
mod signals;

use std::time::Instant;

use edgemix_dsp::{Vad, VadConfig};
use signals::{accuracy, condition_signal, test_set, CONDITIONS, SET_FRAME};

fn main() {
    let set = test_set();
    let mut entries = Vec::new();
    for condition in &CONDITIONS {
        let signal = condition_signal(&set, condition);
        let frames = set.labels.len();
        let mut best = f64::INFINITY;
        let mut decisions = Vec::with_capacity(frames);
        for _ in 0..5 {
            let mut vad = Vad::new(VadConfig::default()).unwrap();
            decisions.clear();
            let start = Instant::now();
            for frame in signal.chunks_exact(SET_FRAME).take(frames) {
                decisions.push(vad.process(frame).unwrap().speech);
            }
            best = best.min(start.elapsed().as_secs_f64());
        }
        let acc = accuracy(&decisions, &set.labels);
        entries.push(format!(
            "  \"{}\": {{ \"accuracy\": {:.4}, \"usPerFrame\": {:.2} }}",
            condition.name,
            acc,
            best / frames as f64 * 1e6
        ));
    }
    println!("{{\n{}\n}}", entries.join(",\n"));
}
