//! BS.1770-4 / EBU R128 loudness against three independent references: the expected
//! values of EBU Tech 3341 test cases (1–6 and the short-term case 9), the analytic
//! K-weighted level of a 997 Hz sine (from the tabulated BS.1770 coefficients, complex
//! arithmetic by hand), and two other implementations — pyloudnorm (values committed in
//! `tests/fixtures/manifest.json`) and the `ebur128` crate (a port of libebur128).

mod common;

use std::f64::consts::PI;
use std::path::PathBuf;

use ebur128::{EbuR128, Mode};
use edgemix_dsp::{
    apply_gain_db, measure_loudness, normalization_gain_db, LoudnessConfig, LoudnessMeter,
    LoudnessSettings, NormalizationTarget, TARGET_PODCAST_LUFS, TARGET_STREAMING_LUFS,
};
use serde_json::{json, Value};

const FS: u32 = 48_000;

fn settings(config: Value) -> LoudnessSettings {
    LoudnessConfig::from_json(&config).expect("valid loudness options")
}

/// A 1 kHz sine of `db` dBFS peak and `seconds`, as in `generate_fixtures.py`.
fn sine_segment(db: f64, seconds: f64, freq: f64, rate: u32) -> Vec<f32> {
    let amp = 10f64.powf(db / 20.0);
    let n = (seconds * f64::from(rate)).round() as usize;
    (0..n)
        .map(|i| (amp * common::phase(i, freq, f64::from(rate)).sin()) as f32)
        .collect()
}

fn segments(parts: &[(f64, f64)], freq: f64, rate: u32) -> Vec<f32> {
    parts
        .iter()
        .flat_map(|&(db, s)| sine_segment(db, s, freq, rate))
        .collect()
}

/// Each sample repeated on `channels` interleaved channels.
fn interleave(mono: &[f32], channels: usize) -> Vec<f32> {
    mono.iter()
        .flat_map(|&x| std::iter::repeat_n(x, channels))
        .collect()
}

fn ebur128_reference(interleaved: &[f32], channels: u32, rate: u32) -> EbuR128 {
    let mut meter = EbuR128::new(
        channels,
        rate,
        Mode::I | Mode::S | Mode::M | Mode::TRUE_PEAK,
    )
    .unwrap();
    meter.add_frames_f32(interleaved).unwrap();
    meter
}

fn manifest() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/manifest.json");
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

const TECH_3341: [(u32, &[(f64, f64)]); 5] = [
    (1, &[(-23.0, 20.0)]),
    (2, &[(-33.0, 20.0)]),
    (3, &[(-36.0, 10.0), (-23.0, 60.0), (-36.0, 10.0)]),
    (
        4,
        &[
            (-72.0, 10.0),
            (-36.0, 10.0),
            (-23.0, 60.0),
            (-36.0, 10.0),
            (-72.0, 10.0),
        ],
    ),
    (5, &[(-26.0, 20.0), (-20.0, 20.1), (-26.0, 20.0)]),
];

#[test]
fn tech_3341_cases_1_to_5_stereo() {
    let pyloudnorm = &manifest()["loudness"]["tech3341"];
    for (case, parts) in TECH_3341 {
        let expected = if case == 2 { -33.0 } else { -23.0 };
        let x = interleave(&segments(parts, 1000.0, FS), 2);
        let got = measure_loudness(&x, &settings(json!({ "channels": 2 })))
            .unwrap()
            .integrated_lufs;
        let reference = ebur128_reference(&x, 2, FS).loudness_global().unwrap();
        let py = pyloudnorm[case.to_string()].as_f64().unwrap();
        println!("case {case}: {got:.4} LUFS (Tech 3341 {expected}, ebur128 {reference:.4}, pyloudnorm {py:.4})");
        assert!(
            (got - expected).abs() <= 0.1,
            "case {case}: {got} vs {expected}"
        );
        assert!(
            (got - reference).abs() <= 0.1,
            "case {case}: {got} vs ebur128 {reference}"
        );
        assert!(
            (got - py).abs() <= 0.1,
            "case {case}: {got} vs pyloudnorm {py}"
        );
    }
}

