//! The frame stream of the Silero VAD: every frame once and in order, independent of
//! block sizes, the overlap rule against the chunk probabilities, flush, 16 kHz input,
//! and refused configurations and audio.

#[path = "../../dsp/tests/vad_set/signals.rs"]
mod signals;

use edgemix_dsp::{AudioError, RationalResampler};
use edgemix_silero::{
    SileroChunks, SileroConfig, SileroError, SileroFrame, SileroModel, SileroVad, CHUNK,
};
use signals::{test_set, XorShift64};

fn speech(seconds: f64) -> Vec<f32> {
    let set = test_set();
    // From 1 s before the first utterance's start: silence, then speech.
    set.samples[..(seconds * 48_000.0) as usize].to_vec()
}

fn run(
    vad: &mut SileroVad,
    signal: &[f32],
    blocks: impl Iterator<Item = usize>,
) -> Vec<SileroFrame> {
    let mut frames = Vec::new();
    let mut at = 0;
    for len in blocks {
        if at >= signal.len() {
            break;
        }
        let end = (at + len).min(signal.len());
        frames.extend(vad.process(&signal[at..end]).unwrap());
        at = end;
    }
    frames.extend(vad.flush().unwrap());
    frames
}

#[test]
fn every_complete_frame_is_reported_once_in_order_whatever_the_blocks() {
    let signal = speech(4.0);
    let by_frame = run(
        &mut SileroVad::new(SileroConfig::default()).unwrap(),
        &signal,
        std::iter::repeat(960),
    );
    assert_eq!(by_frame.len(), signal.len() / 960);
    assert!(by_frame
        .iter()
        .enumerate()
        .all(|(i, f)| f.index == i as u64));
    let mut rng = XorShift64::new(11);
    let random = run(
        &mut SileroVad::new(SileroConfig::default()).unwrap(),
        &signal,
        std::iter::from_fn(|| Some(1 + rng.below(3000))),
    );
    assert_eq!(random, by_frame, "block sizes do not change any frame");
    // Speech is found in the second and later seconds, not in the leading silence.
    assert!(by_frame[..40]
        .iter()
        .all(|f| !f.speech && f.probability < 0.1));
    assert!(by_frame.iter().filter(|f| f.speech).count() > 50);
}

#[test]
fn frames_wait_for_their_last_chunk_and_flush_releases_the_rest() {
    let signal = speech(2.0);
    let mut vad = SileroVad::new(SileroConfig::default()).unwrap();
    // Frame 0 (16 kHz samples 0..320) lies in chunk 0, which completes with the second
    // frame's input (at 640 ≥ 512 samples): nothing after one frame, frame 0 after two.
    assert!(vad.process(&signal[..960]).unwrap().is_empty());
    let second = vad.process(&signal[960..1920]).unwrap();
    assert_eq!(second.iter().map(|f| f.index).collect::<Vec<_>>(), vec![0]);
    // Frame 1 (320..640) straddles chunks 0 and 1: it needs chunk 1 (complete at 1024).
    let mut reported = second.len();
    for (k, frame) in signal[1920..].chunks(960).enumerate() {
        let frames = vad.process(frame).unwrap();
        let received = 960 * (k as u64 + 3);
        for f in &frames {
            let last_chunk = ((f.index + 1) * 320 - 1) / CHUNK as u64;
            assert!(
                (last_chunk + 1) * CHUNK as u64 <= received / 3,
                "frame {} reported before its chunk ran",
                f.index
            );
        }
        reported += frames.len();
    }
    let tail = vad.flush().unwrap();
    assert!(!tail.is_empty());
    assert_eq!(reported + tail.len(), signal.len() / 960);
}

#[test]
fn a_frame_probability_is_the_overlap_weighted_mean_of_its_chunks() {
    // At 16 kHz the chunk stream sees the input itself.
    let signal: Vec<f32> = speech(3.0).iter().step_by(3).copied().collect();
    let model = SileroModel::shared().unwrap();
    let mut chunks = SileroChunks::new(&model).unwrap();
    let mut p = Vec::new();
    chunks.push(&signal, |x| p.push(f64::from(x))).unwrap();
    let mut vad = SileroVad::new(SileroConfig {
        sample_rate: 16_000,
        threshold: 0.5,
    })
    .unwrap();
    let frames = run(&mut vad, &signal, std::iter::repeat(320));
    // Frames lying inside the complete chunks: frame i = samples 320i..320i+320.
    for f in frames
        .iter()
        .filter(|f| (f.index + 1) * 320 <= (p.len() * CHUNK) as u64)
    {
        let (a, b) = (f.index * 320, f.index * 320 + 320);
        let (k0, k1) = (a / 512, (b - 1) / 512);
        let expected = if k0 == k1 {
            p[k0 as usize]
        } else {
            let split = k1 * 512;
            (p[k0 as usize] * (split - a) as f64 + p[k1 as usize] * (b - split) as f64) / 320.0
        };
        assert!(
            (f64::from(f.probability) - expected).abs() < 1e-6,
            "frame {}: {} vs {expected}",
            f.index,
            f.probability
        );
        assert_eq!(f.speech, f.probability >= 0.5);
    }
}

#[test]
fn the_48k_front_end_matches_16k_input_through_the_same_decimator() {
    let signal = speech(3.0);
    let at48 = run(
        &mut SileroVad::new(SileroConfig::default()).unwrap(),
        &signal,
        std::iter::repeat(960),
    );
    let mut decimator = RationalResampler::new(48_000, 16_000, 7_000.0, 8_000.0, 60.0);
    let mut at16k = Vec::new();
    decimator.process(&signal, |y| at16k.push(y));
    let direct = run(
        &mut SileroVad::new(SileroConfig {
            sample_rate: 16_000,
            threshold: 0.5,
        })
        .unwrap(),
        &at16k,
        std::iter::repeat(320),
    );
    assert_eq!(at48, direct);
}

#[test]
fn refused_audio_leaves_the_stream_untouched() {
    let signal = speech(2.0);
    let mut clean = SileroVad::new(SileroConfig::default()).unwrap();
    let mut poked = SileroVad::new(SileroConfig::default()).unwrap();
    let mut bad = signal[..960].to_vec();
    bad[17] = f32::NAN;
    assert!(matches!(
        poked.process(&bad),
        Err(SileroError::Audio(AudioError::NonFinite { index: 17, .. }))
    ));
    assert_eq!(
        poked.process(&[]).unwrap_err(),
        SileroError::Audio(AudioError::Empty)
    );
    let a = run(&mut clean, &signal, std::iter::repeat(960));
    let b = run(&mut poked, &signal, std::iter::repeat(960));
    assert_eq!(a, b);
}

#[test]
fn out_of_range_configuration_is_refused_with_what_is_allowed() {
    for (config, needle) in [
        (
            SileroConfig {
                sample_rate: 44_100,
                threshold: 0.5,
            },
            "allowed 16000 or 48000 Hz",
        ),
        (
            SileroConfig {
                sample_rate: 48_000,
                threshold: 1.5,
            },
            "threshold = 1.5 is out of range: allowed 0 to 1",
        ),
        (
            SileroConfig {
                sample_rate: 48_000,
                threshold: f32::NAN,
            },
            "allowed 0 to 1",
        ),
    ] {
        let Err(SileroError::Config(err)) = SileroVad::new(config) else {
            panic!("{config:?} accepted")
        };
        assert!(err.message.contains(needle), "{}", err.message);
    }
}
