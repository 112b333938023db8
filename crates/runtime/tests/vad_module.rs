//! `vad.wasm` (wasm-modules/vad, built by `node scripts/build-wasm.mjs`) run by the host
//! on the committed labelled set (crates/dsp/tests/vad_set) decides exactly as the
//! native `edgemix_dsp::Vad`: the same decisions and bit-identical probabilities, on both
//! targets, frame by frame and in multi-frame calls; configuration and errors.

#[path = "../../dsp/tests/vad_set/signals.rs"]
mod signals;

use std::path::PathBuf;

use edgemix_dsp::{Vad, VadConfig, VadFrame};
use edgemix_runtime::wasm::{Format, Limits, RemoteAccess, Runtime, WasmError, WasmSession};
use serde_json::{json, Value};
use signals::{accuracy, condition_signal, test_set, CONDITIONS, SET_FRAME};

fn session(module: &str, config: Option<Value>) -> WasmSession {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../wasm-modules/dist")
        .join(module);
    assert!(
        path.is_file(),
        "{} is missing: run `node scripts/build-wasm.mjs` first",
        path.display()
    );
    let module = Runtime::global(None)
        .unwrap()
        .load_file(&path, None)
        .unwrap();
    assert_eq!(
        (module.description().input, module.description().output),
        (Format::F32, Format::Json)
    );
    WasmSession::new(
        module,
        "test-vad".to_string(),
        Limits::default(),
        config.as_ref(),
        RemoteAccess::default(),
    )
    .unwrap()
}

fn f32_bytes(samples: &[f32]) -> Vec<u8> {
    samples.iter().flat_map(|s| s.to_le_bytes()).collect()
}

/// A `{ speech, probability }` object as a `VadFrame` (the probability read as f32: the
/// module prints the shortest text that reads back as the same f32).
fn frame(value: &Value) -> VadFrame {
    let probability: f32 = value["probability"].to_string().parse().unwrap();
    VadFrame {
        speech: value["speech"].as_bool().unwrap(),
        probability,
    }
}

#[test]
fn vad_wasm_decides_exactly_as_the_native_vad_on_the_labelled_set() {
    let set = test_set();
    for module in ["vad.wasm", "vad.wasip1.wasm"] {
        for condition in &CONDITIONS {
            let signal = condition_signal(&set, condition);
            let mut native = Vad::new(VadConfig::default()).unwrap();
            let mut guest = session(module, None);
            let mut decisions = Vec::new();
            for (i, chunk) in signal.chunks_exact(SET_FRAME).enumerate() {
                let expected = native.process(chunk).unwrap();
                let out: Value =
                    serde_json::from_slice(&guest.process(&f32_bytes(chunk)).unwrap()).unwrap();
                let got = frame(&out);
                assert_eq!(
                    got.speech, expected.speech,
                    "{module} {}: frame {i}",
                    condition.name
                );
                assert_eq!(
                    got.probability.to_bits(),
                    expected.probability.to_bits(),
                    "{module} {}: frame {i}: {} vs {}",
                    condition.name,
                    got.probability,
                    expected.probability
                );
                decisions.push(got.speech);
            }
            let acc = accuracy(&decisions, &set.labels);
            let target = if condition.snr_db >= 20.0 { 0.93 } else { 0.85 };
            assert!(
                acc >= target,
                "{module} {}: accuracy {acc:.4}",
                condition.name
            );
        }
    }
}

#[test]
fn a_long_input_gives_one_result_per_frame_and_config_applies() {
    let set = test_set();
    let signal = condition_signal(&set, &CONDITIONS[3]);
    let signal = &signal[..SET_FRAME * 500 + 300]; // 500 frames and a partial one
    let config = json!({ "threshold": 0.7, "hangoverMs": 100 });
    let mut native = Vad::new(VadConfig::from_json(&config).unwrap()).unwrap();
    let expected: Vec<VadFrame> = signal
        .chunks(SET_FRAME)
        .map(|c| native.process(c).unwrap())
        .collect();
    let mut guest = session("vad.wasm", Some(config));
    // Three calls of 200, 250 and 50⅓ frames: results per 960-sample frame of each call.
    let mut got = Vec::new();
    for part in [
        &signal[..SET_FRAME * 200],
        &signal[SET_FRAME * 200..SET_FRAME * 450],
        &signal[SET_FRAME * 450..],
    ] {
        let out: Value = serde_json::from_slice(&guest.process(&f32_bytes(part)).unwrap()).unwrap();
        got.extend(
            out.as_array()
                .expect("an array for several frames")
                .iter()
                .map(frame),
        );
    }
    assert_eq!(got, expected);
    assert!(got.iter().any(|f| f.speech) && got.iter().any(|f| !f.speech));
}

#[test]
fn configuration_and_input_errors() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../wasm-modules/dist/vad.wasm");
    let module = Runtime::global(None)
        .unwrap()
        .load_file(&path, None)
        .unwrap();
    let refused = WasmSession::new(
        module.clone(),
        "bad".into(),
        Limits::default(),
        Some(&json!({ "threshold": 3 })),
        RemoteAccess::default(),
    );
    assert!(
        matches!(refused, Err(WasmError::InvalidConfig(_))),
        "{:?}",
        refused.err()
    );
    let refused = WasmSession::new(
        module,
        "bad".into(),
        Limits::default(),
        Some(&json!({ "sampleRate": 8000 })),
        RemoteAccess::default(),
    );
    assert!(
        matches!(refused, Err(WasmError::InvalidConfig(_))),
        "{:?}",
        refused.err()
    );

    let mut guest = session("vad.wasm", Some(json!({ "sampleRate": 16000 })));
    let mut frame320 = vec![0.0f32; 320];
    let out: Value =
        serde_json::from_slice(&guest.process(&f32_bytes(&frame320)).unwrap()).unwrap();
    assert_eq!(
        frame(&out),
        VadFrame {
            speech: false,
            probability: 0.0
        }
    );
    // The host refuses bad f32 input before the guest sees it (the guest would return -3).
    frame320[5] = f32::NAN;
    assert!(matches!(
        guest.process(&f32_bytes(&frame320)),
        Err(WasmError::InvalidAudio(_))
    ));
    assert!(matches!(
        guest.process(&[]),
        Err(WasmError::InvalidAudio(_))
    ));
    assert!(matches!(
        guest.process(&[0, 0, 0]),
        Err(WasmError::InvalidAudio(_))
    ));
    // Still usable.
    assert!(guest.process(&f32_bytes(&[0.0; 320])).is_ok());
}