#[test]
fn tech_3341_case_6_five_channels() {
    // L, R at −28 dBFS, C at −24 dBFS, Ls, Rs at −30 dBFS (1 kHz, 20 s) → −23.0 LUFS.
    let front = sine_segment(-28.0, 20.0, 1000.0, FS);
    let centre = sine_segment(-24.0, 20.0, 1000.0, FS);
    let surround = sine_segment(-30.0, 20.0, 1000.0, FS);
    let x: Vec<f32> = (0..front.len())
        .flat_map(|i| [front[i], front[i], centre[i], surround[i], surround[i]])
        .collect();
    let got = measure_loudness(&x, &settings(json!({ "channels": 5 })))
        .unwrap()
        .integrated_lufs;
    let reference = ebur128_reference(&x, 5, FS).loudness_global().unwrap();
    assert!((got + 23.0).abs() <= 0.1, "{got}");
    assert!(
        (got - reference).abs() <= 0.01,
        "{got} vs ebur128 {reference}"
    );
    // With LFE (6 channels, index 3) carrying a loud tone that must be ignored.
    let lfe = sine_segment(-6.0, 20.0, 60.0, FS);
    let x6: Vec<f32> = (0..front.len())
        .flat_map(|i| {
            [
                front[i],
                front[i],
                centre[i],
                lfe[i],
                surround[i],
                surround[i],
            ]
        })
        .collect();
    let got6 = measure_loudness(&x6, &settings(json!({ "channels": 6 })))
        .unwrap()
        .integrated_lufs;
    assert!(
        (got6 - got).abs() < 1e-9,
        "LFE must not count: {got6} vs {got}"
    );
}

#[test]
fn tech_3341_case_9_short_term_is_constant() {
    // 20 × [1.34 s at −20 dBFS, 1.66 s at −30 dBFS]: every 3 s window reads −23.0 LUFS.
    let period = segments(&[(-20.0, 1.34), (-30.0, 1.66)], 1000.0, FS);
    let x = interleave(&period.repeat(20), 2);
    let report = measure_loudness(&x, &settings(json!({ "channels": 2 }))).unwrap();
    assert_eq!(report.short_term_lufs.len(), 600 - 30 + 1);
    for (i, st) in report.short_term_lufs.iter().enumerate() {
        assert!((st + 23.0).abs() <= 0.1, "window {i}: {st}");
    }
}

#[test]
fn short_term_and_momentary_match_ebur128() {
    let manifest = manifest();
    let file = manifest["signals"]["music48k"]["file"].as_str().unwrap();
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(file);
    let bytes = std::fs::read(path).unwrap();
    let x: Vec<f32> = bytes
        .chunks_exact(2)
        .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0)
        .collect();
    // Loop the 3 s clip to 9 s so there are many short-term windows.
    let x = x.repeat(3);
    let report = measure_loudness(&x, &LoudnessSettings::mono(48_000.0).unwrap()).unwrap();
    let mut reference = EbuR128::new(1, FS, Mode::S | Mode::M).unwrap();
    let step = 4800;
    let mut worst = 0.0f64;
    let mut momentary_max = f64::NEG_INFINITY;
    for (i, chunk) in x.chunks(step).enumerate() {
        reference.add_frames_f32(chunk).unwrap();
        if i >= 3 {
            momentary_max = momentary_max.max(reference.loudness_momentary().unwrap());
        }
        if i >= 29 {
            let want = reference.loudness_shortterm().unwrap();
            let got = report.short_term_lufs[i - 29];
            worst = worst.max((got - want).abs());
        }
    }
    println!(
        "short-term: max |Δ| vs ebur128 = {worst:.2e} LU over {} windows",
        report.short_term_lufs.len()
    );
    assert!(worst <= 0.01, "{worst}");
    assert!((report.momentary_max_lufs - momentary_max).abs() <= 0.01);
}

