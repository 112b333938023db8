//! Writes the VAD test conditions as files, so that another VAD (bench/vad_peer.mjs:
//! WebRTC VAD) is measured on exactly the samples the Rust tests and `bench_vad` use:
//! by default the committed labelled set's four (espeak-ng speech + pink noise / music
//! bed at 20 and 5 dB SNR), with `heldout` the held-out speech in pink noise and five
//! band beds at 20 and 5 dB (crates/dsp/tests/vad_set/signals.rs).
//!
//! ```sh
//! cargo run --release -p edgemix-dsp --example vad_conditions -- OUT_DIR [heldout]
//! ```
//!
//! Writes `OUT_DIR/<condition>.f32` (little-endian f32, mono, 48 kHz, the whole set) and
//! `OUT_DIR/labels.json`:
//! `{ "sampleRate": 48000, "frameSamples": 960, "conditions": [...], "labels": "0101…" }`
//! (one 0/1 per 20 ms frame).

#[path = "../tests/vad_set/signals.rs"]
mod signals;

use std::path::PathBuf;

use signals::{
    condition_signal, heldout_set, test_set, CONDITIONS, HELDOUT_CONDITIONS, SET_FRAME, SET_RATE,
};

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(
        args.next()
            .expect("usage: vad_conditions OUT_DIR [heldout]"),
    );
    let (set, conditions) = match args.next().as_deref() {
        None => (test_set(), &CONDITIONS[..]),
        Some("heldout") => (heldout_set(), &HELDOUT_CONDITIONS[..]),
        Some(other) => panic!("unknown set {other:?}: none or `heldout`"),
    };
    std::fs::create_dir_all(&dir).expect("output directory");
    for condition in conditions {
        let signal = condition_signal(&set, condition);
        let bytes: Vec<u8> = signal.iter().flat_map(|x| x.to_le_bytes()).collect();
        std::fs::write(dir.join(format!("{}.f32", condition.name)), bytes)
            .expect("write condition");
    }
    let names: Vec<String> = conditions
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
        conditions.len(),
        set.labels.len(),
        dir.display()
    );
}
