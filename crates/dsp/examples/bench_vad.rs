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

use edgemix_dsp::{Vad, VadConfig};
use signals::{bench_conditions_json, SET_FRAME};

fn main() {
    let json = bench_conditions_json(
        5,
        || Vad::new(VadConfig::default()).unwrap(),
        |mut vad, signal, frames| {
            signal
                .chunks_exact(SET_FRAME)
                .take(frames)
                .map(|frame| vad.process(frame).unwrap().speech)
                .collect()
        },
    );
    println!("{json}");
}
