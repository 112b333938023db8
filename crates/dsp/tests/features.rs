//! Spectral features against analytic values: the RMS of a sine, the centroid and
//! rolloff of a pure tone, the flatness of white noise and of a tone, the zero-crossing
//! rate of a sine, and the flux of a tone switching on (the Hann window's spectrum of a
//! bin-centred sine is known in closed form).

mod common;

use common::{sine, white_noise};
use edgemix_dsp::{
    extract_features, AnalysisConfig, AnalysisFrames, AnalysisSettings, FeatureExtractor,
};

fn defaults() -> AnalysisSettings {
    AnalysisSettings::default()
}

#[test]
fn sine_rms_zcr_centroid_rolloff() {
    // 1500 Hz = bin 32 of a 1024-point FFT at 48 kHz; 960-sample hops hold 30 whole cycles.
    let f = 1500.0;
    let x = sine(48_000, f, 48_000.0, 0.5);
    let out = extract_features(&x, &defaults()).unwrap();
    for i in 0..out.frames {
        assert!(
            (f64::from(out.rms[i]) - 0.5 / 2f64.sqrt()).abs() < 1e-4,
            "rms {}",
            out.rms[i]
        );
        // 2 crossings per cycle: 1024 samples hold 32 cycles → 63 or 64 crossings.
        let zcr = f64::from(out.zcr[i]) * 1024.0;
        assert!((63.0..=64.0).contains(&zcr), "zcr {zcr}");
        assert!(
            (f64::from(out.centroid_hz[i]) - f).abs() < 1.0,
            "centroid {}",
            out.centroid_hz[i]
        );
        // Magnitudes 1/4 at bins 31 and 33, 1/2 at 32: 85 % is reached at bin 33.
        assert!(
            (f64::from(out.rolloff_hz[i]) - (f + 46.875)).abs() < 1e-3,
            "rolloff {}",
            out.rolloff_hz[i]
        );
        assert!(
            out.flatness[i] < 1e-3,
            "flatness of a tone {}",
            out.flatness[i]
        );
    }
    // An off-bin tone: the centroid is still near the tone (leakage is symmetric-ish).
    let out = extract_features(&sine(48_000, 3210.0, 48_000.0, 0.5), &defaults()).unwrap();
    assert!(out
        .centroid_hz
        .iter()
        .all(|&c| (f64::from(c) - 3210.0).abs() < 60.0));
}

#[test]
fn white_noise_is_flat() {
    let out = extract_features(&white_noise(48_000, 0.5, 3), &defaults()).unwrap();
    // The flatness of a periodogram of white noise is exp(−γ) ≈ 0.56 (log of a χ²₂ variable).
    let mean: f64 = out.flatness.iter().map(|&v| f64::from(v)).sum::<f64>() / out.frames as f64;
    assert!(
        (mean - (-0.577_215_664_9f64).exp()).abs() < 0.05,
        "flatness {mean}"
    );
    let centroid: f64 =
        out.centroid_hz.iter().map(|&v| f64::from(v)).sum::<f64>() / out.frames as f64;
    assert!((centroid - 12_000.0).abs() < 300.0, "centroid {centroid}");
    let zcr: f64 = out.zcr.iter().map(|&v| f64::from(v)).sum::<f64>() / out.frames as f64;
    assert!((zcr - 0.5).abs() < 0.02, "zcr {zcr}");
}

