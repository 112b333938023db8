//! Genre detection: analytic checks of the features through the whole pipeline
//! (resampling, framing, window statistics), the held-out synthetic clips, real recorded
//! speech (the WAVs of PyPI `pytest-audioeval`, fetched by `genre_set/fetch_audioeval.py`)
//! and the streaming classifier's options and determinism.

mod common;

use std::path::{Path, PathBuf};

use common::{sine, white_noise, FS};
use edgemix_dsp::genre::{
    classify, min_samples, window_features, Genre, StreamingGenreClassifier, StreamingGenreOptions,
    FEATURE_NAMES,
};
use edgemix_dsp::AnalysisError;

fn feature(name: &str) -> usize {
    FEATURE_NAMES
        .iter()
        .position(|n| *n == name)
        .unwrap_or_else(|| panic!("no feature {name}"))
}

/// Mean of one feature over the windows of `x` at 48 kHz.
fn mean_feature(x: &[f32], name: &str) -> f64 {
    mean_feature_at(x, FS as u32, name)
}

fn mean_feature_at(x: &[f32], rate: u32, name: &str) -> f64 {
    let windows = window_features(x, rate, 50).unwrap();
    windows
        .iter()
        .map(|w| f64::from(w[feature(name)]))
        .sum::<f64>()
        / windows.len() as f64
}

#[test]
fn a_click_train_gives_its_tempo_and_onset_rate() {
    for bpm in [90.0, 120.0, 150.0] {
        let period = (FS * 60.0 / bpm) as usize;
        // 6 s of 2 ms broadband clicks (white noise bursts) over silence.
        let burst = white_noise(96, 0.8, 7);
        let x: Vec<f32> = (0..6 * FS as usize)
            .map(|n| {
                if n % period < 96 {
                    burst[n % period]
                } else {
                    0.0
                }
            })
            .collect();
        let tempo = mean_feature(&x, "tempo_log2_120");
        assert!(
            (tempo - (bpm / 120.0f64).log2()).abs() < 0.03,
            "{bpm} bpm: log2 tempo {tempo}"
        );
        let rate = mean_feature(&x, "onset_rate_per_s");
        assert!(
            (rate - bpm / 60.0).abs() <= 0.34,
            "{bpm} bpm: {rate} onsets/s"
        );
        let periodicity = mean_feature(&x, "tempo_periodicity");
        let percussive = mean_feature(&x, "percussive_fraction");
        // A period that is not a whole number of 20 ms frames (90 bpm: 33.3) jitters the
        // envelope's peaks by a frame, which lowers the autocorrelation.
        assert!(periodicity > 0.7, "{bpm} bpm: periodicity {periodicity}");
        assert!(
            percussive > 0.9,
            "{bpm} bpm: percussive fraction {percussive}"
        );
    }
    let noise = white_noise(6 * FS as usize, 0.3, 5);
    let periodicity = mean_feature(&noise, "tempo_periodicity");
    assert!(periodicity < 0.4, "white noise: periodicity {periodicity}");
    let percussive = mean_feature(
        &sine(6 * FS as usize, 440.0, FS, 0.5),
        "percussive_fraction",
    );
    assert!(
        percussive < 0.1,
        "steady sine: percussive fraction {percussive}"
    );
}

#[test]
fn noise_modulated_at_4_hz_has_its_modulation_energy_at_4_hz() {
    let n = 6 * FS as usize;
    let noise = white_noise(n, 0.3, 11);
    let am: Vec<f32> = noise
        .iter()
        .enumerate()
        .map(|(i, &v)| v * (1.0 + 0.9 * (std::f64::consts::TAU * 4.0 * i as f64 / FS).sin()) as f32)
        .collect();
    let share = mean_feature(&am, "modulation_4hz_share");
    assert!(share > 0.8, "4 Hz AM: {share}");
    let steady = mean_feature(&noise, "modulation_4hz_share");
    assert!(steady < 0.5, "steady noise: {steady}");
    assert!(
        mean_feature(&am, "modulation_4hz_depth_log10")
            > mean_feature(&noise, "modulation_4hz_depth_log10") + 1.5
    );
    // Steady noise has no pauses; noise gated off half the time (1 Hz) pauses half the time.
    assert_eq!(mean_feature(&noise, "pause_ratio"), 0.0);
    let gated: Vec<f32> = noise
        .iter()
        .enumerate()
        .map(|(i, &v)| if (i / 24_000) % 2 == 0 { v } else { 0.0 })
        .collect();
    let pauses = mean_feature(&gated, "pause_ratio");
    assert!((pauses - 0.5).abs() < 0.05, "{pauses}");
}

