//! The test programme and the "hot" configuration under which every stage of the chain
//! acts on it.

use edgemix_dsp::ChainConfig;
use serde_json::json;

use super::{from_db, ms, XorShift64, FS};

/// 3 s test programme: silence, a hiss floor, speech-like modulated noise bursts, a loud
/// transient section (drum-like decaying hits and a square burst up to +6 dBFS) that
/// drives the compressor and the limiter, and a fading tail into silence.
pub fn programme() -> Vec<f32> {
    let mut rng = XorShift64::new(0xC4A1_2024);
    let n = ms(3000.0, FS);
    let mut x = vec![0.0f32; n];
    let mut lp = 0.0f64; // one-pole low-pass to colour the "speech" noise
    let mut syllable_gain = 0.5;
    let mut hit_env = 0.0f64;
    for (i, v) in x.iter_mut().enumerate() {
        let t = i as f64 / FS;
        let white = rng.bipolar();
        lp += 0.3 * (white - lp);
        let s = if t < 0.4 {
            0.0
        } else if t < 0.6 {
            white * from_db(-70.0)
        } else if t < 1.8 {
            // ~4 syllables per second, each with its own loudness.
            let phase = (t * 4.3).fract();
            if phase < 0.01 {
                syllable_gain = 0.2 + 0.8 * rng.uniform();
            }
            let env = (std::f64::consts::PI * phase).sin().powi(2);
            lp * 0.35 * syllable_gain * env + white * from_db(-70.0)
        } else if t < 2.4 {
            if i % ms(75.0, FS) == 0 {
                hit_env = 1.0 + rng.uniform(); // up to +6 dBFS
            }
            hit_env *= (-1.0 / (0.02 * FS)).exp();
            let square = if (2.1..2.2).contains(&t) {
                if (i / 40) % 2 == 0 {
                    1.6
                } else {
                    -1.6
                }
            } else {
                0.0
            };
            white * hit_env + square
        } else {
            let fade = (1.0 - (t - 2.4) / 0.4).max(0.0);
            lp * 0.3 * fade
        };
        *v = s as f32;
    }
    x
}

/// A configuration under which every stage acts hard on [`programme`].
pub fn hot_config() -> ChainConfig {
    ChainConfig::from_json(&json!({
        "gate": { "thresholdDb": -45, "hysteresisDb": 4, "attackMs": 0.5, "holdMs": 20, "releaseMs": 60, "rangeDb": -80 },
        "compressor": { "thresholdDb": -30, "ratio": 8, "kneeDb": 0, "attackMs": 1, "releaseMs": 40, "makeupDb": 12 },
        "eq": { "lowGainDb": 6, "midFreqHz": 2000, "midGainDb": 9, "midQ": 3, "highGainDb": -6 },
        "limiter": { "ceilingDb": -3, "lookaheadMs": 1.3, "releaseMs": 25 }
    }))
    .expect("hot config is valid")
}
