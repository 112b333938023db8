//! Lookahead limiter: the ceiling holds on brutal input, the signal below the ceiling
//! passes as an exact delay of `latency()` samples, and bypass keeps that delay.

mod common;

use common::{from_db, in_blocks, irregular_sizes, ms, white_noise, XorShift64, FS};
use edgemix_dsp::{Limiter, LimiterConfig};

const OVERDRIVE: f64 = 15.848_931_924_611_135; // +24 dB over full scale, 10^(24/20)

fn config(ceiling_db: f64, lookahead_ms: f64, release_ms: f64, bypass: bool) -> LimiterConfig {
    let c = LimiterConfig {
        bypass,
        ceiling_db,
        lookahead_ms,
        release_ms,
    };
    c.validate().expect("test config is valid");
    c
}

/// The ceiling as the limiter must honour it: the f32 nearest 10^(ceilingDb/20).
fn ceiling(ceiling_db: f64) -> f32 {
    from_db(ceiling_db) as f32
}

fn run(cfg: &LimiterConfig, input: &[f32], sizes: &[usize]) -> Vec<f32> {
    let mut limiter = Limiter::new(cfg, FS);
    in_blocks(input, sizes, |b| {
        limiter.process(b);
    })
}

/// White noise at +24 dBFS.
fn loud_noise(n: usize, seed: u64) -> Vec<f32> {
    white_noise(n, OVERDRIVE, seed)
}

/// Square-wave bursts (random frequency, length and polarity) at +24 dBFS, separated
/// by silence and by quiet passages.
fn square_bursts(n: usize, seed: u64) -> Vec<f32> {
    let mut rng = XorShift64::new(seed);
    let mut x = Vec::with_capacity(n);
    while x.len() < n {
        let half_period = rng.range(2, 200);
        let burst = rng.range(1, 4000);
        let sign = if rng.uniform() < 0.5 { 1.0 } else { -1.0 };
        for i in 0..burst {
            x.push(
                (sign
                    * OVERDRIVE
                    * if (i / half_period).is_multiple_of(2) {
                        1.0
                    } else {
                        -1.0
                    }) as f32,
            );
        }
        let gap = rng.range(0, 3000);
        let quiet = if rng.uniform() < 0.5 { 0.0 } else { 0.3 };
        x.extend((0..gap).map(|i| (quiet * if i % 2 == 0 { 1.0 } else { -1.0 }) as f32));
    }
    x.truncate(n);
    x
}

/// Isolated single-sample impulses at ±24 dBFS in silence; returns the signal and the
/// impulse positions.
fn impulses(n: usize, seed: u64) -> (Vec<f32>, Vec<usize>) {
    let mut rng = XorShift64::new(seed);
    let mut x = vec![0.0f32; n];
    let mut at = Vec::new();
    let mut pos = rng.range(0, 500);
    while pos < n {
        x[pos] = if rng.uniform() < 0.5 {
            OVERDRIVE as f32
        } else {
            -OVERDRIVE as f32
        };
        at.push(pos);
        pos += rng.range(1500, 6000); // far apart: each one is isolated
    }
    (x, at)
}

#[test]
fn ceiling_is_never_exceeded() {
    let n = ms(2000.0, FS);
    let sizes = irregular_sizes(97, 1500, 3);
    let (spikes, spike_at) = impulses(n, 4);
    let signals: [(&str, Vec<f32>); 3] = [
        ("white noise", loud_noise(n, 1)),
        ("square bursts", square_bursts(n, 2)),
        ("impulses", spikes),
    ];
    for ceiling_db in [-1.0, -6.0] {
        let c = ceiling(ceiling_db);
        for lookahead in [0.0, 1.0, 5.0] {
            let cfg = config(ceiling_db, lookahead, 60.0, false);
            let latency = common::ms(lookahead, FS);
            for (name, input) in &signals {
                let out = run(&cfg, input, &sizes);
                for (i, y) in out.iter().enumerate() {
                    assert!(
                        y.abs() <= c,
                        "{name}, ceiling {ceiling_db} dBFS, lookahead {lookahead} ms: sample {i} = {y} > {c}"
                    );
                }
                // The limiter must still let the signal through, right up to the ceiling:
                // a limiter that outputs silence would pass the check above.
                let top = common::peak(&out);
                assert!(
                    top >= 0.9 * c,
                    "{name}: output peak {top} is far below the ceiling {c}"
                );
                if *name == "impulses" {
                    for &p in &spike_at {
                        if p + latency < n {
                            let y = out[p + latency].abs();
                            assert!(
                                y >= 0.999 * c,
                                "impulse at {p} came out as {y}, expected the ceiling {c}"
                            );
                        }
                    }
                }
            }
        }
    }
}

/// A signal peaking at exactly −3 dBFS: noise plus a sine, normalised.
fn below_ceiling(n: usize, seed: u64) -> Vec<f32> {
    let noise = white_noise(n, 1.0, seed);
    let tone = common::sine(n, 997.0, FS, 1.0);
    let mixed: Vec<f64> = noise
        .iter()
        .zip(&tone)
        .map(|(&a, &b)| f64::from(a) * 0.6 + f64::from(b) * 0.4)
        .collect();
    let top = mixed.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    mixed
        .iter()
        .map(|v| (v / top * from_db(-3.0)) as f32)
        .collect()
}

