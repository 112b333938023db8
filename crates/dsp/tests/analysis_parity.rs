//! MFCC and spectral-feature parity with librosa on the committed fixtures
//! (`tests/fixtures`, made by `generate_fixtures.py`): speech, noise, music and digital
//! silence at the default configuration, plus non-default configurations at 48 kHz and
//! 22.05 kHz. Tolerances: |Δ| ≤ 1e−3 on c1…, |Δ| ≤ 1e−3·|c0| on c0, features ≤ 1e−3
//! relative (with an absolute floor where librosa's value is ~0).

use std::path::PathBuf;

use edgemix_dsp::{extract_features, extract_mfcc, AnalysisConfig, AnalysisSettings};
use serde_json::Value;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn manifest() -> Value {
    serde_json::from_slice(&std::fs::read(fixtures().join("manifest.json")).expect("manifest"))
        .expect("json")
}

fn read_f32(name: &str) -> Vec<f32> {
    let bytes = std::fs::read(fixtures().join(name)).expect(name);
    bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

fn read_signal(manifest: &Value, name: &str) -> Vec<f32> {
    let file = manifest["signals"][name]["file"]
        .as_str()
        .expect("signal file");
    let bytes = std::fs::read(fixtures().join(file)).expect(file);
    bytes
        .chunks_exact(2)
        .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0)
        .collect()
}

fn settings(case: &Value) -> AnalysisSettings {
    AnalysisConfig::from_json(&case["config"]).expect("fixture config is valid")
}

#[test]
fn mfcc_matches_librosa() {
    let manifest = manifest();
    let mut report = Vec::new();
    for case in manifest["cases"].as_array().expect("cases") {
        let name = case["name"].as_str().unwrap();
        let settings = settings(case);
        let x = read_signal(&manifest, case["signal"].as_str().unwrap());
        let expected = read_f32(case["mfcc"].as_str().unwrap());
        let got = extract_mfcc(&x, &settings).expect("analysis");
        let frames = case["frames"].as_u64().unwrap() as usize;
        assert_eq!(settings.frame_count(x.len()), frames, "{name}: frame count");
        assert_eq!(got.len(), expected.len(), "{name}: length");
        let n = settings.n_mfcc;
        let (mut max_c0_rel, mut max_rest) = (0.0f64, 0.0f64);
        for (f, (g, e)) in got
            .chunks_exact(n)
            .zip(expected.chunks_exact(n))
            .enumerate()
        {
            let c0 = (f64::from(g[0]) - f64::from(e[0])).abs();
            assert!(
                c0 <= 1e-3 * f64::from(e[0]).abs(),
                "{name} frame {f} c0: {} vs librosa {}",
                g[0],
                e[0]
            );
            max_c0_rel = max_c0_rel.max(c0 / f64::from(e[0]).abs());
            for c in 1..n {
                let d = (f64::from(g[c]) - f64::from(e[c])).abs();
                assert!(
                    d <= 1e-3,
                    "{name} frame {f} c{c}: {} vs librosa {}",
                    g[c],
                    e[c]
                );
                max_rest = max_rest.max(d);
            }
        }
        report.push(format!("{name}: {frames} frames, max |Δc0|/|c0| = {max_c0_rel:.2e}, max |Δc1..| = {max_rest:.2e}"));
    }
    println!("{}", report.join("\n"));
}

#[test]
fn spectral_features_match_librosa() {
    const NAMES: [&str; 5] = ["rms", "zcr", "centroidHz", "rolloffHz", "flatness"];
    let manifest = manifest();
    let mut report = Vec::new();
    for case in manifest["cases"].as_array().expect("cases") {
        let name = case["name"].as_str().unwrap();
        let settings = settings(case);
        let x = read_signal(&manifest, case["signal"].as_str().unwrap());
        let expected = read_f32(case["features"].as_str().unwrap());
        let got = extract_features(&x, &settings).expect("analysis");
        let columns = [
            &got.rms,
            &got.zcr,
            &got.centroid_hz,
            &got.rolloff_hz,
            &got.flatness,
        ];
        let mut worst = [0.0f64; 5];
        for (f, row) in expected.chunks_exact(5).enumerate() {
            for (k, column) in columns.iter().enumerate() {
                let (g, e) = (f64::from(column[f]), f64::from(row[k]));
                // Relative 1e-3; silence gives exact zeros (centroid, rolloff, rms, zcr) and 1 (flatness).
                let d = (g - e).abs() / e.abs().max(1e-9);
                assert!(
                    d <= 1e-3 || (g - e).abs() <= 1e-9,
                    "{name} frame {f} {}: {g} vs librosa {e}",
                    NAMES[k]
                );
                worst[k] = worst[k].max(if e == 0.0 { (g - e).abs() } else { d });
            }
        }
        report.push(format!(
            "{name}: max rel Δ {}",
            NAMES
                .iter()
                .zip(worst)
                .map(|(n, w)| format!("{n} {w:.1e}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    println!("{}", report.join("\n"));
}
