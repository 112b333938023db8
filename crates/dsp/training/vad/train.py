#!/usr/bin/env python3
"""Trains the VAD's network and writes crates/dsp/src/vad/model.rs.

    .venv/bin/python train.py            # from this folder; see README.md

Steps (all deterministic: fixed seeds, full float64 numpy):
  1. generate.py --train DIR: about 620 s of espeak-ng (20 languages) and Flite
     (English) speech, 160 utterances of other sentences than the committed test set,
     with seeded voices, speeds, pitches and pauses (skipped when DIR has it;
     VAD_TRAIN_DIR sets DIR). Festival and the pytest-audioeval recordings (heldout.py)
     are never used here: they are the held-out engines.
  2. `cargo run --release --example vad_train_features`: the Rust feature extractor on
     that speech mixed with 24 backgrounds (see MIXTURES there): pink noise at 0-30 dB
     SNR, the old music bed at 5/15 dB, band beds (full band, drums alone, melody alone;
     band.rs) at 0-25 dB, white and brown noise and none; every background changes to a
     new seed every 30 s; seeded speech levels of -46 to -16 dBFS. The backgrounds'
     seeds (1000-1999) differ from the test conditions' seeds.
  3. A multilayer perceptron 44 -> 48 -> 24 -> 1 (ReLU, logistic output) fitted by Adam
     to the binary cross-entropy of the hop labels; the last 20 % of every mixture is held
     out for validation and for the choice of the default threshold and hangover.
  4. vad/model.rs: the standardisation, the weights and the two defaults as f32 constants.

The test set, its noise and its music are never seen by this script.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))
VAD_SET = os.path.join(ROOT, "crates", "dsp", "tests", "vad_set")
WORK = os.environ.get("VAD_TRAIN_DIR", "/tmp/edgemix-vad-train")
OUT = os.path.join(ROOT, "crates", "dsp", "src", "vad", "model.rs")
FEATURES = 44
H1, H2 = 48, 24
EPOCHS = 40
BATCH = 512
SEED = 1234


def prepare() -> np.ndarray:
    os.makedirs(WORK, exist_ok=True)
    wav, js, table = (os.path.join(WORK, f) for f in ("train.wav", "train.json", "features.f32"))
    if not (os.path.exists(wav) and os.path.exists(js)):
        subprocess.run([sys.executable, os.path.join(VAD_SET, "generate.py"), "--train", WORK], check=True)
    subprocess.run(
        ["cargo", "run", "--release", "-q", "-p", "edgemix-dsp", "--example", "vad_train_features", "--", wav, js, table],
        check=True,
        cwd=ROOT,
    )
    return np.fromfile(table, dtype="<f4").reshape(-1, FEATURES + 4).astype(np.float64)


def split(rows: np.ndarray):
    mixture = rows[:, FEATURES + 1].astype(int)
    train = np.zeros(len(rows), dtype=bool)
    for m in np.unique(mixture):
        idx = np.flatnonzero(mixture == m)
        train[idx[: int(0.8 * len(idx))]] = True
    return train


def init(rng):
    def layer(n_in, n_out):
        return rng.normal(0.0, np.sqrt(2.0 / n_in), (n_out, n_in)), np.zeros(n_out)

    w1, b1 = layer(FEATURES, H1)
    w2, b2 = layer(H1, H2)
    w3, b3 = layer(H2, 1)
    return [w1, b1, w2, b2, w3, b3]


def forward(params, x):
    w1, b1, w2, b2, w3, b3 = params
    z1 = x @ w1.T + b1
    a1 = np.maximum(z1, 0.0)
    z2 = a1 @ w2.T + b2
    a2 = np.maximum(z2, 0.0)
    z3 = (a2 @ w3.T + b3)[:, 0]
    return z1, a1, z2, a2, z3


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def grads(params, x, y, weight_decay):
    w1, b1, w2, b2, w3, b3 = params
    z1, a1, z2, a2, z3 = forward(params, x)
    p = sigmoid(z3)
    n = len(y)
    d3 = ((p - y) / n)[:, None]
    gw3 = d3.T @ a2 + weight_decay * w3
    gb3 = d3.sum(0)
    d2 = (d3 @ w3) * (z2 > 0)
    gw2 = d2.T @ a1 + weight_decay * w2
    gb2 = d2.sum(0)
    d1 = (d2 @ w2) * (z1 > 0)
    gw1 = d1.T @ x + weight_decay * w1
    gb1 = d1.sum(0)
    return [gw1, gb1, gw2, gb2, gw3, gb3]


def fit(x, y, rng):
    params = init(rng)
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    step = 0
    for epoch in range(EPOCHS):
        lr = 2e-3 * (0.5 ** (epoch / 10))
        order = rng.permutation(len(x))
        for start in range(0, len(x), BATCH):
            batch = order[start : start + BATCH]
            g = grads(params, x[batch], y[batch], 1e-4)
            step += 1
            for i in range(len(params)):
                m[i] = 0.9 * m[i] + 0.1 * g[i]
                v[i] = 0.999 * v[i] + 0.001 * g[i] ** 2
                mh = m[i] / (1 - 0.9**step)
                vh = v[i] / (1 - 0.999**step)
                params[i] = params[i] - lr * mh / (np.sqrt(vh) + 1e-8)
        p = sigmoid(forward(params, x[:200_000])[4])
        loss = -np.mean(y[:200_000] * np.log(p + 1e-9) + (1 - y[:200_000]) * np.log(1 - p + 1e-9))
        print(f"epoch {epoch}: training loss {loss:.4f}", file=sys.stderr)
    return params


def frame_accuracy(prob, labels, mixture, held, threshold, hangover_hops):
    """Per-mixture frame accuracy over the held-out frames with the Vad's decision rule
    (threshold and hangover per 20 ms hop = frame, run over the whole mixture)."""
    out = {}
    for m in np.unique(mixture):
        idx = np.flatnonzero(mixture == m)
        p, lab = prob[idx], labels[idx]
        speech = np.zeros(len(p), dtype=bool)
        left = 0
        for i in range(len(p)):
            if p[i] >= threshold:
                left = hangover_hops
                speech[i] = True
            elif left > 0:
                left -= 1
                speech[i] = True
        keep = held[idx]
        out[int(m)] = float(np.mean((speech == (lab > 0.5))[keep]))
    return out


def f32_text(v) -> str:
    """The shortest decimal that reads back as the same f32 (Rust parses it exactly)."""
    text = np.format_float_positional(np.float32(v), unique=True, trim="0")
    return text if "." in text else text + ".0"


def emit(params, mean, std, threshold, hangover_ms, summary):
    w1, b1, w2, b2, w3, b3 = params

    def arr(name, values):
        values = np.asarray(values, dtype=np.float32).ravel()
        body = ",\n".join(
            "    " + ", ".join(f32_text(v) for v in values[i : i + 8]) for i in range(0, len(values), 8)
        )
        return f"pub(crate) static {name}: [f32; {len(values)}] = [\n{body},\n];\n"

    text = (
        "//! GENERATED by crates/dsp/training/vad/train.py — do not edit; run it again (see the\n"
        "//! README beside it). Weights of the VAD network.\n"
        f"//!\n//! {summary}\n\n"
        "#![allow(clippy::approx_constant, clippy::excessive_precision, clippy::unreadable_literal)]\n\n"
        f"pub(crate) const HIDDEN1: usize = {H1};\n"
        f"pub(crate) const HIDDEN2: usize = {H2};\n"
        f"/// Default decision threshold (chosen on the held-out training audio).\n"
        f"pub(crate) const DEFAULT_THRESHOLD: f64 = {threshold!r};\n"
        f"/// Default hangover, ms (chosen on the held-out training audio).\n"
        f"pub(crate) const DEFAULT_HANGOVER_MS: f64 = {hangover_ms!r};\n"
        + arr("MEAN", mean)
        + arr("INV_STD", 1.0 / std)
        + arr("W1", w1)
        + arr("B1", b1)
        + arr("W2", w2)
        + arr("B2", b2)
        + arr("W3", w3)
        + f"pub(crate) static B3: f32 = {f32_text(b3[0])};\n"
    )
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"wrote {OUT}", file=sys.stderr)


def main() -> None:
    rows = prepare()
    x, y = rows[:, :FEATURES], rows[:, FEATURES]
    mixture, snr, kind = rows[:, FEATURES + 1].astype(int), rows[:, FEATURES + 2], rows[:, FEATURES + 3]
    train = split(rows)
    mean = x[train].mean(0)
    std = np.maximum(x[train].std(0), 1e-3)
    # The f32 constants the Rust side uses.
    mean, std = mean.astype(np.float32).astype(np.float64), (1.0 / (1.0 / std).astype(np.float32)).astype(np.float64)
    xs = (x - mean) / std
    rng = np.random.default_rng(SEED)
    params = fit(xs[train], y[train], rng)
    prob = sigmoid(forward(params, xs)[4])
    held = ~train
    best = None
    for threshold in [0.3, 0.4, 0.5, 0.6, 0.7]:
        for hangover in [0, 1, 2, 3, 4, 5, 7]:
            acc = frame_accuracy(prob, y, mixture, held, threshold, hangover)
            score = np.mean(list(acc.values()))
            if best is None or score > best[0]:
                best = (score, threshold, hangover, acc)
    score, threshold, hangover, acc = best
    for m, a in sorted(acc.items()):
        k = int(kind[mixture == m][0])
        s = float(snr[mixture == m][0])
        print(f"held-out mixture {m}: background {k}, SNR {s:g} dB: frame accuracy {a:.3f}", file=sys.stderr)
    summary = (
        f"Held-out frame accuracy (mean over {len(acc)} mixtures): {score:.3f} at threshold {threshold}, "
        f"hangover {hangover * 20} ms; {int(train.sum())} training hops."
    )
    print(summary, file=sys.stderr)
    emit(params, mean, std, threshold, float(hangover * 20), summary)


if __name__ == "__main__":
    main()
