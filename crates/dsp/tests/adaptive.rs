//! The adaptive chain: presets are valid at every rate, a genre switch is smoothed (no
//! sample-to-sample jump beyond what the un-switched chains produce, while an unsmoothed
//! switch does jump), the morph completes within `smoothingMs`, block-size invariance,
//! user-pinned parameters, the neutral fallback and the meters.

mod common;

use common::{in_blocks, ms, XorShift64, FS};
use edgemix_dsp::{
    ChainConfig, MixerChain, Preset, PresetDecision, ADAPTIVE_UPDATE_SAMPLES, PRESET_PARAMS,
};
use serde_json::{json, Value};

fn chain(config: Value) -> MixerChain {
    MixerChain::new(ChainConfig::from_json(&config).expect("valid test config")).unwrap()
}

fn decision(genre: Option<&'static str>) -> PresetDecision {
    PresetDecision {
        genre,
        confidence: if genre.is_some() { 0.9 } else { 0.3 },
    }
}

/// 4 s of programme: a 110 Hz tone and a 3 kHz tone in bursts (loud, medium, near
/// silence), with a noise floor, so gate, compressor and EQ all act.
fn programme() -> Vec<f32> {
    let mut rng = XorShift64::new(0xADA9);
    (0..ms(4000.0, FS))
        .map(|i| {
            let t = i as f64 / FS;
            let level = [0.7, 0.25, 0.002][(i / 6000) % 3];
            let tones = (std::f64::consts::TAU * 110.0 * t).sin()
                + 0.3 * (std::f64::consts::TAU * 3000.0 * t).sin();
            (level * tones + 2e-4 * rng.bipolar()) as f32
        })
        .collect()
}

fn max_jump(y: &[f32]) -> f32 {
    y.windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0, f32::max)
}