#[test]
fn a_constant_sine_has_a_crest_factor_of_root_two_and_no_dynamics() {
    // At the analysis rate (16 kHz, no resampling) a 1 kHz sine from phase 0 has samples
    // on its crests, so the sampled peak is the amplitude.
    let x = sine(6 * 16_000, 1000.0, 16_000.0, 0.5);
    let crest = mean_feature_at(&x, 16_000, "crest_db");
    assert!(
        (crest - 20.0 * 2f64.sqrt().log10()).abs() < 0.1,
        "crest {crest} dB"
    );
    assert!(mean_feature_at(&x, 16_000, "dynamic_range_db") < 0.1);
    // At 48 kHz, resampled: the sampled peak is within cos(π/16) of the crest.
    let x48 = sine(6 * FS as usize, 1000.0, FS, 0.5);
    let crest48 = mean_feature(&x48, "crest_db");
    let root_two_db = 20.0 * 2f64.sqrt().log10();
    assert!(
        crest48 <= root_two_db + 0.05
            && crest48 >= root_two_db + 20.0 * (std::f64::consts::PI / 16.0).cos().log10() - 0.05,
        "{crest48}"
    );
    // Centroid of a 1 kHz tone: 1 kHz.
    let centroid = mean_feature(&x48, "centroid_mean_khz");
    assert!((centroid - 1.0).abs() < 0.05, "centroid {centroid} kHz");
}

#[test]
fn too_short_input_names_the_minimum_length() {
    let min = min_samples(48_000);
    assert!(min > 143_000 && min <= 144_000, "{min}");
    let x = white_noise(min, 0.1, 3);
    assert!(classify(&x, 48_000).is_ok());
    let err = classify(&x[..min - 1], 48_000).unwrap_err();
    assert!(
        matches!(err, AnalysisError::TooShortForWindow { min_samples, .. } if min_samples == min),
        "{err:?}"
    );
    assert!(err.to_string().contains(&min.to_string()), "{err}");
    for rate in [16_000, 22_050, 44_100] {
        let min = min_samples(rate);
        let x = white_noise(min, 0.1, 3);
        assert_eq!(window_features(&x, rate, 50).unwrap().len(), 1, "{rate} Hz");
        assert!(classify(&x[..min - 1], rate).is_err());
    }
    assert!(matches!(classify(&x, 8000), Err(AnalysisError::Config(e)) if e.param == "sampleRate"));
    assert!(
        matches!(classify(&x, 44_101), Err(AnalysisError::Config(e)) if e.param == "sampleRate")
    );
    let mut bad = x.clone();
    bad[5] = f32::NAN;
    assert!(matches!(
        classify(&bad, 48_000),
        Err(AnalysisError::Audio(_))
    ));
}

