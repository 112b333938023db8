//! The noise-suppression stage: framing, latency and level against `nnnoiseless` driven
//! directly (the reference), partition independence, stereo, the attenuation limit,
//! configuration and hostile input. Its effect on speech in noise (SI-SDR) is tested in
//! `denoise_quality.rs`.

mod common;

use common::{white_noise, FS};
use edgemix_dsp::{
    ChainConfig, Channels, DenoiseConfig, Denoiser, MixerChain, DENOISE_FRAME,
    DENOISE_LATENCY_SAMPLES,
};
use nnnoiseless::DenoiseState;
use serde_json::json;

/// The first `seconds` of the VAD set's speech (espeak-ng, 16-bit, 48 kHz), plus white
/// noise at −40 dBFS so the network has noise to remove.
fn noisy_speech(seconds: f64) -> Vec<f32> {
    let mut reader = hound::WavReader::new(&include_bytes!("vad_set/speech.wav")[..]).unwrap();
    assert_eq!(reader.spec().sample_rate, 48_000);
    let n = (seconds * FS) as usize;
    let noise = white_noise(n, 0.01, 7);
    reader
        .samples::<i16>()
        .take(n)
        .zip(noise)
        .map(|(s, w)| f32::from(s.unwrap()) / 32768.0 + w)
        .collect()
}

/// What RNNoise itself gives: 480-sample frames at the 16-bit scale, emitted one frame
/// after they are complete, back at full scale.
fn reference(input: &[f32]) -> Vec<f32> {
    let mut state = DenoiseState::new();
    let mut out = vec![0.0f32; DENOISE_FRAME];
    let mut frame = [0.0f32; DENOISE_FRAME];
    for chunk in input.chunks_exact(DENOISE_FRAME) {
        let scaled: Vec<f32> = chunk.iter().map(|x| x * 32768.0).collect();
        state.process_frame(&mut frame, &scaled);
        out.extend(frame.iter().map(|y| y / 32768.0));
    }
    out.truncate(input.len());
    out
}

fn on(extra: serde_json::Value) -> DenoiseConfig {
    let mut config = json!({ "enabled": true });
    config.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    serde_json::from_value(config).unwrap()
}

#[test]
fn equals_rnnoise_one_frame_late_at_any_block_length() {
    let input = noisy_speech(3.0);
    let expected = reference(&input);
    for block in [input.len(), 960, 480, 37, 1] {
        let mut denoiser = Denoiser::new(&on(json!({})), Channels::Mono);
        let mut out = input.clone();
        out.chunks_mut(block).for_each(|b| denoiser.process(b));
        assert_eq!(out, expected, "blocks of {block}");
    }
    // It did denoise: the output differs from the delayed input.
    let delayed = &input[..input.len() - DENOISE_LATENCY_SAMPLES];
    assert_ne!(&expected[DENOISE_LATENCY_SAMPLES..], delayed);
}

#[test]
fn latency_is_960_samples_and_the_chain_reports_it() {
    assert_eq!(DENOISE_LATENCY_SAMPLES, 960);
    let input = noisy_speech(4.0);
    // With no reduction allowed the stage is a pure delay of exactly its latency.
    let mut denoiser = Denoiser::new(&on(json!({ "attenuationLimitDb": 0 })), Channels::Mono);
    let mut out = input.clone();
    denoiser.process(&mut out);
    assert!(out[..960].iter().all(|&x| x == 0.0));
    assert_eq!(&out[960..], &input[..input.len() - 960]);

    // The whole chain: every other stage transparent (the limiter passes signals under
    // its ceiling bit for bit, delayed by its lookahead).
    let config = ChainConfig::from_json(&json!({
        "denoise": { "enabled": true },
        "gate": { "bypass": true }, "compressor": { "bypass": true }, "eq": { "bypass": true },
        "limiter": { "ceilingDb": 0 },
    }))
    .unwrap();
    assert_eq!(config.latency_samples(), 960 + 240);
    let mut chain = MixerChain::new(config).unwrap();
    assert_eq!(chain.latency_samples(), 1200);
    let peak = input.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    assert!(peak < 0.9, "the test signal stays under the limiter's ceiling");
    let mut out = input.clone();
    chain.process(&mut out).unwrap();
    let expected = reference(&input);
    assert!(out[..240].iter().all(|&x| x == 0.0));
    assert_eq!(&out[240..], &expected[..input.len() - 240]);
    // The denoised speech lines up with the input at exactly latencySamples: the
    // cross-correlation peaks there.
    let lag = (1000..1400)
        .max_by(|&a, &b| xcorr(&input, &out, a).total_cmp(&xcorr(&input, &out, b)))
        .unwrap();
    assert_eq!(lag, chain.latency_samples());
}

/// Σ x[n]·y[n + lag].
fn xcorr(x: &[f32], y: &[f32], lag: usize) -> f64 {
    x.iter().zip(&y[lag..]).map(|(a, b)| f64::from(*a) * f64::from(*b)).sum()
}

#[test]
fn off_is_the_chain_without_the_stage() {
    let input = noisy_speech(2.0);
    let mut plain = MixerChain::new(ChainConfig::default()).unwrap();
    let off = ChainConfig::from_json(&json!({ "denoise": { "enabled": false, "attenuationLimitDb": 20 } })).unwrap();
    assert_eq!(off.latency_samples(), 240);
    let mut with_off = MixerChain::new(off).unwrap();
    let (mut a, mut b) = (input.clone(), input.clone());
    plain.process(&mut a).unwrap();
    with_off.process(&mut b).unwrap();
    assert_eq!(a, b);
    assert!(with_off.meters().denoise.is_none());
    // The default configuration does not mention the stage.
    assert!(serde_json::to_value(ChainConfig::default()).unwrap().get("denoise").is_none());
}

