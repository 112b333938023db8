//! Interleaved stereo through the chain with linked gain, against analytic references:
//! identical channels come out exactly as mono processing of that signal; a channel
//! that is a power-of-two scaled copy of the other gets exactly the same gains; unrelated
//! channels get one gain per frame, the gain mono processing gives their linked level
//! max(|L|, |R|); the limiter's ceiling holds on both; partial frames are refused.

mod common;

use common::programme::{hot_config, programme};
use common::{irregular_sizes, in_blocks, sine, white_noise, FS};
use edgemix_dsp::{AudioError, ChainConfig, Channels, MixerChain};
use serde_json::json;

fn stereo(config: &ChainConfig) -> ChainConfig {
    ChainConfig {
        channels: Channels::Stereo,
        ..config.clone()
    }
}

fn run(config: &ChainConfig, input: &[f32], sizes: &[usize]) -> Vec<f32> {
    let mut chain = MixerChain::new(config.clone()).expect("valid config");
    in_blocks(input, sizes, |b| chain.process(b).expect("valid block"))
}

fn interleave(left: &[f32], right: &[f32]) -> Vec<f32> {
    left.iter().zip(right).flat_map(|(&l, &r)| [l, r]).collect()
}

fn channel(interleaved: &[f32], c: usize) -> Vec<f32> {
    interleaved.iter().skip(c).step_by(2).copied().collect()
}

fn assert_bits(a: &[f32], b: &[f32], what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    let first = a.iter().zip(b).position(|(x, y)| x.to_bits() != y.to_bits());
    assert!(first.is_none(), "{what}: differs from sample {first:?}");
}

/// Configurations under which the mono and the linked stereo chain must agree bit for
/// bit on dual-mono input (every stage but loudness normalisation, which measures as
/// BS.1770 does: see `loudness_measures_both_channels_as_bs1770_does`).
fn linked_configs() -> Vec<(&'static str, ChainConfig)> {
    let adaptive = ChainConfig::from_json(&json!({ "adaptive": { "enabled": true, "smoothingMs": 200 } })).unwrap();
    vec![("default", ChainConfig::default()), ("hot", hot_config()), ("adaptive", adaptive)]
}

#[test]
fn identical_channels_come_out_exactly_as_mono() {
    let x = programme();
    let dual = interleave(&x, &x);
    for (name, config) in linked_configs() {
        let mono = run(&config, &x, &[960]);
        for sizes in [vec![1920], vec![2], irregular_sizes(50, 1000, 9).iter().map(|n| n * 2).collect()] {
            let out = run(&stereo(&config), &dual, &sizes);
            assert_bits(&channel(&out, 0), &mono, &format!("{name}, left"));
            assert_bits(&channel(&out, 1), &mono, &format!("{name}, right"));
        }
    }
}

#[test]
fn a_quieter_copy_on_one_side_gets_the_same_gains() {
    // R = L/4 exactly (a power of two: every product and filter sum scales exactly, as long
    // as it stays a normal number), so the linked level is |L| and the right channel must be
    // the left output divided by 4.
    let x = programme();
    for (name, config) in linked_configs() {
        let mono = run(&config, &x, &[960]);
        let quarter: Vec<f32> = x.iter().map(|v| v * 0.25).collect();
        let out = run(&stereo(&config), &interleave(&x, &quarter), &[1920]);
        let (left, right) = (channel(&out, 0), channel(&out, 1));
        assert_bits(&left, &mono, &format!("{name}: the louder side is processed as mono"));
        let ceiling = 10f32.powf(config.limiter.ceiling_db as f32 / 20.0);
        for (n, (&l, &r)) in left.iter().zip(&right).enumerate() {
            if (l * 0.25).abs() < f32::MIN_POSITIVE {
                // Subnormal results keep fewer bits: within the smallest normal number.
                assert!((r - l * 0.25).abs() < f32::MIN_POSITIVE, "{name}: sample {n}");
            } else if l.abs() < ceiling {
                assert_eq!(r.to_bits(), (l * 0.25).to_bits(), "{name}: sample {n}");
            } else {
                // The limiter's final clamp rounds the louder side to the ceiling.
                assert!((r - l * 0.25).abs() <= 1e-7, "{name}: sample {n} at the ceiling");
            }
        }
        // A silent side stays silent, the other is processed as mono.
        let out = run(&stereo(&config), &interleave(&vec![0.0; x.len()], &x), &[1920]);
        assert!(channel(&out, 0).iter().all(|&v| v == 0.0), "{name}: silent left");
        assert_bits(&channel(&out, 1), &mono, &format!("{name}: right alone"));
    }
}

