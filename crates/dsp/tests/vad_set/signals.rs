//! The VAD evaluation signals: the committed labelled speech (speech.wav, speech.json,
//! made by generate.py) and the noise and music that are mixed into it, generated here
//! deterministically so that nothing but the speech is stored.
//!
//! Shared by `crates/dsp/tests/vad.rs`, the examples `bench_vad`, `vad_conditions` and
//! `vad_train_features`, and `crates/runtime/tests/vad_module.rs` (each includes this
//! file with `#[path]`), so every consumer mixes exactly the same samples.
//!
//! * Pink noise: the Voss–McCartney algorithm with 16 rows: sample n (from 1) redraws
//!   row `trailing_zeros(n)` (if < 16); the output is the sum of the 16 rows and one fresh
//!   white value, each uniform in [−1, 1) from xorshift64 with a fixed seed, divided by
//!   17. Its spectrum falls 3 dB per octave from about 1 Hz to the Nyquist frequency.
//! * Music bed ([`music_bed`]): synthetic pop at a seeded tempo (96–132 BPM) and key, one
//!   chord per bar from a seeded I–V–vi–IV-like progression: a sustained pad (the triad,
//!   ten harmonics), a plucked bass on the root, a plucked arpeggio of the chord tones in
//!   eighths or sixteenths two octaves up, and drums (a swept-sine kick on beats 1 and 3,
//!   a noise snare on 2 and 4, a bright noise hi-hat on every eighth).
//! * Mixing ([`mix_at_snr`]): `speech + g·noise` with `g` chosen so that
//!   `10·log10(Ps / (g²·Pn)) = SNR`, where `Ps` and `Pn` are the mean squares of the
//!   speech and of the noise over the speech-active frames (labels), i.e. the SNR is the
//!   one a listener meets while speech is on. Nothing is clipped (f32).
//!
//! The four conditions ([`CONDITIONS`]): pink noise at 20 and 5 dB (seed 0x5EED_0001),
//! music bed at 20 and 5 dB (seed 7).
#![allow(dead_code)]

use std::f64::consts::TAU;

/// Sample rate of the labelled set, Hz.
pub const SET_RATE: u32 = 48_000;
/// Samples per labelled frame (20 ms at 48 kHz).
pub const SET_FRAME: usize = 960;

/// Test condition: name, background, SNR in dB.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Condition {
    pub name: &'static str,
    pub background: Background,
    pub snr_db: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Background {
    Pink {
        seed: u64,
    },
    Music {
        seed: u64,
    },
    White {
        seed: u64,
    },
    Brown {
        seed: u64,
    },
    /// Band music ([`band_bed`]): drums, a melody or the full band.
    Band {
        seed: u64,
        parts: Parts,
    },
}

pub const PINK_SEED: u64 = 0x5EED_0001;
pub const MUSIC_SEED: u64 = 7;

pub const CONDITIONS: [Condition; 4] = [
    Condition {
        name: "pink_20dB",
        background: Background::Pink { seed: PINK_SEED },
        snr_db: 20.0,
    },
    Condition {
        name: "pink_5dB",
        background: Background::Pink { seed: PINK_SEED },
        snr_db: 5.0,
    },
    Condition {
        name: "music_20dB",
        background: Background::Music { seed: MUSIC_SEED },
        snr_db: 20.0,
    },
    Condition {
        name: "music_5dB",
        background: Background::Music { seed: MUSIC_SEED },
        snr_db: 5.0,
    },
];