#[test]
fn turning_it_on_and_off_changes_the_latency_at_once() {
    let mut chain = MixerChain::new(ChainConfig::default()).unwrap();
    let enable = chain.config().merged(&json!({ "denoise": { "enabled": true } })).unwrap();
    chain.configure(enable).unwrap();
    assert_eq!(chain.latency_samples(), 1200);
    assert!(chain.meters().denoise.is_none(), "meters describe the last block");
    let mut block = noisy_speech(0.5);
    chain.process(&mut block).unwrap();
    let probability = chain.meters().denoise.unwrap().denoise_speech_probability;
    assert!((0.0..=1.0).contains(&probability));
    let disable = chain.config().merged(&json!({ "denoise": { "enabled": false } })).unwrap();
    chain.configure(disable).unwrap();
    assert_eq!(chain.latency_samples(), 240);
}

#[test]
fn stereo_denoises_each_channel_on_its_own() {
    let left = noisy_speech(2.0);
    let right: Vec<f32> = left.iter().rev().map(|x| 0.5 * x).collect();
    let mut interleaved: Vec<f32> = left.iter().zip(&right).flat_map(|(l, r)| [*l, *r]).collect();
    let mut stereo = Denoiser::new(&on(json!({})), Channels::Stereo);
    interleaved.chunks_mut(2 * 333).for_each(|b| stereo.process(b));
    let out_left: Vec<f32> = interleaved.iter().step_by(2).copied().collect();
    let out_right: Vec<f32> = interleaved.iter().skip(1).step_by(2).copied().collect();
    assert_eq!(out_left, reference(&left));
    assert_eq!(out_right, reference(&right));
}

#[test]
fn attenuation_limit_mixes_the_aligned_input_back_in() {
    let input = noisy_speech(2.0);
    let wet = reference(&input);
    let mut denoiser = Denoiser::new(&on(json!({ "attenuationLimitDb": 12 })), Channels::Mono);
    let mut out = input.clone();
    denoiser.process(&mut out);
    let m = 10f64.powf(-12.0 / 20.0);
    for i in 960..input.len() {
        let expected = m * f64::from(input[i - 960]) + (1.0 - m) * f64::from(wet[i]);
        assert!((f64::from(out[i]) - expected).abs() < 1e-6, "sample {i}: {} vs {expected}", out[i]);
    }
}

#[test]
fn reset_returns_to_a_new_stage() {
    let input = noisy_speech(1.0);
    let mut denoiser = Denoiser::new(&on(json!({})), Channels::Mono);
    let mut first = input.clone();
    denoiser.process(&mut first[..1234]);
    denoiser.reset();
    let mut again = input.clone();
    denoiser.process(&mut again);
    assert_eq!(again, reference(&input));
}

#[test]
fn configuration_is_validated() {
    let err = |value: serde_json::Value| ChainConfig::from_json(&value).unwrap_err();
    let e = err(json!({ "denoise": { "enabled": true, "strength": 3 } }));
    assert!(e.message.contains("denoise") && e.message.contains("unknown field `strength`"), "{}", e.message);
    let e = err(json!({ "denoise": { "attenuationLimitDb": 120 } }));
    assert_eq!(e.param, "denoise.attenuationLimitDb");
    assert!(e.message.contains("allowed 0 to 100 dB"), "{}", e.message);
    let e = err(json!({ "denoise": { "attenuationLimitDb": -1 } }));
    assert_eq!(e.param, "denoise.attenuationLimitDb");
    let e = err(json!({ "denoise": { "enabled": "yes" } }));
    assert!(e.message.contains("denoise.enabled"), "{}", e.message);
    let e = err(json!({ "sampleRate": 44100, "denoise": { "enabled": true } }));
    assert_eq!(e.param, "denoise.enabled");
    assert!(e.message.contains("allowed sample rates: 48000") && e.message.contains("44100"), "{}", e.message);
    // Off, any rate is fine.
    ChainConfig::from_json(&json!({ "sampleRate": 44100, "denoise": { "attenuationLimitDb": 6 } })).unwrap();
}

#[test]
fn hostile_samples_neither_poison_the_state_nor_pass_the_chain() {
    // Huge finite samples are clipped on the way in: the output stays finite and the
    // network keeps working on what follows.
    let mut denoiser = Denoiser::new(&on(json!({})), Channels::Mono);
    let mut huge = vec![3.0e38f32; 4800];
    huge.iter_mut().step_by(3).for_each(|x| *x = -*x);
    denoiser.process(&mut huge);
    assert!(huge.iter().all(|x| x.is_finite()));
    let input = noisy_speech(3.0);
    let mut after = input.clone();
    denoiser.process(&mut after);
    assert!(after.iter().all(|x| x.is_finite()));
    let energy = |x: &[f32]| x.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>();
    let tail = 48_000..input.len();
    let expected = reference(&input);
    assert!(
        (energy(&after[tail.clone()]) / energy(&expected[tail])).log10().abs() < 0.5,
        "two seconds later the output is back within 5 dB of a fresh stage's"
    );

    // NaN and infinities are refused by the chain before any stage, which is untouched.
    let config = ChainConfig::from_json(&json!({ "denoise": { "enabled": true } })).unwrap();
    let mut chain = MixerChain::new(config.clone()).unwrap();
    let mut fresh = MixerChain::new(config).unwrap();
    let mut bad = input[..960].to_vec();
    bad[500] = f32::NAN;
    assert!(chain.process(&mut bad).is_err());
    let (mut a, mut b) = (input.clone(), input.clone());
    chain.process(&mut a).unwrap();
    fresh.process(&mut b).unwrap();
    assert_eq!(a, b);
}
