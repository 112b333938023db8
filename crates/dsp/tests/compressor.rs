//! Compressor: static curve against the Giannoulis–Massberg–Reiss soft-knee gain
//! computer, makeup gain, and the attack/release time constants (63.2 % convention).

mod common;

use common::{from_db, ms, peak, sine, to_db, FS};
use edgemix_dsp::{Compressor, CompressorConfig};

/// Gain reduction (dB, ≥ 0) of the Giannoulis et al. (2012) gain computer with threshold
/// `t`, ratio `r` and knee width `w`, written out independently of the crate:
///   y = x                                  2(x − T) < −W
///   y = x + (1/R − 1)(x − T + W/2)² / 2W   |2(x − T)| ≤ W
///   y = T + (x − T)/R                      2(x − T) > W
fn giannoulis_reduction(x: f64, t: f64, r: f64, w: f64) -> f64 {
    let y = if 2.0 * (x - t) < -w {
        x
    } else if w > 0.0 && 2.0 * (x - t).abs() <= w {
        x + (1.0 / r - 1.0) * (x - t + w / 2.0).powi(2) / (2.0 * w)
    } else if x <= t {
        x // hard knee, at or below the threshold
    } else {
        t + (x - t) / r
    };
    x - y
}

fn config(
    threshold: f64,
    ratio: f64,
    knee: f64,
    attack: f64,
    release: f64,
    makeup: f64,
) -> CompressorConfig {
    let c = CompressorConfig {
        bypass: false,
        threshold_db: threshold,
        ratio,
        knee_db: knee,
        attack_ms: attack,
        release_ms: release,
        makeup_db: makeup,
    };
    c.validate().expect("test config is valid");
    c
}

/// Peak level (dBFS) of the compressor's output over the last 100 ms of a 0.5 s, 1 kHz
/// sine with peak `level_db`. 48 samples per period from phase 0: the crest is sampled
/// exactly, and with an instant attack the crest sample gets exactly the static gain.
fn settled_output_peak_db(cfg: &CompressorConfig, level_db: f64) -> f64 {
    let mut comp = Compressor::new(cfg, FS);
    let mut x = sine(ms(500.0, FS), 1000.0, FS, from_db(level_db));
    comp.process(&mut x);
    let tail = &x[x.len() - ms(100.0, FS)..];
    to_db(f64::from(peak(tail)))
}

fn levels() -> impl Iterator<Item = f64> {
    (0..=20).map(|i| -40.0 + 2.0 * f64::from(i))
}