/// The conditions of the held-out speech ([`heldout_set`]): pink noise and five band
/// beds, each at 20 and 5 dB SNR. The beds' seeds (2001–2005) are never used in
/// training (vad_train_features uses 1000–1999), and each draws its own key, mode,
/// tempo, groove and instruments: two full bands, drums alone, a melody alone in the
/// speech register (seed 2004 draws the low register) and one in whichever register
/// seed 2005 draws.
pub const HELDOUT_CONDITIONS: [Condition; 12] = {
    const fn band(name: &'static str, seed: u64, parts: Parts, snr_db: f64) -> Condition {
        Condition {
            name,
            background: Background::Band { seed, parts },
            snr_db,
        }
    }
    [
        Condition {
            name: "pink_20dB",
            background: Background::Pink { seed: PINK_SEED },
            snr_db: 20.0,
        },
        Condition {
            name: "pink_5dB",
            background: Background::Pink { seed: PINK_SEED },
            snr_db: 5.0,
        },
        band("band_a_20dB", 2001, Parts::Full, 20.0),
        band("band_a_5dB", 2001, Parts::Full, 5.0),
        band("band_b_20dB", 2002, Parts::Full, 20.0),
        band("band_b_5dB", 2002, Parts::Full, 5.0),
        band("drums_20dB", 2003, Parts::Drums, 20.0),
        band("drums_5dB", 2003, Parts::Drums, 5.0),
        band("melody_low_20dB", 2004, Parts::Melody, 20.0),
        band("melody_low_5dB", 2004, Parts::Melody, 5.0),
        band("melody_20dB", 2005, Parts::Melody, 20.0),
        band("melody_5dB", 2005, Parts::Melody, 5.0),
    ]
};

/// The labelled clean speech: 48 kHz mono samples and one label per 20 ms frame.
pub struct LabelledSet {
    pub samples: Vec<f32>,
    pub labels: Vec<bool>,
}

/// The committed test set (speech.wav, speech.json).
pub fn test_set() -> LabelledSet {
    parse_set(include_bytes!("speech.wav"), include_str!("speech.json"))
}

/// The held-out speech (heldout.wav, heldout.json; heldout.py): Festival voices and the
/// pytest-audioeval recordings, engines the network never hears in training. Stored at
/// 16 kHz and converted here to 48 kHz.
pub fn heldout_set() -> LabelledSet {
    parse_set(include_bytes!("heldout.wav"), include_str!("heldout.json"))
}

/// A set written by generate.py or heldout.py: 16-bit mono PCM WAV at 48 kHz (or 16 kHz,
/// converted to 48 kHz by [`upsample_16k`]), and its JSON with a `"labels"` string of
/// 0/1 per frame.
pub fn parse_set(wav: &[u8], json: &str) -> LabelledSet {
    let (samples, rate) = read_wav_s16(wav);
    let samples = match rate {
        SET_RATE => samples,
        16_000 => upsample_16k(&samples),
        _ => panic!("{rate} Hz: 48 or 16 kHz expected"),
    };
    let key = "\"labels\": \"";
    let start = json.find(key).expect("labels in the JSON") + key.len();
    let labels: Vec<bool> = json[start..]
        .chars()
        .take_while(|c| *c == '0' || *c == '1')
        .map(|c| c == '1')
        .collect();
    assert_eq!(
        labels.len(),
        samples.len() / SET_FRAME,
        "one label per 960-sample frame"
    );
    LabelledSet { samples, labels }
}

/// 16 kHz to 48 kHz (the crate's polyphase resampler: passband 7.2 kHz, 80 dB from
/// 8 kHz), its delay removed so that sample `3i` of the output is input sample `i`.
pub fn upsample_16k(x: &[f32]) -> Vec<f32> {
    let make = || edgemix_dsp::RationalResampler::new(16_000, SET_RATE, 7200.0, 8000.0, 80.0);
    // The delay, in output samples: the peak of the impulse response (a symmetric FIR).
    let mut impulse = vec![0.0f32; 1024];
    impulse[0] = 1.0;
    let mut response = Vec::new();
    make().process(&impulse, |y| response.push(y.abs()));
    let delay = (0..response.len())
        .max_by(|a, b| response[*a].total_cmp(&response[*b]))
        .unwrap();
    let mut resampler = make();
    let mut out = Vec::with_capacity(3 * x.len() + delay + 3);
    resampler.process(x, |y| out.push(y));
    resampler.process(&vec![0.0; delay / 3 + 1], |y| out.push(y));
    out.drain(..delay);
    out.truncate(3 * x.len());
    out
}

