//! The whole mixer chain: block-size invariance, exact delay when everything is bypassed,
//! the limiter ceiling, rejection of bad audio without side effects, and the JSON
//! configuration (unknown keys, ranges, types, merging, latency).

mod common;

use common::programme::{hot_config, programme};
use common::{from_db, in_blocks, irregular_sizes, ms, peak, white_noise, FS};
use edgemix_dsp::{AudioError, ChainConfig, MixerChain};
use serde_json::json;

fn chain(config: ChainConfig) -> MixerChain {
    MixerChain::new(config).expect("test config is valid")
}

fn process_in(config: &ChainConfig, input: &[f32], sizes: &[usize]) -> Vec<f32> {
    let mut c = chain(config.clone());
    in_blocks(input, sizes, |b| c.process(b).expect("valid block"))
}

fn assert_same(a: &[f32], b: &[f32], what: &str) {
    assert_eq!(a.len(), b.len());
    let max_diff = a
        .iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0f32, f32::max);
    assert!(
        max_diff <= 1e-6,
        "{what}: outputs differ by up to {max_diff}"
    );
    let first = a
        .iter()
        .zip(b)
        .position(|(x, y)| x.to_bits() != y.to_bits());
    assert!(
        first.is_none(),
        "{what}: not bit-identical from sample {first:?} (max diff {max_diff})"
    );
}

#[test]
fn output_does_not_depend_on_the_block_size() {
    let input = programme();
    for config in [ChainConfig::default(), hot_config()] {
        let whole = process_in(&config, &input, &[input.len()]);
        // The programme really exercises the chain: every stage acts somewhere.
        let mut c = chain(config.clone());
        let (mut gate_closed, mut gate_opened, mut comp, mut lim) = (false, false, 0.0f64, 0.0f64);
        in_blocks(&input, &[960], |b| {
            c.process(b).unwrap();
            let m = c.meters();
            gate_closed |= !m.gate_open;
            gate_opened |= m.gate_open;
            comp = comp.max(m.compressor_reduction_db);
            lim = lim.max(m.limiter_reduction_db);
        });
        assert!(
            gate_closed && gate_opened,
            "the gate should both close and open"
        );
        assert!(comp > 3.0, "compressor reduction only {comp} dB");
        assert!(lim > 1.0, "limiter reduction only {lim} dB");
        for (sizes, what) in [
            (vec![960], "960-sample frames"),
            (vec![37], "37-sample blocks"),
            (vec![1], "1-sample blocks"),
            (irregular_sizes(101, 2000, 5), "irregular blocks"),
        ] {
            assert_same(&whole, &process_in(&config, &input, &sizes), what);
        }
    }
}

#[test]
fn all_stages_bypassed_is_an_exact_delay_of_the_latency() {
    let mut input = programme();
    input.extend(white_noise(ms(200.0, FS), 4.0, 77)); // well above any ceiling
    for lookahead in [0.0, 5.0, 20.0] {
        let config = ChainConfig::from_json(&json!({
            "gate": { "bypass": true },
            "compressor": { "bypass": true },
            "eq": { "bypass": true },
            "limiter": { "bypass": true, "lookaheadMs": lookahead }
        }))
        .unwrap();
        let c = chain(config.clone());
        let latency = c.latency_samples();
        assert_eq!(latency, (lookahead * FS / 1000.0).round() as usize);
        let out = process_in(&config, &input, &irregular_sizes(40, 3000, 6));
        for n in 0..out.len() {
            let expected = if n < latency {
                0.0f32
            } else {
                input[n - latency]
            };
            assert_eq!(
                out[n].to_bits(),
                expected.to_bits(),
                "lookahead {lookahead}: sample {n}"
            );
        }
    }
}

#[test]
fn loud_input_never_exceeds_the_limiter_ceiling() {
    let n = ms(2000.0, FS);
    let mut loud = white_noise(n / 2, 15.85, 88); // +24 dBFS noise
    loud.extend((0..n / 2).map(|i| if (i / 97) % 2 == 0 { 15.85f32 } else { -15.85 })); // square
    for spike in (1000..n).step_by(7919) {
        loud[spike] = if spike % 2 == 0 { 16.0 } else { -16.0 };
    }
    let mut programme_hot: Vec<f32> = programme().iter().map(|x| x * 8.0).collect();
    programme_hot.extend(loud);
    for config in [ChainConfig::default(), hot_config(), {
        let mut c = ChainConfig::default();
        c.limiter.ceiling_db = -6.0;
        c.limiter.lookahead_ms = 0.0;
        c.eq.high_gain_db = 24.0;
        c.compressor.bypass = true;
        c
    }] {
        let ceiling = from_db(config.limiter.ceiling_db) as f32;
        let out = process_in(&config, &programme_hot, &irregular_sizes(50, 1500, 9));
        for (i, y) in out.iter().enumerate() {
            assert!(
                y.abs() <= ceiling,
                "ceiling {} dBFS: sample {i} = {y}",
                config.limiter.ceiling_db
            );
        }
        assert!(
            peak(&out) >= 0.9 * ceiling,
            "output peak {} far below the ceiling {ceiling}",
            peak(&out)
        );
    }
}

