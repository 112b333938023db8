//! Seeded synthetic band music for the VAD's music conditions: drums, a melodic line, or
//! the full band (drums, bass, chords and melody), in a seeded key, mode, tempo, groove
//! and instrumentation.
//!
//! Every draw comes from the seed (xorshift64 after a splitmix scramble, so neighbouring
//! seeds differ in everything):
//!
//! * tempo 70–170 BPM, swing of the off-beat eighths 0–0.25 beat, key (root E2–D#3),
//!   mode (major, natural minor, dorian, mixolydian), a four-chord progression;
//! * drums: one of four grooves (rock, four-on-the-floor, half-time, breakbeat with
//!   ghost notes), kick (a sine sweeping 90–160 → 40–60 Hz), snare (noise and a
//!   150–250 Hz body), closed or open hi-hat or ride, a tom fill (three falling pitched
//!   sweeps) at the end of every fourth bar and a crash on the bar after it;
//! * melody: one of seven instruments (flute, violin, clarinet, trumpet, organ, square
//!   lead with portamento, electric piano) in a low (F0 100–330 Hz, the pitch range of
//!   speech) or a high register (330–1050 Hz), with vibrato (4.5–6.5 Hz, 0–40 cents,
//!   rising after the attack) where the instrument has it, phrases of two bars of
//!   half-beat to two-beat notes on the scale, stepwise or leaping, then a rest, like a
//!   singer breathing;
//! * the full band adds a bass (root and fifth, plucked) and chords (sustained pad,
//!   strummed guitar-like plucks or piano stabs).
//!
//! Levels: drums, bass, chords and melody are balanced by fixed gains with a seeded
//! ±3 dB spread; the mix's absolute level does not matter (conditions are set by SNR).

use std::f64::consts::TAU;

use super::XorShift64;

/// Which instruments of the band play.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parts {
    Drums,
    Melody,
    Full,
}

const MODES: [[i32; 7]; 4] = [
    [0, 2, 4, 5, 7, 9, 11], // major
    [0, 2, 3, 5, 7, 8, 10], // natural minor
    [0, 2, 3, 5, 7, 9, 10], // dorian
    [0, 2, 4, 5, 7, 9, 10], // mixolydian
];

/// The melody's instrument: harmonic amplitudes, envelope and playing style.
struct Instrument {
    harmonics: Vec<f64>,
    attack_s: f64,
    /// Decay time constant of a plucked or struck note, s (infinite: sustained).
    decay_s: f64,
    vibrato_cents: f64,
    /// Breath or bow noise relative to the tone.
    noise: f64,
    /// Glide from the previous note's pitch, s (0: none).
    glide_s: f64,
}

fn instrument(kind: usize, rng: &mut XorShift64) -> Instrument {
    let cents = 15.0 + 25.0 * rng.uniform();
    match kind {
        // Flute: nearly sinusoidal, breathy, vibrato.
        0 => Instrument {
            harmonics: vec![1.0, 0.35, 0.12, 0.05],
            attack_s: 0.05,
            decay_s: f64::INFINITY,
            vibrato_cents: cents,
            noise: 0.08,
            glide_s: 0.0,
        },
        // Violin: sawtooth-like, slow bow attack, wide vibrato.
        1 => Instrument {
            harmonics: (1..=14).map(|h| 1.0 / h as f64).collect(),
            attack_s: 0.08,
            decay_s: f64::INFINITY,
            vibrato_cents: cents + 10.0,
            noise: 0.03,
            glide_s: 0.03,
        },
        // Clarinet: odd harmonics.
        2 => Instrument {
            harmonics: (1..=11)
                .map(|h| if h % 2 == 1 { 1.0 / h as f64 } else { 0.04 })
                .collect(),
            attack_s: 0.04,
            decay_s: f64::INFINITY,
            vibrato_cents: 0.3 * cents,
            noise: 0.02,
            glide_s: 0.0,
        },
        // Trumpet: bright, formant-like bump around the 3rd–6th harmonics.
        3 => Instrument {
            harmonics: (1..=12)
                .map(|h| {
                    let h = h as f64;
                    (-((h - 4.0) / 3.5).powi(2)).exp() * 0.8 + 0.3 / h
                })
                .collect(),
            attack_s: 0.03,
            decay_s: f64::INFINITY,
            vibrato_cents: 0.5 * cents,
            noise: 0.02,
            glide_s: 0.0,
        },
        // Organ: drawbars 16', 8', 4', 2 2/3', 2', no vibrato.
        4 => Instrument {
            harmonics: vec![1.0, 0.8, 0.5, 0.6, 0.0, 0.3, 0.0, 0.4],
            attack_s: 0.01,
            decay_s: f64::INFINITY,
            vibrato_cents: 0.0,
            noise: 0.0,
            glide_s: 0.0,
        },
        // Square lead with portamento.
        5 => Instrument {
            harmonics: (1..=15)
                .map(|h| if h % 2 == 1 { 1.0 / h as f64 } else { 0.0 })
                .collect(),
            attack_s: 0.01,
            decay_s: f64::INFINITY,
            vibrato_cents: 0.6 * cents,
            noise: 0.0,
            glide_s: 0.06,
        },
        // Electric piano: struck, decaying, bell-like upper partials.
        _ => Instrument {
            harmonics: vec![1.0, 0.4, 0.15, 0.25, 0.05, 0.1],
            attack_s: 0.004,
            decay_s: 0.6,
            vibrato_cents: 0.0,
            noise: 0.0,
            glide_s: 0.0,
        },
    }
}