#[test]
fn static_curve_matches_the_soft_knee_formula_for_a_settled_sine() {
    let mut failures = Vec::new();
    for (t, r, w) in [
        (-20.0, 4.0, 6.0),
        (-20.0, 4.0, 0.0),
        (-20.0, 2.0, 6.0),
        (-20.0, 10.0, 12.0),
        (-30.0, 1.5, 24.0),
    ] {
        let cfg = config(t, r, w, 0.0, 1000.0, 0.0);
        for level in levels() {
            let measured = settled_output_peak_db(&cfg, level);
            let expected = level - giannoulis_reduction(level, t, r, w);
            if (measured - expected).abs() > 0.1 || !measured.is_finite() {
                failures.push(format!(
                    "T {t} R {r} W {w}, level {level} dBFS: out {measured:.4} dBFS, expected {expected:.4}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn static_curve_compresses_where_it_should() {
    // Sanity on the reference itself, so a wrong reference cannot make the test above
    // trivially pass: 4:1 above a hard knee at −20 maps 0 dBFS to −15 dBFS, and the soft
    // knee centre (x = T) is reduced by (1 − 1/R)·W/8.
    assert!((giannoulis_reduction(0.0, -20.0, 4.0, 0.0) - 15.0).abs() < 1e-12);
    assert!((giannoulis_reduction(-20.0, -20.0, 4.0, 6.0) - 0.75 * 6.0 / 8.0).abs() < 1e-12);
    assert_eq!(giannoulis_reduction(-23.0, -20.0, 4.0, 6.0), 0.0);
    // The measured curve: 0 dBFS through 4:1 at −20 comes out 15 dB down.
    let out = settled_output_peak_db(&config(-20.0, 4.0, 0.0, 0.0, 1000.0, 0.0), 0.0);
    assert!((out - -15.0).abs() < 0.1, "0 dBFS -> {out} dBFS");
}

#[test]
fn makeup_gain_adds_exactly() {
    let (t, r, w) = (-20.0, 4.0, 6.0);
    let plain = config(t, r, w, 0.0, 1000.0, 0.0);
    let lifted = config(t, r, w, 0.0, 1000.0, 6.0);
    for level in levels() {
        let a = settled_output_peak_db(&plain, level);
        let b = settled_output_peak_db(&lifted, level);
        let expected = level - giannoulis_reduction(level, t, r, w) + 6.0;
        assert!(
            (b - expected).abs() <= 0.1,
            "level {level}: out {b:.4} dBFS, expected {expected:.4}"
        );
        assert!(
            (b - a - 6.0).abs() <= 1e-3,
            "level {level}: makeup added {:.5} dB instead of 6",
            b - a
        );
    }
}

/// Feeds constant `amplitude` through a fresh compressor and checks every output sample
/// against the curve; then checks the detector returns to exact unity gain on a quiet
/// signal (no stuck NaN or infinite reduction).
fn check_constant_input(cfg: &CompressorConfig, amplitude: f32) {
    let (t, r, w) = (cfg.threshold_db, cfg.ratio, cfg.knee_db);
    let mut comp = Compressor::new(cfg, FS);
    let mut x = vec![amplitude; 70];
    comp.process(&mut x);
    let expected = -giannoulis_reduction(to_db(f64::from(amplitude)), t, r, w);
    for &y in &x {
        let gain = to_db(f64::from(y) / f64::from(amplitude));
        assert!(
            y.is_finite() && (gain - expected).abs() <= 0.1,
            "T {t} R {r} W {w}: input {amplitude:e} gave {y:e} (gain {gain} dB, expected {expected})"
        );
    }
    let quiet_level = from_db(t - w / 2.0 - 20.0) as f32; // 20 dB under the knee
    let mut quiet = vec![quiet_level; ms(200.0, FS)];
    comp.process(&mut quiet);
    assert_eq!(
        *quiet.last().unwrap(),
        quiet_level,
        "T {t} W {w}: no return to unity after {amplitude:e}"
    );
}

/// `count` f32 values stepping one ulp at a time, starting `below` ulps under `centre`.
fn ulps_around(centre: f32, below: u32, count: u32) -> impl Iterator<Item = f32> {
    (0..count).map(move |i| f32::from_bits(centre.to_bits() - below + i))
}

#[test]
fn static_curve_is_well_behaved_at_the_knee_edges_sample_by_sample() {
    // Constant inputs stepping one f32 ulp at a time across a hard-knee threshold (every
    // 0.5 dB from −60 to 0 dBFS) and across both edges and the centre of soft knees:
    // every output must be finite and on the curve (a 0/0 or x/0 in the knee branch
    // would show here), and the detector must come back to unity gain afterwards.
    for i in 0..=120 {
        let t = -60.0 + 0.5 * f64::from(i);
        let cfg = config(t, 4.0, 0.0, 0.0, 10.0, 0.0);
        for amplitude in ulps_around(from_db(t) as f32, 6, 16) {
            check_constant_input(&cfg, amplitude);
        }
    }
    for (t, r, w) in [
        (-20.0, 4.0, 6.0),
        (-6.0, 100.0, 0.5),
        (-40.0, 2.0, 10.0),
        (-1.0, 20.0, 2.0),
    ] {
        let cfg = config(t, r, w, 0.0, 10.0, 0.0);
        for edge_db in [t - w / 2.0, t, t + w / 2.0] {
            for amplitude in ulps_around(from_db(edge_db) as f32, 40, 80) {
                check_constant_input(&cfg, amplitude);
            }
        }
    }
}

#[test]
fn signals_below_the_knee_pass_unchanged() {
    let cfg = config(-20.0, 4.0, 6.0, 5.0, 100.0, 0.0);
    let mut comp = Compressor::new(&cfg, FS);
    let input = sine(ms(200.0, FS), 440.0, FS, from_db(-23.5));
    let mut x = input.clone();
    comp.process(&mut x);
    assert_eq!(x, input);
}

/// Attack/release measurement with DC steps: −40 dBFS for 100 ms, 0 dBFS for 500 ms,
/// −40 dBFS for 1.5 s. Returns (attack time, release time) in ms.
fn measure_time_constants(attack_ms: f64, release_ms: f64) -> (f64, f64) {
    let cfg = config(-20.0, 4.0, 0.0, attack_ms, release_ms, 0.0);
    let (quiet, loud) = (0.01f32, 1.0f32);
    let (n1, n2, n3) = (ms(100.0, FS), ms(500.0, FS), ms(1500.0, FS));
    let mut input = vec![quiet; n1];
    input.extend(std::iter::repeat_n(loud, n2));
    input.extend(std::iter::repeat_n(quiet, n3));
    let mut output = input.clone();
    Compressor::new(&cfg, FS).process(&mut output);
    let gr: Vec<f64> = input
        .iter()
        .zip(&output)
        .map(|(&i, &o)| to_db(f64::from(i) / f64::from(o)))
        .collect();

    assert!(
        gr[..n1].iter().all(|&g| g.abs() < 1e-9),
        "reduction before the step"
    );
    let final_gr = gr[n1 + n2 - 1];
    assert!(
        (final_gr - 15.0).abs() < 0.1,
        "settled reduction {final_gr} dB, expected 15 (0 dBFS at 4:1 over -20)"
    );
    let attack_n = gr[n1..]
        .iter()
        .position(|&g| g >= (1.0 - (-1f64).exp()) * final_gr)
        .expect("reduction reaches 63.2 %");
    let at_step = final_gr;
    let release_n = gr[n1 + n2..]
        .iter()
        .position(|&g| g <= (-1f64).exp() * at_step)
        .expect("reduction falls to 36.8 %");
    // Monotonic approach in both phases (no overshoot or ringing).
    assert!(
        gr[n1..n1 + n2].windows(2).all(|p| p[1] >= p[0] - 1e-4),
        "attack is not monotonic"
    );
    assert!(
        gr[n1 + n2..].windows(2).all(|p| p[1] <= p[0] + 1e-4),
        "release is not monotonic"
    );
    (
        attack_n as f64 * 1000.0 / FS,
        release_n as f64 * 1000.0 / FS,
    )
}

#[test]
fn attack_and_release_time_constants_follow_the_63_percent_convention() {
    for (attack, release) in [(10.0, 100.0), (2.0, 300.0), (50.0, 1000.0), (1.0, 20.0)] {
        let (a, r) = measure_time_constants(attack, release);
        assert!(
            (a - attack).abs() <= 0.1 * attack,
            "attack {attack} ms measured as {a:.3} ms"
        );
        assert!(
            (r - release).abs() <= 0.1 * release,
            "release {release} ms measured as {r:.3} ms"
        );
    }
}

#[test]
fn zero_attack_is_instant() {
    let cfg = config(-20.0, 4.0, 0.0, 0.0, 100.0, 0.0);
    let mut x = vec![0.01f32; 100];
    x.extend(std::iter::repeat_n(1.0f32, 10));
    Compressor::new(&cfg, FS).process(&mut x);
    let first_loud = to_db(f64::from(x[100]));
    assert!(
        (first_loud - -15.0).abs() < 0.01,
        "first loud sample at {first_loud} dBFS, expected -15"
    );
}

#[test]
fn block_size_does_not_change_the_output() {
    let cfg = config(-30.0, 6.0, 6.0, 3.0, 80.0, 4.0);
    let mut input = common::white_noise(ms(300.0, FS), 0.05, 7);
    input.extend(common::white_noise(ms(300.0, FS), 0.9, 8));
    input.extend(common::white_noise(ms(400.0, FS), 0.02, 9));
    let mut whole = input.clone();
    Compressor::new(&cfg, FS).process(&mut whole);
    for sizes in [
        vec![1],
        vec![37],
        vec![960],
        common::irregular_sizes(64, 300, 11),
    ] {
        let mut comp = Compressor::new(&cfg, FS);
        let blocks = common::in_blocks(&input, &sizes, |b| {
            comp.process(b);
        });
        assert!(
            whole
                .iter()
                .zip(&blocks)
                .all(|(a, b)| a.to_bits() == b.to_bits()),
            "blocks {:?}",
            &sizes[..1]
        );
    }
}