#[test]
fn flux_of_a_tone_switching_on_is_analytic() {
    // Silence, then a bin-centred sine of amplitude A from a frame boundary on. With the
    // streaming extractor (window ends at each hop) the first all-tone window is frame
    // `k` where the tone covers it; its Hann spectrum has |X| = A·N/4 at the tone's bin
    // and A·N/8 at the two neighbours, so the flux from the silent frame before is
    // A·N/4·√(1 + 2/4), and 0 afterwards (a steady tone, whole cycles per hop).
    let (a, n) = (0.5f64, 1024.0f64);
    let settings = AnalysisConfig {
        spectral: true,
        hop: 1024.0,
        ..AnalysisConfig::default()
    }
    .validate()
    .unwrap();
    let mut x = vec![0.0f32; 1024 * 3];
    x.extend(sine(1024 * 4, 1500.0, 48_000.0, a));
    let mut extractor = FeatureExtractor::new(settings);
    let mut out = AnalysisFrames::new(13);
    extractor.push(&x, &mut out).unwrap();
    assert_eq!(out.frames, 7);
    assert!(
        out.flux[..3].iter().all(|&v| v == 0.0),
        "silence has no flux"
    );
    let expected = a * n / 4.0 * 1.5f64.sqrt();
    assert!(
        (f64::from(out.flux[3]) - expected).abs() < 1e-3 * expected,
        "{} vs {expected}",
        out.flux[3]
    );
    for &v in &out.flux[4..] {
        assert!(f64::from(v) < 1e-6 * expected, "steady tone flux {v}");
    }
    // Doubling the amplitude adds the same spectrum again: flux = the step's own value.
    let mut y = sine(1024 * 2, 1500.0, 48_000.0, a);
    y.extend(sine(1024 * 2, 1500.0, 48_000.0, 2.0 * a));
    let settings = AnalysisConfig {
        hop: 1024.0,
        ..AnalysisConfig::default()
    }
    .validate()
    .unwrap();
    let out = extract_features(&y, &settings).unwrap();
    assert!(
        (f64::from(out.flux[2]) - expected).abs() < 1e-3 * expected,
        "{} vs {expected}",
        out.flux[2]
    );
    // Going quieter is not flux (only increases count).
    let z: Vec<f32> = sine(1024 * 2, 1500.0, 48_000.0, 2.0 * a)
        .into_iter()
        .chain(sine(1024 * 2, 1500.0, 48_000.0, a))
        .collect();
    let out = extract_features(&z, &settings).unwrap();
    assert!(f64::from(out.flux[2]) < 1e-6 * expected);
}

#[test]
fn streaming_equals_batch_over_a_zero_prefix_for_any_blocks() {
    let settings = AnalysisConfig {
        spectral: true,
        ..AnalysisConfig::default()
    }
    .validate()
    .unwrap();
    let x = white_noise(48_000 * 2, 0.3, 5);
    let mut padded = vec![0.0; 64];
    padded.extend_from_slice(&x);
    let batch = extract_features(&padded, &settings).unwrap();
    let mut rng = common::XorShift64::new(8);
    let mut extractor = FeatureExtractor::new(settings);
    let mut out = AnalysisFrames::new(13);
    let mut pos = 0;
    while pos < x.len() {
        let end = (pos + rng.range(1, 3000)).min(x.len());
        extractor.push(&x[pos..end], &mut out).unwrap();
        pos = end;
    }
    assert_eq!(out.frames, 100);
    assert_eq!(out, batch);
    // reset() starts over.
    extractor.reset();
    let mut again = AnalysisFrames::new(13);
    extractor.push(&x, &mut again).unwrap();
    assert_eq!(again, batch);
}

#[test]
fn too_short_and_bad_samples_are_refused() {
    let err = extract_features(&[0.1; 1000], &defaults()).unwrap_err();
    assert!(
        err.to_string()
            .contains("shorter than the analysis window nFft = 1024"),
        "{err}"
    );
    let mut x = vec![0.1f32; 2048];
    x[700] = f32::NAN;
    assert!(extract_features(&x, &defaults())
        .unwrap_err()
        .to_string()
        .contains("sample 700 is NaN"));
    let mut extractor = FeatureExtractor::new(defaults());
    let mut out = AnalysisFrames::new(13);
    assert!(extractor.push(&[], &mut out).is_err());
    assert!(extractor.push(&x, &mut out).is_err());
    assert_eq!(out.frames, 0);
    assert_eq!(
        extractor.pending_samples(),
        0,
        "a refused block changes nothing"
    );
}
