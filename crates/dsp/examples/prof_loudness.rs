#[path = "common/signal.rs"]
mod signal;
use edgemix_dsp::{LoudnessMeter, LoudnessSettings, TruePeak};
use std::time::Instant;
fn main() {
    let input = signal::test_signal(48_000 * 60);
    let settings = LoudnessSettings::mono(48_000.0).expect("valid");
    let mut best = [f64::INFINITY; 3];
    for _ in 0..40 {
        for (i, b) in best.iter_mut().enumerate() {
            let t = Instant::now();
            match i {
                0 => { let mut m = LoudnessMeter::with_true_peak(settings.clone(), false); m.push(&input).unwrap(); std::hint::black_box(m.integrated_lufs()); }
                1 => { let mut t = TruePeak::new(); t.push_strided(&input, 0, 1); std::hint::black_box(t.peak()); }
                _ => { let mut m = LoudnessMeter::new(settings.clone()); m.push(&input).unwrap(); std::hint::black_box(m.report()); }
            }
            *b = b.min(t.elapsed().as_secs_f64() * 1e3);
        }
    }
    println!("k {:.2} tp {:.2} full {:.2}", best[0], best[1], best[2]);
}
