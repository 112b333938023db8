//! Writes the four VAD test conditions (the committed labelled speech mixed with pink
//! noise and with the music bed at 20 and 5 dB SNR; crates/dsp/tests/vad_set/signals.rs)
//! as files, so that another VAD (bench/vad_peer.mjs: WebRTC VAD) is measured on exactly
//! the samples the Rust tests and `bench_vad` use.
//!
//! ```sh
//! cargo run --release -p edgemix-dsp --example vad_conditions -- OUT_DIR
//! ```
//!
//! Writes `OUT_DIR/<condition>.f32` (little-endian f32, mono, 48 kHz, the whole set) for
//! `pink_20dB`, `pink_5dB`, `music_20dB`, `music_5dB`, and `OUT_DIR/labels.json`:
//! `{ "sampleRate": 48000, "frameSamples": 960, "conditions": [...], "labels": "0101…" }`
//! (one 0/1 per 20 ms frame).

#[path = "../tests/vad_set/signals.rs"]
mod signals;

use std::path::PathBuf;

use signals::{condition_signal, test_set, CONDITIONS, SET_FRAME, SET_RATE};

fn main() {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .expect("usage: vad_conditions OUT_DIR"),
    );
    std::fs::create_dir_all(&dir).expect("output directory");
    let set = test_set();
    for condition in &CONDITIONS {
        let signal = condition_signal(&set, condition);
        let bytes: Vec<u8> = signal.iter().flat_map(|x| x.to_le_bytes()).collect();
        std::fs::write(dir.join(format!("{}.f32", condition.name)), bytes)
            .expect("write condition");
    }
    let names: Vec<String> = CONDITIONS
        .iter()
        .map(|c| format!("\"{}\"", c.name))
        .collect();
    let labels: String = set
        .labels
        .iter()
        .map(|&l| if l { '1' } else { '0' })
        .collect();
    let json = format!(
        "{{ \"sampleRate\": {SET_RATE}, \"frameSamples\": {SET_FRAME}, \"conditions\": [{}], \"labels\": \"{labels}\" }}\n",
        names.join(", ")
    );
    std::fs::write(dir.join("labels.json"), json).expect("write labels");
    eprintln!(
        "wrote {} conditions of {} frames to {}",
        CONDITIONS.len(),
        set.labels.len(),
        dir.display()
    );
}