/// Samples of a 16-bit mono PCM WAV, scaled to [−1, 1), and its sample rate.
pub fn read_wav_s16(bytes: &[u8]) -> (Vec<f32>, u32) {
    assert!(
        &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WAVE",
        "not a WAV file"
    );
    let mut pos = 12;
    let mut format = None;
    while pos + 8 <= bytes.len() {
        let id = &bytes[pos..pos + 4];
        let len = u32::from_le_bytes(bytes[pos + 4..pos + 8].try_into().unwrap()) as usize;
        let body = &bytes[pos + 8..(pos + 8 + len).min(bytes.len())];
        if id == b"fmt " {
            let channels = u16::from_le_bytes([body[2], body[3]]);
            let rate = u32::from_le_bytes(body[4..8].try_into().unwrap());
            let bits = u16::from_le_bytes([body[14], body[15]]);
            format = Some((channels, rate, bits));
        } else if id == b"data" {
            let Some((1, rate, 16)) = format else {
                panic!("16-bit mono PCM expected, got {format:?}");
            };
            let samples = body
                .chunks_exact(2)
                .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0)
                .collect();
            return (samples, rate);
        }
        pos += 8 + len + (len & 1);
    }
    panic!("no data chunk");
}

#[path = "../common/xorshift.rs"]
mod xorshift;
pub use xorshift::XorShift64;

#[path = "band.rs"]
mod band;
pub use band::{band_bed, Parts};

/// Pink noise, Voss–McCartney with 16 rows (see the module documentation).
pub fn pink_noise(n: usize, seed: u64) -> Vec<f64> {
    const ROWS: usize = 16;
    let mut rng = XorShift64::new(seed);
    let mut rows = [0.0f64; ROWS];
    for row in rows.iter_mut() {
        *row = rng.bipolar();
    }
    let mut sum: f64 = rows.iter().sum();
    (1..=n as u64)
        .map(|i| {
            let k = i.trailing_zeros() as usize;
            if k < ROWS {
                let fresh = rng.bipolar();
                sum += fresh - rows[k];
                rows[k] = fresh;
            }
            (sum + rng.bipolar()) / (ROWS + 1) as f64
        })
        .collect()
}

/// Uniform white noise in [−1, 1).
pub fn white_noise(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = XorShift64::new(seed);
    (0..n).map(|_| rng.bipolar()).collect()
}

/// Brown (red) noise: leaky integral of white noise (−6 dB per octave above ~8 Hz).
pub fn brown_noise(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = XorShift64::new(seed);
    let mut y = 0.0;
    (0..n)
        .map(|_| {
            y = 0.999 * y + 0.02 * rng.bipolar();
            y
        })
        .collect()
}

/// One period of a waveform with the given harmonic amplitudes, 4096 points.
fn wavetable(harmonics: &[f64]) -> Vec<f64> {
    const N: usize = 4096;
    let mut table: Vec<f64> = (0..N)
        .map(|i| {
            harmonics
                .iter()
                .enumerate()
                .map(|(h, a)| a * (TAU * (h + 1) as f64 * i as f64 / N as f64).sin())
                .sum()
        })
        .collect();
    let peak = table.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    table.iter_mut().for_each(|x| *x /= peak);
    table
}

