//! Parity with the Python reference: the silero-vad package's streaming OnnxWrapper on
//! onnxruntime (fixture tests/reference/parity.json, written by
//! tests/reference/generate.py) against our chunk stream on tract, on the committed
//! labelled VAD speech as it is and at −26 dB.

#[path = "../../dsp/tests/vad_set/signals.rs"]
mod signals;

use edgemix_silero::{SileroChunks, SileroModel, CHUNK, MODEL_ONNX, MODEL_SHA256};
use sha2::{Digest, Sha256};

/// Largest allowed |ours − reference| per chunk probability.
const TOLERANCE: f32 = 1e-4;

fn fixture() -> serde_json::Value {
    serde_json::from_str(include_str!("reference/parity.json")).expect("parity.json is JSON")
}

#[test]
fn the_compiled_in_network_is_the_one_the_reference_ran() {
    let digest: String = Sha256::digest(MODEL_ONNX)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(digest, MODEL_SHA256);
    assert_eq!(fixture()["modelSha256"], MODEL_SHA256);
}

#[test]
fn chunk_probabilities_match_onnxruntime_within_tolerance() {
    let fixture = fixture();
    let speech = signals::test_set().samples;
    let model = SileroModel::shared().unwrap();
    for (name, input) in fixture["inputs"].as_object().unwrap() {
        let scale = input["scale"].as_f64().unwrap() as f32;
        let expected: Vec<f32> = input["probabilities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_f64().unwrap() as f32)
            .collect();
        // The wrapper decimates 48 kHz by taking every third sample.
        let decimated: Vec<f32> = speech
            .iter()
            .step_by(3)
            .map(|x| x * scale)
            .take(expected.len() * CHUNK)
            .collect();
        let mut chunks = SileroChunks::new(&model).unwrap();
        let mut ours = Vec::new();
        chunks.push(&decimated, |p| ours.push(p)).unwrap();
        assert_eq!(
            ours.len(),
            expected.len(),
            "{name}: one probability per chunk"
        );
        let (worst, at) = ours
            .iter()
            .zip(&expected)
            .map(|(a, b)| (a - b).abs())
            .enumerate()
            .fold(
                (0.0f32, 0),
                |(m, i), (j, d)| if d > m { (d, j) } else { (m, i) },
            );
        let spread = expected
            .iter()
            .fold((1.0f32, 0.0f32), |(lo, hi), p| (lo.min(*p), hi.max(*p)));
        eprintln!("{name}: {} chunks, reference range {spread:?}, max |ours - reference| = {worst:.2e} at chunk {at}", ours.len());
        assert!(
            spread.0 < 0.05 && spread.1 > 0.95,
            "{name}: the input exercises the whole probability range"
        );
        assert!(
            worst <= TOLERANCE,
            "{name}: chunk {at}: ours {} vs reference {}",
            ours[at],
            expected[at]
        );
    }
}
