//! Accuracy and speed of the Silero VAD (tract) on the four test conditions of the
//! committed labelled set (speech + pink noise / music bed at 20 and 5 dB SNR; see
//! crates/dsp/tests/vad_set/signals.rs). Prints JSON
//! `{ "<condition>": { "accuracy": …, "usPerFrame": … }, … }` on stdout, the shape of
//! bench/peer_silero.py (the same network on onnxruntime) for the same mixed signals.
//!
//! ```sh
//! cargo run --release -p edgemix-silero --example bench_silero
//! ```
//!
//! Time: wall clock of `SileroVad::process` (one 960-sample frame per call, a fresh
//! stream, including the 48k→16k front end) and the final `flush`, over the whole
//! condition, best of 3 runs, divided by the number of frames.

#[path = "../../dsp/tests/vad_set/signals.rs"]
mod signals;

use edgemix_silero::{SileroConfig, SileroVad};
use signals::{bench_conditions_json, SET_FRAME};

fn main() {
    let json = bench_conditions_json(
        3,
        || SileroVad::new(SileroConfig::default()).unwrap(),
        |mut vad, signal, frames| {
            let mut decisions = Vec::with_capacity(frames);
            for frame in signal.chunks_exact(SET_FRAME).take(frames) {
                decisions.extend(vad.process(frame).unwrap().iter().map(|f| f.speech));
            }
            decisions.extend(vad.flush().unwrap().iter().map(|f| f.speech));
            decisions
        },
    );
    println!("{json}");
}
