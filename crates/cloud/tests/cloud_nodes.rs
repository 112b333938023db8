//! Every node over the wire, against independent references: the native chain and
//! extractor run in-process on the same input, analytic formulas for gain, channel
//! conversion and resampling.

mod support;

use bytes::Bytes;
use edgemix_dsp::genre::{Genre, StreamingGenreClassifier, StreamingGenreOptions};
use edgemix_dsp::{AnalysisConfig, AnalysisFrames, ChainConfig, FeatureExtractor, MixerChain};
use edgemix_cloud::{CloudErrorCode, Serialization};
use serde_json::{json, Value};
use support::*;

fn native_mixer(config: &Value, blocks: &[&[f32]]) -> Vec<Vec<f32>> {
    let mut chain = MixerChain::new(ChainConfig::from_json(config).unwrap()).unwrap();
    blocks
        .iter()
        .map(|b| {
            let mut out = b.to_vec();
            chain.process(&mut out).unwrap();
            out
        })
        .collect()
}

fn as_f32(value: &Value) -> Vec<f32> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap() as f32)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audio_mixer_equals_the_native_chain_in_every_format() {
    let mut server = start().await;
    let client = client(&server);
    let input = program(960 * 5, 7);
    let expected = native_mixer(&json!({}), &[&input]).remove(0);

    let out = execute(
        &client,
        "AudioMixer",
        &json!({}),
        Serialization::F32le,
        f32le(&input),
    )
    .await;
    assert_eq!(samples(&out), expected, "f32le");

    // json, as Python's json.dumps sends a list (shortest float repr round-trips exactly).
    let body = serde_json::to_vec(&input).unwrap();
    let out: Value = serde_json::from_slice(
        &execute(&client, "AudioMixer", &json!({}), Serialization::Json, body).await,
    )
    .unwrap();
    assert_eq!(as_f32(&out), expected, "json list");

    let body = serde_json::to_vec(&json!({"audio_data": input, "sample_rate": 48000})).unwrap();
    let out: Value = serde_json::from_slice(
        &execute(&client, "AudioMixer", &json!({}), Serialization::Json, body).await,
    )
    .unwrap();
    assert_eq!(out["sample_rate"], json!(48000));
    assert_eq!(as_f32(&out["audio_data"]), expected, "json dict");
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audio_mixer_takes_stereo_interleaved_or_planar() {
    let mut server = start().await;
    let client = client(&server);
    let (left, right) = (program(960 * 4, 3), program(960 * 4, 4));
    let interleaved: Vec<f32> = left.iter().zip(&right).flat_map(|(&l, &r)| [l, r]).collect();
    let config = json!({"channels": 2, "adaptive": {"enabled": true}, "loudness": {"enabled": true}});
    let expected = native_mixer(&config, &[&interleaved]).remove(0);

    // f32le carries interleaved samples.
    let out = execute(&client, "AudioMixer", &config, Serialization::F32le, f32le(&interleaved)).await;
    assert_eq!(samples(&out), expected, "f32le, interleaved");

    // json channels × samples come back planar.
    let body = serde_json::to_vec(&json!([left, right])).unwrap();
    let out: Value = serde_json::from_slice(
        &execute(&client, "AudioMixer", &config, Serialization::Json, body).await,
    )
    .unwrap();
    let planar: Vec<Vec<f32>> = out.as_array().unwrap().iter().map(as_f32).collect();
    let left_out: Vec<f32> = expected.iter().step_by(2).copied().collect();
    let right_out: Vec<f32> = expected.iter().skip(1).step_by(2).copied().collect();
    assert_eq!(planar, vec![left_out, right_out], "json, planar");

    // Three channels for a stereo chain, and a partial frame, are refused with what is allowed.
    let body = serde_json::to_vec(&json!([left, right, left])).unwrap();
    let err = refusal(&client, "AudioMixer", &config, Serialization::Json, body.into()).await;
    assert_mentions(&err.message, &["configured for 2 channels, received 3"]);
    let err = refusal(&client, "AudioMixer", &config, Serialization::F32le, f32le(&interleaved[..961])).await;
    assert_mentions(&err.message, &["961 samples", "2-channel frames"]);
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_strings_are_read_as_json_or_python_literals() {
    let mut server = start().await;
    let client = client(&server);
    let input = program(960 * 4, 11);
    let config = json!({"compressor": {"ratio": 8, "thresholdDb": -30, "bypass": false}, "gate": {"bypass": true}, "sampleRate": 48000});
    let expected = native_mixer(&config, &[&input]).remove(0);
    // What Python's {k: str(v)} makes of the same dict.
    let python = json!({
        "compressor": "{'ratio': 8, 'thresholdDb': -30, 'bypass': False}",
        "gate": "{'bypass': True}",
        "sampleRate": "48000",
    });
    let out = execute(
        &client,
        "AudioMixer",
        &python,
        Serialization::F32le,
        f32le(&input),
    )
    .await;
    assert_eq!(samples(&out), expected);
    // And JSON text works the same.
    let json_text = json!({"compressor": "{\"ratio\": 8, \"thresholdDb\": -30, \"bypass\": false}", "gate": "{\"bypass\": true}"});
    let out = execute(
        &client,
        "AudioMixer",
        &json_text,
        Serialization::F32le,
        f32le(&input),
    )
    .await;
    assert_eq!(samples(&out), expected);

    let err = refusal(
        &client,
        "AudioMixer",
        &json!({"compressor": "{'ratio': 0.5}"}),
        Serialization::F32le,
        f32le(&input),
    )
    .await;
    assert_eq!(err.code, CloudErrorCode::Rejected);
    assert_mentions(&err.message, &["compressor.ratio", "allowed"]);
    let err = refusal(
        &client,
        "AudioMixer",
        &json!({"compresor": "{}"}),
        Serialization::F32le,
        f32le(&input),
    )
    .await;
    assert!(
        err.message.contains("unknown parameter \"compresor\"")
            && err
                .message
                .contains("adaptive, channels, compressor, denoise, eq, gate, limiter, loudness, sampleRate"),
        "{}",
        err.message
    );
    let err = refusal(
        &client,
        "AudioMixer",
        &json!({"sampleRate": "fast"}),
        Serialization::F32le,
        f32le(&input),
    )
    .await;
    assert_mentions(
        &err.message,
        &["sampleRate", "a number from 8000 to 192000 Hz"],
    );
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mfcc_equals_the_streaming_extractor() {
    let mut server = start().await;
    let client = client(&server);
    let input = noise(960 * 6, 0.3, 3);
    let mut extractor = FeatureExtractor::new(AnalysisConfig::default().validate().unwrap());
    let mut frames = AnalysisFrames::new(13);
    extractor.push(&input, &mut frames).unwrap();
    assert_eq!(frames.frames, 6);

    let body = serde_json::to_vec(&input).unwrap();
    let out: Vec<Vec<f32>> = serde_json::from_slice(
        &execute(&client, "MFCC", &json!({}), Serialization::Json, body).await,
    )
    .unwrap();
    assert_eq!(out.len(), 6);
    assert!(out.iter().all(|row| row.len() == 13));
    assert_eq!(out.concat(), frames.mfcc);

    let out = execute(
        &client,
        "MFCC",
        &json!({"nMfcc": 20}),
        Serialization::F32le,
        f32le(&input),
    )
    .await;
    assert_eq!(samples(&out).len(), 6 * 20);
    let err = refusal(
        &client,
        "MFCC",
        &json!({"nMfcc": 41}),
        Serialization::F32le,
        f32le(&input),
    )
    .await;
    assert_mentions(&err.message, &["nMfcc"]);
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_genre_classifier_stream_gives_the_decisions_of_the_streaming_classifier() {
    let mut server = start().await;
    let client = client(&server);
    // 5 s of program material in 20 ms frames: past the first 3 s window and several hops.
    let input = program(48_000 * 5, 21);
    let options = StreamingGenreOptions {
        hop_ms: 200.0,
        ..StreamingGenreOptions::default()
    };
    let mut reference = StreamingGenreClassifier::new(48_000, options).unwrap();
    // Its answers are JSON, so the stream speaks json (audio as a list, as Python sends it).
    let stream = client
        .stream(
            "GenreClassifier",
            &json!({"hopMs": 200}),
            Serialization::Json,
        )
        .unwrap();
    let mut decided = 0;
    for frame in input.chunks(960) {
        reference.push(frame).unwrap();
        let expected = reference.decision();
        let out: Value = serde_json::from_slice(
            &stream
                .send(serde_json::to_vec(frame).unwrap().into())
                .await
                .unwrap(),
        )
        .unwrap();
        assert_eq!(out["genre"], json!(expected.genre.map(Genre::as_str)));
        assert_eq!(
            out["confidence"].as_f64().unwrap() as f32,
            expected.confidence
        );
        for (genre, p) in Genre::ALL.iter().zip(expected.probabilities) {
            assert_eq!(
                out["probabilities"][genre.as_str()].as_f64().unwrap() as f32,
                p,
                "{}",
                genre.as_str()
            );
        }
        decided += usize::from(expected.confidence > 0.0);
    }
    assert!(decided > 50, "decisions after the first window: {decided}");
    let err = refusal(
        &client,
        "GenreClassifier",
        &json!({"threshold": 2}),
        Serialization::Json,
        serde_json::to_vec(&input).unwrap().into(),
    )
    .await;
    assert_mentions(&err.message, &["threshold"]);
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pass_through_returns_its_input_in_every_format() {
    let mut server = start().await;
    let client = client(&server);
    let raw = Bytes::from_static(&[0, 1, 2, 255]);
    assert_eq!(
        execute(
            &client,
            "PassThrough",
            &json!({}),
            Serialization::Bytes,
            raw.clone()
        )
        .await,
        raw
    );
    let data = json!({"text": "hello", "n": [1, 2]});
    let out = execute(
        &client,
        "PassThrough",
        &json!({}),
        Serialization::Json,
        serde_json::to_vec(&data).unwrap(),
    )
    .await;
    assert_eq!(serde_json::from_slice::<Value>(&out).unwrap(), data);
    let tuple = json!([[0.5, -0.25], 16000]);
    let out = execute(
        &client,
        "PassThrough",
        &json!({}),
        Serialization::Json,
        serde_json::to_vec(&tuple).unwrap(),
    )
    .await;
    assert_eq!(serde_json::from_slice::<Value>(&out).unwrap(), tuple);
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audio_transform_applies_gain_and_converts_channels() {
    let mut server = start().await;
    let client = client(&server);
    let left = noise(1000, 0.5, 1);
    let right = noise(1000, 0.5, 2);
    let stereo = json!([left, right]);
    let body = serde_json::to_vec(&stereo).unwrap();

    let out: Vec<Vec<f32>> = serde_json::from_slice(
        &execute(
            &client,
            "AudioTransform",
            &json!({"gain_db": "-6.020599913279624"}),
            Serialization::Json,
            body.clone(),
        )
        .await,
    )
    .unwrap();
    assert_eq!(out.len(), 2);
    for (got, x) in out[0].iter().zip(&left) {
        assert!((got - x * 0.5).abs() <= 1e-7, "{got} vs {}", x * 0.5);
    }

    let mono: Vec<Vec<f32>> = serde_json::from_slice(
        &execute(
            &client,
            "AudioTransform",
            &json!({"output_channels": 1}),
            Serialization::Json,
            body,
        )
        .await,
    )
    .unwrap();
    assert_eq!(mono.len(), 1);
    for ((m, l), r) in mono[0].iter().zip(&left).zip(&right) {
        assert!((m - (l + r) / 2.0).abs() <= 1e-7);
    }

    let up = execute(
        &client,
        "AudioTransform",
        &json!({"output_channels": 2}),
        Serialization::F32le,
        f32le(&left[..3]),
    )
    .await;
    assert_eq!(
        samples(&up),
        [left[0], left[0], left[1], left[1], left[2], left[2]],
        "interleaved copies"
    );

    let three = json!([left, right, left]);
    let err = refusal(
        &client,
        "AudioTransform",
        &json!({"output_channels": 2}),
        Serialization::Json,
        serde_json::to_vec(&three).unwrap().into(),
    )
    .await;
    assert_mentions(&err.message, &["cannot convert 3 channels to 2"]);
    server.shutdown().await.unwrap();
}

/// Largest deviation from `amplitude·sin(2π f n / fs)` over `range`.
fn sine_error(
    signal: &[f32],
    f: f64,
    fs: f64,
    amplitude: f64,
    range: std::ops::Range<usize>,
) -> f64 {
    range
        .map(|n| {
            (signal[n] as f64 - amplitude * (std::f64::consts::TAU * f * n as f64 / fs).sin()).abs()
        })
        .fold(0.0, f64::max)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audio_resampler_converts_a_sine_exactly_in_length_and_closely_in_value() {
    let mut server = start().await;
    let client = client(&server);
    let n = 48_000;
    let sine: Vec<f32> = (0..n)
        .map(|i| (0.5 * (std::f64::consts::TAU * 440.0 * i as f64 / 48_000.0).sin()) as f32)
        .collect();
    let body = serde_json::to_vec(&json!({"audio_data": sine, "sample_rate": 48000})).unwrap();
    let out: Value = serde_json::from_slice(
        &execute(
            &client,
            "AudioResampler",
            &json!({"target_sample_rate": 16000}),
            Serialization::Json,
            body,
        )
        .await,
    )
    .unwrap();
    assert_eq!(out["sample_rate"], json!(16000));
    let y = as_f32(&out["audio_data"]);
    assert_eq!(y.len(), 16_000);
    // Away from the edges the output is the same sine sampled at 16 kHz (delay-compensated).
    let error = sine_error(&y, 440.0, 16_000.0, 0.5, 200..15_800);
    assert!(error < 2e-3, "max deviation {error}");

    // Streamed in 960-sample frames, the concatenated output (plus the flushed tail) is
    // the same length and the same signal.
    let stream = client
        .stream(
            "AudioResampler",
            &json!({"target_sample_rate": 16000, "sample_rate": 48000}),
            Serialization::F32le,
        )
        .unwrap();
    let mut streamed = Vec::new();
    for frame in sine.chunks(960) {
        streamed.extend(samples(&stream.send(f32le(frame)).await.unwrap()));
    }
    streamed.extend(samples(&stream.finish().await.unwrap().unwrap_or_default()));
    assert_eq!(streamed.len(), 16_000);
    let error = sine_error(&streamed, 440.0, 16_000.0, 0.5, 200..15_800);
    assert!(error < 2e-3, "max deviation {error}");
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wasm_module_runs_a_module_from_the_modules_directory() {
    let mut server = start().await;
    let client = client(&server);
    let input = program(960 * 3, 5);
    // mixer.wasm runs the same chain as the native one, bit for bit.
    let expected = native_mixer(&json!({}), &[&input]).remove(0);
    let out = execute(
        &client,
        "WasmModule",
        &json!({"module": "mixer"}),
        Serialization::F32le,
        f32le(&input),
    )
    .await;
    assert_eq!(samples(&out), expected);

    let err = refusal(
        &client,
        "WasmModule",
        &json!({"module": "nope"}),
        Serialization::F32le,
        f32le(&input),
    )
    .await;
    assert_eq!(err.code, CloudErrorCode::Rejected);
    assert_mentions(&err.message, &["available modules:", "mixer"]);
    let err = refusal(
        &client,
        "WasmModule",
        &json!({"module": "../dist/mixer"}),
        Serialization::F32le,
        f32le(&input),
    )
    .await;
    assert_eq!(
        err.code,
        CloudErrorCode::Rejected,
        "paths are refused: {}",
        err.message
    );
    let err = refusal(
        &client,
        "WasmModule",
        &json!({}),
        Serialization::F32le,
        f32le(&input),
    )
    .await;
    assert_mentions(&err.message, &["module is required"]);
    let err = refusal(
        &client,
        "WasmModule",
        &json!({"module": "trap"}),
        Serialization::Bytes,
        Bytes::from_static(b"x"),
    )
    .await;
    assert_eq!(err.code, CloudErrorCode::Internal, "{}", err.message);
    assert_mentions(&err.message, &["ERR_WASM_TRAP"]);
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mixer_stream_is_continuous_and_flushes_the_limiter_tail() {
    let mut server = start().await;
    let client = client(&server);
    let input = program(960 * 12, 9);
    let frames: Vec<&[f32]> = input.chunks(960).collect();
    let mut reference = MixerChain::new(ChainConfig::default()).unwrap();
    let stream = client
        .stream("AudioMixer", &json!({}), Serialization::F32le)
        .unwrap();
    for frame in &frames {
        let mut expected = frame.to_vec();
        reference.process(&mut expected).unwrap();
        assert_eq!(samples(&stream.send(f32le(frame)).await.unwrap()), expected);
    }
    let mut tail = vec![0.0; reference.latency_samples()];
    reference.process(&mut tail).unwrap();
    assert!(!tail.is_empty());
    assert_eq!(
        samples(&stream.finish().await.unwrap().expect("a tail")),
        tail
    );
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelined_stream_frames_are_answered_in_order() {
    let mut server = start().await;
    let client = client(&server);
    let stream = client
        .stream("PassThrough", &json!({}), Serialization::F32le)
        .unwrap();
    // Queue 200 frames before awaiting any answer.
    let pending: Vec<_> = (0..200)
        .map(|i| stream.send(f32le(&[i as f32, -(i as f32)])))
        .collect();
    for (i, answer) in pending.into_iter().enumerate() {
        assert_eq!(samples(&answer.await.unwrap()), [i as f32, -(i as f32)]);
    }
    assert_eq!(stream.finish().await.unwrap(), None);
    server.shutdown().await.unwrap();
}