#[test]
fn programmes_match_pyloudnorm_and_ebur128() {
    let manifest = manifest();
    for (name, py) in manifest["loudness"]["programmes"].as_object().unwrap() {
        let signal = &manifest["signals"][name];
        let rate = signal["sampleRate"].as_u64().unwrap() as u32;
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(signal["file"].as_str().unwrap());
        let bytes = std::fs::read(path).unwrap();
        let x: Vec<f32> = bytes
            .chunks_exact(2)
            .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0)
            .collect();
        let report =
            measure_loudness(&x, &LoudnessSettings::mono(f64::from(rate)).unwrap()).unwrap();
        let reference = ebur128_reference(&x, 1, rate);
        let eb = reference.loudness_global().unwrap();
        match py.as_f64() {
            None => {
                assert_eq!(report.integrated_lufs, f64::NEG_INFINITY, "{name}");
                assert_eq!(report.true_peak_dbtp, f64::NEG_INFINITY, "{name}");
            }
            Some(py) => {
                let tp = 20.0 * reference.true_peak(0).unwrap().log10();
                println!(
                    "{name}: {:.4} LUFS (pyloudnorm {py:.4}, ebur128 {eb:.4}); true peak {:.3} dBTP (ebur128 {tp:.3})",
                    report.integrated_lufs, report.true_peak_dbtp
                );
                assert!(
                    (report.integrated_lufs - py).abs() <= 0.1,
                    "{name} vs pyloudnorm"
                );
                assert!(
                    (report.integrated_lufs - eb).abs() <= 0.01,
                    "{name} vs ebur128"
                );
                assert!(
                    (report.true_peak_dbtp - tp).abs() <= 0.1,
                    "{name} true peak vs ebur128"
                );
            }
        }
    }
}

/// |H(e^{jω})|² of a biquad (b0, b1, b2, 1, a1, a2), by hand.
fn biquad_power(b: [f64; 3], a: [f64; 2], freq: f64, rate: f64) -> f64 {
    let w = 2.0 * PI * freq / rate;
    let (c1, s1, c2, s2) = (w.cos(), -w.sin(), (2.0 * w).cos(), -(2.0 * w).sin());
    let num = (b[0] + b[1] * c1 + b[2] * c2).powi(2) + (b[1] * s1 + b[2] * s2).powi(2);
    let den = (1.0 + a[0] * c1 + a[1] * c2).powi(2) + (a[0] * s1 + a[1] * s2).powi(2);
    num / den
}

#[test]
fn k_weighted_997_hz_sine_is_analytic() {
    // BS.1770-4 Table 1 and 2 (48 kHz).
    let shelf = biquad_power(
        [1.53512485958697, -2.69169618940638, 1.19839281085285],
        [-1.69065929318241, 0.73248077421585],
        997.0,
        48_000.0,
    );
    let hp = biquad_power(
        [1.0, -2.0, 1.0],
        [-1.99004745483398, 0.99007225036621],
        997.0,
        48_000.0,
    );
    for db in [0.0, -20.0] {
        let amp: f64 = 10f64.powf(db / 20.0);
        let expected = -0.691 + 10.0 * (amp * amp / 2.0 * shelf * hp).log10();
        let x = sine_segment(db, 10.0, 997.0, FS);
        let got = measure_loudness(&x, &LoudnessSettings::mono(48_000.0).unwrap())
            .unwrap()
            .integrated_lufs;
        assert!(
            (got - expected).abs() <= 0.005,
            "{db} dBFS: {got} vs analytic {expected}"
        );
        // BS.1770's calibration: a 0 dBFS 997 Hz sine on one channel reads −3.01 LKFS.
        assert!((got - (db - 3.01)).abs() <= 0.01, "{got}");
    }
    // Dual mono counts the channel twice: +3.01 dB.
    let x = sine_segment(-23.0, 10.0, 997.0, FS);
    let dual = measure_loudness(&x, &settings(json!({ "dualMono": true })))
        .unwrap()
        .integrated_lufs;
    assert!((dual + 23.0).abs() <= 0.01, "{dual}");
}

