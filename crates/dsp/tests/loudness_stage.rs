//! The chain's loudness-normalisation stage: convergence to the target measured by the
//! independent `ebur128` crate within the documented time, the per-sample slew limit,
//! the limiter ceiling above it, bit-identical output when off, and its validation.

mod common;

use common::{in_blocks, peak, XorShift64, FS};
use ebur128::{EbuR128, Mode};
use edgemix_dsp::{ChainConfig, LoudnessNormalizer, LoudnessStageConfig, MixerChain};
use serde_json::{json, Value};

/// Integrated loudness by ebur128 (a port of libebur128), LUFS.
fn ebur128_lufs(x: &[f32]) -> f64 {
    let mut meter = EbuR128::new(1, FS as u32, Mode::I).unwrap();
    meter.add_frames_f32(x).unwrap();
    meter.loudness_global().unwrap()
}

/// Pink noise (Paul Kellet's three-pole approximation of −3 dB/octave) scaled so that
/// ebur128 reads `lufs`.
fn pink_noise(n: usize, lufs: f64, seed: u64) -> Vec<f32> {
    let mut rng = XorShift64::new(seed);
    let (mut b0, mut b1, mut b2) = (0.0f64, 0.0f64, 0.0f64);
    let x: Vec<f32> = (0..n)
        .map(|_| {
            let white = rng.bipolar();
            b0 = 0.99765 * b0 + white * 0.099_046;
            b1 = 0.96300 * b1 + white * 0.296_516_4;
            b2 = 0.57000 * b2 + white * 1.052_691_3;
            ((b0 + b1 + b2 + white * 0.1848) * 0.05) as f32
        })
        .collect();
    let gain = 10f64.powf((lufs - ebur128_lufs(&x)) / 20.0) as f32;
    x.iter().map(|v| v * gain).collect()
}

/// A 997 Hz sine scaled so that ebur128 reads `lufs`.
fn sine(n: usize, lufs: f64) -> Vec<f32> {
    let x = common::sine(n, 997.0, FS, 0.1);
    let gain = 10f64.powf((lufs - ebur128_lufs(&x)) / 20.0) as f32;
    x.iter().map(|v| v * gain).collect()
}

fn chain(config: Value) -> MixerChain {
    MixerChain::new(ChainConfig::from_json(&config).expect("valid test config")).unwrap()
}

/// Only the stage and the limiter: the stage's input is the test signal itself.
fn stage_only(loudness: Value) -> MixerChain {
    chain(json!({
        "gate": { "bypass": true }, "compressor": { "bypass": true }, "eq": { "bypass": true },
        "loudness": loudness
    }))
}

#[test]
fn steady_input_reaches_the_target_within_the_documented_time() {
    for (input_lufs, target, slew, signal) in [
        (-30.0f64, -16.0f64, 6.0f64, "pink"),
        (-30.0, -14.0, 3.0, "sine"),
        (-30.0, -23.0, 6.0, "pink"),
        (-8.0, -16.0, 4.0, "sine"),
    ] {
        // Documented: 0.4 s to the first measurement, then |target − input| / slew.
        let converged_s = 0.4 + (target - input_lufs).abs() / slew;
        let n = ((converged_s + 3.5) * FS) as usize;
        let x = if signal == "pink" {
            pink_noise(n, input_lufs, 5)
        } else {
            sine(n, input_lufs)
        };
        let mut c = stage_only(
            json!({ "enabled": true, "targetLufs": target, "slewDbPerSecond": slew, "maxGainDb": 20 }),
        );
        let y = in_blocks(&x, &[960], |b| c.process(b).unwrap());
        // The 3 s after the documented convergence time (plus the limiter's 5 ms delay).
        let from = ((converged_s + 0.01) * FS) as usize;
        let after = ebur128_lufs(&y[from..from + (3.0 * FS) as usize]);
        println!(
            "{signal} {input_lufs} LUFS -> {target}: {after:.3} LUFS after {converged_s:.2} s"
        );
        assert!(
            (after - target).abs() <= 0.5,
            "{signal} {input_lufs} -> {target}: {after}"
        );
        // Before that time it had not got there yet (the slew limit is what takes the time).
        let early = ebur128_lufs(&y[(0.5 * FS) as usize..(1.0 * FS) as usize]);
        assert!(
            (early - target).abs() > 1.0,
            "{signal}: already at {early} after 0.5 s"
        );
        let m = c.meters().loudness.expect("meters of the stage");
        assert!(
            (m.loudness_lufs - input_lufs).abs() <= 0.5,
            "measured {}",
            m.loudness_lufs
        );
        assert!(
            (m.normalization_gain_db - (target - input_lufs)).abs() <= 0.5,
            "gain {}",
            m.normalization_gain_db
        );
    }
}

#[test]
fn the_full_chain_output_also_converges() {
    // With gate, compressor and EQ in front the stage measures their output.
    let x = pink_noise((12.0 * FS) as usize, -30.0, 8);
    let mut c = chain(
        json!({ "loudness": { "enabled": true, "targetLufs": -16, "slewDbPerSecond": 6, "maxGainDb": 20 } }),
    );
    let y = in_blocks(&x, &[960], |b| c.process(b).unwrap());
    let after = ebur128_lufs(&y[(8.0 * FS) as usize..]);
    assert!((after + 16.0).abs() <= 0.5, "{after}");
}

