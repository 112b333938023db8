//! Writes the VAD's training table: the feature vector of every 10 ms hop of a training
//! speech set (generate.py --train) mixed with many backgrounds, with its label.
//! Run by `crates/dsp/tests/vad_set/train.py`; not a benchmark.
//!
//! ```sh
//! cargo run --release -p edgemix-dsp --example vad_train_features -- train.wav train.json out.f32
//! ```
//!
//! Output: rows of little-endian f32, `VAD_FEATURES + 4` columns: the features, the
//! label (0/1, of the 20 ms frame = hop), the mixture index, its SNR (dB, or
//! 99 for none) and its background (0 pink, 1 music, 2 white, 3 brown, 4 none). Every
//! mixture is the whole training speech at a seeded level and one SNR of a fixed grid
//! (see `mixtures` below); the backgrounds use other seeds than the test conditions.

#[path = "../tests/vad_set/signals.rs"]
mod signals;

use std::io::Write;

use edgemix_dsp::{Vad, VadConfig, VAD_FEATURES};
use signals::{background, mix_at_snr, parse_set, Background, XorShift64};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    assert_eq!(
        args.len(),
        3,
        "usage: vad_train_features TRAIN.wav TRAIN.json OUT.f32"
    );
    let wav = std::fs::read(&args[0]).expect("training WAV");
    let json = std::fs::read_to_string(&args[1]).expect("training JSON");
    let set = parse_set(&wav, &json);
    let n = set.samples.len();
    let mut out = std::io::BufWriter::new(std::fs::File::create(&args[2]).expect("output file"));
    let mut rng = XorShift64::new(0x7EA1_2024);
    // (background kind, SNR dB); seeds from 1000 on, never those of the tests.
    let mixtures: Vec<(usize, f64)> = [0.0, 5.0, 10.0, 20.0, 30.0]
        .iter()
        .map(|&snr| (0, snr))
        .chain(
            [0.0, 3.0, 5.0, 8.0, 10.0, 15.0, 20.0, 30.0]
                .iter()
                .map(|&snr| (1, snr)),
        )
        .chain([(2, 5.0), (2, 15.0), (3, 5.0), (3, 20.0), (4, 99.0)])
        .collect();
    let mut rows = 0usize;
    for (m, &(kind, snr)) in mixtures.iter().enumerate() {
        let seed = 1000 + m as u64;
        let mixed = match kind {
            4 => {
                // Clean speech over a faint white floor (−90 dB below the speech).
                let noise = background(Background::White { seed }, n);
                mix_at_snr(&set.samples, &noise, &set.labels, 90.0)
            }
            _ => {
                let bg = match kind {
                    0 => Background::Pink { seed },
                    1 => Background::Music { seed },
                    2 => Background::White { seed },
                    _ => Background::Brown { seed },
                };
                mix_at_snr(&set.samples, &background(bg, n), &set.labels, snr)
            }
        };
        // Speech level from −46 to −16 dBFS (the set is at −26).
        let gain = 10f64.powf((rng.uniform() * 30.0 - 20.0) / 20.0) as f32;
        let mixed: Vec<f32> = mixed.iter().map(|x| x * gain).collect();
        let mut vad = Vad::new(VadConfig::default()).unwrap();
        let mut frame = 0usize;
        let mut record = Vec::with_capacity(VAD_FEATURES + 4);
        for block in mixed.chunks(960) {
            vad.process_hops(block, |_, features| {
                if frame < set.labels.len() {
                    record.clear();
                    record.extend_from_slice(features);
                    record.extend_from_slice(&[
                        f32::from(u8::from(set.labels[frame])),
                        m as f32,
                        snr as f32,
                        kind as f32,
                    ]);
                    for v in &record {
                        out.write_all(&v.to_le_bytes()).unwrap();
                    }
                    rows += 1;
                }
                frame += 1;
            })
            .unwrap();
        }
        eprintln!("mixture {m}: background {kind}, SNR {snr} dB, gain {gain:.3}");
    }
    out.flush().unwrap();
    eprintln!("{rows} rows of {} columns", VAD_FEATURES + 4);
}