#[test]
fn empty_and_non_finite_blocks_are_rejected_with_the_sample_index() {
    let mut c = chain(ChainConfig::default());
    assert_eq!(c.process(&mut []), Err(AudioError::Empty));
    let cases: [(usize, f32); 5] = [
        (5, f32::NAN),
        (0, f32::INFINITY),
        (959, f32::NEG_INFINITY),
        (37, -f32::NAN),
        (480, f32::NAN),
    ];
    for (index, bad) in cases {
        let mut block = white_noise(960, 0.5, index as u64 + 1);
        block[index] = bad;
        match c.process(&mut block) {
            Err(AudioError::NonFinite { index: i, value }) => {
                assert_eq!(i, index, "reported index");
                assert!(
                    value.to_bits() == bad.to_bits() || (value.is_nan() && bad.is_nan()),
                    "reported value {value}"
                );
            }
            other => panic!("{bad} at {index}: expected NonFinite, got {other:?}"),
        }
    }
    // Several bad samples: the first one is reported.
    let mut block = vec![0.1f32; 100];
    block[70] = f32::NAN;
    block[30] = f32::INFINITY;
    assert!(matches!(
        c.process(&mut block),
        Err(AudioError::NonFinite { index: 30, .. })
    ));
    // Large but finite samples are accepted.
    let mut block = vec![f32::MAX, f32::MIN, 1e30, -1e-45];
    assert_eq!(c.process(&mut block), Ok(()));
}

#[test]
fn a_rejected_block_leaves_the_chain_and_the_block_untouched() {
    let input = programme();
    // Split at a busy moment (inside the loud section) so every stage has live state.
    let split = ms(2030.0, FS);
    let (first, second) = input.split_at(split);
    for config in [ChainConfig::default(), hot_config()] {
        let mut reference = chain(config.clone());
        let mut a = first.to_vec();
        reference.process(&mut a).unwrap();
        let mut b = second.to_vec();
        reference.process(&mut b).unwrap();

        for (index, bad) in [
            (959usize, f32::NAN),
            (500, f32::INFINITY),
            (0, f32::NEG_INFINITY),
        ] {
            let mut tested = chain(config.clone());
            let mut a2 = first.to_vec();
            tested.process(&mut a2).unwrap();
            let meters_before = tested.meters();
            // A loud block that is bad only at `index`.
            let mut bad_block = white_noise(960, 3.0, 99);
            bad_block[index] = bad;
            let original = bad_block.clone();
            assert!(tested.process(&mut bad_block).is_err());
            assert!(tested.process(&mut []).is_err());
            assert!(
                bad_block
                    .iter()
                    .zip(&original)
                    .all(|(x, y)| x.to_bits() == y.to_bits()),
                "the rejected block was modified"
            );
            assert_eq!(
                tested.meters(),
                meters_before,
                "the meters changed on a rejected block"
            );
            let mut b2 = second.to_vec();
            tested.process(&mut b2).unwrap();
            assert_same(&b, &b2, &format!("after rejecting {bad} at {index}"));
        }
    }
}

// ---- configuration -------------------------------------------------------------------

#[test]
fn omitted_keys_take_their_defaults_and_latency_is_the_lookahead() {
    assert_eq!(
        ChainConfig::from_json(&json!({})).unwrap(),
        ChainConfig::default()
    );
    let c = ChainConfig::from_json(&json!({ "compressor": { "ratio": 4 } })).unwrap();
    assert_eq!(c.compressor.ratio, 4.0);
    assert_eq!(
        c.compressor.threshold_db,
        ChainConfig::default().compressor.threshold_db
    );
    assert_eq!(c.gate, ChainConfig::default().gate);

    // 5 ms at 48 kHz = 240 samples, for the config and for the running chain.
    let default = ChainConfig::default();
    assert_eq!(default.limiter.lookahead_ms, 5.0);
    assert_eq!(default.sample_rate, 48_000.0);
    assert_eq!(default.latency_samples(), 240);
    assert_eq!(chain(default).latency_samples(), 240);
    for (rate, lookahead, expected) in [
        (48_000.0, 20.0, 960),
        (96_000.0, 5.0, 480),
        (44_100.0, 1.0, 44),
        (48_000.0, 0.0, 0),
    ] {
        let c = ChainConfig::from_json(
            &json!({ "sampleRate": rate, "limiter": { "lookaheadMs": lookahead } }),
        )
        .unwrap();
        assert_eq!(c.latency_samples(), expected, "{lookahead} ms at {rate} Hz");
        assert_eq!(chain(c).latency_samples(), expected);
    }
}