#[test]
fn gain_changes_no_faster_than_the_slew_limit() {
    // A loudness step of 30 LU and back; the gain is read after every sample.
    let mut x = sine((3.0 * FS) as usize, -40.0);
    x.extend(sine((3.0 * FS) as usize, -10.0));
    x.extend(sine((3.0 * FS) as usize, -40.0));
    let slew = 5.0;
    let config = LoudnessStageConfig {
        enabled: true,
        target_lufs: -20.0,
        slew_db_per_second: slew,
        ..Default::default()
    };
    let mut stage = LoudnessNormalizer::new(&config, FS);
    let limit = slew / FS;
    let (mut previous, mut largest, mut moved) = (stage.gain_db(), 0.0f64, 0.0f64);
    for &v in &x {
        let mut sample = [v];
        stage.process(&mut sample);
        let gain = stage.gain_db();
        // The output is the input times that gain (f32 arithmetic: 1e-5 dB).
        if v.abs() > 1e-3 {
            let applied = 20.0 * f64::from(sample[0] / v).log10();
            assert!(
                (applied - gain).abs() < 1e-4,
                "applied {applied} dB vs gain {gain} dB"
            );
        }
        largest = largest.max((gain - previous).abs());
        moved += (gain - previous).abs();
        previous = gain;
    }
    println!("largest step {largest:.3e} dB per sample, limit {limit:.3e}");
    assert!(largest <= limit * (1.0 + 1e-9), "{largest} > {limit}");
    assert!(moved > 30.0, "the gain should have travelled: {moved} dB");
}

#[test]
fn the_limiter_ceiling_still_holds() {
    let mut rng = XorShift64::new(21);
    // 5 s quiet (the stage raises its gain towards the maximum), then a burst 40 dB
    // louder, then quiet again.
    let x: Vec<f32> = (0..(8.0 * FS) as usize)
        .map(|i| {
            let level = if (5.0 * FS) as usize <= i && i < (6.0 * FS) as usize {
                3.0
            } else {
                0.03
            };
            (level * rng.bipolar()) as f32
        })
        .collect();
    for ceiling in [-1.0, -6.0] {
        let mut c = chain(json!({
            "loudness": { "enabled": true, "targetLufs": 0, "maxGainDb": 40, "slewDbPerSecond": 60 },
            "limiter": { "ceilingDb": ceiling }
        }));
        let mut gain_at_burst = 0.0;
        let mut frame = 0;
        let y = in_blocks(&x, &[960], |b| {
            c.process(b).unwrap();
            frame += 1;
            if frame == 250 {
                gain_at_burst = c.meters().loudness.unwrap().normalization_gain_db;
            }
        });
        assert!(
            gain_at_burst > 20.0,
            "the stage should be boosting hard when the burst comes: {gain_at_burst} dB"
        );
        let limit = 10f32.powf(ceiling as f32 / 20.0);
        assert!(peak(&y) <= limit, "ceiling {ceiling}: peak {}", peak(&y));
        assert!(peak(&y) > 0.9 * limit, "the limiter was reached");
    }
}

#[test]
fn off_by_default_and_bit_identical_when_disabled() {
    let x = pink_noise((4.0 * FS) as usize, -20.0, 3);
    let mut plain = MixerChain::new(ChainConfig::default()).unwrap();
    let mut disabled =
        chain(json!({ "loudness": { "enabled": false, "targetLufs": -23 }, "adaptive": false }));
    let a = in_blocks(&x, &[960], |b| plain.process(b).unwrap());
    let b = in_blocks(&x, &[960], |b| disabled.process(b).unwrap());
    assert!(a.iter().zip(&b).all(|(p, q)| p.to_bits() == q.to_bits()));
    assert_eq!(plain.meters(), disabled.meters());
    assert!(plain.meters().loudness.is_none() && plain.meters().adaptive.is_none());
    // The defaults serialise exactly as before the stage existed.
    let json = serde_json::to_value(ChainConfig::default()).unwrap();
    assert!(json.get("loudness").is_none() && json.get("adaptive").is_none());
}

#[test]
fn settings_are_validated() {
    let bad = |v: Value| ChainConfig::from_json(&v).unwrap_err().param;
    assert_eq!(
        bad(json!({ "loudness": { "targetLufs": 3 } })),
        "loudness.targetLufs"
    );
    assert_eq!(
        bad(json!({ "loudness": { "maxGainDb": -1 } })),
        "loudness.maxGainDb"
    );
    assert_eq!(
        bad(json!({ "loudness": { "windowMs": 100 } })),
        "loudness.windowMs"
    );
    assert_eq!(
        bad(json!({ "loudness": { "slewDbPerSecond": 0 } })),
        "loudness.slewDbPerSecond"
    );
    assert_eq!(
        bad(json!({ "loudness": { "target": -16 } })),
        "loudness.target"
    );
}
