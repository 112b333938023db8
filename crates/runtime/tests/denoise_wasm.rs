//! `denoise.wasm` (built by `node scripts/build-wasm.mjs`) against the native `Denoiser`,
//! through the real wasmtime host.

use std::path::PathBuf;

use edgemix_dsp::{Channels, DenoiseConfig, Denoiser};
use edgemix_runtime::wasm::{Format, Limits, RemoteAccess, Runtime, WasmError, WasmSession};
use serde_json::json;

fn session(file: &str, config: Option<serde_json::Value>) -> Result<WasmSession, WasmError> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../wasm-modules/dist").join(file);
    assert!(path.is_file(), "{} is missing: run `node scripts/build-wasm.mjs` first", path.display());
    let module = Runtime::global(None).unwrap().load_file(&path, None).unwrap();
    // One call here carries up to 2 s of stereo audio (about 30 ms of work): a generous
    // limit keeps a loaded machine from failing a test about output, not time.
    let limits = Limits { timeout_ms: 10_000, ..Limits::default() };
    WasmSession::new(module, "denoise-test".into(), limits, config.as_ref(), RemoteAccess::default())
}

fn bytes(samples: &[f32]) -> Vec<u8> {
    samples.iter().flat_map(|s| s.to_le_bytes()).collect()
}

fn samples(bytes: &[u8]) -> Vec<f32> {
    bytes.chunks_exact(4).map(|b| f32::from_le_bytes(b.try_into().unwrap())).collect()
}

/// Two seconds of a voiced, syllable-modulated tone in white noise (xorshift32).
fn noisy_voice(n: usize) -> Vec<f32> {
    let mut s = 0x9e37_79b9u32;
    (0..n)
        .map(|i| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            let t = i as f32 / 48_000.0;
            let voice = (std::f32::consts::TAU * 4.0 * t).sin().max(0.0)
                * 0.3
                * ((std::f32::consts::TAU * 150.0 * t).sin() + 0.5 * (std::f32::consts::TAU * 450.0 * t).sin());
            voice + (s as f32 / u32::MAX as f32 - 0.5) * 0.05
        })
        .collect()
}

fn native(input: &[f32], config: &DenoiseConfig, channels: Channels) -> Vec<f32> {
    let mut denoiser = Denoiser::new(config, channels);
    let mut out = input.to_vec();
    denoiser.process(&mut out);
    out
}

/// Largest absolute difference, and the difference's level under the signal's, dB.
fn difference(a: &[f32], b: &[f32]) -> (f32, f64) {
    assert_eq!(a.len(), b.len());
    let max = a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max);
    let signal: f64 = b.iter().map(|y| f64::from(*y).powi(2)).sum();
    let error: f64 = a.iter().zip(b).map(|(x, y)| f64::from(x - y).powi(2)).sum();
    (max, 10.0 * (signal / error.max(1e-30)).log10())
}

#[test]
fn denoise_wasm_matches_the_native_stage_on_both_targets() {
    let input = noisy_voice(96_000);
    let on = DenoiseConfig { enabled: true, ..DenoiseConfig::default() };
    let expected = native(&input, &on, Channels::Mono);
    for file in ["denoise.wasm", "denoise.wasip1.wasm"] {
        let mut s = session(file, None).unwrap();
        let mut got = Vec::new();
        // Frames of 960 and odd blocks: the module carries partial RNNoise frames too.
        for (k, block) in input.chunks(960).enumerate() {
            if k % 2 == 0 {
                got.extend(samples(&s.process(&bytes(block)).unwrap()));
            } else {
                for piece in block.chunks(333) {
                    got.extend(samples(&s.process(&bytes(piece)).unwrap()));
                }
            }
        }
        let (max, snr) = difference(&got, &expected);
        println!("{file}: max |wasm - native| = {max:e}, difference {snr:.1} dB under the signal");
        // Not bit for bit: rustfft's SIMD butterflies and glibc's log10f natively, scalar
        // butterflies and musl's log10f in wasm32 (crates/dsp/src/denoise.rs says why
        // neither can be chosen here).
        assert!(max <= 1e-5, "{file}: max difference {max}");
        assert!(snr >= 100.0, "{file}: difference only {snr:.1} dB under the signal");
    }
}

#[test]
fn stereo_and_the_attenuation_limit_as_configured() {
    let mono = noisy_voice(48_000);
    let interleaved: Vec<f32> = mono.iter().flat_map(|x| [*x, -0.5 * x]).collect();
    let config = json!({ "channels": 2, "attenuationLimitDb": 0 });
    let mut s = session("denoise.wasm", Some(config)).unwrap();
    let got = samples(&s.process(&bytes(&interleaved)).unwrap());
    // A limit of 0 dB is a pure delay of 960 frames: exact on every platform.
    assert!(got[..1920].iter().all(|&x| x == 0.0));
    assert_eq!(&got[1920..], &interleaved[..interleaved.len() - 1920]);

    let limited = DenoiseConfig { enabled: true, attenuation_limit_db: 12.0 };
    let expected = native(&interleaved, &limited, Channels::Stereo);
    let mut s = session("denoise.wasm", Some(json!({ "channels": 2, "attenuationLimitDb": 12 }))).unwrap();
    let (max, _) = difference(&samples(&s.process(&bytes(&interleaved)).unwrap()), &expected);
    assert!(max <= 1e-4, "max difference {max}");
}

#[test]
fn describe_bad_configurations_and_bad_input() {
    let s = session("denoise.wasm", None).unwrap();
    let description = s.module().description();
    assert_eq!(description.name, "denoise");
    assert_eq!((description.input, description.output), (Format::F32, Format::F32));
    assert!(description.extra["description"].as_str().unwrap().contains("960 samples"));

    for config in [
        json!({ "attenuationLimitDb": 101 }),
        json!({ "channels": 3 }),
        json!({ "strength": 1 }),
        json!({ "sampleRate": 44100 }),
    ] {
        match session("denoise.wasm", Some(config.clone())) {
            Err(WasmError::InvalidConfig(_)) => {}
            Err(other) => panic!("{config}: {other:?}"),
            Ok(_) => panic!("{config}: accepted"),
        }
    }

    let mut s = session("denoise.wasm", Some(json!({ "channels": 2 }))).unwrap();
    let mut twin = session("denoise.wasm", Some(json!({ "channels": 2 }))).unwrap();
    let good = bytes(&noisy_voice(2 * 960));
    for bad in [bytes(&[0.1, f32::NAN]), bytes(&[0.1, 0.2, 0.3]), Vec::new(), vec![1, 2, 3]] {
        assert!(s.process(&bad).is_err(), "{bad:?}");
    }
    // Refused input leaves the state untouched.
    assert_eq!(s.process(&good).unwrap(), twin.process(&good).unwrap());
}
