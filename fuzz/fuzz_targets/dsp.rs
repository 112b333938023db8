//! The mixer chain on random valid configurations (mono or stereo, any rate, every stage
//! on or bypassed, noise suppression at 48 kHz, loudness normalisation, adaptive presets,
//! a reconfiguration mid-stream)
//! and random audio (speech-like PCM levels, raw float bit patterns with denormals and
//! values up to ±f32::MAX, silence), cut into blocks of any length.
//!
//! For every input: every block is accepted (it is valid); every output sample is
//! finite; where the limiter is on, no output sample exceeds its ceiling (the f32 nearest
//! 10^(ceilingDb/20), as the limiter tests state it); the meters are numbers (not NaN);
//! and the output is bit-identical for two different partitions of the signal into
//! blocks (each with the reconfiguration at the same sample).
//!
//! Input layout: two flag bytes, a rate byte, one u16 per parameter range (two sets
//! when reconfiguring, and the reconfiguration point), two partition seeds, an encoding
//! byte, a repeat count, then the samples.

#![no_main]

use edgemix_dsp::{
    db_to_gain, AdaptiveConfig, ChainConfig, CompressorConfig, DenoiseConfig, EqConfig, LimiterConfig,
    LoudnessStageConfig, MixerChain, NoiseGateConfig, Range, MAX_FREQ_FRACTION, PRESET_PARAMS,
};
use edgemix_fuzz::Carve;
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Map, Value};

/// Every numeric parameter of the chain, by its dotted JSON path.
const RANGES: [Range; 28] = [
    DenoiseConfig::ATTENUATION_LIMIT_DB,
    NoiseGateConfig::THRESHOLD_DB,
    NoiseGateConfig::HYSTERESIS_DB,
    NoiseGateConfig::ATTACK_MS,
    NoiseGateConfig::HOLD_MS,
    NoiseGateConfig::RELEASE_MS,
    NoiseGateConfig::RANGE_DB,
    CompressorConfig::THRESHOLD_DB,
    CompressorConfig::RATIO,
    CompressorConfig::KNEE_DB,
    CompressorConfig::ATTACK_MS,
    CompressorConfig::RELEASE_MS,
    CompressorConfig::MAKEUP_DB,
    EqConfig::LOW_FREQ_HZ,
    EqConfig::LOW_GAIN_DB,
    EqConfig::MID_FREQ_HZ,
    EqConfig::MID_GAIN_DB,
    EqConfig::MID_Q,
    EqConfig::HIGH_FREQ_HZ,
    EqConfig::HIGH_GAIN_DB,
    LimiterConfig::CEILING_DB,
    LimiterConfig::LOOKAHEAD_MS,
    LimiterConfig::RELEASE_MS,
    LoudnessStageConfig::TARGET_LUFS,
    LoudnessStageConfig::MAX_GAIN_DB,
    LoudnessStageConfig::WINDOW_MS,
    LoudnessStageConfig::SLEW,
    AdaptiveConfig::SMOOTHING_MS,
];

const RATES: [f64; 7] = [8000.0, 16_000.0, 22_050.0, 44_100.0, 48_000.0, 96_000.0, 192_000.0];

/// Longest signal, frames (4 s at 48 kHz: the adaptive chain's classifier decides
/// after 3 s), and the most blocks one partition cuts it into.
const MAX_FRAMES: usize = 192_000;
const MAX_BLOCKS: usize = 4096;

fn set(config: &mut Value, path: &str, value: Value) {
    let (parents, key) = path.rsplit_once('.').unwrap_or(("", path));
    let mut node = config;
    for part in parents.split('.').filter(|p| !p.is_empty()) {
        node = node
            .as_object_mut()
            .expect("objects all the way down")
            .entry(part)
            .or_insert_with(|| Value::Object(Map::new()));
    }
    node[key] = value;
}