#[test]
fn unknown_keys_are_rejected_with_their_dotted_path() {
    for (value, path) in [
        (json!({ "bogus": 1 }), "bogus"),
        (
            json!({ "compressor": { "ratio": 4, "rattio": 4 } }),
            "compressor.rattio",
        ),
        (json!({ "gate": { "threshold": -40 } }), "gate.threshold"),
        (json!({ "eq": { "low_gain_db": 3 } }), "eq.low_gain_db"),
        (
            json!({ "limiter": { "ceilingDb": -1, "extra": {} } }),
            "limiter.extra",
        ),
    ] {
        let err = ChainConfig::from_json(&value).expect_err("unknown key accepted");
        assert_eq!(err.param, path, "param for {value}");
        assert!(
            err.message.contains(path),
            "message {:?} does not name {path}",
            err.message
        );
        let err = ChainConfig::default()
            .merged(&value)
            .expect_err("unknown key accepted by merged");
        assert_eq!(err.param, path);
        assert!(
            err.message.contains(path),
            "message {:?} does not name {path}",
            err.message
        );
    }
}

#[test]
fn out_of_range_values_are_rejected_naming_the_parameter_and_its_range() {
    // Ranges as documented on the config structs.
    for (value, path, range) in [
        (
            json!({ "sampleRate": 4000 }),
            "sampleRate",
            "8000 to 192000",
        ),
        (
            json!({ "gate": { "thresholdDb": -100 } }),
            "gate.thresholdDb",
            "-96 to 0",
        ),
        (
            json!({ "gate": { "hysteresisDb": 30 } }),
            "gate.hysteresisDb",
            "0 to 24",
        ),
        (
            json!({ "gate": { "holdMs": 6000 } }),
            "gate.holdMs",
            "0 to 5000",
        ),
        (
            json!({ "gate": { "rangeDb": 1 } }),
            "gate.rangeDb",
            "-96 to 0",
        ),
        (
            json!({ "compressor": { "thresholdDb": 3 } }),
            "compressor.thresholdDb",
            "-60 to 0",
        ),
        (
            json!({ "compressor": { "ratio": 200 } }),
            "compressor.ratio",
            "1 to 100",
        ),
        (
            json!({ "compressor": { "ratio": 0.5 } }),
            "compressor.ratio",
            "1 to 100",
        ),
        (
            json!({ "compressor": { "kneeDb": -1 } }),
            "compressor.kneeDb",
            "0 to 24",
        ),
        (
            json!({ "compressor": { "attackMs": 501 } }),
            "compressor.attackMs",
            "0 to 500",
        ),
        (
            json!({ "compressor": { "releaseMs": 0 } }),
            "compressor.releaseMs",
            "1 to 5000",
        ),
        (
            json!({ "compressor": { "makeupDb": 25 } }),
            "compressor.makeupDb",
            "-24 to 24",
        ),
        (
            json!({ "eq": { "lowFreqHz": 10 } }),
            "eq.lowFreqHz",
            "20 to 2000",
        ),
        (json!({ "eq": { "midQ": 0.05 } }), "eq.midQ", "0.1 to 10"),
        (
            json!({ "eq": { "highGainDb": -30 } }),
            "eq.highGainDb",
            "-24 to 24",
        ),
        (
            json!({ "limiter": { "ceilingDb": -30 } }),
            "limiter.ceilingDb",
            "-24 to 0",
        ),
        (
            json!({ "limiter": { "lookaheadMs": 25 } }),
            "limiter.lookaheadMs",
            "0 to 20",
        ),
        (
            json!({ "limiter": { "releaseMs": 0.5 } }),
            "limiter.releaseMs",
            "1 to 5000",
        ),
    ] {
        for err in [
            ChainConfig::from_json(&value).expect_err("out-of-range value accepted"),
            ChainConfig::default()
                .merged(&value)
                .expect_err("out-of-range value accepted by merged"),
        ] {
            assert_eq!(err.param, path, "param for {value}");
            assert!(
                err.message.contains(path),
                "message {:?} does not name {path}",
                err.message
            );
            assert!(
                err.message.contains(range),
                "message {:?} does not give the range {range}",
                err.message
            );
        }
    }
}