#[test]
fn unrelated_channels_get_the_gain_of_their_linked_level() {
    // With the EQ bypassed the chain is a delay and a gain per frame: out[n] = g[n]·in[n − D].
    // Both channels must see the same g, and g must be what the mono chain applies to the
    // linked level max(|L|, |R|) (every detector reads magnitudes only).
    let left = programme();
    let mut right = white_noise(left.len(), 0.3, 77);
    for (v, s) in right.iter_mut().zip(sine(left.len(), 220.0, FS, 0.9)) {
        *v = *v * 0.5 + s * 0.5 * ((*v > 0.0) as i32 as f32); // a different, partly loud signal
    }
    let level: Vec<f32> = left.iter().zip(&right).map(|(l, r)| l.abs().max(r.abs())).collect();
    for (name, base) in [("default", ChainConfig::default()), ("hot", hot_config())] {
        let config = ChainConfig::from_json(&json!({ "eq": { "bypass": true } }))
            .map(|eq| ChainConfig { eq: eq.eq, ..base.clone() })
            .unwrap();
        let delay = config.latency_samples();
        let mono = run(&config, &level, &[960]);
        let out = run(&stereo(&config), &interleave(&left, &right), &[1920]);
        let (out_l, out_r) = (channel(&out, 0), channel(&out, 1));
        let ceiling = 10f32.powf(config.limiter.ceiling_db as f32 / 20.0);
        let mut compared = 0;
        for n in delay..left.len() {
            let (l, r, k) = (left[n - delay], right[n - delay], level[n - delay]);
            assert!(out_l[n].abs() <= ceiling && out_r[n].abs() <= ceiling, "{name}: sample {n} over the ceiling");
            if l.abs() < 1e-3 || r.abs() < 1e-3 {
                continue;
            }
            let g = f64::from(mono[n]) / f64::from(k);
            for (got, x, side) in [(out_l[n], l, "left"), (out_r[n], r, "right")] {
                let expected = g * f64::from(x);
                let tolerance = 1e-5 * expected.abs() + 1e-7;
                assert!(
                    (f64::from(got) - expected).abs() <= tolerance,
                    "{name}: {side} sample {n} is {got}, the linked gain {g} gives {expected}"
                );
            }
            compared += 1;
        }
        assert!(compared > left.len() / 4, "{name}: only {compared} samples compared");
    }
}

#[test]
fn loudness_measures_both_channels_as_bs1770_does() {
    // A steady sine on both channels measures 10·log10(2) = 3.01 dB louder than in mono
    // (the channel powers add), so the stage wants 3.01 dB less gain.
    let x = sine(5 * 48_000, 997.0, FS, 0.1);
    let config = ChainConfig::from_json(&json!({ "loudness": { "enabled": true, "targetLufs": -16 } })).unwrap();
    let mut mono = MixerChain::new(config.clone()).unwrap();
    mono.process(&mut x.clone()).unwrap();
    let mut linked = MixerChain::new(stereo(&config)).unwrap();
    linked.process(&mut interleave(&x, &x)).unwrap();
    let (m, s) = (mono.meters().loudness.unwrap(), linked.meters().loudness.unwrap());
    let sum = 10.0 * 2f64.log10();
    assert!((s.loudness_lufs - m.loudness_lufs - sum).abs() < 1e-6, "{} vs {}", s.loudness_lufs, m.loudness_lufs);
    // After 5 s both gains have reached their targets (about +7 and +4 dB at 3 dB/s).
    let gap = m.normalization_gain_db - s.normalization_gain_db;
    assert!((gap - sum).abs() < 1e-6, "gains {} (mono) and {} (stereo)", m.normalization_gain_db, s.normalization_gain_db);
}

#[test]
fn partial_frames_are_refused_and_change_nothing() {
    let config = stereo(&hot_config());
    let x = interleave(&programme(), &programme());
    let mut chain = MixerChain::new(config.clone()).unwrap();
    let mut odd = x[..961].to_vec();
    assert_eq!(chain.process(&mut odd), Err(AudioError::PartialFrame { samples: 961, channels: 2 }));
    assert_eq!(odd, x[..961], "the refused block is untouched");
    let message = AudioError::PartialFrame { samples: 961, channels: 2 }.to_string();
    assert!(message.contains("961") && message.contains("2-channel"), "{message}");
    let out = in_blocks(&x, &[1920], |b| chain.process(b).unwrap());
    assert_bits(&out, &run(&config, &x, &[1920]), "after the refusal");
}

#[test]
fn channels_in_the_configuration() {
    let config = ChainConfig::from_json(&json!({ "channels": 2 })).unwrap();
    assert_eq!(config.channels, Channels::Stereo);
    assert_eq!(serde_json::to_value(&config).unwrap()["channels"], json!(2.0));
    // Mono is the default and stays out of the serialised configuration.
    assert!(serde_json::to_value(ChainConfig::default()).unwrap().get("channels").is_none());
    for bad in [json!(3), json!(0), json!(1.5), json!("2")] {
        let err = ChainConfig::from_json(&json!({ "channels": bad })).unwrap_err();
        assert!(err.param == "channels", "{bad}: {err:?}");
        assert!(err.message.contains("channels"), "{}", err.message);
    }
    // Changing the channel count starts the chain afresh (the delay line changes shape).
    let mut chain = MixerChain::new(ChainConfig::default()).unwrap();
    chain.process(&mut programme()).unwrap();
    chain.configure(stereo(&ChainConfig::default())).unwrap();
    let x = interleave(&programme(), &programme());
    let out = in_blocks(&x, &[1920], |b| chain.process(b).unwrap());
    assert_bits(&out, &run(&stereo(&ChainConfig::default()), &x, &[1920]), "after switching to stereo");
    assert_eq!(chain.latency_samples(), 240, "latency is per channel");
}
