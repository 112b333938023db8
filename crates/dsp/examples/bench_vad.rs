//! Accuracy, confusion and speed of the native `Vad` on the test conditions
//! (crates/dsp/tests/vad_set/signals.rs): by default the committed labelled set's four
//! (espeak-ng speech + pink noise / music bed at 20 and 5 dB SNR); with `heldout`, the
//! held-out speech (Festival voices and pytest-audioeval recordings, engines the network
//! never hears) in pink noise and five band beds at 20 and 5 dB. Prints JSON
//! `{ "<condition>": { "accuracy", "tpRate", "fpRate", "tnRate", "fnRate", "usPerFrame" },
//! … }` on stdout, the same shape as bench/vad_peer.mjs (WebRTC VAD) prints for the same
//! mixed signals.
//!
//! ```sh
//! cargo run --release -p edgemix-dsp --example bench_vad [-- heldout]
//! ```
//!
//! Accuracy: the fraction of 20 ms frames whose decision equals the label; tpRate and
//! fnRate are fractions of the speech frames, fpRate and tnRate of the others. Time: wall
//! clock of `Vad::process` over the whole condition (one 960-sample frame per call, a
//! fresh detector), best of 5 runs, divided by the number of frames.

#[path = "../tests/vad_set/signals.rs"]
mod signals;

use edgemix_dsp::{Vad, VadConfig};
use signals::{bench_json, heldout_set, test_set, CONDITIONS, HELDOUT_CONDITIONS, SET_FRAME};

fn main() {
    let (set, conditions) = match std::env::args().nth(1).as_deref() {
        None => (test_set(), &CONDITIONS[..]),
        Some("heldout") => (heldout_set(), &HELDOUT_CONDITIONS[..]),
        Some(other) => panic!("unknown set {other:?}: none or `heldout`"),
    };
    let json = bench_json(
        &set,
        conditions,
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