/// A valid configuration from the input: flags, then a fraction of each range.
fn config(input: &mut Carve, flags: u8, rate: f64, channels: u8) -> ChainConfig {
    let pin_presets = flags & 0x80 != 0;
    let mut doc = json!({ "sampleRate": rate, "channels": channels });
    for range in RANGES {
        let unit = input.unit();
        let managed = PRESET_PARAMS.iter().any(|p| p.path == range.name);
        // The EQ's default frequencies fit 16.4 kHz and up: below, they are always set.
        let needed = range.name.ends_with("FreqHz") && rate < 16_400.0;
        if managed && !pin_presets && !needed {
            continue;
        }
        let mut max = range.max;
        if range.name.ends_with("FreqHz") {
            // Below 0.49 × rate, strictly.
            max = max.min(MAX_FREQ_FRACTION * rate * (1.0 - 1e-9));
        }
        set(&mut doc, range.name, json!(range.min + (max - range.min) * unit));
    }
    for (bit, path) in ["gate.bypass", "compressor.bypass", "eq.bypass", "limiter.bypass"]
        .iter()
        .enumerate()
    {
        set(&mut doc, path, json!(flags & (1 << bit) != 0));
    }
    set(&mut doc, "loudness.enabled", json!(flags & 0x10 != 0));
    // The genre classifier runs at the common rates from 16 kHz up, not at any rate.
    let classifier_rate = rate >= 16_000.0 && RATES.contains(&rate);
    set(&mut doc, "adaptive.enabled", json!(flags & 0x20 != 0 && classifier_rate));
    set(&mut doc, "denoise.enabled", json!(flags & 0x40 != 0 && rate == 48_000.0));
    ChainConfig::from_json(&doc).unwrap_or_else(|e| panic!("generated config {doc} refused: {e:?}"))
}

/// Samples from the input in one of three encodings.
fn samples(input: &mut Carve) -> Vec<f32> {
    let encoding = input.u8();
    let bytes = input.rest();
    match encoding % 3 {
        // 16-bit PCM levels: ordinary audio, silence, quiet passages.
        0 => bytes
            .chunks_exact(2)
            .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0)
            .collect(),
        // Raw f32 bit patterns: denormals, ±f32::MAX, tiny and huge values; the
        // non-finite patterns (which the chain refuses) become extremes instead.
        1 => bytes
            .chunks_exact(4)
            .map(|b| {
                let x = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                if x.is_finite() {
                    x
                } else {
                    [f32::MAX, -f32::MAX, f32::MIN_POSITIVE, -1e-45][usize::from(b[0] & 3)]
                }
            })
            .collect(),
        // Small integers times a scale from denormal to near f32::MAX.
        _ => {
            const SCALES: [f32; 8] = [1e-45, 1e-40, 1e-20, 1e-3, 1.0, 1e3, 1e30, 2.6e36];
            bytes
                .chunks_exact(2)
                .map(|b| f32::from(b[1] as i8) * SCALES[usize::from(b[0] & 7)])
                .collect()
        }
    }
}

/// Block lengths (in frames) covering `frames`, from `seed`: runs of tiny, ordinary and
/// long blocks, never more than [`MAX_BLOCKS`] of them.
fn partition(frames: usize, seed: u16) -> Vec<usize> {
    let mut state = u32::from(seed) * 2_654_435_761 | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        state as usize
    };
    let floor = frames.div_ceil(MAX_BLOCKS).max(1);
    let mut sizes = Vec::new();
    let mut left = frames;
    while left > 0 {
        let size = match next() % 4 {
            0 => 1 + next() % 8,
            1 => 1 + next() % 1024,
            2 => 960,
            _ => 1 + next() % 8192,
        }
        .max(floor)
        .min(left);
        sizes.push(size);
        left -= size;
    }
    sizes
}

