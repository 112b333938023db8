//! The cloud `Denoise` node over the wire, against the native `Denoiser` run in-process
//! on the same input.

mod support;

use edgemix_dsp::{Channels, DenoiseConfig, Denoiser};
use edgemix_cloud::{CloudErrorCode, Serialization};
use serde_json::{json, Value};
use support::*;

fn native(input: &[f32], limit_db: f64, channels: Channels) -> Vec<f32> {
    let config = DenoiseConfig { enabled: true, attenuation_limit_db: limit_db };
    let mut denoiser = Denoiser::new(&config, channels);
    let mut out = input.to_vec();
    denoiser.process(&mut out);
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn denoise_equals_the_native_stage_mono_stereo_and_streamed() {
    let server = start().await;
    let client = client(&server);
    let input = program(960 * 10, 3);

    let out = execute(&client, "Denoise", &json!({}), Serialization::F32le, f32le(&input)).await;
    assert_eq!(samples(&out), native(&input, 100.0, Channels::Mono));

    // Planar JSON stereo with a sample rate; the answer keeps the shape.
    let right: Vec<f32> = input.iter().map(|x| -0.25 * x).collect();
    let body = json!({ "audio_data": [input, right], "sample_rate": 48000 });
    let config = json!({ "channels": 2, "attenuationLimitDb": 20 });
    let out: Value = serde_json::from_slice(
        &execute(&client, "Denoise", &config, Serialization::Json, serde_json::to_vec(&body).unwrap()).await,
    )
    .unwrap();
    let interleaved: Vec<f32> = input.iter().zip(&right).flat_map(|(l, r)| [*l, *r]).collect();
    let expected = native(&interleaved, 20.0, Channels::Stereo);
    assert_eq!(out["sample_rate"], 48000);
    for channel in 0..2 {
        let got: Vec<f32> = out["audio_data"][channel]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap() as f32)
            .collect();
        let want: Vec<f32> = expected.iter().skip(channel).step_by(2).copied().collect();
        assert_eq!(got, want, "channel {channel}");
    }

    // A stream is one continuous stage; its end flushes the 960 samples still inside.
    let stream = client.stream("Denoise", &json!({}), Serialization::F32le).unwrap();
    let mut streamed = Vec::new();
    for block in input.chunks(700) {
        streamed.extend(samples(&stream.send(f32le(block)).await.unwrap()));
    }
    let tail = stream.finish().await.unwrap().expect("a flushed tail");
    streamed.extend(samples(&tail));
    let mut padded = input.clone();
    padded.extend([0.0; 960]);
    assert_eq!(streamed, native(&padded, 100.0, Channels::Mono));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn denoise_refuses_other_rates_bad_parameters_and_bad_audio() {
    let server = start().await;
    let client = client(&server);
    let audio = f32le(&program(960, 1));
    let cases: [(Value, Serialization, bytes::Bytes, &[&str]); 6] = [
        (json!({ "sampleRate": 44100 }), Serialization::F32le, audio.clone(), &["sampleRate = 44100", "48000 to 48000 Hz"]),
        (json!({ "attenuationLimitDb": 150 }), Serialization::F32le, audio.clone(), &["attenuationLimitDb = 150", "0 to 100 dB"]),
        (json!({ "channels": 3 }), Serialization::F32le, audio.clone(), &["channels = 3", "1 to 2"]),
        (json!({ "strength": 1 }), Serialization::F32le, audio.clone(), &["unknown parameter \"strength\"", "attenuationLimitDb"]),
        (json!({}), Serialization::Json, br#"{"audio_data": [0.1, 0.2], "sample_rate": 16000}"#.to_vec().into(), &["16000 Hz", "48000 Hz"]),
        (json!({ "channels": 2 }), Serialization::F32le, f32le(&[0.1, 0.2, 0.3]), &["not a whole number of 2-channel frames"]),
    ];
    for (config, format, input, parts) in cases {
        let err = refusal(&client, "Denoise", &config, format, input).await;
        assert_eq!(err.code, CloudErrorCode::Rejected, "{config}: {err:?}");
        assert_mentions(&err.message, parts);
    }
    let err = refusal(&client, "Denoise", &json!({}), Serialization::F32le, f32le(&[0.1, f32::NAN])).await;
    assert_mentions(&err.message, &["audio sample 1 is NaN"]);
    // The mixer's denoise stage refuses other rates too, naming the allowed one.
    let err = refusal(
        &client,
        "AudioMixer",
        &json!({ "sampleRate": 16000, "denoise": { "enabled": true } }),
        Serialization::F32le,
        audio,
    )
    .await;
    assert_mentions(&err.message, &["denoise.enabled needs sampleRate 48000", "16000"]);
}
