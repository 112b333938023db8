//! Noise gate: opening, hold, linear-in-dB ramps and hysteresis, with the expected
//! times derived from the documented detector (mean square through a one-pole with a
//! 10 ms time constant, compared in dBFS RMS).

mod common;

use std::f64::consts::{SQRT_2, TAU};

use common::{from_db, ms, to_db, XorShift64, FS};
use edgemix_dsp::{NoiseGate, NoiseGateConfig};

/// The documented detector time constant (`gate::DETECTOR_MS`, not exported).
const DETECTOR_TAU_S: f64 = 0.010;
const TONE_HZ: f64 = 1000.0;

fn config() -> NoiseGateConfig {
    let c = NoiseGateConfig {
        bypass: false,
        threshold_db: -40.0,
        hysteresis_db: 6.0,
        attack_ms: 2.0,
        hold_ms: 50.0,
        release_ms: 100.0,
        range_db: -60.0,
    };
    c.validate().expect("test config is valid");
    c
}

/// Per-sample gate state: the gain and open flag after each sample, and the output.
struct Trace {
    gain: Vec<f32>,
    open: Vec<bool>,
    out: Vec<f32>,
}

fn trace(cfg: &NoiseGateConfig, input: &[f32]) -> Trace {
    let mut gate = NoiseGate::new(cfg, FS);
    let mut t = Trace {
        gain: Vec::new(),
        open: Vec::new(),
        out: Vec::new(),
    };
    for &x in input {
        let mut block = [x];
        gate.process(&mut block);
        t.gain.push(gate.gain());
        t.open.push(gate.is_open());
        t.out.push(block[0]);
    }
    t
}

/// A 1 kHz sine burst with the given RMS level (peak = RMS·√2), starting at phase 0.
fn burst(n: usize, rms_db: f64) -> Vec<f32> {
    common::sine(n, TONE_HZ, FS, from_db(rms_db) * SQRT_2)
}

fn silence(n: usize) -> Vec<f32> {
    vec![0.0; n]
}

/// Mean square (power) of a sine of RMS level `rms_db`, and a threshold in dB as power.
fn power(db: f64) -> f64 {
    10f64.powf(db / 10.0)
}

/// Continuous-time detector response to a sine of power `p` (x² = p·(1 − cos Ωt),
/// Ω = 2ω) switched on at t = 0 from an empty detector: the solution of
/// τ·y' = x² − y, y(0) = 0:
///   y(t) = p·(1 − e^(−t/τ)) − p·(cos Ωt + Ωτ·sin Ωt − e^(−t/τ)) / (1 + (Ωτ)²).
fn detector_after_onset(p: f64, t: f64) -> f64 {
    let tau = DETECTOR_TAU_S;
    let w = 2.0 * TAU * TONE_HZ;
    let decay = (-t / tau).exp();
    p * (1.0 - decay)
        - p * ((w * t).cos() + w * tau * (w * t).sin() - decay) / (1.0 + (w * tau).powi(2))
}