/// Adds a note: `table` at `freq` Hz from sample `start` for `len` samples, scaled by
/// `amp` and by the envelope `env(t)` (t in seconds from the note start).
#[allow(clippy::too_many_arguments)]
fn add_note(
    out: &mut [f64],
    rate: f64,
    start: usize,
    len: usize,
    freq: f64,
    table: &[f64],
    amp: f64,
    env: impl Fn(f64) -> f64,
) {
    let n = table.len() as f64;
    let step = freq / rate * n;
    let mut phase = 0.0f64;
    for (i, y) in out.iter_mut().skip(start).take(len).enumerate() {
        let idx = phase as usize;
        let frac = phase - idx as f64;
        let a = table[idx % table.len()];
        let b = table[(idx + 1) % table.len()];
        *y += amp * env(i as f64 / rate) * (a + (b - a) * frac);
        phase += step;
        if phase >= n {
            phase -= n;
        }
    }
}

fn midi_hz(note: f64) -> f64 {
    440.0 * 2f64.powf((note - 69.0) / 12.0)
}

/// A music bed of `n` samples at `rate` Hz (see the module documentation).
pub fn music_bed(n: usize, rate: f64, seed: u64) -> Vec<f64> {
    const MAJOR: [i32; 7] = [0, 2, 4, 5, 7, 9, 11];
    const PROGRESSIONS: [[usize; 4]; 4] = [[0, 4, 5, 3], [5, 3, 0, 4], [0, 5, 3, 4], [1, 4, 0, 5]];
    let mut rng = XorShift64::new(seed);
    let tempo = 96.0 + rng.below(37) as f64;
    let beat = 60.0 / tempo;
    let root = 45 + rng.below(12) as i32; // A2 … G#3
    let progression = PROGRESSIONS[rng.below(PROGRESSIONS.len())];
    let sixteenths = rng.below(2) == 1;
    let vary = |rng: &mut XorShift64| 0.7 + 0.6 * rng.uniform();
    let (pad_amp, bass_amp, arp_amp) = (
        0.10 * vary(&mut rng),
        0.35 * vary(&mut rng),
        0.14 * vary(&mut rng),
    );
    let (kick_amp, snare_amp, hat_amp) = (
        0.55 * vary(&mut rng),
        0.28 * vary(&mut rng),
        0.07 * vary(&mut rng),
    );

    let pad = wavetable(&(1..=10).map(|h| 1.0 / h as f64).collect::<Vec<_>>());
    let pluck = wavetable(
        &(1..=8)
            .map(|h| 1.0 / (h as f64).powf(1.2))
            .collect::<Vec<_>>(),
    );
    let bass = wavetable(&(1..=6).map(|h| 1.0 / (h * h) as f64).collect::<Vec<_>>());

    let mut out = vec![0.0f64; n];
    let samples = |seconds: f64| (seconds * rate).round() as usize;
    let bar_len = 4.0 * beat;
    let bars = (n as f64 / rate / bar_len).ceil() as usize + 1;
    let mut noise = XorShift64::new(seed ^ 0xD1CE);
    for bar in 0..bars {
        let t0 = bar as f64 * bar_len;
        let degree = progression[bar % 4];
        let triad: Vec<i32> = (0..3)
            .map(|i| {
                let step = degree + 2 * i;
                root + MAJOR[step % 7] + 12 * (step / 7) as i32
            })
            .collect();
        // Pad: the triad an octave up, 0.1 s attack and release around the bar.
        for &note in &triad {
            let len = bar_len + 0.1;
            add_note(
                &mut out,
                rate,
                samples(t0),
                samples(len),
                midi_hz(f64::from(note + 12)),
                &pad,
                pad_amp,
                |t| (t / 0.1).min(1.0) * ((len - t) / 0.1).clamp(0.0, 1.0),
            );
        }
        // Bass: root an octave down on beats 1, 2½ and 3.
        for at in [0.0, 1.5, 2.0] {
            add_note(
                &mut out,
                rate,
                samples(t0 + at * beat),
                samples(1.2),
                midi_hz(f64::from(root - 12 + MAJOR[degree % 7])),
                &bass,
                bass_amp,
                |t| (-t / 0.25).exp() * (t / 0.005).min(1.0),
            );
        }
        // Arpeggio two octaves up.
        let steps = if sixteenths { 16 } else { 8 };
        for s in 0..steps {
            let note = triad[s % 3] + 24 + 12 * ((s / 3) % 2) as i32;
            let at = t0 + s as f64 * bar_len / steps as f64;
            add_note(
                &mut out,
                rate,
                samples(at),
                samples(0.8),
                midi_hz(f64::from(note)),
                &pluck,
                arp_amp,
                |t| (-t / 0.12).exp() * (t / 0.003).min(1.0),
            );
        }
        // Drums.
        for b in 0..4 {
            let at = samples(t0 + b as f64 * beat);
            if b % 2 == 0 {
                // Kick: a sine sweeping 120 → 45 Hz.
                let len = samples(0.5);
                let mut phase = 0.0f64;
                for (i, y) in out.iter_mut().skip(at).take(len).enumerate() {
                    let t = i as f64 / rate;
                    let f = 45.0 + 75.0 * (-t / 0.04).exp();
                    *y += kick_amp * (-t / 0.15).exp() * (TAU * phase).sin();
                    phase += f / rate;
                }
            } else {
                // Snare: noise and a 185 Hz body.
                let len = samples(0.4);
                let mut previous = 0.0;
                for (i, y) in out.iter_mut().skip(at).take(len).enumerate() {
                    let t = i as f64 / rate;
                    let white = noise.bipolar();
                    let bright = white - 0.5 * previous;
                    previous = white;
                    *y += snare_amp
                        * (-t / 0.09).exp()
                        * (0.8 * bright + 0.5 * (TAU * 185.0 * t).sin());
                }
            }
        }
        for e in 0..8 {
            let at = samples(t0 + e as f64 * beat / 2.0);
            let mut previous = 0.0;
            for (i, y) in out.iter_mut().skip(at).take(samples(0.15)).enumerate() {
                let t = i as f64 / rate;
                let white = noise.bipolar();
                *y += hat_amp * (-t / 0.02).exp() * (white - previous);
                previous = white;
            }
        }
    }
    out
}