fn assert_exact_delay(input: &[f32], output: &[f32], delay: usize, from: usize, what: &str) {
    for n in from..output.len() {
        let expected = if n < delay { 0.0f32 } else { input[n - delay] };
        assert_eq!(
            output[n].to_bits(),
            expected.to_bits(),
            "{what}: output[{n}] = {}, expected {expected}",
            output[n]
        );
    }
}

#[test]
fn below_the_ceiling_the_output_is_the_input_delayed_bit_for_bit() {
    let input = below_ceiling(ms(1000.0, FS), 21);
    let sizes = irregular_sizes(50, 700, 22);
    for lookahead in [0.0, 1.0, 5.0, 20.0, 2.7] {
        let cfg = config(-1.0, lookahead, 60.0, false);
        let expected_latency = (lookahead * FS / 1000.0).round() as usize;
        assert_eq!(
            Limiter::new(&cfg, FS).latency(),
            expected_latency,
            "latency at {lookahead} ms"
        );
        let out = run(&cfg, &input, &sizes);
        assert_exact_delay(
            &input,
            &out,
            expected_latency,
            0,
            &format!("lookahead {lookahead} ms"),
        );
    }
    // Another sample rate: 1 ms at 44.1 kHz is 44.1 samples, rounded to 44.
    let cfg = config(-1.0, 1.0, 60.0, false);
    assert_eq!(Limiter::new(&cfg, 44_100.0).latency(), 44);
}

#[test]
fn passthrough_is_bit_exact_again_once_a_loud_passage_has_released() {
    for (lookahead, release) in [(5.0, 60.0), (1.0, 20.0), (0.0, 100.0)] {
        let cfg = config(-1.0, lookahead, release, false);
        let latency = ms(lookahead, FS);
        // 300 ms of +24 dB noise, then 30 release time constants below the ceiling.
        let mut input = loud_noise(ms(300.0, FS), 31);
        let quiet_from = input.len();
        input.extend(below_ceiling(ms(30.0 * release, FS), 32));
        let out = run(&cfg, &input, &irregular_sizes(40, 900, 33));
        // The loud passage was limited...
        assert!(out[quiet_from..quiet_from + latency + 10]
            .iter()
            .any(|&y| y != 0.0));
        let reduced = (quiet_from + latency..quiet_from + latency + ms(release, FS))
            .any(|n| out[n].abs() < input[n - latency].abs());
        assert!(
            reduced,
            "the release after the loud passage should still reduce the gain"
        );
        // ...and once the release has run its course the quiet signal is an exact delay
        // again. A one-pole release from a gain g leaves (1 − g)·e^(−t/τ); with 24 dB of
        // overdrive (1 − g < 1) that is below half an f32 ulp of 1.0 (2^−25) after
        // τ·ln(2^25) ≈ 17.3 τ, so 25 τ is "several time constants" with margin.
        let settled = quiet_from + latency + ms(25.0 * release, FS);
        assert_exact_delay(
            &input,
            &out,
            latency,
            settled,
            &format!("after release {release} ms"),
        );
    }
}

#[test]
fn bypass_keeps_the_delay_and_does_not_limit() {
    let mut input = loud_noise(ms(500.0, FS), 41);
    input.extend(below_ceiling(ms(500.0, FS), 42));
    for lookahead in [0.0, 1.0, 5.0, 20.0] {
        let cfg = config(-6.0, lookahead, 60.0, true);
        let latency = (lookahead * FS / 1000.0).round() as usize;
        assert_eq!(Limiter::new(&cfg, FS).latency(), latency);
        let out = run(&cfg, &input, &irregular_sizes(30, 1000, 43));
        assert_exact_delay(
            &input,
            &out,
            latency,
            0,
            &format!("bypass, lookahead {lookahead} ms"),
        );
        assert!(common::peak(&out) > 10.0, "bypass must not limit");
    }
}

#[test]
fn limiting_releases_towards_unity_at_the_release_time_constant() {
    // After a single over-ceiling step the gain recovers: 63.2 % of the way back within
    // about one release time constant (allowing the lookahead ramp).
    let release = 50.0;
    let cfg = config(-6.0, 0.0, release, false);
    let c = f64::from(ceiling(-6.0));
    let mut input = vec![1.0f32; ms(100.0, FS)]; // 6 dB over the ceiling
    let step = input.len();
    input.extend(vec![0.25f32; ms(500.0, FS)]); // −12 dBFS: needs no reduction
    let out = run(&cfg, &input, &[480]);
    let gain_before = f64::from(out[step - 1]) / 1.0;
    assert!(
        (gain_before - c).abs() < 1e-6,
        "gain over the ceiling {gain_before}, expected {c}"
    );
    let target = gain_before + (1.0 - gain_before) * (1.0 - (-1f64).exp());
    let n = (step..out.len())
        .position(|n| f64::from(out[n]) / 0.25 >= target)
        .expect("gain recovers");
    let t = n as f64 * 1000.0 / FS;
    assert!(
        (t - release).abs() <= 0.1 * release,
        "release took {t:.2} ms to 63.2 %, expected {release}"
    );
}