/// First time (s) the onset response reaches `level` (bisection on the rising edge).
fn onset_crossing(p: f64, level: f64) -> f64 {
    let (mut lo, mut hi) = (0.0, 0.0);
    while detector_after_onset(p, hi) < level {
        lo = hi;
        hi += 1e-5;
    }
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if detector_after_onset(p, mid) < level {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    hi
}

fn samples(seconds: f64) -> f64 {
    seconds * FS
}

fn floor_gain(cfg: &NoiseGateConfig) -> f32 {
    from_db(cfg.range_db) as f32
}

fn gain_db(g: f32) -> f64 {
    to_db(f64::from(g))
}

#[test]
fn burst_opens_holds_and_releases_on_the_predicted_schedule() {
    let cfg = config();
    let floor = floor_gain(&cfg);
    let burst_db = -20.0;
    let (pre, len, post) = (ms(100.0, FS), ms(300.0, FS), ms(600.0, FS));
    let mut input = silence(pre);
    input.extend(burst(len, burst_db));
    input.extend(silence(post));
    let t = trace(&cfg, &input);

    // Closed, at the floor, before the burst.
    for n in 0..pre {
        assert!(
            !t.open[n] && t.gain[n] == floor,
            "sample {n}: open {} gain {}",
            t.open[n],
            t.gain[n]
        );
    }

    // Opening: the detector reaches the threshold power after a fraction of a ms.
    let p = power(burst_db);
    let open_at = pre as f64 + samples(onset_crossing(p, power(cfg.threshold_db)));
    let first_open = (pre..input.len())
        .find(|&n| t.open[n])
        .expect("the gate opens");
    assert!(
        (first_open as f64 - open_at).abs() <= samples(0.25e-3),
        "opened at sample {first_open}, predicted {open_at:.1}"
    );
    // The attack ramp: straight in dB from the floor to 0 dB in attackMs.
    let attack = samples(cfg.attack_ms / 1000.0);
    let mid_attack = first_open + (attack / 2.0) as usize;
    assert!(
        (gain_db(t.gain[mid_attack]) - cfg.range_db / 2.0).abs() <= 1.0,
        "mid-attack gain {} dB",
        gain_db(t.gain[mid_attack])
    );
    let fully_open = (first_open..input.len())
        .find(|&n| t.gain[n] == 1.0)
        .expect("the gate opens fully");
    assert!(
        (fully_open as f64 - (open_at + attack)).abs() <= samples(0.25e-3),
        "fully open at sample {fully_open}, predicted {:.1}",
        open_at + attack
    );
    assert!(
        fully_open - pre <= ms(cfg.attack_ms + 0.5, FS),
        "fully open {} samples after the burst",
        fully_open - pre
    );

    // Closing: the detector decays from the burst's power to the close threshold in
    // τ·ln(P_end / P_close) (≈ 59.9 ms), then the hold runs, then the release ramp.
    let burst_end = pre + len;
    let p_end = detector_after_onset(p, len as f64 / FS);
    let p_close = power(cfg.threshold_db - cfg.hysteresis_db);
    let crossing = burst_end as f64 + samples(DETECTOR_TAU_S * (p_end / p_close).ln());
    assert!(
        (crossing - burst_end as f64 - samples(0.0599)).abs() < samples(0.0002),
        "sanity: ≈ 59.9 ms"
    );
    let close_at = crossing + samples(cfg.hold_ms / 1000.0);
    let first_closed = (burst_end..input.len())
        .find(|&n| !t.open[n])
        .expect("the gate closes");
    assert!(
        (first_closed as f64 - close_at).abs() <= samples(1e-3),
        "closing started at {:.2} ms after the burst, predicted {:.2} ms",
        (first_closed - burst_end) as f64 * 1000.0 / FS,
        (close_at - burst_end as f64) * 1000.0 / FS
    );
    // Fully open from the end of the attack through the hold.
    for n in fully_open..first_closed {
        assert!(
            t.open[n] && t.gain[n] == 1.0,
            "sample {n}: open {} gain {} during burst/hold",
            t.open[n],
            t.gain[n]
        );
    }
    // Release: straight line in dB from 0 dB to the floor over releaseMs.
    let release = ms(cfg.release_ms, FS);
    for fraction in [0.25, 0.5, 0.75] {
        let n = first_closed + (fraction * release as f64) as usize;
        let expected = fraction * cfg.range_db;
        let got = gain_db(t.gain[n]);
        assert!(
            (got - expected).abs() <= 1.0,
            "{}% into the release: {got:.2} dB, expected {expected}",
            fraction * 100.0
        );
    }
    assert!(
        t.gain[first_closed + release - ms(2.0, FS)] > floor,
        "release finished early"
    );
    for n in first_closed + release + 1..input.len() {
        assert!(
            !t.open[n] && t.gain[n] == floor,
            "sample {n}: gain {} after the release",
            t.gain[n]
        );
    }
    // The output is the input times the gain.
    for (n, (&y, &x)) in t.out.iter().zip(&input).enumerate() {
        assert_eq!(y, x * t.gain[n], "sample {n}");
    }
}

#[test]
fn second_burst_during_hold_keeps_the_gate_open_without_a_dip() {
    let cfg = config();
    let burst_db = -20.0;
    let p = power(burst_db);
    let p_close = power(cfg.threshold_db - cfg.hysteresis_db);
    let (pre, len) = (ms(100.0, FS), ms(300.0, FS));
    let decay_to_close = DETECTOR_TAU_S * (detector_after_onset(p, len as f64 / FS) / p_close).ln();
    // The second burst starts half-way through the first burst's hold.
    let gap = ms(decay_to_close * 1000.0 + cfg.hold_ms / 2.0, FS);
    let len2 = ms(100.0, FS);
    let mut input = silence(pre);
    input.extend(burst(len, burst_db));
    input.extend(silence(gap));
    input.extend(burst(len2, burst_db));
    input.extend(silence(ms(500.0, FS)));
    let t = trace(&cfg, &input);

    let fully_open = (pre..input.len())
        .find(|&n| t.gain[n] == 1.0)
        .expect("opens");
    let second_end = pre + len + gap + len2;
    let decay2 = DETECTOR_TAU_S * (detector_after_onset(p, len2 as f64 / FS) / p_close).ln();
    let close_at = second_end as f64 + samples(decay2 + cfg.hold_ms / 1000.0);
    let first_closed = (fully_open..input.len())
        .find(|&n| !t.open[n])
        .expect("closes");
    assert!(
        first_closed > second_end,
        "the gate closed at {:.1} ms, before the second burst ended",
        first_closed as f64 * 1000.0 / FS
    );
    assert!(
        (first_closed as f64 - close_at).abs() <= samples(1e-3),
        "closing started {:.2} ms after the second burst, predicted {:.2}",
        (first_closed - second_end) as f64 * 1000.0 / FS,
        (close_at - second_end as f64) * 1000.0 / FS
    );
    let dip = t.gain[fully_open..first_closed]
        .iter()
        .cloned()
        .fold(1.0f32, f32::min);
    assert_eq!(dip, 1.0, "the gain dipped between the bursts");

    // Control: the same second burst arriving after the hold does see the gate close.
    let late_gap = gap + ms(cfg.hold_ms + 20.0, FS);
    let mut late = silence(pre);
    late.extend(burst(len, burst_db));
    late.extend(silence(late_gap));
    late.extend(burst(len2, burst_db));
    let t = trace(&cfg, &late);
    let closed_between = (pre + len..pre + len + late_gap).any(|n| !t.open[n]);
    assert!(
        closed_between,
        "control: a burst after the hold should find the gate closed"
    );
}

#[test]
fn threshold_is_compared_as_rms_not_peak() {
    // A sine of peak A reads A/√2: at −41 dBFS RMS (peak −38 dBFS, above the threshold as
    // a peak) the gate stays shut; at −39 dBFS RMS it opens.
    let cfg = config();
    let quiet = trace(&cfg, &burst(ms(500.0, FS), -41.0));
    assert!(
        quiet.open.iter().all(|&o| !o),
        "opened on a sine 1 dB below the threshold (RMS)"
    );
    let loud = trace(&cfg, &burst(ms(500.0, FS), -39.0));
    assert!(
        loud.open.iter().any(|&o| o),
        "did not open on a sine 1 dB above the threshold (RMS)"
    );
}

/// A 1 kHz sine whose RMS level wanders slowly around `centre_db` by at most
/// ±`depth_db`: a sum of three low-frequency sines (0.5 to 5 Hz, random phases).
fn wandering(n: usize, centre_db: f64, depth_db: f64, seed: u64) -> Vec<f32> {
    let mut rng = XorShift64::new(seed);
    let mods: Vec<(f64, f64)> = (0..3)
        .map(|_| (0.5 + 4.5 * rng.uniform(), TAU * rng.uniform()))
        .collect();
    (0..n)
        .map(|i| {
            let t = i as f64 / FS;
            let m = mods
                .iter()
                .map(|&(f, ph)| (TAU * f * t + ph).sin())
                .sum::<f64>()
                / 3.0;
            let level = centre_db + depth_db * m;
            (from_db(level) * SQRT_2 * common::phase(i, TONE_HZ, FS).sin()) as f32
        })
        .collect()
}

fn transitions(open: &[bool]) -> usize {
    open.windows(2).filter(|w| w[0] != w[1]).count()
}

#[test]
fn level_wandering_inside_the_hysteresis_band_never_toggles_the_gate() {
    let cfg = config();
    // Band: close at −46, open at −40; the level stays within [−44.8, −41.2] dBFS RMS,
    // i.e. at least 1 dB inside both thresholds.
    let (centre, depth) = (
        cfg.threshold_db - cfg.hysteresis_db / 2.0,
        cfg.hysteresis_db / 2.0 - 1.2,
    );
    assert!(
        centre - depth >= cfg.threshold_db - cfg.hysteresis_db + 1.0
            && centre + depth <= cfg.threshold_db - 1.0
    );
    let floor = floor_gain(&cfg);
    for seed in [1, 2, 3] {
        // Opened by a burst, then wandering: open the whole time, gain exactly 1.
        let opener = ms(200.0, FS);
        let mut input = burst(opener, -20.0);
        input.extend(wandering(ms(3000.0, FS), centre, depth, seed));
        let t = trace(&cfg, &input);
        let fully_open = t
            .gain
            .iter()
            .position(|&g| g == 1.0)
            .expect("the burst opens the gate");
        assert!(fully_open < opener);
        assert_eq!(
            transitions(&t.open[fully_open..]),
            0,
            "seed {seed}: the gate toggled inside the band"
        );
        assert!(
            t.gain[fully_open..].iter().all(|&g| g == 1.0),
            "seed {seed}: the gain moved while open"
        );

        // Started closed with the same wandering level: closed the whole time.
        let t = trace(&cfg, &wandering(ms(3000.0, FS), centre, depth, seed));
        assert_eq!(
            transitions(&t.open),
            0,
            "seed {seed}: the gate toggled inside the band"
        );
        assert!(
            t.open.iter().all(|&o| !o),
            "seed {seed}: opened below the open threshold"
        );
        assert!(
            t.gain.iter().all(|&g| g == floor),
            "seed {seed}: the gain left the floor while closed"
        );

        // Control: the same wander shifted 6 dB down (below the close threshold) closes.
        let mut input = burst(opener, -20.0);
        input.extend(wandering(
            ms(3000.0, FS),
            centre - cfg.hysteresis_db,
            depth,
            seed,
        ));
        let t = trace(&cfg, &input);
        assert!(
            !t.open[t.open.len() - 1],
            "seed {seed}: control should close below the band"
        );
    }
}

#[test]
fn zero_attack_and_release_switch_in_one_sample() {
    let cfg = NoiseGateConfig {
        attack_ms: 0.0,
        release_ms: 0.0,
        hold_ms: 0.0,
        ..config()
    };
    let floor = floor_gain(&cfg);
    let mut input = silence(ms(50.0, FS));
    input.extend(burst(ms(100.0, FS), -20.0));
    input.extend(silence(ms(200.0, FS)));
    let t = trace(&cfg, &input);
    let first_open = t.open.iter().position(|&o| o).unwrap();
    assert_eq!(t.gain[first_open], 1.0);
    assert_eq!(t.gain[first_open - 1], floor);
    let first_closed = (first_open..input.len()).find(|&n| !t.open[n]).unwrap();
    assert_eq!(t.gain[first_closed], floor);
    assert_eq!(t.gain[first_closed - 1], 1.0);
}