#[test]
fn wrong_types_are_rejected() {
    for (value, path) in [
        (
            json!({ "compressor": { "ratio": "4" } }),
            "compressor.ratio",
        ),
        (json!({ "gate": { "bypass": "yes" } }), "gate.bypass"),
        (json!({ "sampleRate": [48000] }), "sampleRate"),
        (json!({ "eq": 5 }), "eq"),
        (
            json!({ "limiter": { "ceilingDb": null } }),
            "limiter.ceilingDb",
        ),
    ] {
        let err = ChainConfig::from_json(&value).expect_err("wrong type accepted");
        assert_eq!(err.param, path, "param for {value}");
        assert!(
            err.message.contains(path),
            "message {:?} does not name {path}",
            err.message
        );
        assert!(
            ChainConfig::default().merged(&value).is_err(),
            "merged accepted {value}"
        );
    }
    assert!(ChainConfig::from_json(&json!([1, 2])).is_err());
    assert!(ChainConfig::from_json(&json!("config")).is_err());
    assert!(ChainConfig::default().merged(&json!(3)).is_err());
    assert!(ChainConfig::default().merged(&json!(null)).is_err());
}

#[test]
fn merged_merges_key_by_key_and_a_failed_merge_changes_nothing() {
    let base = ChainConfig::default()
        .merged(&json!({ "compressor": { "thresholdDb": -30 }, "limiter": { "ceilingDb": -2 } }))
        .unwrap();
    assert_eq!(base.compressor.threshold_db, -30.0);
    assert_eq!(base.limiter.ceiling_db, -2.0);
    let before = base.clone();

    // Success: only the given key changes; its siblings keep their values.
    let next = base
        .merged(&json!({ "compressor": { "ratio": 6 } }))
        .unwrap();
    assert_eq!(next.compressor.ratio, 6.0);
    assert_eq!(next.compressor.threshold_db, -30.0);
    assert_eq!(next.limiter, base.limiter);
    assert_eq!(base, before);

    // Failures: a mix of valid and invalid keys changes nothing at all.
    for bad in [
        json!({ "compressor": { "ratio": 6, "bogus": 1 } }),
        json!({ "compressor": { "ratio": 6 }, "limiter": { "ceilingDb": 3 } }),
        json!({ "gate": { "thresholdDb": "loud" } }),
        json!({ "sampleRate": 16000 }), // default eq.highFreqHz 8000 is ≥ 0.49 × 16000
        json!(42),
    ] {
        assert!(base.merged(&bad).is_err(), "{bad} accepted");
        assert_eq!(base, before, "a failed merge of {bad} changed the config");
    }

    // A chain keeps its configuration when `configure` is refused.
    let mut c = chain(base.clone());
    let mut bad = base.clone();
    bad.compressor.ratio = 1000.0;
    assert!(c.configure(bad).is_err());
    assert_eq!(c.config(), &before);
}

#[test]
fn eq_frequencies_must_stay_below_049_of_the_sample_rate() {
    // Defaults (highFreqHz 8000) do not fit 16 kHz: 0.49 × 16000 = 7840.
    let err = ChainConfig::from_json(&json!({ "sampleRate": 16000 })).unwrap_err();
    assert_eq!(err.param, "eq.highFreqHz");
    assert!(err.message.contains("eq.highFreqHz"), "{}", err.message);
    assert!(MixerChain::new(ChainConfig {
        sample_rate: 16_000.0,
        ..ChainConfig::default()
    })
    .is_err());

    for (rate, key, other) in [
        (20_000.0, "highFreqHz", json!({})),
        (8_000.0, "midFreqHz", json!({ "highFreqHz": 3000 })),
        (8_000.0, "highFreqHz", json!({ "midFreqHz": 1000 })),
    ] {
        let limit = 0.49 * rate;
        let eq_with = |f: f64| {
            let mut eq = other.clone();
            eq[key] = json!(f);
            json!({ "sampleRate": rate, "eq": eq })
        };
        for f in [limit, limit + 0.5, limit * 1.5] {
            match ChainConfig::from_json(&eq_with(f)) {
                Err(e) => assert_eq!(e.param, format!("eq.{key}"), "{f} Hz at {rate} Hz"),
                Ok(_) => panic!("eq.{key} = {f} Hz accepted at {rate} Hz (limit {limit})"),
            }
        }
        assert!(
            ChainConfig::from_json(&eq_with(limit - 1.0)).is_ok(),
            "eq.{key} just below the limit at {rate} Hz"
        );
    }
    // The low shelf is bounded by its own range long before Nyquist.
    assert!(ChainConfig::from_json(
        &json!({ "sampleRate": 8000, "eq": { "highFreqHz": 3000, "lowFreqHz": 2000 } })
    )
    .is_ok());
}