/// The background of a condition, `n` samples at 48 kHz.
pub fn background(kind: Background, n: usize) -> Vec<f64> {
    match kind {
        Background::Pink { seed } => pink_noise(n, seed),
        Background::Music { seed } => music_bed(n, f64::from(SET_RATE), seed),
        Background::White { seed } => white_noise(n, seed),
        Background::Brown { seed } => brown_noise(n, seed),
        Background::Band { seed, parts } => band_bed(n, f64::from(SET_RATE), seed, parts),
    }
}

/// `speech + g·noise` at `snr_db` over the speech-active frames (module documentation).
pub fn mix_at_snr(speech: &[f32], noise: &[f64], labels: &[bool], snr_db: f64) -> Vec<f32> {
    let (mut ps, mut pn, mut count) = (0.0f64, 0.0f64, 0usize);
    for (i, _) in labels.iter().enumerate().filter(|(_, active)| **active) {
        for j in i * SET_FRAME..(i + 1) * SET_FRAME {
            ps += f64::from(speech[j]) * f64::from(speech[j]);
            pn += noise[j] * noise[j];
        }
        count += SET_FRAME;
    }
    assert!(
        count > 0 && pn > 0.0,
        "no active frames or a silent background"
    );
    let gain = (ps / (pn * 10f64.powf(snr_db / 10.0))).sqrt();
    speech
        .iter()
        .zip(noise)
        .map(|(s, n)| (f64::from(*s) + gain * n) as f32)
        .collect()
}

/// The mixed signal of one condition on the committed set.
pub fn condition_signal(set: &LabelledSet, condition: &Condition) -> Vec<f32> {
    let noise = background(condition.background, set.samples.len());
    mix_at_snr(&set.samples, &noise, &set.labels, condition.snr_db)
}