#[test]
fn streaming_options_are_validated_by_name() {
    let bad = |json: &str| {
        StreamingGenreOptions::from_json(&serde_json::from_str(json).unwrap())
            .unwrap_err()
            .param
    };
    assert_eq!(bad(r#"{"hopMs": 10}"#), "hopMs");
    assert_eq!(bad(r#"{"smoothingMs": -1}"#), "smoothingMs");
    assert_eq!(bad(r#"{"holdMs": 20000}"#), "holdMs");
    assert_eq!(bad(r#"{"margin": 0.6}"#), "margin");
    assert_eq!(bad(r#"{"threshold": 1.5}"#), "threshold");
    assert_eq!(bad(r#"{"sampleRate": 8000}"#), "sampleRate");
    assert_eq!(bad(r#"{"hop": 3}"#), "hop");
    let (rate, opts) = StreamingGenreOptions::from_json(
        &serde_json::json!({ "sampleRate": 44100, "margin": 0.2 }),
    )
    .unwrap();
    assert_eq!((rate, opts.margin, opts.hop_ms), (44_100, 0.2, 500.0));
    assert!(StreamingGenreClassifier::new(12_345, StreamingGenreOptions::default()).is_err());
}

/// Reads a 16-bit or float mono WAV.
fn read_wav(path: &Path) -> (Vec<f32>, u32) {
    let mut reader =
        hound::WavReader::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let spec = reader.spec();
    assert_eq!(spec.channels, 1);
    let samples = match spec.sample_format {
        hound::SampleFormat::Int => reader
            .samples::<i32>()
            .map(|s| s.unwrap() as f32 / 32768.0)
            .collect(),
        hound::SampleFormat::Float => reader.samples::<f32>().map(Result::unwrap).collect(),
    };
    (samples, spec.sample_rate)
}

fn genre_set() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/genre_set")
}

/// The committed held-out clips with their labels.
fn heldout() -> Vec<(String, Genre, Vec<f32>, u32)> {
    let labels: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(genre_set().join("labels.json")).unwrap())
            .unwrap();
    labels["clips"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let file = c["file"].as_str().unwrap().to_owned();
            let genre: Genre = serde_json::from_value(c["genre"].clone()).unwrap();
            let (x, rate) = read_wav(&genre_set().join(&file));
            (file, genre, x, rate)
        })
        .collect()
}

#[test]
fn held_out_synthetic_clips_are_classified() {
    let clips = heldout();
    let mut correct = 0;
    for (file, genre, x, rate) in &clips {
        let (got, p) = classify(x, *rate).unwrap().best();
        eprintln!("{file}: {genre:?} -> {got:?} ({p:.2})");
        correct += usize::from(got == *genre);
        // Speech against music is the distinction the presets depend on most.
        assert_eq!(
            got == Genre::Speech,
            *genre == Genre::Speech,
            "{file}: {genre:?} classified {got:?}"
        );
    }
    assert!(
        correct * 10 >= clips.len() * 8,
        "{correct} of {} held-out clips right",
        clips.len()
    );
}

#[test]
fn streaming_follows_a_change_of_genre_and_is_deterministic() {
    let clips = heldout();
    let speech: Vec<f32> = clips
        .iter()
        .filter(|c| c.1 == Genre::Speech)
        .flat_map(|c| c.2.clone())
        .collect();
    let music: Vec<f32> = clips
        .iter()
        .filter(|c| c.1 == Genre::Classical)
        .flat_map(|c| c.2.clone())
        .collect();
    let rate = clips[0].3;
    let signal: Vec<f32> = speech.iter().chain(&music).copied().collect();
    let run = |block: usize| {
        let mut c = StreamingGenreClassifier::new(rate, StreamingGenreOptions::default()).unwrap();
        let mut decisions = Vec::new();
        for chunk in signal.chunks(block) {
            c.push(chunk).unwrap();
            decisions.push(c.decision());
        }
        (c.decision(), decisions)
    };
    let (last, decisions) = run(320);
    assert_eq!(last.genre, Some(Genre::Classical));
    // At the end of the speech part the decision was speech, and it switched once.
    let speech_end = decisions[speech.len() / 320 - 1];
    assert_eq!(speech_end.genre, Some(Genre::Speech));
    let genres: Vec<_> = decisions.iter().filter_map(|d| d.genre).collect();
    let switches = genres.windows(2).filter(|w| w[0] != w[1]).count();
    assert_eq!(switches, 1, "{genres:?}");
    // Any block size gives the same decision.
    assert_eq!(run(7777).0, last);
}

/// The real speech of `pytest-audioeval` (9 languages, 27 recordings at 16 kHz), each
/// language's three recordings back to back.
fn audioeval_speech() -> Vec<(String, Vec<f32>)> {
    let script = genre_set().join("fetch_audioeval.py");
    let cache = std::env::var("EDGEMIX_AUDIOEVAL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").unwrap_or_else(|_| "/tmp".into()))
                .join(".cache/edgemix/audioeval")
        });
    let status = std::process::Command::new("python3")
        .arg(&script)
        .arg(&cache)
        .status()
        .expect("python3 runs");
    assert!(status.success(), "{} failed", script.display());
    let root = cache.join("samples");
    let mut languages: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    languages.sort();
    languages
        .into_iter()
        .map(|dir| {
            let mut files: Vec<_> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            files.sort();
            let mut x = Vec::new();
            for f in files
                .iter()
                .filter(|f| f.extension().is_some_and(|e| e == "wav"))
            {
                let (s, rate) = read_wav(f);
                assert_eq!(rate, 16_000);
                x.extend(s);
            }
            (dir.file_name().unwrap().to_string_lossy().into_owned(), x)
        })
        .collect()
}

#[test]
fn real_recorded_speech_is_speech_and_music_is_not() {
    let speech = audioeval_speech();
    assert_eq!(speech.len(), 9);
    for (language, x) in &speech {
        let (got, p) = classify(x, 16_000).unwrap().best();
        eprintln!("pytest-audioeval {language}: {got:?} ({p:.2})");
        assert_eq!(
            got,
            Genre::Speech,
            "{language} speech classified {got:?} ({p:.2})"
        );
    }
    // The same speech under each held-out music clip at -10 dB: music dominates.
    let clips = heldout();
    for (file, genre, music, rate) in clips.iter().filter(|c| c.1 != Genre::Speech) {
        assert_eq!(*rate, 16_000);
        let voice = &speech[0].1;
        let gain = 0.3 * rms(music) / rms(voice);
        let mixed: Vec<f32> = music
            .iter()
            .enumerate()
            .map(|(i, m)| m + gain * voice[i % voice.len()])
            .collect();
        let (got, p) = classify(&mixed, 16_000).unwrap().best();
        eprintln!("{file} + speech: {genre:?} -> {got:?} ({p:.2})");
        assert_ne!(
            got,
            Genre::Speech,
            "{file} ({genre:?}) with speech 10 dB under classified speech"
        );
    }
}

fn rms(x: &[f32]) -> f32 {
    (x.iter().map(|v| v * v).sum::<f32>() / x.len() as f32).sqrt()
}