fn scramble(seed: u64) -> u64 {
    // splitmix64's finaliser.
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn midi_hz(note: f64) -> f64 {
    440.0 * 2f64.powf((note - 69.0) / 12.0)
}

/// The sum of `harmonics` (amplitudes of partials 1, 2, …) at `phase` cycles, with the
/// partials above `nyquist_hz` left out; sin(hθ) by the Chebyshev recurrence
/// sin((h+1)θ) = 2·cos θ·sin(hθ) − sin((h−1)θ).
fn partials(harmonics: &[f64], phase: f64, f0: f64, nyquist_hz: f64) -> f64 {
    let (s1, c1) = (TAU * phase).sin_cos();
    let (mut previous, mut current) = (0.0, s1);
    let mut sum = 0.0;
    for (h, a) in harmonics.iter().enumerate() {
        if (h + 1) as f64 * f0 >= nyquist_hz {
            break;
        }
        sum += a * current;
        (previous, current) = (current, 2.0 * c1 * current - previous);
    }
    sum
}

/// A band bed of `n` samples at `rate` Hz (see the module documentation).
pub fn band_bed(n: usize, rate: f64, seed: u64, parts: Parts) -> Vec<f64> {
    let mut rng = XorShift64::new(scramble(seed));
    let tempo = 70.0 + 100.0 * rng.uniform();
    let beat = 60.0 / tempo;
    let swing = 0.25 * rng.uniform() * beat;
    let root = 40 + rng.below(12) as i32;
    let mode = MODES[rng.below(MODES.len())];
    let progression: Vec<usize> = (0..4)
        .map(|i| if i == 0 { 0 } else { rng.below(7) })
        .collect();
    let groove = rng.below(4);
    let melody_kind = rng.below(7);
    let high = rng.below(2) == 1;
    let chord_style = rng.below(3);
    let spread = |rng: &mut XorShift64| 10f64.powf((6.0 * rng.uniform() - 3.0) / 20.0);
    let gains = [
        spread(&mut rng), // drums
        spread(&mut rng), // bass
        spread(&mut rng), // chords
        spread(&mut rng), // melody
    ];
    let inst = instrument(melody_kind, &mut rng);
    let drums = matches!(parts, Parts::Drums | Parts::Full);
    let melody = matches!(parts, Parts::Melody | Parts::Full);
    let band = parts == Parts::Full;

    let bar = 4.0 * beat;
    let bars = (n as f64 / rate / bar).ceil() as usize + 1;
    let scale_note = |degree: i32| -> i32 {
        let octave = degree.div_euclid(7);
        root + mode[degree.rem_euclid(7) as usize] + 12 * octave
    };
    let nyquist = 0.5 * rate;
    let mut out = vec![0.0f64; n];
    let mut noise = XorShift64::new(scramble(seed ^ 0xD1CE));
    let at = |t: f64| (t * rate).round() as usize;

    // ── Drums ──
    if drums {
        let g = 0.5 * gains[0];
        let kick_from = 90.0 + 70.0 * rng.uniform();
        let kick_to = 40.0 + 20.0 * rng.uniform();
        let snare_body = 150.0 + 100.0 * rng.uniform();
        let ride = rng.below(3) == 0;
        for b in 0..bars {
            let t0 = b as f64 * bar;
            // (beat position, 0 kick / 1 snare / 2 ghost snare)
            let hits: &[(f64, u8)] = match groove {
                0 => &[(0.0, 0), (1.0, 1), (2.0, 0), (2.5, 0), (3.0, 1)],
                1 => &[(0.0, 0), (1.0, 0), (1.0, 1), (2.0, 0), (3.0, 0), (3.0, 1)],
                2 => &[(0.0, 0), (2.0, 1), (3.5, 0)],
                _ => &[
                    (0.0, 0),
                    (0.75, 2),
                    (1.0, 1),
                    (1.75, 0),
                    (2.5, 0),
                    (2.75, 2),
                    (3.0, 1),
                    (3.5, 2),
                ],
            };
            let fill = b % 4 == 3;
            for &(pos, kind) in hits {
                if fill && pos >= 3.0 {
                    continue;
                }
                let start = at(t0 + pos * beat);
                match kind {
                    0 => sweep(
                        &mut out, rate, start, 0.45, kick_from, kick_to, 0.04, 0.14, g,
                    ),
                    _ => {
                        let level = if kind == 2 { 0.25 } else { 0.6 };
                        snare(&mut out, rate, start, snare_body, g * level, &mut noise);
                    }
                }
            }
            if fill {
                for (i, f) in [200.0, 150.0, 105.0].into_iter().enumerate() {
                    let start = at(t0 + (3.0 + i as f64 / 3.0) * beat);
                    sweep(&mut out, rate, start, 0.3, f * 1.4, f, 0.05, 0.12, 0.5 * g);
                }
            }
            if b % 4 == 0 && b > 0 {
                cymbal(&mut out, rate, at(t0), 1.5, 0.3 * g, 0.7, &mut noise);
            }
            for e in 0..8 {
                let off = if e % 2 == 1 { swing } else { 0.0 };
                let start = at(t0 + e as f64 * beat / 2.0 + off);
                let open = groove == 1 && e % 2 == 1;
                let (len, amp) = if ride {
                    (0.4, 0.12)
                } else if open {
                    (0.25, 0.12)
                } else {
                    (0.06, 0.1)
                };
                cymbal(
                    &mut out,
                    rate,
                    start,
                    len,
                    amp * g,
                    if ride { 0.3 } else { 0.9 },
                    &mut noise,
                );
            }
        }
    }

    // ── Bass and chords ──
    if band {
        let bass_table = [1.0, 0.5, 0.25, 0.12, 0.06];
        let chord_table: Vec<f64> = match chord_style {
            0 => (1..=8).map(|h| 1.0 / h as f64).collect(),
            1 => (1..=10).map(|h| 1.0 / (h as f64).powf(1.3)).collect(),
            _ => vec![1.0, 0.5, 0.2, 0.3, 0.05, 0.1],
        };
        for b in 0..bars {
            let t0 = b as f64 * bar;
            let degree = progression[b % 4] as i32;
            for (pos, step) in [(0.0, 0), (1.5, 4), (2.0, 0), (3.0, 4)] {
                let f = midi_hz(f64::from(scale_note(degree + step)));
                let start = at(t0 + pos * beat);
                tone(
                    &mut out,
                    rate,
                    start,
                    beat * 0.9,
                    &|_| f,
                    &bass_table,
                    0.005,
                    0.3,
                    0.3 * gains[1],
                    nyquist,
                );
            }
            let triad: Vec<f64> = (0..3)
                .map(|i| midi_hz(f64::from(scale_note(degree + 2 * i) + 12)))
                .collect();
            match chord_style {
                0 => {
                    for &f in &triad {
                        tone(
                            &mut out,
                            rate,
                            at(t0),
                            bar,
                            &|_| f,
                            &chord_table,
                            0.1,
                            f64::INFINITY,
                            0.06 * gains[2],
                            nyquist,
                        );
                    }
                }
                1 => {
                    for s in 0..8 {
                        for (k, &f) in triad.iter().enumerate() {
                            let start = at(t0 + s as f64 * beat / 2.0 + 0.012 * k as f64);
                            tone(
                                &mut out,
                                rate,
                                start,
                                beat * 0.5,
                                &|_| f,
                                &chord_table,
                                0.003,
                                0.2,
                                0.07 * gains[2],
                                nyquist,
                            );
                        }
                    }
                }
                _ => {
                    for pos in [0.5, 1.5, 2.5, 3.5] {
                        for &f in &triad {
                            let start = at(t0 + pos * beat + swing);
                            tone(
                                &mut out,
                                rate,
                                start,
                                beat * 0.4,
                                &|_| f,
                                &chord_table,
                                0.004,
                                0.25,
                                0.08 * gains[2],
                                nyquist,
                            );
                        }
                    }
                }
            }
        }
    }

    // ── Melody ──
    if melody {
        let base = if high { 14 } else { 0 }; // scale degrees above the root's octave
        let mut degree = base + 7;
        let mut previous_f = midi_hz(f64::from(scale_note(degree)));
        let mut t = 0.0f64;
        let total = n as f64 / rate;
        let vibrato_hz = 4.5 + 2.0 * rng.uniform();
        let lengths = [0.5, 1.0, 1.0, 1.5, 2.0];
        while t < total {
            // A phrase of two bars, then a rest of one to three beats.
            let phrase_end = t + 2.0 * bar;
            while t < phrase_end {
                let len = lengths[rng.below(lengths.len())] * beat;
                let step = if rng.below(3) == 0 {
                    rng.below(9) as i32 - 4
                } else {
                    rng.below(3) as i32 - 1
                };
                degree = (degree + step).clamp(base + 2, base + 12);
                let f = midi_hz(f64::from(scale_note(degree)));
                let from = if inst.glide_s > 0.0 { previous_f } else { f };
                let (glide, cents) = (inst.glide_s, inst.vibrato_cents);
                let pitch = move |s: f64| {
                    let g = if glide > 0.0 {
                        (s / glide).min(1.0)
                    } else {
                        1.0
                    };
                    let depth = cents * (s / 0.3).min(1.0) / 1200.0;
                    let base = from * (f / from).powf(g);
                    base * 2f64.powf(depth * (TAU * vibrato_hz * s).sin())
                };
                let start = at(t);
                let amp = 0.25 * gains[3];
                tone(
                    &mut out,
                    rate,
                    start,
                    len * 0.95,
                    &pitch,
                    &inst.harmonics,
                    inst.attack_s,
                    inst.decay_s,
                    amp,
                    nyquist,
                );
                if inst.noise > 0.0 {
                    let mut previous = 0.0;
                    for (i, y) in out.iter_mut().skip(start).take(at(len * 0.95)).enumerate() {
                        let s = i as f64 / rate;
                        let white = noise.bipolar();
                        let env = (s / inst.attack_s).min(1.0)
                            * ((len * 0.95 - s) / 0.02).clamp(0.0, 1.0);
                        *y += amp * inst.noise * env * (white - previous);
                        previous = white;
                    }
                }
                previous_f = f;
                t += len;
            }
            t += (1 + rng.below(3)) as f64 * beat;
        }
    }
    out
}

/// Adds a note whose F0 follows `pitch(t)` (t in s from the note start), with the given
/// partials, a linear attack, an exponential decay and a 20 ms release at `len_s`.
#[allow(clippy::too_many_arguments)]
fn tone(
    out: &mut [f64],
    rate: f64,
    start: usize,
    len_s: f64,
    pitch: &dyn Fn(f64) -> f64,
    harmonics: &[f64],
    attack_s: f64,
    decay_s: f64,
    amp: f64,
    nyquist: f64,
) {
    let len = (len_s * rate) as usize;
    let mut phase = 0.0f64;
    for (i, y) in out.iter_mut().skip(start).take(len).enumerate() {
        let t = i as f64 / rate;
        let f0 = pitch(t);
        let env =
            (t / attack_s).min(1.0) * (-t / decay_s).exp() * ((len_s - t) / 0.02).clamp(0.0, 1.0);
        *y += amp * env * partials(harmonics, phase, f0, nyquist);
        phase = (phase + f0 / rate).fract();
    }
}

/// A pitched drum: a sine sweeping `from` → `to` Hz (time constant `sweep_s`), decaying
/// with `decay_s`.
#[allow(clippy::too_many_arguments)]
fn sweep(
    out: &mut [f64],
    rate: f64,
    start: usize,
    len_s: f64,
    from: f64,
    to: f64,
    sweep_s: f64,
    decay_s: f64,
    amp: f64,
) {
    let mut phase = 0.0f64;
    for (i, y) in out
        .iter_mut()
        .skip(start)
        .take((len_s * rate) as usize)
        .enumerate()
    {
        let t = i as f64 / rate;
        let f = to + (from - to) * (-t / sweep_s).exp();
        *y += amp * (-t / decay_s).exp() * (TAU * phase).sin();
        phase = (phase + f / rate).fract();
    }
}

/// A snare: bright noise and a sine body at `body` Hz.
fn snare(out: &mut [f64], rate: f64, start: usize, body: f64, amp: f64, noise: &mut XorShift64) {
    let mut previous = 0.0;
    for (i, y) in out
        .iter_mut()
        .skip(start)
        .take((0.3 * rate) as usize)
        .enumerate()
    {
        let t = i as f64 / rate;
        let white = noise.bipolar();
        let bright = white - 0.6 * previous;
        previous = white;
        *y += amp
            * ((-t / 0.08).exp() * 0.8 * bright + (-t / 0.05).exp() * 0.6 * (TAU * body * t).sin());
    }
}

/// A cymbal or hi-hat: high-passed noise (first difference, `brightness` of it) with an
/// exponential decay over `len_s`.
fn cymbal(
    out: &mut [f64],
    rate: f64,
    start: usize,
    len_s: f64,
    amp: f64,
    brightness: f64,
    noise: &mut XorShift64,
) {
    let mut previous = 0.0;
    for (i, y) in out
        .iter_mut()
        .skip(start)
        .take((len_s * rate) as usize)
        .enumerate()
    {
        let t = i as f64 / rate;
        let white = noise.bipolar();
        *y += amp * (-t / (0.3 * len_s)).exp() * (white - brightness * previous);
        previous = white;
    }
}
