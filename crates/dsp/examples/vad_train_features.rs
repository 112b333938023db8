//! Writes the VAD's training table: the feature vector of every 20 ms hop of a training
//! speech set (generate.py --train) mixed with many backgrounds, with its label.
//! Run by `crates/dsp/training/vad/train.py`; not a benchmark.
//!
//! ```sh
//! cargo run --release -p edgemix-dsp --example vad_train_features -- train.wav train.json out.f32
//! ```
//!
//! Output: rows of little-endian f32, `VAD_FEATURES + 4` columns: the features, the
//! label (0/1, of the 20 ms frame = hop), the mixture index, its SNR (dB, or 99 for
//! none) and its background (0 pink, 1 music bed, 2 white, 3 brown, 4 none, 5 full band,
//! 6 drums, 7 melody). Every mixture is the whole training speech at a seeded level and
//! one SNR of a fixed grid (see `MIXTURES` below). Its background changes every
//! `SEGMENT_S` seconds to a bed of the next seed (a new key, tempo and instrumentation
//! for band beds), so that the network also meets a background it has not adapted to.
//! Seeds run from 1000 up and stay below 2000: never those of the test conditions.

#[path = "../tests/vad_set/signals.rs"]
mod signals;

use std::io::Write;

use edgemix_dsp::{Vad, VadConfig, VAD_FEATURES};
use signals::{background, mix_at_snr, parse_set, Background, Parts, XorShift64};

/// (background kind as in the table, SNR dB).
const MIXTURES: [(u8, f64); 24] = [
    (0, 0.0),
    (0, 5.0),
    (0, 10.0),
    (0, 20.0),
    (0, 30.0),
    (1, 5.0),
    (1, 15.0),
    (2, 5.0),
    (3, 10.0),
    (4, 99.0),
    (5, 0.0),
    (5, 5.0),
    (5, 10.0),
    (5, 20.0),
    (6, 0.0),
    (6, 5.0),
    (6, 12.0),
    (6, 25.0),
    (7, 0.0),
    (7, 5.0),
    (7, 10.0),
    (7, 20.0),
    (5, 3.0),
    (7, 3.0),
];
/// Length of one background segment, s.
const SEGMENT_S: usize = 30;

fn bed(kind: u8, seed: u64) -> Background {
    match kind {
        0 => Background::Pink { seed },
        1 => Background::Music { seed },
        2 | 4 => Background::White { seed },
        3 => Background::Brown { seed },
        5 => Background::Band {
            seed,
            parts: Parts::Full,
        },
        6 => Background::Band {
            seed,
            parts: Parts::Drums,
        },
        _ => Background::Band {
            seed,
            parts: Parts::Melody,
        },
    }
}

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
    let segment = SEGMENT_S * 48_000;
    let mut out = std::io::BufWriter::new(std::fs::File::create(&args[2]).expect("output file"));
    let mut rng = XorShift64::new(0x7EA1_2024);
    let mut next_seed = 1000u64;
    let mut rows = 0usize;
    for (m, &(kind, snr)) in MIXTURES.iter().enumerate() {
        let mut noise = Vec::with_capacity(n);
        while noise.len() < n {
            let len = segment.min(n - noise.len());
            noise.extend(background(bed(kind, next_seed), len));
            next_seed += 1;
        }
        assert!(next_seed < 2000, "training seeds stay below the tests'");
        // None: clean speech over a faint white floor (−90 dB below the speech).
        let snr = if kind == 4 { 90.0 } else { snr };
        let mixed = mix_at_snr(&set.samples, &noise, &set.labels, snr);
        // Speech level from −46 to −16 dBFS (the set is at −26).
        let gain = 10f64.powf((rng.uniform() * 30.0 - 20.0) / 20.0) as f32;
        let mixed: Vec<f32> = mixed.iter().map(|x| x * gain).collect();
        let mut vad = Vad::new(VadConfig::default()).unwrap();
        let mut frame = 0usize;
        let mut record = Vec::with_capacity(VAD_FEATURES + 4);
        let snr_column = if kind == 4 { 99.0 } else { snr as f32 };
        for block in mixed.chunks(960) {
            vad.process_hops(block, |_, features| {
                if frame < set.labels.len() {
                    record.clear();
                    record.extend_from_slice(features);
                    record.extend_from_slice(&[
                        f32::from(u8::from(set.labels[frame])),
                        m as f32,
                        snr_column,
                        f32::from(kind),
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
        eprintln!("mixture {m}: background {kind}, SNR {snr_column} dB, gain {gain:.3}");
    }
    out.flush().unwrap();
    eprintln!("{rows} rows of {} columns", VAD_FEATURES + 4);
}