#[test]
fn other_sample_rates() {
    for rate in [44_100u32, 32_000, 96_000] {
        let x = interleave(&sine_segment(-23.0, 20.0, 1000.0, rate), 2);
        let got = measure_loudness(&x, &settings(json!({ "channels": 2, "sampleRate": rate })))
            .unwrap()
            .integrated_lufs;
        let reference = ebur128_reference(&x, 2, rate).loudness_global().unwrap();
        assert!((got + 23.0).abs() <= 0.1, "{rate}: {got}");
        assert!(
            (got - reference).abs() <= 0.01,
            "{rate}: {got} vs {reference}"
        );
    }
}

#[test]
fn true_peak_finds_inter_sample_peaks() {
    // fs/4 sine at 45°: every sample is ±0.707·A, the waveform peaks at A (Tech 3341 case
    // 16 style; tolerance +0.2 / −0.4 dB).
    let amp = 0.5f64;
    let x: Vec<f32> = (0..48_000)
        .map(|n| (amp * (PI / 2.0 * n as f64 + PI / 4.0).sin()) as f32)
        .collect();
    let report = measure_loudness(&x, &LoudnessSettings::mono(48_000.0).unwrap()).unwrap();
    let want = 20.0 * amp.log10();
    assert!(
        (report.sample_peak_dbfs - (want - 3.0103)).abs() < 0.01,
        "{}",
        report.sample_peak_dbfs
    );
    assert!(
        report.true_peak_dbtp - want <= 0.2 && want - report.true_peak_dbtp <= 0.4,
        "{} vs {want}",
        report.true_peak_dbtp
    );
    // A low-frequency sine: the true peak is the waveform peak.
    let x = sine_segment(-6.0, 1.0, 997.0, FS);
    let report = measure_loudness(&x, &LoudnessSettings::mono(48_000.0).unwrap()).unwrap();
    assert!(
        (report.true_peak_dbtp + 6.0).abs() < 0.02,
        "{}",
        report.true_peak_dbtp
    );
    let reference = 20.0 * ebur128_reference(&x, 1, FS).true_peak(0).unwrap().log10();
    assert!(
        (report.true_peak_dbtp - reference).abs() < 0.05,
        "{} vs ebur128 {reference}",
        report.true_peak_dbtp
    );
}

#[test]
fn streaming_meter_equals_one_call_for_any_blocks() {
    let x = common::white_noise(48_000 * 5, 0.3, 9);
    let one = measure_loudness(&x, &LoudnessSettings::mono(48_000.0).unwrap()).unwrap();
    let mut meter = LoudnessMeter::new(LoudnessSettings::mono(48_000.0).unwrap());
    let mut rng = common::XorShift64::new(4);
    let mut pos = 0;
    while pos < x.len() {
        let end = (pos + rng.range(1, 7000)).min(x.len());
        meter.push(&x[pos..end]).unwrap();
        pos = end;
    }
    let streamed = meter.report();
    assert_eq!(streamed.short_term_lufs.len(), one.short_term_lufs.len());
    assert!((streamed.integrated_lufs - one.integrated_lufs).abs() < 1e-9);
    assert_eq!(streamed.true_peak_dbtp, one.true_peak_dbtp);
}