fn check_meters(chain: &MixerChain) {
    let m = chain.meters();
    let levels = [
        m.input_peak_db,
        m.input_rms_db,
        m.output_peak_db,
        m.output_rms_db,
        m.gate_reduction_db,
        m.compressor_reduction_db,
        m.limiter_reduction_db,
    ];
    assert!(levels.iter().all(|x| !x.is_nan()), "a meter is NaN: {m:?}");
    if let Some(l) = m.loudness {
        assert!(!l.loudness_lufs.is_nan() && !l.normalization_gain_db.is_nan(), "{m:?}");
    }
}

/// Runs `signal` through a fresh chain in blocks of `sizes` frames, applying `second` at
/// frame `switch_at` (a block boundary of every partition).
fn run(
    first: &ChainConfig,
    second: Option<(&ChainConfig, usize)>,
    signal: &[f32],
    sizes: &[usize],
) -> Vec<f32> {
    let channels = first.channels.count();
    let mut chain = MixerChain::new(first.clone()).expect("valid config");
    let mut out = signal.to_vec();
    let mut at = 0;
    for &size in sizes {
        if let Some((config, switch_at)) = second {
            if at == switch_at {
                chain.configure(config.clone()).expect("valid config");
            }
        }
        let block = &mut out[at * channels..(at + size) * channels];
        chain
            .process(block)
            .unwrap_or_else(|e| panic!("a valid block of {size} frames was refused: {e:?}"));
        check_meters(&chain);
        at += size;
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let mut input = Carve::new(data);
    let (flags, more) = (input.u8(), input.u8());
    let rate = match input.u8() % 8 {
        i @ 0..=6 => RATES[usize::from(i)],
        _ => 8000.0 + f64::from(input.u32() % 184_001),
    };
    let channels = 1 + (more & 1);
    let first = config(&mut input, flags, rate, channels);
    let second = (more & 2 != 0).then(|| {
        let flags = input.u8();
        (config(&mut input, flags, rate, channels), input.unit())
    });
    let seeds = (input.u16(), input.u16());
    let repeat = 1 + usize::from(input.u8());
    let pattern = samples(&mut input);
    let frame_len = usize::from(channels);
    let frames = (pattern.len() * repeat / frame_len).min(MAX_FRAMES);
    if frames == 0 {
        return;
    }
    let signal: Vec<f32> = pattern.iter().copied().cycle().take(frames * frame_len).collect();
    let switch_at = second.as_ref().map(|(_, at)| (at * frames as f64) as usize);
    let cut = |seed: u16| -> Vec<usize> {
        match switch_at {
            Some(at) => {
                let mut sizes = partition(at, seed);
                sizes.extend(partition(frames - at, seed.wrapping_add(1)));
                sizes
            }
            None => partition(frames, seed),
        }
    };
    let (a, b) = (cut(seeds.0), cut(seeds.1.wrapping_add(0x5555)));
    let second = second.as_ref().zip(switch_at).map(|((config, _), at)| (config, at));
    let out_a = run(&first, second, &signal, &a);
    let out_b = run(&first, second, &signal, &b);

    for (frame, samples) in out_a.chunks_exact(frame_len).enumerate() {
        let config = match second {
            Some((config, at)) if frame >= at => config,
            _ => &first,
        };
        let limiter = &config.limiter;
        let ceiling = db_to_gain(limiter.ceiling_db) as f32;
        for &y in samples {
            assert!(y.is_finite(), "output frame {frame} is {y}");
            assert!(
                limiter.bypass || y.abs() <= ceiling,
                "output frame {frame} = {y} exceeds the ceiling {ceiling} ({} dBFS)",
                limiter.ceiling_db
            );
        }
    }
    if let Some(i) = out_a.iter().zip(&out_b).position(|(x, y)| x.to_bits() != y.to_bits()) {
        panic!(
            "block partitions give different output from sample {i}: {} vs {} (blocks {:?}... vs {:?}...)",
            out_a[i],
            out_b[i],
            &a[..a.len().min(8)],
            &b[..b.len().min(8)]
        );
    }
});