/// Fraction of frames where `decisions` equals `labels`.
pub fn accuracy(decisions: &[bool], labels: &[bool]) -> f64 {
    assert_eq!(decisions.len(), labels.len());
    decisions.iter().zip(labels).filter(|(d, l)| d == l).count() as f64 / labels.len() as f64
}

/// Frame counts of a detector against the labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Confusion {
    /// Speech frames called speech.
    pub tp: usize,
    /// Non-speech frames called speech.
    pub fp: usize,
    /// Non-speech frames called non-speech.
    pub tn: usize,
    /// Speech frames called non-speech.
    pub fn_: usize,
}

impl Confusion {
    pub fn of(decisions: &[bool], labels: &[bool]) -> Self {
        assert_eq!(decisions.len(), labels.len());
        let mut c = Self::default();
        for (d, l) in decisions.iter().zip(labels) {
            match (d, l) {
                (true, true) => c.tp += 1,
                (true, false) => c.fp += 1,
                (false, false) => c.tn += 1,
                (false, true) => c.fn_ += 1,
            }
        }
        c
    }

    pub fn accuracy(&self) -> f64 {
        (self.tp + self.tn) as f64 / (self.tp + self.fp + self.tn + self.fn_) as f64
    }

    /// Fraction of the speech frames called speech.
    pub fn tp_rate(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fn_) as f64
    }

    /// Fraction of the non-speech frames called speech.
    pub fn fp_rate(&self) -> f64 {
        self.fp as f64 / (self.fp + self.tn) as f64
    }

    /// `"accuracy": …, "tpRate": …, "fpRate": …, "tnRate": …, "fnRate": …` (JSON members).
    pub fn json_members(&self) -> String {
        format!(
            "\"accuracy\": {:.4}, \"tpRate\": {:.4}, \"fpRate\": {:.4}, \"tnRate\": {:.4}, \"fnRate\": {:.4}",
            self.accuracy(),
            self.tp_rate(),
            self.fp_rate(),
            1.0 - self.fp_rate(),
            1.0 - self.tp_rate()
        )
    }
}

/// Accuracy and speed of a detector on every condition of the committed set, as the JSON
/// the bench reads (see [`bench_json`]).
pub fn bench_conditions_json<D>(
    runs: usize,
    make: impl FnMut() -> D,
    detect: impl FnMut(D, &[f32], usize) -> Vec<bool>,
) -> String {
    bench_json(&test_set(), &CONDITIONS, runs, make, detect)
}

/// Accuracy, confusion rates and speed of a detector on `conditions` of `set`:
/// `{ "<condition>": { "accuracy", "tpRate", "fpRate", "tnRate", "fnRate", "usPerFrame" },
/// ... }`. `detect` runs the fresh detector `make` returns (made outside the clock) over
/// one condition's 960-sample frames and returns one decision per labelled frame; the
/// time is the best of `runs` runs of it, divided by the number of frames.
pub fn bench_json<D>(
    set: &LabelledSet,
    conditions: &[Condition],
    runs: usize,
    mut make: impl FnMut() -> D,
    mut detect: impl FnMut(D, &[f32], usize) -> Vec<bool>,
) -> String {
    let frames = set.labels.len();
    let mut entries = Vec::new();
    for condition in conditions {
        let signal = condition_signal(set, condition);
        let mut best = f64::INFINITY;
        let mut decisions = Vec::new();
        for _ in 0..runs {
            let detector = make();
            let start = std::time::Instant::now();
            decisions = detect(detector, &signal, frames);
            best = best.min(start.elapsed().as_secs_f64());
        }
        entries.push(format!(
            "  \"{}\": {{ {}, \"usPerFrame\": {:.2} }}",
            condition.name,
            Confusion::of(&decisions, &set.labels).json_members(),
            best / frames as f64 * 1e6
        ));
    }
    format!("{{\n{}\n}}", entries.join(",\n"))
}