/// Processes `x` in 960-sample frames, handing `first` before the first frame and
/// `second` (if any) before frame `switch_frame`.
fn run(
    smoothing_ms: f64,
    first: &'static str,
    second: Option<(&'static str, usize)>,
    x: &[f32],
) -> (Vec<f32>, MixerChain) {
    let mut c = chain(json!({ "adaptive": { "enabled": true, "smoothingMs": smoothing_ms } }));
    c.set_decision(decision(Some(first)));
    let mut frame = 0;
    let y = in_blocks(x, &[960], |b| {
        if let Some((genre, at)) = second {
            if frame == at {
                c.set_decision(decision(Some(genre)));
            }
        }
        c.process(b).unwrap();
        frame += 1;
    });
    (y, c)
}

#[test]
fn every_preset_is_a_valid_configuration_at_every_rate() {
    for rate in [8000.0, 16_000.0, 44_100.0, 48_000.0, 192_000.0] {
        for preset in Preset::ALL {
            // The preset's values as a user's configuration document.
            let mut document = json!({ "sampleRate": rate });
            for (param, value) in PRESET_PARAMS.iter().zip(preset.values(rate)) {
                let (stage, key) = param.path.split_once('.').unwrap();
                document[stage][key] = json!(value);
            }
            ChainConfig::from_json(&document)
                .unwrap_or_else(|e| panic!("{preset:?} at {rate} Hz: {e}"));
        }
    }
    // The chain reaches them (decisions are taken on the update grid).
    for rate in [16_000.0, 44_100.0, 192_000.0] {
        let mut c =
            chain(json!({ "sampleRate": rate, "adaptive": true, "eq": { "highFreqHz": 3000 } }));
        c.set_decision(decision(Some("speech")));
        c.process(&mut vec![0.01f32; (rate * 1.2) as usize])
            .unwrap();
        assert_eq!(c.effective_config().gate.range_db, -30.0);
    }
}

#[test]
fn adaptive_needs_a_rate_the_classifier_runs_at() {
    let e = ChainConfig::from_json(
        &json!({ "sampleRate": 8000, "adaptive": true, "eq": { "highFreqHz": 3000 } }),
    )
    .unwrap_err();
    assert_eq!(e.param, "adaptive");
    assert!(e.message.contains("16000"), "{}", e.message);
}

#[test]
fn the_built_in_classifier_drives_the_presets() {
    // 12 s of a steady two-tone signal: the classifier decides after its first 3 s
    // window; whatever it decides, the meters and the preset follow it.
    let x: Vec<f32> = (0..ms(12_000.0, FS))
        .map(|i| {
            let t = i as f64 / FS;
            (0.2 * (std::f64::consts::TAU * 220.0 * t).sin()
                * (1.0 + (std::f64::consts::TAU * 2.0 * t).sin())) as f32
        })
        .collect();
    let mut c = chain(json!({ "adaptive": { "enabled": true, "smoothingMs": 200 } }));
    let mut reference =
        edgemix_dsp::genre::StreamingGenreClassifier::new(48_000, Default::default()).unwrap();
    let mut decided = false;
    in_blocks(&x, &[960], |b| {
        reference.push(b).unwrap();
        c.process(b).unwrap();
        let (m, d) = (c.meters().adaptive.unwrap(), reference.decision());
        assert_eq!(m.genre, d.genre.map(|g| g.as_str()));
        assert_eq!(m.genre_confidence, d.confidence);
        assert_eq!(m.preset, Preset::for_genre(m.genre).as_str());
        decided |= d.confidence > 0.0;
    });
    assert!(
        decided,
        "the classifier should have evaluated a window in 12 s"
    );
}

#[test]
fn a_genre_switch_has_no_zipper_noise_and_finishes_within_the_smoothing_time() {
    // Low tones at a steady level: the natural sample-to-sample steps are small, so any
    // jump from a parameter step stands out (speech → electronic changes the makeup by
    // 4 dB, the low shelf at 110 Hz by several dB, the gate and the compression).
    let x: Vec<f32> = (0..ms(3500.0, FS))
        .map(|i| {
            let t = i as f64 / FS;
            (0.3 * (std::f64::consts::TAU * 110.0 * t).sin()
                + 0.1 * (std::f64::consts::TAU * 220.0 * t).sin()) as f32
        })
        .collect();
    let switch = 100; // frames: at 2 s
    let smoothing = 200.0;
    let (a, _) = run(smoothing, "speech", None, &x);
    let (b, _) = run(smoothing, "electronic", None, &x);
    let (s, _) = run(smoothing, "speech", Some(("electronic", switch)), &x);
    let from = switch * 960;
    let to = from + ms(smoothing + 300.0, FS);
    // The bound: the largest sample-to-sample step either un-switched chain makes over the
    // same stretch of the same input, plus 1 % (the intermediate settings are not the
    // end points' but lie between them).
    let bound = max_jump(&a[from..to]).max(max_jump(&b[from..to]));
    let got = max_jump(&s[from..to]);
    println!("max |Δy| switched {got:.5}, un-switched bound {bound:.5}");
    assert!(got <= bound * 1.01 + 1e-5, "{got} > {bound}");
    assert_eq!(&s[..from], &a[..from], "identical before the switch");

    // The same switch without smoothing (a configuration change to the other preset's
    // values, as updateConfig does) jumps: the test can fail.
    let mut hard = chain(json!({ "adaptive": { "enabled": true, "smoothingMs": smoothing } }));
    hard.set_decision(decision(Some("speech")));
    let mut frame = 0;
    let h = in_blocks(&x, &[960], |blk| {
        if frame == switch {
            // Every managed parameter (gate, compressor and EQ values) copied at once.
            let mut target = hard.effective_config().clone();
            let mut reached = chain(json!({ "adaptive": true }));
            reached.set_decision(decision(Some("electronic")));
            reached.process(&mut vec![0.0; 96_000]).unwrap();
            target.adaptive = Default::default();
            target.gate = reached.effective_config().gate.clone();
            target.compressor = reached.effective_config().compressor.clone();
            target.eq = reached.effective_config().eq.clone();
            hard.configure(target).unwrap();
        }
        hard.process(blk).unwrap();
        frame += 1;
    });
    let hard_jump = max_jump(&h[from..to]);
    println!("max |Δy| with an unsmoothed switch {hard_jump:.5}");
    assert!(
        hard_jump > bound * 1.2,
        "an unsmoothed switch should jump: {hard_jump} vs {bound}"
    );
}

#[test]
fn the_morph_completes_within_the_smoothing_time() {
    for smoothing in [200.0, 1000.0] {
        let mut c = chain(json!({ "adaptive": { "enabled": true, "smoothingMs": smoothing } }));
        let mut block = vec![0.05f32; 960];
        c.process(&mut block).unwrap();
        assert!(
            !c.is_morphing(),
            "an adaptive chain starts settled at the neutral preset"
        );
        assert_eq!(c.meters().adaptive.unwrap().preset, "neutral");
        c.set_decision(decision(Some("rock")));
        let mut elapsed = 0;
        while {
            let mut one = [0.05f32; 32];
            c.process(&mut one).unwrap();
            elapsed += 32;
            c.is_morphing()
        } {
            assert_eq!(c.meters().adaptive.unwrap().preset, "rock");
            assert!(
                elapsed <= ms(smoothing, FS) + 32,
                "still morphing after {elapsed} samples"
            );
        }
        let steps = ms(smoothing, FS).div_ceil(ADAPTIVE_UPDATE_SAMPLES);
        assert!(
            elapsed + 2 * ADAPTIVE_UPDATE_SAMPLES >= steps * ADAPTIVE_UPDATE_SAMPLES,
            "finished early: {elapsed}"
        );
        // Settled exactly on the preset's values (see presets.rs), the limiter untouched.
        let eff = c.effective_config();
        assert_eq!(eff.compressor.ratio, 3.0);
        assert_eq!(eff.compressor.threshold_db, -18.0);
        assert_eq!(eff.eq.mid_freq_hz, 2500.0);
        assert_eq!(eff.gate.range_db, 0.0);
        assert_eq!(
            eff.limiter,
            ChainConfig::default().limiter,
            "the limiter is never a preset's"
        );
        assert_eq!(PRESET_PARAMS.len(), 15);
    }
}

#[test]
fn output_does_not_depend_on_the_block_size() {
    let x = programme();
    let decide_at = [
        (0usize, "speech"),
        (48_000, "jazz"),
        (96_000, "classical"),
        (144_000, "rock"),
    ];
    let process = |sizes: &[usize]| {
        let mut c = chain(json!({ "adaptive": { "enabled": true, "smoothingMs": 300 } }));
        let mut pos = 0;
        in_blocks(&x, sizes, |b| {
            if let Some(&(_, genre)) = decide_at.iter().find(|(at, _)| *at == pos) {
                c.set_decision(decision(Some(genre)));
            }
            c.process(b).unwrap();
            pos += b.len();
        })
    };
    let reference = process(&[960]);
    // Every pattern's blocks start at the decision positions (multiples of 48 000).
    for sizes in [
        vec![480],
        vec![32],
        vec![4800, 960, 2880, 1920, 960, 4800, 9600, 960, 96, 21_024],
    ] {
        let got = process(&sizes);
        assert!(
            got.iter()
                .zip(&reference)
                .all(|(p, q)| p.to_bits() == q.to_bits()),
            "blocks {sizes:?}"
        );
    }
}

#[test]
fn explicit_user_values_win_over_presets() {
    let mut c = chain(
        json!({ "adaptive": { "enabled": true, "smoothingMs": 200 }, "compressor": { "ratio": 10 } }),
    );
    c.set_decision(decision(Some("speech")));
    let mut block = vec![0.05f32; 48_000];
    c.process(&mut block).unwrap();
    let eff = c.effective_config();
    assert_eq!(eff.compressor.ratio, 10.0, "pinned by the constructor");
    assert_eq!(eff.compressor.threshold_db, -24.0, "the speech preset's");
    assert_eq!(eff.gate.range_db, -30.0, "the speech preset's gate");
    // A later update pins what it names, and keeps the earlier pins.
    let next = c
        .config()
        .merged(&json!({ "eq": { "midGainDb": 0 }, "limiter": { "ceilingDb": -2 } }))
        .unwrap();
    c.configure(next).unwrap();
    c.process(&mut block).unwrap();
    let eff = c.effective_config();
    assert_eq!(eff.eq.mid_gain_db, 0.0);
    assert_eq!(eff.eq.mid_freq_hz, 4000.0, "unpinned: still the preset's");
    assert_eq!(eff.compressor.ratio, 10.0);
    assert_eq!(eff.limiter.ceiling_db, -2.0);
    // Turning adaptive off returns to the configured values.
    let off = c.config().merged(&json!({ "adaptive": false })).unwrap();
    c.configure(off).unwrap();
    assert_eq!(c.effective_config().eq.mid_freq_hz, 3000.0);
    assert!(
        c.meters().adaptive.is_some(),
        "meters are those of the last block"
    );
    c.process(&mut block).unwrap();
    assert!(c.meters().adaptive.is_none());
}

#[test]
fn unconfident_decisions_select_the_neutral_preset_and_meters_report_them() {
    let mut c = chain(json!({ "adaptive": { "enabled": true, "smoothingMs": 200 } }));
    c.set_decision(decision(Some("jazz")));
    let mut block = vec![0.05f32; 48_000];
    c.process(&mut block).unwrap();
    let m = c.meters().adaptive.unwrap();
    assert_eq!((m.genre, m.preset), (Some("jazz"), "jazz"));
    assert!((m.genre_confidence - 0.9).abs() < 1e-6);
    c.set_decision(decision(None));
    c.process(&mut block).unwrap();
    let m = c.meters().adaptive.unwrap();
    assert_eq!((m.genre, m.preset), (None, "neutral"));
    let json = serde_json::to_value(c.meters()).unwrap();
    assert_eq!(json["preset"], "neutral");
    assert_eq!(json["genre"], Value::Null);
    assert!((json["genreConfidence"].as_f64().unwrap() - 0.3).abs() < 1e-6);
}

#[test]
fn adaptive_settings_are_validated() {
    let bad = |v: Value| ChainConfig::from_json(&v).unwrap_err();
    assert_eq!(
        bad(json!({ "adaptive": { "smoothingMs": 100 } })).param,
        "adaptive.smoothingMs"
    );
    assert_eq!(
        bad(json!({ "adaptive": { "smoothingMs": 6000 } })).param,
        "adaptive.smoothingMs"
    );
    assert_eq!(
        bad(json!({ "adaptive": { "enable": true } })).param,
        "adaptive.enable"
    );
    let e = bad(json!({ "adaptive": "yes" }));
    assert_eq!(e.param, "adaptive");
    assert!(
        e.message.contains("true, false or an object"),
        "{}",
        e.message
    );
    assert!(ChainConfig::from_json(&json!({ "adaptive": true }))
        .unwrap()
        .adaptive
        .enabled());
}

#[test]
fn a_new_smoothing_time_mid_morph_still_ends_on_the_preset() {
    let mut c = chain(json!({ "adaptive": { "enabled": true, "smoothingMs": 5000 } }));
    c.set_decision(decision(Some("speech")));
    let mut block = vec![0.05f32; 9600];
    c.process(&mut block).unwrap();
    assert!(c.is_morphing());
    let shorter = c
        .config()
        .merged(&json!({ "adaptive": { "smoothingMs": 200 } }))
        .unwrap();
    c.configure(shorter).unwrap();
    c.process(&mut block).unwrap();
    assert!(!c.is_morphing());
    assert_eq!(c.effective_config().compressor.ratio, 4.0);
    assert_eq!(c.effective_config().gate.range_db, -30.0);
}

/// Found by fuzzing: a stereo adaptive chain refused a block of finite samples near
/// ±f32::MAX after processing part of it, because its mono mixdown for the classifier
/// summed the channels before halving them (f32::MAX + f32::MAX is infinite).
#[test]
fn stereo_adaptive_accepts_samples_up_to_f32_max() {
    let config = json!({ "channels": 2, "adaptive": true });
    let mut c = chain(config.clone());
    let mut block: Vec<f32> = (0..2 * 960)
        .map(|i| if i % 3 == 0 { f32::MAX } else { -f32::MAX })
        .collect();
    assert_eq!(c.process(&mut block), Ok(()));
    assert!(block.iter().all(|x| x.is_finite()), "the output is finite");
    // And the chain goes on with ordinary audio.
    let mut after: Vec<f32> = programme().iter().take(2 * 960).copied().collect();
    assert_eq!(c.process(&mut after), Ok(()));
    assert!(after.iter().all(|x| x.is_finite()));
}
