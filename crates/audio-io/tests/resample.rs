//! Whole-signal sample-rate conversion against analytic sines: the output of a sine at
//! one rate is the same sine at the other (aligned, no delay), its length is
//! round(n · to / from), stereo channels stay apart, and bad rates or frames are refused.

use std::f64::consts::TAU;

use edgemix_audio_io::{resample, AudioIoError};

fn sine(frames: usize, rate: f64, freq: f64, amplitude: f64, phase: f64) -> Vec<f64> {
    (0..frames).map(|n| amplitude * (TAU * freq * n as f64 / rate + phase).sin()).collect()
}

/// Largest |got − expected| away from the first and last `edge` frames: the resampler's
/// filter (about 1024 input frames long) sees zeros beyond the signal's ends, so outputs
/// within half its length of an end are not the sine's.
fn max_error(got: &[f32], expected: &[f64], edge: usize) -> f64 {
    got.iter()
        .zip(expected)
        .skip(edge)
        .take(expected.len().saturating_sub(2 * edge))
        .map(|(&g, &e)| (f64::from(g) - e).abs())
        .fold(0.0, f64::max)
}

#[test]
fn a_sine_is_the_same_sine_at_the_new_rate() {
    for (from, to) in [(44_100.0, 48_000.0), (48_000.0, 44_100.0), (16_000.0, 48_000.0), (96_000.0, 48_000.0)] {
        let frames = (from * 0.5) as usize;
        for freq in [100.0, 997.0, 5000.0] {
            let input: Vec<f32> = sine(frames, from, freq, 0.5, 0.3).iter().map(|&v| v as f32).collect();
            let out = resample(&input, 1, from, to).unwrap();
            let expected_len = (frames as f64 * to / from).round() as usize;
            assert_eq!(out.len(), expected_len, "{from} → {to}");
            let error = max_error(&out, &sine(expected_len, to, freq, 0.5, 0.3), (to * 0.05) as usize);
            // 1e-5: −100 dB of full scale, a few f32 roundings of the FFT.
            assert!(error < 1e-5, "{from} → {to} Hz, {freq} Hz sine: error {error}");
        }
    }
}

#[test]
fn a_round_trip_returns_the_signal() {
    let frames = 44_100;
    let original = sine(frames, 44_100.0, 1000.0, 0.8, 0.0);
    let input: Vec<f32> = original.iter().map(|&v| v as f32).collect();
    let up = resample(&input, 1, 44_100.0, 48_000.0).unwrap();
    let back = resample(&up, 1, 48_000.0, 44_100.0).unwrap();
    assert_eq!(back.len(), frames);
    let error = max_error(&back, &original, 2205);
    assert!(error < 1e-5, "round-trip error {error}");
}

#[test]
fn stereo_channels_stay_apart() {
    let frames = 22_050;
    let (left, right) = (sine(frames, 22_050.0, 440.0, 0.5, 0.0), sine(frames, 22_050.0, 1500.0, 0.25, 1.0));
    let interleaved: Vec<f32> = left.iter().zip(&right).flat_map(|(&l, &r)| [l as f32, r as f32]).collect();
    let out = resample(&interleaved, 2, 22_050.0, 48_000.0).unwrap();
    assert_eq!(out.len(), 2 * 48_000);
    let (l, r): (Vec<f32>, Vec<f32>) = (out.iter().step_by(2).copied().collect(), out.iter().skip(1).step_by(2).copied().collect());
    assert!(max_error(&l, &sine(48_000, 48_000.0, 440.0, 0.5, 0.0), 2400) < 1e-5);
    assert!(max_error(&r, &sine(48_000, 48_000.0, 1500.0, 0.25, 1.0), 2400) < 1e-5);
}

#[test]
fn equal_rates_copy_and_bad_input_is_refused() {
    let x = vec![0.1f32, -0.2, 0.3, 0.4];
    assert_eq!(resample(&x, 2, 48_000.0, 48_000.0).unwrap(), x);
    for (from, to) in [(7999.0, 48_000.0), (48_000.0, 192_001.0), (44_100.5, 48_000.0), (f64::NAN, 48_000.0)] {
        match resample(&x, 1, from, to) {
            Err(AudioIoError::Config(m)) => assert!(m.contains("8000") && m.contains("192000"), "{m}"),
            other => panic!("{from} → {to}: {other:?}"),
        }
    }
    assert!(matches!(resample(&x[..3], 2, 44_100.0, 48_000.0), Err(AudioIoError::Audio(m)) if m.contains("2-channel")));
    assert!(matches!(resample(&[0.0, f32::NAN], 1, 44_100.0, 48_000.0), Err(AudioIoError::Audio(m)) if m.contains("NaN")));
}

/// Found by the `cloud_request` fuzz target (the AudioResampler node): samples near
/// f32::MAX overflowed the FFT's sums and the resampler panicked inside rubato. They are
/// refused; the largest magnitude allowed still resamples to finite output.
#[test]
fn samples_too_large_for_the_fft_are_refused_not_a_panic() {
    let mut huge = vec![0.1f32; 4096];
    huge[100] = 3.0e38;
    match resample(&huge, 1, 48_000.0, 44_100.0) {
        Err(AudioIoError::Audio(m)) => assert!(m.contains("magnitude"), "{m}"),
        other => panic!("expected an audio error, got {other:?}"),
    }
    let edge = vec![edgemix_audio_io::resample::MAX_SAMPLE_MAGNITUDE; 4096];
    let out = resample(&edge, 1, 48_000.0, 44_100.0).expect("the bound itself is resampled");
    assert!(out.iter().all(|x| x.is_finite()));
}
