//! Writes the genre training table: the feature vector of every 3 s window (one every
//! second) of every clip of a corpus made by `crates/dsp/training/genre/corpus.py`, computed by
//! the same code as `edgemix_dsp::genre::classify`. Run by `crates/dsp/training/genre/train.py`;
//! not a benchmark.
//!
//! ```sh
//! cargo run --release -p edgemix-dsp --example genre_features -- CORPUS_DIR OUT.f32
//! ```
//!
//! Output: rows of little-endian f32, `FEATURES + 1` columns: the features (in the order
//! of `genre::FEATURE_NAMES`) and the clip's index in `CORPUS_DIR/manifest.json`.

use std::io::Write;

use edgemix_dsp::genre::{window_features, CLASSIFY_HOP_FRAMES, FEATURES};

fn read_mono(path: &std::path::Path) -> (Vec<f32>, u32) {
    let mut reader =
        hound::WavReader::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let spec = reader.spec();
    assert_eq!(spec.channels, 1, "{}: mono expected", path.display());
    let samples = match spec.sample_format {
        hound::SampleFormat::Int => {
            let scale = 1.0 / (1u32 << (spec.bits_per_sample - 1)) as f32;
            reader
                .samples::<i32>()
                .map(|s| s.unwrap() as f32 * scale)
                .collect()
        }
        hound::SampleFormat::Float => reader.samples::<f32>().map(Result::unwrap).collect(),
    };
    (samples, spec.sample_rate)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    assert_eq!(args.len(), 2, "usage: genre_features CORPUS_DIR OUT.f32");
    let root = std::path::Path::new(&args[0]);
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("manifest.json")).expect("manifest.json"),
    )
    .expect("JSON");
    let clips = manifest["clips"].as_array().expect("clips");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&args[1]).expect("output file"));
    let mut rows = 0usize;
    for (index, clip) in clips.iter().enumerate() {
        let (samples, rate) = read_mono(&root.join(clip["path"].as_str().expect("path")));
        for features in
            window_features(&samples, rate, CLASSIFY_HOP_FRAMES).expect("a clip of at least 3 s")
        {
            for v in features.iter().chain(std::iter::once(&(index as f32))) {
                out.write_all(&v.to_le_bytes()).unwrap();
            }
            rows += 1;
        }
    }
    out.flush().unwrap();
    eprintln!(
        "{rows} windows of {FEATURES} features from {} clips",
        clips.len()
    );
}
