//! The classifier: standardisation, one ReLU hidden layer and a softmax over the five
//! genres, with the weights that `crates/dsp/training/genre/train.py` writes to `weights.rs`.

use super::weights as w;
use super::window::FEATURES;
use super::GENRES;

/// Class probabilities (order of [`super::Genre::ALL`]) of one feature vector.
pub fn predict(x: &[f32; FEATURES]) -> [f32; GENRES] {
    let mut input = [0.0f32; FEATURES];
    for i in 0..FEATURES {
        input[i] = (x[i] - w::MEAN[i]) * w::INV_STD[i];
    }
    let mut hidden = [0.0f32; w::HIDDEN];
    for (j, h) in hidden.iter_mut().enumerate() {
        let row = &w::W1[j * FEATURES..(j + 1) * FEATURES];
        *h = (w::B1[j] + row.iter().zip(&input).map(|(a, b)| a * b).sum::<f32>()).max(0.0);
    }
    let mut logits = [0.0f32; GENRES];
    for (k, z) in logits.iter_mut().enumerate() {
        let row = &w::W2[k * w::HIDDEN..(k + 1) * w::HIDDEN];
        *z = w::B2[k] + row.iter().zip(&hidden).map(|(a, b)| a * b).sum::<f32>();
    }
    softmax(&logits)
}

/// `e^{z_k − max z} / Σ e^{z_j − max z}`.
pub fn softmax(logits: &[f32; GENRES]) -> [f32; GENRES] {
    let top = logits.iter().fold(f32::NEG_INFINITY, |m, &z| m.max(z));
    let mut p = logits.map(|z| (z - top).exp());
    let sum: f32 = p.iter().sum();
    for v in &mut p {
        *v /= sum;
    }
    p
}