#[test]
fn silence_and_short_input() {
    let silent = measure_loudness(
        &vec![0.0; 48_000],
        &LoudnessSettings::mono(48_000.0).unwrap(),
    )
    .unwrap();
    assert_eq!(silent.integrated_lufs, f64::NEG_INFINITY);
    assert_eq!(silent.true_peak_dbtp, f64::NEG_INFINITY);
    let short = measure_loudness(
        &sine_segment(-20.0, 0.3, 1000.0, FS),
        &LoudnessSettings::mono(48_000.0).unwrap(),
    )
    .unwrap();
    assert_eq!(
        short.integrated_lufs,
        f64::NEG_INFINITY,
        "under 400 ms there is no gating block"
    );
    assert!(short.short_term_lufs.is_empty());
    assert_eq!(short.short_term_max_lufs, f64::NEG_INFINITY);
    assert!(short.true_peak_dbtp.is_finite());
    // Misaligned interleaving and bad samples are refused.
    assert!(measure_loudness(&[0.1; 5], &settings(json!({ "channels": 2 }))).is_err());
    assert!(
        measure_loudness(&[0.1, f32::NAN], &LoudnessSettings::mono(48_000.0).unwrap()).is_err()
    );
    assert!(measure_loudness(&[], &LoudnessSettings::mono(48_000.0).unwrap()).is_err());
}

#[test]
fn normalisation_reaches_the_target() {
    let mut x = common::white_noise(48_000 * 10, 0.05, 11);
    let before = measure_loudness(&x, &LoudnessSettings::mono(48_000.0).unwrap()).unwrap();
    for target in [TARGET_PODCAST_LUFS, TARGET_STREAMING_LUFS, -23.0] {
        let gain = normalization_gain_db(
            before.integrated_lufs,
            before.true_peak_dbtp,
            &NormalizationTarget {
                target_lufs: target,
                max_true_peak_dbtp: None,
            },
        )
        .unwrap();
        let mut y = x.clone();
        apply_gain_db(&mut y, gain);
        let after = measure_loudness(&y, &LoudnessSettings::mono(48_000.0).unwrap())
            .unwrap()
            .integrated_lufs;
        assert!((after - target).abs() < 0.01, "{target}: {after}");
    }
    // A peak ceiling lowers the gain: noise at 0.05 peak normalised to −6 LUFS would clip.
    let ceiling = NormalizationTarget {
        target_lufs: -6.0,
        max_true_peak_dbtp: Some(-1.0),
    };
    let gain =
        normalization_gain_db(before.integrated_lufs, before.true_peak_dbtp, &ceiling).unwrap();
    assert!((before.true_peak_dbtp + gain - -1.0).abs() < 1e-9);
    apply_gain_db(&mut x, gain);
    let after = measure_loudness(&x, &LoudnessSettings::mono(48_000.0).unwrap()).unwrap();
    assert!(
        after.true_peak_dbtp <= -1.0 + 0.01,
        "{}",
        after.true_peak_dbtp
    );
    // The measurement reports the gain itself when given a target.
    let report = measure_loudness(
        &x,
        &settings(json!({ "targetLufs": -16, "maxTruePeakDbtp": -1 })),
    )
    .unwrap();
    assert!(report.normalization_gain_db.unwrap() <= -1.0 - report.true_peak_dbtp + 1e-9);
    // Silence cannot be normalised.
    assert_eq!(
        normalization_gain_db(f64::NEG_INFINITY, f64::NEG_INFINITY, &ceiling),
        None
    );
}

#[test]
fn options_are_validated() {
    let bad = |v: Value| LoudnessConfig::from_json(&v).unwrap_err();
    assert_eq!(bad(json!({ "channels": 3 })).param, "channels");
    assert_eq!(bad(json!({ "sampleRate": 4000 })).param, "sampleRate");
    assert_eq!(
        bad(json!({ "channels": 2, "dualMono": true })).param,
        "dualMono"
    );
    assert_eq!(bad(json!({ "targetLufs": 3 })).param, "targetLufs");
    assert_eq!(
        bad(json!({ "maxTruePeakDbtp": -1 })).param,
        "maxTruePeakDbtp"
    );
    assert_eq!(bad(json!({ "rate": 48000 })).param, "rate");
}
